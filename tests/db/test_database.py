"""The annotation database on SQLite and PostgreSQL, and `dataset:NAME` inputs."""

import sys
import threading

import pytest

from spacy_ner_plugin.annotations.gold import read_gold_docs
from spacy_ner_plugin.annotations.ingest import check_inputs, parse_input
from spacy_ner_plugin.annotations.stats import corpus_stats
from spacy_ner_plugin.db.database import Database, answer_key, resolve_db_url
from spacy_ner_plugin.errors import PluginError, UsageError
from spacy_ner_plugin.io.hashing import input_hash, task_hash

from .. import pg
from ..conftest import task

db_url, postgres_url = pg.db_url, pg.postgres_url  # fixtures


def answer(text, answer="accept", session="ds-alice", answer_id=None, **extra):
    record = {**task(text, text.split()[0]), "answer": answer, "_session_id": session}
    record["_annotator_id"] = session
    if answer_id:
        record["_answer_id"] = answer_id
    return {**record, **extra}


def test_answers_round_trip_in_order_with_hashes(db_url):
    records = [answer(f"Osprey pack {i}", answer_id=f"a{i}") for i in range(5)]
    with Database(db_url) as db:
        assert db.add_answers("gear", records).added == 5
        got = list(db.get_answers("gear"))
    assert [r["text"] for r in got] == [r["text"] for r in records]
    assert [r["_input_hash"] for r in got] == [input_hash(r) for r in records]
    assert [r["_task_hash"] for r in got] == [task_hash(r) for r in records]
    assert got[0]["spans"] == records[0]["spans"] and got[0]["_answer_id"] == "a0"


def test_a_retried_save_or_a_second_import_adds_nothing(db_url):
    with Database(db_url) as db:
        first = db.add_answers("gear", [answer("Osprey a", answer_id="x1")])
        retry = db.add_answers("gear", [answer("Osprey a", answer_id="x1")])
        assert (first.added, retry.added, retry.already_there) == (1, 0, 1)
        imported = [answer("Salomon b"), answer("Salomon b"), answer("Salomon c")]
        assert db.add_answers("gear", imported).added == 2
        assert db.add_answers("gear", imported).added == 0
        assert db.count("gear") == 3
        many = (answer(f"Osprey {i}") for i in range(25))
        assert db.import_answers("many", many, batch_size=10).added == 25
        assert db.import_answers("empty", []).added == 0 and db.count("empty") == 0
        # The same answer in another dataset is its own row there.
        assert db.add_answers("other", [answer("Osprey a", answer_id="x1")]).added == 1


def test_stats_count_answers_and_sessions(db_url):
    with Database(db_url) as db:
        db.add_dataset("gear", {"recipe": "ner.manual"})
        db.add_answers("gear", [answer("Osprey a"), answer("Osprey b", "reject", "ds-bob")])
        db.add_answers("gear", [answer("Osprey c", "ignore"), answer("Osprey d")])
        db.add_dataset("empty")
        gear, empty = db.all_stats()
        assert db.datasets() == ["gear", "empty"] and db.count("gear", "ds-bob") == 1
    assert (gear.answers, gear.accept, gear.reject, gear.ignore) == (4, 2, 1, 1)
    assert gear.sessions == ["ds-alice", "ds-bob"] and gear.meta == {"recipe": "ner.manual"}
    assert (empty.answers, empty.sessions) == (0, [])


def test_hashes_of_answers_per_dataset_and_session(db_url):
    with Database(db_url) as db:
        db.add_answers("a", [answer("Osprey 1"), answer("Osprey 2", session="ds-bob")])
        db.add_answers("b", [answer("Osprey 3")])
        assert db.hashes(["a", "b"]) == {input_hash({"text": f"Osprey {i}"}) for i in (1, 2, 3)}
        assert db.hashes(["a"], session_id="ds-bob") == {input_hash({"text": "Osprey 2"})}
        assert len(db.hashes(["a"], by="task")) == 2
        assert ("ds-bob", input_hash({"text": "Osprey 2"})) in db.answered(["a"])
        assert db.drop_dataset("a") and "a" not in db and not db.drop_dataset("a")
        assert db.datasets() == ["b"]


def test_concurrent_savers_never_lose_or_duplicate_an_answer(db_url):
    """Eight threads save overlapping batches (every answer sent by two of them)."""
    with Database(db_url) as db:
        db.add_dataset("load")
        errors = []

        def save(worker):
            try:
                for batch in range(10):
                    ids = [(worker * 10 + batch) * 3 + k for k in range(3)]
                    ids += [((worker + 1) % 8 * 10 + batch) * 3]  # also sent by the next worker
                    db.add_answers("load", [answer(f"t {i}", answer_id=f"id{i}") for i in ids])
            except Exception as err:  # reported below
                errors.append(err)

        threads = [threading.Thread(target=save, args=(w,)) for w in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        ids = [r["_answer_id"] for r in db.get_answers("load")]
    assert len(ids) == len(set(ids)) == 240


def test_database_url_and_dataset_names(tmp_path, monkeypatch):
    monkeypatch.delenv("SPACY_NER_PLUGIN_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_db_url() == f"sqlite:///{tmp_path / 'annotations.sqlite'}"
    assert resolve_db_url("x.db") == f"sqlite:///{tmp_path / 'x.db'}"
    assert resolve_db_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    monkeypatch.setenv("SPACY_NER_PLUGIN_DB", "postgres://u@h/d")
    assert resolve_db_url() == "postgresql+psycopg://u@h/d"
    assert answer_key({"_answer_id": "abc"}) == "abc"
    assert answer_key({"text": "a"}) != answer_key({"text": "b"})
    with Database(f"sqlite:///{tmp_path / 'a.sqlite'}") as db:
        for bad in ("", "a b", "eval:x", "x" * 201, "a\x00"):
            with pytest.raises(UsageError):
                db.add_answers(bad, [answer("Osprey")])
        with pytest.raises(UsageError, match="No such dataset"):
            list(db.get_answers("nope"))


def test_dataset_inputs_feed_the_batch_steps(tmp_path, monkeypatch, nlp):
    monkeypatch.setenv("SPACY_NER_PLUGIN_DB", str(tmp_path / "annotations.sqlite"))
    with Database() as db:
        db.add_answers("gear", [answer("Osprey packs"), answer("Salomon shoes", "reject")])
        db.add_answers("gear", [{"text": "", "answer": "accept"}])
    spec = parse_input("eval:dataset:gear")
    assert (spec.dataset, spec.eval) == ("gear", True)
    check_inputs([spec])
    with pytest.raises(PluginError, match="Dataset not found"):
        check_inputs([parse_input("dataset:nope")])
    rejects = []
    docs = list(read_gold_docs(["dataset:gear"], nlp, rejects, binary=True))
    assert [d.text for d in docs] == ["Osprey packs", "Salomon shoes"]
    assert [str(r) for r in rejects] == ["dataset:gear:3 [text] empty 'text'"]
    stats = corpus_stats([parse_input("dataset:gear")], nlp)
    assert stats.records == 3 and stats.sources == {"dataset:gear": 3}


def test_a_superseded_answer_is_kept_but_left_out_of_answers_counts_and_history(db_url):
    with Database(db_url) as db:
        first = answer("Osprey a", answer_id="first-id")
        db.add_answers("gear", [first, answer("Osprey b", answer_id="other-id")])
        fixed = {**first, "answer": "reject", "_answer_id": "fixed-id"}
        db.add_answers("gear", [fixed], supersedes={"fixed-id": "first-id"})
        assert [r["_answer_id"] for r in db.get_answers("gear")] == ["other-id", "fixed-id"]
        kept = list(db.get_answers("gear", include_superseded=True))
        assert kept[0] == {**first, "_superseded_by": "fixed-id", "_input_hash": input_hash(first),
                           "_task_hash": task_hash(first)}  # fmt: skip
        assert db.count("gear") == db.count("gear", "ds-alice") == 2
        assert db.stats("gear").answers == 2 and db.stats("gear").reject == 1
        assert [r["_answer_id"] for r in db.history("gear", "ds-alice", 5)] == [
            "fixed-id", "other-id"
        ]  # fmt: skip
        refused = {
            "another text": ({**answer("Osprey c"), "_answer_id": "c-id"}, "other-id"),
            "superseded already": ({**first, "_answer_id": "again-id"}, "first-id"),
            "another session": ({**first, "_answer_id": "bob-id", "_session_id": "ds-bob"},
                                "fixed-id"),
            "no such answer": ({**first, "_answer_id": "x-id"}, "nope-id"),
        }  # fmt: skip
        for name, (record, old) in refused.items():
            with pytest.raises(UsageError, match="Cannot supersede"):
                db.add_answers("gear", [record], supersedes={record["_answer_id"]: old})
            assert db.count("gear") == 2, name


def test_postgresql_without_psycopg_is_a_usage_error_naming_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # a core install: no app extra
    with pytest.raises(UsageError) as err:
        Database("postgresql://annotator:secret@127.0.0.1:1/annotations")
    message = f"{err.value.title} {err.value.text}"
    assert "psycopg" in message and "spacy_ner_plugin[app]" in message
    assert "secret" not in message
