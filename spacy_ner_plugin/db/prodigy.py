"""A Prodigy database (a SQLite file or a PostgreSQL URL), read-only: datasets and answers.

Prodigy keeps its annotations in three tables (its peewee models, `prodigy.components.db`):
`dataset` (id, name, created, meta, session), `example` (id, input_hash, task_hash, content:
the task as JSON bytes) and `link` (id, example_id, dataset_id), which puts an example in a
dataset. Annotating creates a *session dataset* (`session` true) beside the named one, linked
to the same examples. Nothing here writes: SQLite is opened in read-only mode and PostgreSQL
transactions are read-only.
"""

import json
import sqlite3
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Tuple

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from ..errors import UsageError
from ..io.records import InvalidRecord, Line, Reject, get_text
from .database import created_at, resolve_db_url, safe_url, sqlite_file

# The columns read from each table (`dataset.session`, `meta` and `created` are optional:
# older Prodigy versions lack some of them).
REQUIRED = {
    "dataset": {"id", "name"},
    "example": {"id", "content"},
    "link": {"id", "example_id", "dataset_id"},
}
OPTIONAL = {"dataset": {"created", "meta", "session"}, "example": {"input_hash", "task_hash"}}
HASH_COLUMNS = {"_input_hash": "input_hash", "_task_hash": "task_hash"}


@dataclass
class ProdigyDataset:
    """One dataset of a Prodigy database: its answers (links) and what they say."""

    name: str
    created: float | None
    session: bool
    answers: int = 0  # every row linked to it, bad ones too
    accept: int = 0
    reject: int = 0
    ignore: int = 0
    bad: int = 0
    sessions: List[str] = field(default_factory=list)
    meta: Dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> Dict[str, Any]:
        return asdict(self)


def prodigy_tables(found: List[ProdigyDataset]) -> List[tuple]:
    """The table of Prodigy datasets `found` (none when empty), as (title, header, rows,
    aligns): session datasets marked, rows that are no task counted as bad."""
    rows = [
        (s.name, "session" if s.session else "", created_at(s.created), s.answers, s.accept,
         s.reject, s.ignore, s.bad, len(s.sessions))
        for s in found
    ]  # fmt: skip
    header = ("dataset", "kind", "created", "answers", "accept", "reject", "ignore", "bad",
              "sessions")  # fmt: skip
    return [(None, header, rows, ("l", "l", "l", *"rrrrrr"))] if rows else []


def prodigy_summary(found: List[ProdigyDataset], where: str) -> str:
    """The line under the table: how many datasets, and that an import leaves the session
    datasets out unless they are named."""
    n_sessions = sum(s.session for s in found)
    return (
        f"{len(found)} datasets in the Prodigy database {where} ({n_sessions} session datasets, "
        "left out by db-in --from-prodigy unless named)"
    )


def prodigy_file(source: str) -> Path | None:
    """The file of a Prodigy SQLite database (None for PostgreSQL and other servers)."""
    return sqlite_file(resolve_db_url(source))


class ProdigyDatabase:
    """A Prodigy database opened read-only; a `UsageError` if it is not one."""

    def __init__(self, source: str) -> None:
        self.source = str(source)
        url = resolve_db_url(self.source)
        path = sqlite_file(url)
        self.password = None if path is not None else sa.make_url(url).password
        if path is not None:
            if not path.is_file():
                raise UsageError("Prodigy database not found", f"{source}: no such file")
            self.display = str(path)
            uri = f"{path.as_uri()}?mode=ro"
            self.engine = sa.create_engine(
                "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
            )
        else:
            self.display = safe_url(url)
            try:
                self.engine = sa.create_engine(url, execution_options={"postgresql_readonly": True})
            except (ImportError, SQLAlchemyError) as err:
                raise self._fail(err) from err
        self.tables = self._reflect()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "ProdigyDatabase":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _fail(self, err: Exception) -> UsageError:
        """A `UsageError` naming the database, its password never shown."""
        lines = str(getattr(err, "orig", None) or err).strip().splitlines()
        reason = lines[0] if lines else type(err).__name__
        if self.password:
            reason = reason.replace(self.password, "***")
        return UsageError(f"Cannot read the Prodigy database {self.display}", reason)

    def _reflect(self) -> Dict[str, sa.Table]:
        """The three tables with the columns this reader uses; a `UsageError` if any is missing."""
        try:
            inspector = sa.inspect(self.engine)
            names = set(inspector.get_table_names())
            columns = {
                t: {c["name"] for c in inspector.get_columns(t)} for t in REQUIRED if t in names
            }
        except SQLAlchemyError as err:
            self.close()
            raise self._fail(err) from err
        missing = []
        for table, needed in REQUIRED.items():
            if table not in columns:
                missing.append(table)
            else:
                missing += [f"{table}.{column}" for column in sorted(needed - columns[table])]
        if missing:
            self.close()
            raise UsageError(
                f"Not a Prodigy database: {self.display}",
                f"missing {', '.join(missing)} (Prodigy's tables are dataset, example and link)",
            )
        metadata = sa.MetaData()
        return {
            table: sa.Table(
                table,
                metadata,
                *[
                    sa.Column(c)
                    for c in sorted(needed | (OPTIONAL.get(table, set()) & columns[table]))
                ],
            )
            for table, needed in REQUIRED.items()
        }

    def datasets(self) -> List[ProdigyDataset]:
        """Every dataset (session datasets marked), in the order they were created; no counts."""
        dataset = self.tables["dataset"]
        found = []
        try:
            with self.engine.connect() as conn:
                rows = list(conn.execute(sa.select(dataset).order_by(dataset.c.id)))
        except SQLAlchemyError as err:
            raise self._fail(err) from err
        for row in rows:
            values = row._mapping
            meta = _json_or_none(values.get("meta"))
            created = values.get("created")
            found.append(
                ProdigyDataset(
                    name=values["name"],
                    created=float(created) if isinstance(created, (int, float)) else None,
                    session=bool(values.get("session")),
                    meta=meta if isinstance(meta, dict) else {},
                )
            )
        return found

    def stats(self) -> List[ProdigyDataset]:
        """`datasets`, each with the statistics of its answers (every answer is read)."""
        found = self.datasets()
        for stats in found:
            _count(stats, self.answers(stats.name))
        return found

    def answers(self, name: str) -> Iterator[Line]:
        """Every answer of dataset `name` in the order it was linked, as a `Line` at
        `SOURCE:NAME:example`, line = the example's row id; bad rows as rejects.

        A record without `_input_hash`/`_task_hash` gets the ones the row stores.
        """
        dataset, example, link = (self.tables[t] for t in ("dataset", "example", "link"))
        hashes = [example.c[c] for c in HASH_COLUMNS.values() if c in example.c]
        query = (
            sa.select(example.c.id, example.c.content, *hashes)
            .join(link, link.c.example_id == example.c.id)
            .join(dataset, dataset.c.id == link.c.dataset_id)
            .where(dataset.c.name == name)
            .order_by(link.c.id)
        )
        where = f"{self.display}:{name}:example"
        try:
            with self.engine.connect() as conn:
                for row in conn.execution_options(yield_per=1000).execute(query):
                    yield _line(where, row._mapping)
        except SQLAlchemyError as err:
            raise self._fail(err) from err


def every_prodigy_stats(source: str) -> Tuple[List[ProdigyDataset], str]:
    """The statistics of every dataset of Prodigy database `source` (a file or a URL, read
    only), and where it is (the file, or the URL without its password)."""
    with ProdigyDatabase(source) as prodigy:
        return prodigy.stats(), prodigy.display


def _line(where: str, row: Any) -> Line:
    """One example row as a `Line`: its task, or why it cannot be one."""
    content = row["content"]
    if isinstance(content, memoryview):
        content = content.tobytes()
    try:
        text = content.decode("utf8") if isinstance(content, bytes) else content
        record = json.loads(text)
    except UnicodeDecodeError as err:
        reason = f"content is not valid UTF-8 (byte {err.start})"
        return Line(where, row["id"], reject=Reject(where, row["id"], "content", reason))
    except (TypeError, ValueError) as err:
        reason = f"content is not JSON: {err}"
        return Line(where, row["id"], reject=Reject(where, row["id"], "content", reason, text))
    if not isinstance(record, dict):
        reason = f"content must be a JSON object, got {type(record).__name__}"
        return Line(where, row["id"], reject=Reject(where, row["id"], "content", reason, record))
    for key, column in HASH_COLUMNS.items():
        if key not in record and row.get(column) is not None:
            record[key] = int(row[column])
    return Line(where, row["id"], record=record)


def _json_or_none(value: Any) -> Any:
    if isinstance(value, memoryview):
        value = value.tobytes()
    try:
        return json.loads(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _count(stats: ProdigyDataset, lines: Iterable[Line]) -> None:
    """Answers, accept / reject / ignore, bad rows (no JSON task with a text) and sessions of
    one dataset."""
    answers: Counter = Counter()
    sessions = set()
    for line in lines:
        stats.answers += 1
        try:
            get_text(line.record or {})
        except InvalidRecord:
            stats.bad += 1
            continue
        answers[line.record.get("answer")] += 1
        session = line.record.get("_session_id")
        if session is not None:
            sessions.add(str(session))
    stats.accept, stats.reject, stats.ignore = (answers[a] for a in ("accept", "reject", "ignore"))
    stats.sessions = sorted(sessions)
