"""Which session holds which task of a dataset: the `assignment` rows, read and claimed.

Every claim is one write transaction whose rows the schema's unique constraints guard (one
session per place of a text, one place per session and text), so two server processes or
threads can never hand one place to two sessions: a row another process took first is simply
not inserted (`ON CONFLICT DO NOTHING`), and taking over a timed-out row is a compare-and-set
on its holder and time.
"""

import json
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Set, Tuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..io.records import json_line
from .database import Database, _dataset_id, assignments

Task = Dict[str, Any]


@dataclass
class Held:
    """One assignment: task `key`'s place `slot`, held by `session` since `since`."""

    id: int
    key: int
    slot: str
    session: str
    since: float
    answered: bool
    task: Task | None = None  # loaded for unanswered rows only


class Assignments:
    """The assignment rows of one dataset."""

    def __init__(self, db: Database, dataset: str) -> None:
        self.db = db
        with db.engine.connect() as conn:
            dataset_id = _dataset_id(conn, dataset)
        if dataset_id is None:
            raise ValueError(f"no dataset {dataset!r}")
        self.dataset_id = dataset_id
        insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
        self._insert = insert(assignments).on_conflict_do_nothing()

    def _query(self, where: Any, task: Any = assignments.c.task, limit: int | None = None
               ) -> List[Held]:  # fmt: skip
        table = assignments.c
        query = (
            sa.select(
                table.id,
                table.task_key,
                table.slot,
                table.session_id,
                table.handed_out,
                table.answered,
                task,
            )  # fmt: skip
            .where((table.dataset_id == self.dataset_id) & where)
            .order_by(table.id)
            .limit(limit)
        )
        with self.db.engine.connect() as conn:
            return [
                Held(*row[:6], task=json.loads(row[6]) if row[6] is not None else None)
                for row in conn.execute(query)
            ]

    def every(self) -> List[Held]:
        """Every row, the tasks of the unanswered ones loaded (what a new feed starts from)."""
        table = assignments.c
        return self._query(sa.true(), task=sa.case((table.answered, sa.null()), else_=table.task))

    def of_key(self, key: int) -> List[Held]:
        """The rows of one task key (answered or not), with their tasks."""
        return self._query(assignments.c.task_key == key)

    def open_of(self, session: str) -> List[Held]:
        """`session`'s unanswered rows, oldest first."""
        table = assignments.c
        return self._query((table.session_id == session) & ~table.answered)

    def expired(self, before: float, session: str, limit: int) -> List[Held]:
        """Up to `limit` unanswered rows of other sessions handed out before `before`."""
        table = assignments.c
        where = ~table.answered & (table.handed_out < before) & (table.session_id != session)
        return self._query(where, limit=limit)

    def max_line(self) -> int:
        """The highest source line handed out (0 if none)."""
        query = sa.select(sa.func.max(assignments.c.line)).where(
            assignments.c.dataset_id == self.dataset_id
        )
        with self.db.engine.connect() as conn:
            return int(conn.scalar(query) or 0)

    def claim(
        self, wanted: Iterable[Tuple[int, str, str, Task]], now: float
    ) -> Set[Tuple[int, str]]:
        """Insert rows for `(key, slot, session, task)`; the `(key, slot)` pairs that were
        free (the others another process holds)."""
        rows = [
            {"dataset_id": self.dataset_id, "task_key": key, "slot": slot, "session_id": session,
             "handed_out": now, "answered": False, "line": _line(task), "task": json_line(task)}
            for key, slot, session, task in wanted
        ]  # fmt: skip
        if not rows:
            return set()
        statement = self._insert.values(rows).returning(assignments.c.task_key, assignments.c.slot)
        return self.db._retrying(lambda conn: {(k, s) for k, s in conn.execute(statement)})

    def take_over(self, held: Held, session: str, now: float) -> bool:
        """Give timed-out row `held` to `session`, unless its holder answered or renewed it
        meanwhile, or `session` holds another place of the same task."""
        table = assignments.c
        other = assignments.alias("other")
        same_session = (
            sa.select(other.c.id)
            .where(
                (other.c.dataset_id == self.dataset_id)
                & (other.c.task_key == held.key)
                & (other.c.session_id == session)
            )
            .exists()
        )
        statement = (
            sa.update(assignments)
            .where(
                (table.id == held.id)
                & (table.session_id == held.session)
                & (table.handed_out == held.since)
                & ~table.answered
                & ~same_session
            )
            .values(session_id=session, handed_out=now)
        )
        return self.db._retrying(lambda conn: conn.execute(statement).rowcount == 1)

    def renew(self, session: str, keys: List[int], now: float) -> None:
        """`session` got these tasks back (a reload): their timeout starts again."""
        if keys:
            table = assignments.c
            statement = (
                sa.update(assignments)
                .where(
                    (table.dataset_id == self.dataset_id)
                    & (table.session_id == session)
                    & table.task_key.in_(keys)
                    & ~table.answered
                )
                .values(handed_out=now)
            )
            self.db._retrying(lambda conn: conn.execute(statement))


def _line(task: Task) -> int | None:
    line = task.get("_line")
    return line if isinstance(line, int) else None
