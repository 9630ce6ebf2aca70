"""`db-in --from-prodigy` and `datasets --from-prodigy`: a Prodigy database (SQLite and
PostgreSQL, built from Prodigy's schema with real exported records) imported unchanged."""

import json

import pytest
import srsly
from typer.testing import CliRunner

from spacy_ner_plugin.annotations.transfer import ALREADY_THERE
from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.datasets import prodigy_datasets
from spacy_ner_plugin.cli.db_in import db_in_prodigy
from spacy_ner_plugin.db.database import Database
from spacy_ner_plugin.errors import UsageError

from .. import pg
from ..db.prodigy_db import BAD_ROWS, build_prodigy_db, sqlite_prodigy_db

db_url, postgres_url = pg.db_url, pg.postgres_url  # fixtures
DATASETS = ["reddit_product", "sample_review"]


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "ours" / "annotations.sqlite")


def test_every_answer_comes_back_from_db_out_as_prodigy_stored_it(db_url, db, tmp_path):
    fixture = build_prodigy_db(db_url)  # the Prodigy database: SQLite, and PostgreSQL
    result = db_in_prodigy(db_url, db=db, rejects_output=tmp_path / "rejects.jsonl")
    assert [d.name for d in result.datasets] == DATASETS
    assert result.sessions_left_out == fixture.sessions
    for name in DATASETS:
        out = tmp_path / f"{name}.jsonl"
        assert invoke("db-out", f"dataset:{name}", out, "--db", db).exit_code == 0
        exported = [json.loads(line) for line in out.read_text().splitlines()]
        assert exported == fixture.records(name)  # hashes, sessions, answers: all as stored
        stored = [content for i, content in fixture.rows[name] if i not in fixture.bad_ids]
        assert [json.dumps(r, sort_keys=True) for r in exported] == [
            json.dumps(json.loads(c), sort_keys=True) for c in stored
        ]
    counts = result.transfer.counts
    assert counts.read == sum(len(fixture.rows[name]) for name in DATASETS)
    assert counts.rejected == len(BAD_ROWS) and counts.reconciles
    with Database(db) as database:
        sessions = database.stats("sample_review").sessions
    assert sessions == sorted({r["_session_id"] for r in fixture.records("sample_review")})


def test_bad_rows_are_rejected_with_their_table_and_row_id(tmp_path, db):
    fixture = sqlite_prodigy_db(tmp_path / "prodigy.db")
    db_in_prodigy(str(tmp_path / "prodigy.db"), db=db)
    rejects = list(srsly.read_jsonl(tmp_path / "prodigy.rejects.jsonl"))
    assert [r["line"] for r in rejects] == fixture.bad_ids
    assert {r["path"] for r in rejects} == {f"{tmp_path / 'prodigy.db'}:reddit_product:example"}
    for reject, (_, why) in zip(rejects, BAD_ROWS):
        assert why in reject["reason"]


def test_importing_again_adds_nothing(tmp_path, db):
    fixture = sqlite_prodigy_db(tmp_path / "prodigy.db")
    first = db_in_prodigy(str(tmp_path / "prodigy.db"), db=db)
    again = db_in_prodigy(str(tmp_path / "prodigy.db"), db=db)
    good = first.transfer.counts.written["answers"]
    assert good == sum(len(fixture.records(name)) for name in DATASETS)
    assert again.transfer.counts.written["answers"] == 0
    assert again.transfer.counts.skipped == {ALREADY_THERE: good}
    with Database(db) as database:
        assert database.datasets() == DATASETS
        assert sum(database.count(name) for name in DATASETS) == good


def test_named_datasets_only_and_a_session_dataset_when_named(tmp_path, db):
    fixture = sqlite_prodigy_db(tmp_path / "prodigy.db")
    session = fixture.sessions[0]
    out = invoke("db-in", f"sample_review,{session}", "--from-prodigy", tmp_path / "prodigy.db",
                 "--db", db)  # fmt: skip
    assert out.exit_code == 0, out.output
    with Database(db) as database:
        assert database.datasets() == ["sample_review", session]
        assert database.count(session) == len(fixture.records(session)) == 10 - len(BAD_ROWS)
        assert list(database.get_answers(session)) == fixture.records(session)
    out = invoke("db-in", "nope", "--from-prodigy", tmp_path / "prodigy.db", "--db", db)
    assert out.exit_code == 2 and "nope" in out.output and "reddit_product" in out.output


def test_datasets_lists_what_a_prodigy_database_holds(tmp_path):
    fixture = sqlite_prodigy_db(tmp_path / "prodigy.db")
    out = invoke("datasets", "--from-prodigy", tmp_path / "prodigy.db")
    assert out.exit_code == 0, out.output
    for name in [*DATASETS, *fixture.sessions]:
        assert name in out.output
    assert "(1 session datasets, left out" in " ".join(out.output.split())
    out = invoke("datasets", "--from-prodigy", tmp_path / "prodigy.db", "--json")
    listed = {d["name"]: d for d in json.loads(out.output)}
    assert listed["reddit_product"]["answers"] == len(fixture.rows["reddit_product"])
    assert listed[fixture.sessions[0]]["session"] is True
    assert [d.name for d in prodigy_datasets(str(tmp_path / "prodigy.db"))] == list(listed)


@pytest.mark.parametrize("command", ["db-in", "datasets"])
def test_what_is_no_prodigy_database_is_a_clean_usage_error(tmp_path, db, command):
    (tmp_path / "notes.txt").write_text("not a database\n")
    for source in (tmp_path / "notes.txt", tmp_path / "missing.db"):
        out = invoke(command, "--from-prodigy", source, "--db", db)
        assert out.exit_code == 2, out.output
        assert "Traceback" not in out.output and str(source.name) in out.output
    assert not (tmp_path / "missing.db").exists()


@pytest.mark.parametrize("command", ["db-in", "datasets"])
def test_a_prodigy_url_password_is_never_printed(db, command):
    pytest.importorskip("psycopg")
    out = invoke(
        command, "--from-prodigy", "postgresql://ann:s3cret@127.0.0.1:1/prodigy", "--db", db
    )
    assert out.exit_code == 2 and "Traceback" not in out.output
    assert "s3cret" not in out.output and "ann:***@127.0.0.1" in out.output


def test_arguments_that_do_not_go_with_from_prodigy_are_usage_errors(tmp_path, db):
    sqlite_prodigy_db(tmp_path / "prodigy.db")
    source = tmp_path / "prodigy.db"
    for args in (["gear", tmp_path / "file.jsonl"], ["--kind", "gold"], ["--n-sents", "3"]):
        out = invoke("db-in", *args, "--from-prodigy", source, "--db", db)
        assert out.exit_code == 2 and "--from-prodigy" in out.output, out.output
    out = invoke("db-in", "gear", "--db", db)
    assert out.exit_code == 2 and "Missing argument INPUT" in out.output
    with pytest.raises(UsageError, match="is the input"):
        db_in_prodigy(str(source), db=str(source))
    url = "postgresql://ann:s3cret@127.0.0.1:1/prodigy"
    with pytest.raises(UsageError, match="is the one written to") as err:
        db_in_prodigy(url, db=url, rejects_output=tmp_path / "r.jsonl")
    assert "s3cret" not in f"{err.value.title} {err.value.text}"
