"""Hand tasks from a recipe's stream to annotator sessions, and take their answers.

Rules (Prodigy's, plus a timeout):
- what the dataset (or an `--exclude` dataset) already holds is skipped, by input hash (one
  answer per text) or by task hash (teach: one answer per question);
- without `overlap`, a task goes to one session only; with it (`--feed-overlap`), every
  session gets every task once (agreement studies);
- a task handed out and not answered within `timeout` seconds goes to the next session that
  asks; a session that reloads its page (`fresh`) gets its own unanswered tasks back first.
The stream is pulled lazily, so a teach stream's later questions come from the updated model.
"""

import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import (
    Any,
    Callable,
    Deque,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
)

from ..io.hashing import set_hashes

Task = Dict[str, Any]
HASH_FIELDS = {"input": "_input_hash", "task": "_task_hash"}


@dataclass
class HandedOut:
    session: str
    since: float
    task: Task


class Feed:
    """The tasks of one stream, shared by every session of one running app."""

    def __init__(
        self,
        stream: Iterable[Task],
        *,
        by: str = "input",
        done: Iterable[int] = (),
        answered: Iterable[Tuple[str, int]] = (),
        overlap: bool = False,
        timeout: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if by not in HASH_FIELDS:
            raise ValueError(f"by must be one of {', '.join(HASH_FIELDS)}, not {by!r}")
        self.field = HASH_FIELDS[by]
        self.overlap = overlap
        self.timeout = timeout
        self.clock = clock
        self._stream: Iterator[Task] = iter(stream)
        self._exhausted = False
        self._lock = threading.Lock()
        # Keys answered by anyone (without overlap) or (session, key) pairs (with overlap).
        self._done: Set[int] = set(done)
        self._answered: Set[Tuple[str, int]] = set(answered)
        self._out: Dict[Tuple[str, int], HandedOut] = {}
        self._returned: Deque[Task] = deque()
        # With overlap: every task pulled so far, and how far each session has read them.
        self._pulled: List[Task] = []
        self._position: Dict[str, int] = {}
        # A stream of known length (a list) can say how many tasks are left.
        self._items: Optional[Sequence[Task]] = stream if isinstance(stream, Sequence) else None

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the feed while a recipe's `update` changes what its stream yields next."""
        with self._lock:
            yield

    def key(self, task: Task) -> int:
        return set_hashes(task)[self.field]

    def questions(self, session: str, n: int, fresh: bool = False) -> List[Task]:
        """Up to `n` tasks for `session` (its unanswered ones first when `fresh`)."""
        with self._lock:
            now = self.clock()
            tasks: List[Task] = []
            if fresh:
                for out in self._out.values():
                    if out.session == session and len(tasks) < n:
                        out.since = now
                        tasks.append(out.task)
            pull = self._next_shared if not self.overlap else self._next_own
            while len(tasks) < n:
                task = pull(session, now)
                if task is None:
                    break
                self._out[(session, self.key(task))] = HandedOut(session, now, task)
                tasks.append(task)
            return tasks

    def _next_shared(self, session: str, now: float) -> Optional[Task]:
        self._reclaim(now)
        while self._returned:
            task = self._returned.popleft()
            if self.key(task) not in self._done and not self._is_out(self.key(task)):
                return task
        while True:
            task = self._pull()
            if task is None:
                return None
            key = self.key(task)
            if key not in self._done and not self._is_out(key):
                return task

    def _next_own(self, session: str, now: float) -> Optional[Task]:
        position = self._position.get(session, 0)
        while True:
            if position == len(self._pulled):
                pulled = self._pull()
                if pulled is None:
                    self._position[session] = position
                    return None
                self._pulled.append(pulled)
            task = self._pulled[position]
            position += 1
            key = self.key(task)
            if (session, key) not in self._answered and (session, key) not in self._out:
                self._position[session] = position
                return task

    def _pull(self) -> Optional[Task]:
        """The stream's next task (None at its end)."""
        if self._exhausted:
            return None
        task = next(self._stream, None)
        if task is None:
            self._exhausted = True
        return task

    def _is_out(self, key: int) -> bool:
        return any(k == key for _, k in self._out)

    def _reclaim(self, now: float) -> None:
        """Tasks out longer than the timeout go back to the front of the queue."""
        expired = [k for k, out in self._out.items() if now - out.since > self.timeout]
        for k in expired:
            self._returned.append(self._out.pop(k).task)

    def answer(self, session: str, records: Iterable[Task]) -> None:
        """Mark answers of `session` as done: their tasks are never handed out again."""
        with self._lock:
            for record in records:
                key = self.key(record)
                self._out.pop((session, key), None)
                self._answered.add((session, key))
                if not self.overlap:
                    self._done.add(key)
                    for other in [k for k in self._out if k[1] == key]:
                        del self._out[other]

    def answered_by(self, session: str, record: Task) -> bool:
        """Whether `session` has answered this task already (in this run or before it)."""
        with self._lock:
            return (session, self.key(record)) in self._answered

    def task_of(self, session: str, input_hash: int, task_hash: int) -> Optional[Task]:
        """The task with these hashes as this app handed it to `session` (None if it did
        not, e.g. before a restart, or it was answered already)."""
        key = input_hash if self.field == "_input_hash" else task_hash
        with self._lock:
            out = self._out.get((session, key))
        if out is None or set_hashes(out.task)["_task_hash"] != task_hash:
            return None
        return out.task

    def left(self, session: str) -> Optional[int]:
        """Tasks `session` may still get (None when the stream's length is unknown)."""
        with self._lock:
            if self._items is None:
                return 0 if self._exhausted and not self._returned and not self._out else None
            if self.overlap:
                out = {key for s, key in self._out if s == session}
                answered = {key for s, key in self._answered if s == session}
                return sum(self.key(t) not in answered | out for t in self._items)
            out = {key for _, key in self._out}
            return sum(self.key(t) not in self._done | out for t in self._items)
