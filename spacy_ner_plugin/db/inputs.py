"""Input specs `dataset:NAME`: the answers of a database dataset, read like a file's records.

The batch steps (`data-to-spacy`, `stats`, `evaluate`) take `dataset:NAME` beside file paths,
combined with the usual prefixes (`eval:dataset:NAME`, `binary:dataset:NAME`). The database
is the one `--db`/$SPACY_NER_PLUGIN_DB names (see `database.resolve_db_url`).
"""

from typing import Iterator, Optional

from ..io.records import Line

PREFIX = "dataset:"


def dataset_name(spec: str) -> Optional[str]:
    """`dataset:NAME` → NAME; anything else → None."""
    text = str(spec)
    return text[len(PREFIX) :] if text.startswith(PREFIX) else None


def read_dataset(name: str, db: Optional[str] = None) -> Iterator[Line]:
    """Every answer of dataset `name` as a `Line` located at `dataset:NAME`, line = its rank."""
    from .database import Database

    with Database(db) as database:
        location = f"{PREFIX}{name}"
        for i, record in enumerate(database.get_answers(name), start=1):
            yield Line(location, i, record=record)


def dataset_exists(name: str, db: Optional[str] = None) -> bool:
    from .database import Database

    with Database(db) as database:
        return name in database
