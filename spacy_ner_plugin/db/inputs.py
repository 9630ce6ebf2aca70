"""Input specs `dataset:NAME`: the answers of a database dataset, read like a file's records.

The batch steps (`data-to-spacy`, `stats`, `review`, `evaluate`, `evaluate-patterns`,
`db-out`) take `dataset:NAME` beside file paths, combined with the usual prefixes
(`eval:dataset:NAME`, `binary:dataset:NAME`). The database is the one `--db`/
$SPACY_NER_PLUGIN_DB names (see `database.resolve_db_url`).
"""

from pathlib import Path
from typing import Iterator

from ..errors import PluginError
from ..io.records import Line

PREFIX = "dataset:"


def dataset_name(spec: str) -> str | None:
    """`dataset:NAME` → NAME; anything else → None."""
    text = str(spec)
    return text[len(PREFIX) :] if text.startswith(PREFIX) else None


def read_dataset(name: str, db: str | None = None) -> Iterator[Line]:
    """Every answer of dataset `name` as a `Line` located at `dataset:NAME`, line = its rank."""
    from .database import Database

    with Database(db) as database:
        location = f"{PREFIX}{name}"
        for i, record in enumerate(database.get_answers(name), start=1):
            yield Line(location, i, record=record)


def database_file(db: str | None = None) -> Path | None:
    """The file of database `db` when it is a SQLite file (what a step must not write over)."""
    from .database import resolve_db_url, sqlite_file

    return sqlite_file(resolve_db_url(db))


def dataset_exists(name: str, db: str | None = None) -> bool:
    return missing_dataset(name, db) is None


def missing_dataset(name: str, db: str | None = None) -> str | None:
    """None if the database holds dataset `name`, else why not, naming the database.

    A SQLite file that does not exist is not created just to look.
    """
    from .database import Database, resolve_db_url, safe_url, sqlite_file

    url = resolve_db_url(db)
    path = sqlite_file(url)
    if path is not None and not path.exists():
        return f"{name!r}: there is no database {path} (--db or $SPACY_NER_PLUGIN_DB)"
    with Database(url) as database:
        names = database.datasets()
    if name in names:
        return None
    there = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "") if names else "none"
    return f"{name!r} is not in {safe_url(url)} (datasets there: {there})"


def check_dataset(name: str, db: str | None = None) -> None:
    """Raise a `PluginError` naming the dataset and the database unless it holds `name`."""
    reason = missing_dataset(name, db)
    if reason is not None:
        raise PluginError("Dataset not found", reason)
