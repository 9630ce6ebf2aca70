"""The annotation database: datasets, examples (one answer each) and the links between them.

The schema follows Prodigy's: an example is one answer record (its JSON, `_input_hash`,
`_task_hash`, answer, `_session_id`, `_annotator_id`, `_timestamp`), and a link puts it in a
dataset. Each link carries an answer key, unique within its dataset: the client's
`_answer_id` for answers from the app (so a retried save never adds a row twice), or a hash of
the record's content for imports (so importing a file twice adds nothing).

SQLite (the default, one file) runs in WAL mode and takes its write lock at the start of each
write transaction (`BEGIN IMMEDIATE`), so concurrent savers queue instead of failing;
PostgreSQL is reached by URL through psycopg 3. Both go through SQLAlchemy Core.

The app's assignments (which session holds which task, until answered or timed out) are rows
of `assignment`, so they survive a restart; an answer that replaces an earlier one of its
session marks the old one `superseded_by` (kept, left out of `get_answers` by default). The
schema is versioned with Alembic (`migrations`): opening a database upgrades it.
"""

import hashlib
import json
import os
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Set, Tuple, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from ..errors import PluginError, UsageError
from ..io.hashing import set_hashes
from ..io.records import json_line
from .migrations import ensure_schema

DB_ENV = "SPACY_NER_PLUGIN_DB"
DEFAULT_DB = "annotations.sqlite"
NAME_MAX = 200
KEY_MAX = 100
WRITE_RETRIES = 8
T = TypeVar("T")
# 64-bit ids on PostgreSQL; SQLite's INTEGER PRIMARY KEY is already 64-bit (and autoincrements).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

metadata = sa.MetaData()
datasets = sa.Table(
    "dataset",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(NAME_MAX), nullable=False, unique=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("meta", sa.Text, nullable=False),
)
examples = sa.Table(
    "example",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("input_hash", sa.BigInteger, nullable=False, index=True),
    sa.Column("task_hash", sa.BigInteger, nullable=False, index=True),
    sa.Column("answer", sa.String(16)),
    sa.Column("session_id", sa.String(NAME_MAX), index=True),
    sa.Column("annotator_id", sa.String(NAME_MAX)),
    sa.Column("timestamp", sa.BigInteger),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("superseded_by", sa.String(KEY_MAX)),
    sa.Index("example_superseded", "superseded_by"),
)
links = sa.Table(
    "link",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("dataset_id", ID, sa.ForeignKey("dataset.id", ondelete="CASCADE"), nullable=False),
    sa.Column("example_id", ID, sa.ForeignKey("example.id", ondelete="CASCADE"), nullable=False),
    sa.Column("answer_key", sa.String(KEY_MAX), nullable=False),
    sa.UniqueConstraint("dataset_id", "answer_key", name="link_answer_once"),
    sa.Index("link_by_dataset", "dataset_id", "id"),
    sa.Index("link_by_example", "example_id"),
)
# One row per task handed to a session: `task_key` is its input or task hash (as the feed
# dedupes), `slot` which of the text's N places it fills (N sessions per text; the session's
# name when every session gets every text), so two sessions can never hold one place.
assignments = sa.Table(
    "assignment",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("dataset_id", ID, sa.ForeignKey("dataset.id", ondelete="CASCADE"), nullable=False),
    sa.Column("task_key", sa.BigInteger, nullable=False),
    sa.Column("slot", sa.String(NAME_MAX), nullable=False),
    sa.Column("session_id", sa.String(NAME_MAX), nullable=False),
    sa.Column("handed_out", sa.Float, nullable=False),
    sa.Column("answered", sa.Boolean, nullable=False),
    sa.Column("line", sa.BigInteger),
    sa.Column("task", sa.Text, nullable=False),
    sa.UniqueConstraint("dataset_id", "task_key", "slot", name="assignment_slot_once"),
    sa.UniqueConstraint("dataset_id", "task_key", "session_id", name="assignment_session_once"),
    sa.Index("assignment_by_session", "dataset_id", "session_id"),
    sa.Index("assignment_open", "dataset_id", "answered", "handed_out"),
)


def resolve_db_url(db: str | None = None) -> str:
    """The database URL from `--db` (a URL or a file path), else $SPACY_NER_PLUGIN_DB, else
    `annotations.sqlite` in the current directory (the project)."""
    value = db or os.environ.get(DB_ENV) or DEFAULT_DB
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    scheme, rest = value.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    return value


def safe_url(url: str) -> str:
    """The URL to print: the password hidden."""
    return sa.make_url(url).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    parsed = sa.make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def answer_key(record: Dict[str, Any]) -> str:
    """What makes an answer the same one twice: the app's `_answer_id`, else its content."""
    given = record.get("_answer_id")
    if isinstance(given, str) and given:
        return given[:KEY_MAX]
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False)
    return "sha1:" + hashlib.sha1(canonical.encode("utf8")).hexdigest()


@dataclass
class DatasetStats:
    """Prodigy-like statistics of one dataset."""

    name: str
    created: float
    answers: int = 0
    accept: int = 0
    reject: int = 0
    ignore: int = 0
    sessions: List[str] = field(default_factory=list)
    meta: Dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> Dict[str, Any]:
        return asdict(self)


class NotAssigned(PluginError):
    """Answers to tasks that are no longer their session's (taken over after the timeout)."""


@dataclass
class AddResult:
    """What one `add_answers` call did: rows added, and answers that were already there."""

    added: int = 0
    already_there: int = 0
    added_keys: List[str] = field(default_factory=list)


class Database:
    """One database (any SQLAlchemy URL; SQLite and PostgreSQL are tested)."""

    def __init__(self, url: str | None = None, pool_size: int = 10) -> None:
        self.url = resolve_db_url(url)
        options: Dict[str, Any] = {}
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            path = sqlite_file(self.url)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            options["connect_args"] = {"timeout": 60, "check_same_thread": False}
        else:
            options.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        try:
            self.engine = sa.create_engine(self.url, **options)
        except ImportError as err:  # the database's driver: psycopg comes with the app extra
            raise UsageError(
                f"Cannot open the database {safe_url(self.url)}: {err}",
                "PostgreSQL needs psycopg 3: pip install 'spacy_ner_plugin[app]'",
            ) from err
        except SQLAlchemyError as err:
            raise UsageError(f"Cannot open the database {safe_url(self.url)}", str(err)) from err
        if self.is_sqlite:
            _sqlite_transactions(self.engine)
        try:
            ensure_schema(self.engine, metadata, self._write)
        except SQLAlchemyError as err:
            raise PluginError(f"Cannot open the database {safe_url(self.url)}", str(err)) from err

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """A write transaction (on SQLite it holds the write lock from its first statement)."""
        with self.engine.connect() as conn:
            conn.info["immediate"] = True
            with conn.begin():
                yield conn

    def _retrying(self, work: Callable[[sa.Connection], T]) -> T:
        """Run `work` in a write transaction, again if a concurrent writer got in the way
        (the same answer key or dataset name inserted meanwhile, or SQLite busy)."""
        for attempt in range(WRITE_RETRIES):
            last = attempt == WRITE_RETRIES - 1
            try:
                with self._write() as conn:
                    return work(conn)
            except IntegrityError:
                if last:
                    raise
            except OperationalError as err:
                if last or not _is_busy(err):
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    # Datasets

    def datasets(self) -> List[str]:
        with self.engine.connect() as conn:
            return list(conn.scalars(sa.select(datasets.c.name).order_by(datasets.c.id)))

    def __contains__(self, name: str) -> bool:
        with self.engine.connect() as conn:
            return _dataset_id(conn, name) is not None

    def add_dataset(self, name: str, meta: Dict[str, Any] | None = None) -> None:
        """Create dataset `name` if it does not exist (its meta is kept if it does)."""
        check_dataset_name(name)
        self._retrying(lambda conn: _ensure_dataset(conn, name, meta))

    def drop_dataset(self, name: str) -> bool:
        """Remove a dataset and the examples no other dataset links to."""
        with self._write() as conn:
            dataset_id = _dataset_id(conn, name)
            if dataset_id is None:
                return False
            ids = sa.select(links.c.example_id).where(links.c.dataset_id == dataset_id)
            only_here = ids.where(
                ~sa.exists().where(
                    (links.c.example_id == examples.c.id) & (links.c.dataset_id != dataset_id)
                )
            )
            doomed = list(conn.scalars(only_here))
            conn.execute(sa.delete(links).where(links.c.dataset_id == dataset_id))
            for start in range(0, len(doomed), 500):
                chunk = doomed[start : start + 500]
                conn.execute(sa.delete(examples).where(examples.c.id.in_(chunk)))
            conn.execute(sa.delete(datasets).where(datasets.c.id == dataset_id))
            return True

    # Answers

    def add_answers(
        self,
        name: str,
        records: Iterable[Dict[str, Any]],
        *,
        assigned_by: str | None = None,
        supersedes: Dict[str, str] | None = None,
    ) -> AddResult:
        """Add answer records to dataset `name` (created if needed), in one transaction.

        Records get `_input_hash`/`_task_hash` if they lack them. An answer whose key (see
        `answer_key`) the dataset already holds is not added again, so retrying a save, or
        importing a file twice, changes nothing. With `assigned_by` ("input" or "task": the
        hash the app's feed keys tasks by), the answering sessions' assignments of those tasks
        are marked answered in the same transaction. `supersedes` maps a new answer's key to
        the key of an earlier answer of the same session, which gets `_superseded_by`.
        Raises `NotAssigned` (nothing saved) if a task is no longer its answer's session's.
        """
        check_dataset_name(name)
        rows: Dict[str, Dict[str, Any]] = {}
        for record in records:
            record = set_hashes(dict(record))
            rows.setdefault(answer_key(record), _example_row(record))

        def work(conn: sa.Connection) -> AddResult:
            dataset_id = _ensure_dataset(conn, name, None)
            result = _add_rows(conn, dataset_id, rows)
            for new, old in (supersedes or {}).items():
                if new in rows:
                    _supersede(conn, dataset_id, old, new, rows[new])
            if assigned_by is not None:
                column = "input_hash" if assigned_by == "input" else "task_hash"
                _mark_answered(conn, dataset_id, [(r["session_id"], r[column])
                                                  for r in rows.values()])  # fmt: skip
            return result

        return self._retrying(work)

    def import_answers(
        self, name: str, records: Iterable[Dict[str, Any]], batch_size: int = 1000
    ) -> AddResult:
        """`add_answers` for a stream of any length (`db-in`): one transaction per batch."""
        total = AddResult()
        batch: List[Dict[str, Any]] = []
        for record in records:
            batch.append(record)
            if len(batch) == batch_size:
                _merge(total, self.add_answers(name, batch))
                batch = []
        if batch or not total.added:
            _merge(total, self.add_answers(name, batch))
        return total

    def get_answers(self, name: str, include_superseded: bool = False) -> Iterator[Dict[str, Any]]:
        """Every answer record of dataset `name`, in the order they were saved (without the
        answers a later one superseded, unless `include_superseded`)."""
        with self.engine.connect() as conn:
            dataset_id = _dataset_id(conn, name)
            if dataset_id is None:
                raise UsageError("No such dataset", name)
            query = (
                sa.select(examples.c.content)
                .join(links, links.c.example_id == examples.c.id)
                .where(links.c.dataset_id == dataset_id)
                .order_by(links.c.id)
            )
            if not include_superseded:
                query = query.where(examples.c.superseded_by.is_(None))
            for content in conn.execution_options(yield_per=1000).scalars(query):
                yield json.loads(content)

    def count(self, name: str, session_id: str | None = None) -> int:
        """Number of answers in `name` (of one session, if given), superseded ones left out."""
        # Joined to the dataset by name (not a subquery for its id): PostgreSQL then counts
        # the links of the dataset from their index alone.
        in_dataset = links.join(datasets, links.c.dataset_id == datasets.c.id)
        with_examples = in_dataset.join(examples, examples.c.id == links.c.example_id)
        named = datasets.c.name == name
        if session_id is not None:
            query = (
                sa.select(sa.func.count())
                .select_from(with_examples)
                .where(named & (examples.c.session_id == session_id))
                .where(examples.c.superseded_by.is_(None))
            )
        else:  # every link less the few superseded (found by their index)
            every = sa.select(sa.func.count()).select_from(in_dataset).where(named)
            superseded = (
                sa.select(sa.func.count())
                .select_from(with_examples)
                .where(named & examples.c.superseded_by.is_not(None))
            )
            query = sa.select(every.scalar_subquery() - superseded.scalar_subquery())
        with self.engine.connect() as conn:
            return int(conn.scalar(query) or 0)

    def history(self, name: str, session_id: str, n: int = 20) -> List[Dict[str, Any]]:
        """The latest `n` answers of `session_id` in dataset `name` that no later answer
        superseded, newest first."""
        query = (
            sa.select(examples.c.content)
            .join(links, links.c.example_id == examples.c.id)
            .join(datasets, datasets.c.id == links.c.dataset_id)
            .where(
                (datasets.c.name == name)
                & (examples.c.session_id == session_id)
                & examples.c.superseded_by.is_(None)
            )
            .order_by(links.c.id.desc())
            .limit(n)
        )
        with self.engine.connect() as conn:
            return [json.loads(content) for content in conn.scalars(query)]

    def hashes(
        self, names: Iterable[str], by: str = "input", session_id: str | None = None
    ) -> Set[int]:
        """The input (or task) hashes of the answers in datasets `names` (of one session)."""
        column = examples.c.input_hash if by == "input" else examples.c.task_hash
        query = (
            sa.select(column)
            .distinct()
            .join(links, links.c.example_id == examples.c.id)
            .join(datasets, datasets.c.id == links.c.dataset_id)
            .where(datasets.c.name.in_(list(names)))
        )
        if session_id is not None:
            query = query.where(examples.c.session_id == session_id)
        with self.engine.connect() as conn:
            return set(conn.scalars(query))

    def answered(self, names: Iterable[str], by: str = "input") -> Set[Tuple[str, int]]:
        """`(session_id, hash)` of every answer in datasets `names` (for overlapping feeds)."""
        column = examples.c.input_hash if by == "input" else examples.c.task_hash
        query = (
            sa.select(examples.c.session_id, column)
            .distinct()
            .join(links, links.c.example_id == examples.c.id)
            .join(datasets, datasets.c.id == links.c.dataset_id)
            .where(datasets.c.name.in_(list(names)))
        )
        with self.engine.connect() as conn:
            return {(row[0], row[1]) for row in conn.execute(query)}

    def stats(self, name: str) -> DatasetStats:
        """Created, answers per kind, sessions of dataset `name`."""
        for found in self.all_stats([name]):
            return found
        raise UsageError("No such dataset", name)

    def all_stats(self, names: Iterable[str] | None = None) -> List[DatasetStats]:
        """`stats` of every dataset (or of `names`), in the order they were created."""
        query = sa.select(datasets).order_by(datasets.c.id)
        if names is not None:
            query = query.where(datasets.c.name.in_(list(names)))
        counts = (
            sa.select(links.c.dataset_id, examples.c.answer, sa.func.count())
            .join(examples, examples.c.id == links.c.example_id)
            .where(examples.c.superseded_by.is_(None))
            .group_by(links.c.dataset_id, examples.c.answer)
        )
        sessions = (
            sa.select(links.c.dataset_id, examples.c.session_id)
            .distinct()
            .join(examples, examples.c.id == links.c.example_id)
        )
        with self.engine.connect() as conn:
            found = {
                row.id: DatasetStats(row.name, row.created, meta=json.loads(row.meta))
                for row in conn.execute(query)
            }
            counts = counts.where(links.c.dataset_id.in_(list(found)))
            for dataset_id, answer, n in conn.execute(counts):
                stats = found[dataset_id]
                stats.answers += n
                if answer in ("accept", "reject", "ignore"):
                    setattr(stats, answer, getattr(stats, answer) + n)
            sessions = sessions.where(links.c.dataset_id.in_(list(found)))
            for dataset_id, session_id in conn.execute(sessions):
                if session_id:
                    found[dataset_id].sessions.append(session_id)
        for stats in found.values():
            stats.sessions.sort()
        return list(found.values())


def every_dataset_stats(db: str | None = None) -> Tuple[List[DatasetStats], str]:
    """The statistics of every dataset of database `db`, in the order they were created, and
    the database's URL without its password (to say which database was read)."""
    with Database(db) as database:
        return database.all_stats(), safe_url(database.url)


def created_at(created: float | None) -> str:
    """When a dataset was created, as `datasets` shows it: local time to the minute."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(created)) if created else ""


def stats_tables(found: List[DatasetStats]) -> List[tuple]:
    """The table of datasets `found` (none when empty), as (title, header, rows, aligns)."""
    rows = [
        (s.name, created_at(s.created), s.answers, s.accept, s.reject, s.ignore, len(s.sessions))
        for s in found
    ]
    header = ("dataset", "created", "answers", "accept", "reject", "ignore", "sessions")
    return [(None, header, rows, ("l", "l", *"rrrrr"))] if rows else []


def _merge(total: AddResult, result: AddResult) -> None:
    total.added += result.added
    total.already_there += result.already_there
    total.added_keys += result.added_keys


def check_dataset_name(name: str) -> None:
    """Dataset names are short, printable and free of whitespace and the `:` of prefixes."""
    if not isinstance(name, str) or not name or len(name) > NAME_MAX:
        raise UsageError("Bad dataset name", f"1 to {NAME_MAX} characters, got {name!r}")
    if any(c.isspace() or c == ":" or not c.isprintable() for c in name):
        raise UsageError("Bad dataset name", f"no whitespace or ':' allowed, got {name!r}")


def _example_row(record: Dict[str, Any]) -> Dict[str, Any]:
    answer = record.get("answer")
    timestamp = record.get("_timestamp")
    return {
        "input_hash": int(record["_input_hash"]),
        "task_hash": int(record["_task_hash"]),
        "answer": answer if isinstance(answer, str) else None,
        "session_id": _short(record.get("_session_id")),
        "annotator_id": _short(record.get("_annotator_id")),
        "timestamp": int(timestamp) if isinstance(timestamp, (int, float)) else None,
        "content": json_line(record),
    }


def _short(value: Any) -> str | None:
    return str(value)[:NAME_MAX] if value is not None else None


def _dataset_id(conn: sa.Connection, name: str) -> int | None:
    return conn.scalar(sa.select(datasets.c.id).where(datasets.c.name == name))


def _ensure_dataset(conn: sa.Connection, name: str, meta: Dict[str, Any] | None) -> int:
    dataset_id = _dataset_id(conn, name)
    if dataset_id is None:
        values = {"name": name, "created": time.time(), "meta": json_line(meta or {})}
        dataset_id = conn.execute(
            sa.insert(datasets).values(**values).returning(datasets.c.id)
        ).scalar_one()
    return dataset_id


def _add_rows(conn: sa.Connection, dataset_id: int, rows: Dict[str, Dict[str, Any]]) -> AddResult:
    keys = list(rows)
    there: Set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        there.update(
            conn.scalars(
                sa.select(links.c.answer_key).where(
                    (links.c.dataset_id == dataset_id) & links.c.answer_key.in_(chunk)
                )
            )
        )
    new = [key for key in keys if key not in there]
    if new:
        ids = conn.scalars(
            sa.insert(examples).returning(examples.c.id, sort_by_parameter_order=True),
            [rows[key] for key in new],
        ).all()
        conn.execute(
            sa.insert(links),
            [
                {"dataset_id": dataset_id, "example_id": example_id, "answer_key": key}
                for key, example_id in zip(new, ids)
            ],
        )
    return AddResult(added=len(new), already_there=len(there), added_keys=new)


def _supersede(
    conn: sa.Connection, dataset_id: int, old: str, new: str, row: Dict[str, Any]
) -> None:
    """Mark answer `old` of the dataset superseded by answer `new` (example `row`): both of
    one session, about one text."""
    query = (
        sa.select(
            *[examples.c[c] for c in ("id", "content", "session_id", "input_hash", "superseded_by")]
        )  # fmt: skip
        .join(links, links.c.example_id == examples.c.id)
        .where((links.c.dataset_id == dataset_id) & (links.c.answer_key == old))
    )
    found = conn.execute(query).first()
    if found is None or found.session_id != row["session_id"]:
        raise UsageError("Cannot supersede an answer", f"{old!r} is no answer of this session")
    if found.input_hash != row["input_hash"]:
        raise UsageError("Cannot supersede an answer", f"{old!r} is about another text")
    if old == new or found.superseded_by == new:
        return  # a retried save
    if found.superseded_by is not None:
        raise UsageError("Cannot supersede an answer", f"{old!r} was superseded already")
    content = {**json.loads(found.content), "_superseded_by": new}
    conn.execute(
        sa.update(examples)
        .where(examples.c.id == found.id)
        .values(superseded_by=new, content=json_line(content))
    )


def _mark_answered(
    conn: sa.Connection, dataset_id: int, answered: List[Tuple[str | None, int]]
) -> None:
    """The assignments of these (session, task key) pairs are answered; `NotAssigned` (and
    the transaction undone) if any is not, or no longer, that session's."""
    pairs = [(session, key) for session, key in set(answered) if session is not None]
    if pairs:
        result = conn.execute(
            sa.update(assignments)
            .where(
                (assignments.c.dataset_id == dataset_id)
                & sa.tuple_(assignments.c.session_id, assignments.c.task_key).in_(pairs)
            )
            .values(answered=True)
        )
        if result.rowcount != len(pairs):
            raise NotAssigned(
                "Answers to tasks not assigned to their session",
                f"{len(pairs) - result.rowcount} of {len(pairs)} went to another session",
            )


def _is_busy(err: OperationalError) -> bool:
    text = str(err.orig).lower()
    return "locked" in text or "busy" in text


def _sqlite_transactions(engine: sa.Engine) -> None:
    """WAL, a busy timeout and foreign keys on every SQLite connection; write transactions
    begin IMMEDIATE (the SQLAlchemy recipe: pysqlite's own BEGIN handling is switched off)."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=60000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.pop("immediate", False) else "BEGIN")
