"""The database schema's versions: Alembic revisions over the SQLAlchemy Core tables.

`ensure_schema` runs when a `Database` opens: one query reads the version Alembic stores
(`alembic_version`); at `HEAD` nothing else happens, so opening stays as fast as before. An
empty database gets the tables at head; one written before migrations existed (the tables,
no version) is stamped `BASELINE`, then upgraded; a version this release does not know (a
newer release wrote it) is an error. Upgrades run in one write transaction, serialized across
processes (SQLite's write lock, a PostgreSQL advisory lock), with Alembic's API: no
alembic.ini, the revisions are the modules of `versions/`.
"""

from pathlib import Path
from typing import Callable, ContextManager

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from ...errors import PluginError

BASELINE = "0001"
HEAD = "0002"
KNOWN = (BASELINE, HEAD)
# Any fixed number: the key of the PostgreSQL advisory lock that serializes upgrades.
UPGRADE_LOCK = 2_029_000_029
version_table = sa.Table(
    "alembic_version",
    sa.MetaData(),
    sa.Column("version_num", sa.String(32), primary_key=True),
)


def stored_version(engine: sa.Engine) -> str | None:
    """The revision the database is at (None without a version table)."""
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.select(version_table.c.version_num))
    except SQLAlchemyError:
        return None


def ensure_schema(
    engine: sa.Engine,
    metadata: sa.MetaData,
    write: Callable[[], ContextManager[sa.Connection]],
) -> None:
    """Bring the database to `HEAD` (see the module's docstring); `write` opens a write
    transaction."""
    if stored_version(engine) == HEAD:
        return
    with write() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(UPGRADE_LOCK)))
        tables = set(sa.inspect(conn).get_table_names())
        if "alembic_version" in tables:
            version = conn.scalar(sa.select(version_table.c.version_num))
        elif "dataset" in tables:
            version = BASELINE  # written before migrations: today's baseline
            version_table.create(conn)
            conn.execute(sa.insert(version_table).values(version_num=version))
        else:
            metadata.create_all(conn)
            version_table.create(conn)
            conn.execute(sa.insert(version_table).values(version_num=HEAD))
            return
        if version == HEAD:
            return
        if version not in KNOWN:
            raise PluginError(
                f"The database is at schema version {version!r}, which this release does not "
                f"know (it knows {', '.join(KNOWN)})",
                "It was written by a newer release of spacy_ner_plugin: upgrade the package.",
            )
        upgrade(conn, HEAD)


def upgrade(conn: sa.Connection, target: str) -> None:
    """Run the revisions from the stored version up to `target` on `conn` (Alembic's API)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.attributes["connection"] = conn
    command.upgrade(config, target)
