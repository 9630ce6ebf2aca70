"""Hand tasks from a recipe's stream to annotator sessions, and take their answers.

Rules (Prodigy's, plus a timeout), kept in the database's `assignment` rows so that they hold
across restarts and between server processes:
- what the dataset already holds, or an `--exclude` dataset, is skipped, by input hash (one
  answer per text) or by task hash (teach: one answer per question);
- each text goes to `per_task` distinct sessions (1 by default; `--annotations-per-task N`;
  None with `--feed-overlap`: every session gets every text once);
- a task handed to a session is its own until it answers it or `timeout` seconds pass; then
  the next session that asks takes it over; a session that reloads its page (`fresh`) gets its
  unanswered tasks back first;
- with `max_ahead` (recipes that update a model), a session never holds more unanswered tasks.
Hand-outs are write transactions the schema's unique constraints guard (see
`db.assignments`); what this process knows is kept in memory, so most questions cost one
insert. The stream is pulled lazily, so a teach stream's later questions come from the updated
model.
"""

import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterable, Iterator, List, Sequence, Set, Tuple

from ..db.assignments import Assignments, Held
from ..io.hashing import set_hashes

Task = Dict[str, Any]
HASH_FIELDS = {"input": "_input_hash", "task": "_task_hash"}
# How often, at most, the database is asked for timed-out tasks that other processes handed.
RECLAIM_CHECK_S = 5.0


class NotYours(Exception):
    """An answer to a task that was handed to another session (the server answers 409)."""


class Feed:
    """The tasks of one stream, shared by every session of one running app."""

    def __init__(
        self,
        stream: Iterable[Task],
        store: Assignments,
        *,
        by: str = "input",
        excluded: Iterable[int] = (),
        answered: Iterable[Tuple[str | None, int]] = (),
        per_task: int | None = 1,
        timeout: float = 600.0,
        max_ahead: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if by not in HASH_FIELDS:
            raise ValueError(f"by must be one of {', '.join(HASH_FIELDS)}, not {by!r}")
        if per_task is not None and per_task < 1:
            raise ValueError(f"per_task must be at least 1, not {per_task}")
        self.field = HASH_FIELDS[by]
        self.store = store
        self.per_task = per_task
        self.timeout = timeout
        self.max_ahead = max_ahead
        self.clock = clock
        self._stream: Iterator[Task] = iter(stream)
        self._exhausted = False
        self._lock = threading.Lock()
        self._excluded: Set[int] = set(excluded)
        # Who answered or holds each key, and which places of it are taken.
        self._answered: Set[Tuple[str | None, int]] = set(answered)
        self._holders: Dict[int, Set[str | None]] = defaultdict(set)
        self._slots: Dict[int, Set[str]] = defaultdict(set)
        for session, key in self._answered:
            self._holders[key].add(session)
        self._out: Dict[Tuple[str, int], Held] = {}
        self._claiming: Dict[str, int] = defaultdict(int)  # tasks being claimed, per session
        for held in store.every():
            self._remember(held)
        self.texts_read = store.max_line()
        # With several sessions per text: every task pulled so far, and how far each session
        # has read them.
        self._pulled: List[Task] = []
        self._position: Dict[str, int] = {}
        self._next_reclaim = float("-inf")
        # A stream of known length (a list) can say how many tasks are left.
        self._items: Sequence[Task] | None = stream if isinstance(stream, Sequence) else None

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the feed while a recipe's `update` changes what its stream yields next."""
        with self._lock:
            yield

    def key(self, task: Task) -> int:
        return set_hashes(task)[self.field]

    def questions(self, session: str, n: int, fresh: bool = False) -> List[Task]:
        """Up to `n` tasks for `session` (its unanswered ones first when `fresh`), never more
        than `max_ahead` unanswered ones in all."""
        with self._lock:
            now = self.clock()
            tasks: List[Task] = []
            if fresh:
                mine = self.store.open_of(session)[:n]
                self.store.renew(session, [held.key for held in mine], now)
                for held in mine:
                    held.since = now
                    self._remember(held)
                    tasks.append(held.task)
            wanted = n - len(tasks)
            if self.max_ahead is not None:
                holding = sum(s == session and now - h.since <= self.timeout
                              for (s, _), h in self._out.items())  # fmt: skip
                holding += self._claiming[session]
                wanted = min(wanted, self.max_ahead - holding)
            if wanted <= 0:
                return tasks
            reclaimed = self._reclaim(session, wanted, now)
            tasks += reclaimed
            wanted -= len(reclaimed)
        while wanted > 0:
            claimed = self._hand_out(session, wanted, now)
            if claimed is None:
                break
            tasks += claimed
            wanted -= len(claimed)
        return tasks

    def _hand_out(self, session: str, n: int, now: float) -> List[Task] | None:
        """Up to `n` new tasks for `session`, claimed in the database (None: the stream has
        none left for it). The claim runs outside the feed's lock, so that sessions' claims
        overlap on a database that lets them (PostgreSQL); the places it is after are
        reserved in memory meanwhile."""
        with self._lock:
            wanted = self._candidates(session, n)
            if not wanted:
                return None
            for key, slot, _ in wanted:
                self._holders[key].add(session)
                self._slots[key].add(slot)  # ours now, or another process's
            self._claiming[session] += len(wanted)
        try:
            free = self.store.claim([(k, slot, session, t) for k, slot, t in wanted], now)
        finally:
            with self._lock:
                self._claiming[session] -= len(wanted)
        tasks: List[Task] = []
        with self._lock:
            for key, slot, task in wanted:
                if (key, slot) in free:
                    self._remember(Held(0, key, slot, session, now, False, task))
                    tasks.append(task)
                    line = task.get("_line")
                    if isinstance(line, int) and line > self.texts_read:
                        self.texts_read = line
                elif self.per_task is not None:
                    self._holders[key].discard(session)  # another process took the place
        return tasks

    def _remember(self, held: Held) -> None:
        self._holders[held.key].add(held.session)
        self._slots[held.key].add(held.slot)
        if held.answered:
            self._answered.add((held.session, held.key))
        else:
            self._out[(held.session, held.key)] = held

    def _full(self, key: int) -> bool:
        places = max(len(self._holders[key]), len(self._slots[key]))
        return self.per_task is not None and places >= self.per_task

    def _eligible(self, session: str, key: int) -> bool:
        """Whether `session` may get task `key` (as far as this process knows)."""
        held = session in self._holders[key]
        return key not in self._excluded and not held and not self._full(key)

    def _slot(self, session: str, key: int) -> str:
        if self.per_task is None:
            return session
        return next(str(i) for i in range(self.per_task) if str(i) not in self._slots[key])

    def _reclaim(self, session: str, n: int, now: float) -> List[Task]:
        """Tasks whose holders let `timeout` pass, taken over for `session`."""
        before = now - self.timeout
        known = any(s != session and h.since < before for (s, _), h in self._out.items())
        if not known and now < self._next_reclaim:
            return []
        self._next_reclaim = now + min(self.timeout, RECLAIM_CHECK_S)
        tasks = []
        for held in self.store.expired(before, session, n):
            self._out.pop((held.session, held.key), None)
            self._holders[held.key].discard(held.session)
            if session in self._holders[held.key] or held.key in self._excluded:
                continue
            if self.store.take_over(held, session, now):
                held.session, held.since = session, now
                self._remember(held)
                tasks.append(held.task)
        return tasks

    def _candidates(self, session: str, n: int) -> List[Tuple[int, str, Task]]:
        """Up to `n` tasks `session` may get, with the place each would take."""
        found: List[Tuple[int, str, Task]] = []
        if self.per_task == 1:  # each task once: nothing to keep for later sessions
            while len(found) < n:
                task = self._pull()
                if task is None:
                    break
                key = self.key(task)
                if self._eligible(session, key) and all(k != key for k, _, _ in found):
                    found.append((key, self._slot(session, key), task))
            return found
        position = self._position.get(session, 0)
        while position < len(self._pulled) and not self._eligible(
            session, self.key(self._pulled[position])
        ):
            position += 1  # taken by this session or full: never again
        self._position[session] = position
        i = position
        while len(found) < n:
            if i == len(self._pulled):
                task = self._pull()
                if task is None:
                    break
                self._pulled.append(task)
            task = self._pulled[i]
            key = self.key(task)
            if self._eligible(session, key) and all(k != key for k, _, _ in found):
                found.append((key, self._slot(session, key), task))
            i += 1
        return found

    def _pull(self) -> Task | None:
        """The stream's next task (None at its end)."""
        if self._exhausted:
            return None
        task = next(self._stream, None)
        if task is None:
            self._exhausted = True
        return task

    def answer(self, session: str, records: Iterable[Task]) -> None:
        """Mark answers of `session` as done (the database marked its assignments in the
        transaction that saved them)."""
        with self._lock:
            for record in records:
                key = self.key(record)
                self._out.pop((session, key), None)
                self._answered.add((session, key))
                self._holders[key].add(session)

    def answered_by(self, session: str, record: Task) -> bool:
        """Whether `session` has answered this task already (in this run or before it)."""
        with self._lock:
            return (session, self.key(record)) in self._answered

    def task_of(self, session: str, input_hash: int, task_hash: int) -> Task | None:
        """The task with these hashes as it was handed to `session` (in this run or before;
        answered or not); None if it was never handed out. Raises `NotYours` if it was handed
        to other sessions only and this one may not have it too."""
        key = input_hash if self.field == "_input_hash" else task_hash
        with self._lock:
            held = self._out.get((session, key))
            task = held.task if held is not None else self._task_from_store(session, key)
        if task is None or set_hashes(task)["_task_hash"] != task_hash:
            return None
        return task

    def _task_from_store(self, session: str, key: int) -> Task | None:
        rows = self.store.of_key(key)
        for held in rows:
            if held.session == session:
                return held.task
        if not rows:
            return None
        for held in rows:
            self._holders[key].add(held.session)
            self._slots[key].add(held.slot)
        if self._eligible(session, key):  # another place is free: this answer takes it
            slot = self._slot(session, key)
            if self.store.claim([(key, slot, session, rows[0].task)], self.clock()):
                self._remember(Held(0, key, slot, session, self.clock(), False, rows[0].task))
                return rows[0].task
        raise NotYours("this task was handed to another session")

    def left(self, session: str) -> int | None:
        """Tasks `session` may still get (None when the stream's length is unknown)."""
        with self._lock:
            if self._items is None:
                if not self._exhausted:
                    return None
                pulled = self._pulled[self._position.get(session, 0) :]
                return sum(self._eligible(session, self.key(t)) for t in pulled)
            return sum(
                self._eligible(session, key) and (session, key) not in self._out
                for key in map(self.key, self._items)
            )
