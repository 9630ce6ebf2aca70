"""Schema versions: a database written before migrations opens, upgrades and keeps every answer."""

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
import srsly

from spacy_ner_plugin.db import migrations
from spacy_ner_plugin.db.database import Database
from spacy_ner_plugin.errors import PluginError

from .. import pg

postgres_url = pg.postgres_url  # fixture
FIXTURES = Path(__file__).parent / "fixtures"
V0_TABLES = ("dataset", "example", "link")


def v0_answers():
    """What the release before migrations read back from db_v0.sqlite, per dataset."""
    return {d["dataset"]: d["answers"] for d in srsly.read_jsonl(FIXTURES / "db_v0.jsonl")}


def version(url):
    with sa.create_engine(url).connect() as conn:
        return conn.scalar(sa.text("SELECT version_num FROM alembic_version"))


def assert_upgraded_with_every_answer(url):
    with Database(url) as db:
        assert {name: list(db.get_answers(name)) for name in db.datasets()} == v0_answers()
        stats = {s.name: (s.answers, s.sessions) for s in db.all_stats()}
        assert stats["gear"] == (3, ["gear-alice", "gear-bob"])
        # The new schema works on the upgraded database: a superseding answer, assignments.
        old = db.history("gear", "gear-alice", 1)[0]
        new = {**old, "answer": "accept", "_answer_id": "a-0004-alice"}
        db.add_answers("gear", [new], supersedes={"a-0004-alice": old["_answer_id"]})
        assert [r["answer"] for r in db.get_answers("gear")] == ["accept"] * 3
    assert version(url) == migrations.HEAD


def test_a_database_written_before_migrations_upgrades_and_keeps_every_answer(tmp_path):
    path = tmp_path / "annotations.sqlite"
    shutil.copy(FIXTURES / "db_v0.sqlite", path)
    with sa.create_engine(f"sqlite:///{path}").connect() as conn:
        assert "alembic_version" not in sa.inspect(conn).get_table_names()
    assert_upgraded_with_every_answer(f"sqlite:///{path}")
    with Database(str(path)) as db:  # opened again: at head already, nothing to do
        assert db.count("gear") == 3


@pytest.mark.slow
def test_a_postgresql_database_at_the_baseline_upgrades_and_keeps_every_answer(postgres_url):
    url = pg.fresh_database(postgres_url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # the old release's tables, without a version
        migrations.upgrade(conn, migrations.BASELINE)
        conn.execute(sa.text("DROP TABLE alembic_version"))
    source = sa.create_engine(f"sqlite:///{FIXTURES / 'db_v0.sqlite'}")
    with source.connect() as old, engine.begin() as new:
        for name in V0_TABLES:
            table = sa.Table(name, sa.MetaData(), autoload_with=new)
            new.execute(sa.insert(table), [dict(r._mapping) for r in old.execute(sa.select(table))])
            # The ids were copied: the next ones come after them.
            new.execute(sa.text(f"SELECT setval('{name}_id_seq', (SELECT max(id) FROM {name}))"))
    engine.dispose()
    assert_upgraded_with_every_answer(url)


def test_an_empty_database_starts_at_head_and_an_unknown_version_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    with Database(url) as db:
        assert db.datasets() == []
    assert version(url) == migrations.HEAD
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.update(migrations.version_table).values(version_num="9999"))
    engine.dispose()
    with pytest.raises(PluginError, match="newer release"):
        Database(url)
