"""A throwaway PostgreSQL server for the database tests and the load benchmark.

`SPACY_NER_PLUGIN_TEST_PG_URL` names a server to use instead. Otherwise a cluster is made
with the local PostgreSQL binaries (`initdb`, `pg_ctl`) in a temporary directory, listening on
127.0.0.1 only, as the `postgres` user when run as root; it is stopped and removed at the end.
Without binaries the tests skip, except under CI (`CI` set), where they must run.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List

import pytest

URL_ENV = "SPACY_NER_PLUGIN_TEST_PG_URL"


def pg_bin(name: str) -> str | None:
    """A PostgreSQL server binary: Debian keeps them under /usr/lib/postgresql/VERSION/bin."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_owner(cmd: List[str]) -> List[str]:
    """PostgreSQL refuses to run as root: run as `postgres` then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the URL of a PostgreSQL server (given by env, or a temporary local cluster)."""
    given = os.environ.get(URL_ENV)
    if given:
        yield given
        return
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) not found")
    root = Path(tempfile.mkdtemp(prefix="spacy_ner_plugin_pg."))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = _free_port()
    log = root / "server.log"
    try:
        subprocess.run(
            _as_owner([initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"]),
            check=True,
            capture_output=True,
        )
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=on"
        subprocess.run(
            _as_owner([pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]),
            check=True,
            capture_output=True,
        )
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                _as_owner([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
                capture_output=True,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """A new empty database on the server; its URL."""
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The server URL; skips where PostgreSQL or psycopg (the app extra) is absent."""
    pytest.importorskip("psycopg", reason="PostgreSQL needs psycopg 3 (the app extra)")
    try:
        with postgres_server() as url:
            yield url
    except (FileNotFoundError, subprocess.CalledProcessError) as err:
        pytest.skip(f"no PostgreSQL server: {err}")


# PostgreSQL starts a server (seconds): slow; SQLite keeps the quick run's coverage of the code.
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind: a SQLite file, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'annotations.sqlite'}"
    return fresh_database(request.getfixturevalue("postgres_url"))
