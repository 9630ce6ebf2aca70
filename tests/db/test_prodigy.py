"""`db/prodigy.py`: a Prodigy database (SQLite and PostgreSQL) read as Prodigy stored it."""

import hashlib
import json
import sqlite3

import pytest
import sqlalchemy as sa

from spacy_ner_plugin.db.prodigy import ProdigyDatabase
from spacy_ner_plugin.errors import UsageError

from .. import pg
from .prodigy_db import BAD_ROWS, build_prodigy_db, sqlite_prodigy_db

db_url, postgres_url = pg.db_url, pg.postgres_url  # fixtures


def test_every_answer_is_the_stored_task_and_bad_rows_are_rejected_by_row_id(db_url):
    prodigy = build_prodigy_db(db_url)
    with ProdigyDatabase(db_url) as source:
        lines = list(source.answers("reddit_product"))
        assert [line.line for line in lines] == [i for i, _ in prodigy.rows["reddit_product"]]
        good = [line.record for line in lines if line.line not in prodigy.bad_ids]
        assert good == prodigy.records("reddit_product")
        rejects = [line.reject for line in lines if line.reject is not None]
        assert [r.line for r in rejects] == prodigy.bad_ids[:3]  # missing text: a later layer's
        for reject, (_, why) in zip(rejects, BAD_ROWS):
            assert why in reject.reason and reject.field == "content"
            assert reject.path.endswith(":reddit_product:example")
        sample = [line.record for line in source.answers("sample_review")]
        assert sample == prodigy.records("sample_review")


def test_datasets_are_listed_with_their_answers_sessions_and_session_datasets_marked(db_url):
    prodigy = build_prodigy_db(db_url)
    with ProdigyDatabase(db_url) as source:
        found = {d.name: d for d in source.stats()}
    assert list(found) == ["reddit_product", "sample_review", *prodigy.sessions]
    assert [d.session for d in found.values()] == [False, False, True]
    reddit = found["reddit_product"]
    assert reddit.answers == len(prodigy.rows["reddit_product"]) and reddit.bad == len(BAD_ROWS)
    answers = [r["answer"] for r in prodigy.records("reddit_product")]
    assert (reddit.accept, reddit.reject, reddit.ignore) == tuple(
        answers.count(a) for a in ("accept", "reject", "ignore")
    )
    sample = found["sample_review"]
    assert sample.sessions == sorted({r["_session_id"] for r in prodigy.records("sample_review")})
    assert sample.meta == {"description": "sample_review answers"}
    assert found[prodigy.sessions[0]].answers == 10


def test_writing_through_the_reader_fails_on_sqlite_and_postgresql(db_url):
    build_prodigy_db(db_url)
    with ProdigyDatabase(db_url) as source:
        with pytest.raises(sa.exc.DBAPIError, match="(?i)read.?only"):
            with source.engine.connect() as conn:
                conn.execute(sa.text("DELETE FROM link"))
                conn.commit()
        assert len(list(source.answers("sample_review"))) == 8


def test_a_record_without_hashes_gets_the_ones_its_row_stores(tmp_path):
    prodigy = sqlite_prodigy_db(tmp_path / "prodigy.db")
    example_id, content = prodigy.rows["sample_review"][0]
    stripped = {k: v for k, v in json.loads(content).items() if not k.endswith("_hash")}
    with sqlite3.connect(tmp_path / "prodigy.db") as conn:
        conn.execute(
            "UPDATE example SET content = ? WHERE id = ?", (json.dumps(stripped), example_id)
        )
    with ProdigyDatabase(str(tmp_path / "prodigy.db")) as source:
        first = next(iter(source.answers("sample_review"))).record
    assert first == json.loads(content)


def test_the_prodigy_file_is_only_read(tmp_path):
    path = tmp_path / "prodigy.db"
    sqlite_prodigy_db(path)
    before = hashlib.sha1(path.read_bytes()).hexdigest()
    with ProdigyDatabase(str(path)) as source:
        for dataset in source.stats():
            list(source.answers(dataset.name))
    assert hashlib.sha1(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prodigy.db"]


@pytest.mark.parametrize(
    "content, why",
    [
        (b"just some text\n", "file is not a database"),
        (None, "missing dataset, example, link"),
        ("example", "missing dataset, link"),
    ],
)
def test_a_file_that_is_no_prodigy_database_is_a_usage_error(tmp_path, content, why):
    path = tmp_path / "other.db"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE other (id INTEGER)")
            if content:
                conn.execute("CREATE TABLE example (id INTEGER, content BLOB)")
        conn.close()
    with pytest.raises(UsageError) as err:
        ProdigyDatabase(str(path))
    assert why in f"{err.value.title} {err.value.text}"


def test_a_missing_file_is_a_usage_error_and_is_not_created(tmp_path):
    with pytest.raises(UsageError, match="not found"):
        ProdigyDatabase(str(tmp_path / "prodigy.db"))
    assert not (tmp_path / "prodigy.db").exists()


def test_a_server_that_cannot_be_reached_is_a_usage_error_without_the_password():
    pytest.importorskip("psycopg")
    with pytest.raises(UsageError) as err:
        ProdigyDatabase("postgresql://annotator:s3cret@127.0.0.1:1/prodigy")
    shown = f"{err.value.title} {err.value.text}"
    assert "annotator:***@127.0.0.1:1/prodigy" in shown and "s3cret" not in shown
