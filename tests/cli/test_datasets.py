"""Datasets by name: `db-in DATASET FILE`, `db-out DATASET FILE`, and `dataset:NAME` inputs of
`data-to-spacy`, `stats`, `review` and `evaluate`, all on a temporary SQLite file."""

import json

import pytest
import srsly
from typer.testing import CliRunner

from spacy_ner_plugin.annotations.counts import ConversionCounts
from spacy_ner_plugin.annotations.transfer import ALREADY_THERE, DUPLICATE
from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.cli.datasets import datasets
from spacy_ner_plugin.cli.db_in import db_in
from spacy_ner_plugin.cli.db_out import db_out
from spacy_ner_plugin.cli.evaluate import evaluate
from spacy_ner_plugin.cli.review import review
from spacy_ner_plugin.cli.stats import stats
from spacy_ner_plugin.db.database import Database
from spacy_ner_plugin.errors import InternalError
from spacy_ner_plugin.io.hashing import input_hash, task_hash

from ..conftest import task

CONLL = (
    "Osprey\tB-BRAND\npacks\tO\n\nbad\tO\textra\n\nJohn\tB-TRAIL\nMuir\tI-TRAIL\nTrail\tI-TRAIL\n"
)
TEXTS = [
    ("I love Osprey packs", "Osprey"),
    ("Deuter bags are fine", "Deuter"),
    ("Salomon shoes for the trail", "Salomon"),
    ("My Osprey pack broke", "Osprey"),
    ("Nothing to see here", None),
    ("Black Diamond poles and Deuter", "Deuter"),
]


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "tmp" / "annotations.sqlite")


@pytest.fixture
def gold(write_jsonl):
    """A clean gold file: one accepted answer per text, a rejected binary answer at the end."""
    records = [task(text, *([ent] if ent else [])) for text, ent in TEXTS]
    records.append({**task("Not Osprey at all", "Osprey"), "answer": "reject", "_view_id": "ner"})
    return write_jsonl(records, "gold.jsonl")


@pytest.mark.slow  # over half a second of CPU: eight exports
def test_db_in_then_db_out_gives_the_file_back(gold, db, tmp_path):
    normalized = tmp_path / "normalized.jsonl"
    out = invoke("db-out", gold, normalized)
    assert out.exit_code == 0, out.output
    out = invoke("db-in", "gear", normalized, "--db", db)
    assert out.exit_code == 0, out.output
    assert "Imported 7 answers into dataset 'gear'" in out.output
    for source in ("gear", "dataset:gear"):
        out = invoke("db-out", source, tmp_path / "back.jsonl", "--db", db)
        assert out.exit_code == 0, out.output
        assert (tmp_path / "back.jsonl").read_bytes() == normalized.read_bytes()
    for name in ("conll", "spacy"):
        assert invoke("db-out", normalized, tmp_path / f"file.{name}").exit_code == 0
        out = invoke("db-out", "gear", tmp_path / name / f"gear.{name}", "--db", db)
        assert out.exit_code == 0, out.output
        written = (tmp_path / name / f"gear.{name}").read_bytes()
        assert written == (tmp_path / f"file.{name}").read_bytes()
    # the binary answer cannot be IOB: rejected with its place in the dataset
    (reject,) = srsly.read_jsonl(tmp_path / "conll" / "gear.rejects.jsonl")
    assert (reject["path"], reject["line"]) == ("dataset:gear", 7)
    db_out(tmp_path / "spacy" / "gear.spacy", tmp_path / "spacy-back.jsonl")
    assert (tmp_path / "spacy-back.jsonl").read_bytes() == normalized.read_bytes()


def test_db_in_twice_adds_nothing_new(gold, db, write_jsonl):
    first = db_in("gear", gold, db=db)
    assert (first.read, first.written["answers"], first.skipped) == (7, 7, {})
    again = db_in("gear", gold, db=db)
    assert again.written["answers"] == 0 and again.skipped == {ALREADY_THERE: 7}
    assert again.reconciles
    twice = write_jsonl([task("Osprey packs", "Osprey")] * 2 + [task("I love Osprey packs")])
    counts = db_in("gear", twice, db=db)
    assert counts.written["answers"] == 2 and counts.skipped == {DUPLICATE: 1}
    out = invoke("datasets", "--db", db, "--json")
    assert out.exit_code == 0, out.output
    (gear,) = json.loads(out.stdout)
    assert (gear["name"], gear["answers"], gear["accept"], gear["reject"]) == ("gear", 9, 8, 1)


def test_db_in_normalizes_with_hashes_and_reports_rejects(tmp_path, db):
    source = tmp_path / "a.conll"
    source.write_text(CONLL)
    counts = db_in("trails", source, db=db, kind="gold")
    assert (counts.read, counts.written["answers"], counts.rejected) == (3, 2, 1)
    with Database(db) as database:
        records = list(database.get_answers("trails"))
    assert [r["_input_hash"] for r in records] == [input_hash(r) for r in records]
    assert [r["_task_hash"] for r in records] == [task_hash(r) for r in records]
    assert all(r["_view_id"] == "ner_manual" for r in records)
    (reject,) = srsly.read_jsonl(tmp_path / "a.rejects.jsonl")
    assert reject["line"] == 4 and "3 columns" in reject["reason"]
    result = data_to_spacy(["dataset:trails"], tmp_path / "corpus", eval_split=0, db=db)
    assert result.counts.written == {"train": 2} and result.labels["train"]["TRAIL"] == 1


def test_db_in_rejects_bad_records_to_the_rejects_file(write_jsonl, tmp_path, db):
    bad = [
        {"text": "a b", "spans": [{"start": 0, "end": 1, "label": "MY LABEL"}]},
        {"text": "a b", "spans": [{"start": 0, "end": 1, "label": ""}]},
        {"text": "a b", "spans": [{"start": 0, "end": 9, "label": "X"}]},
        {"spans": []},
        "{broken",
    ]
    path = write_jsonl([task("Osprey", "Osprey"), *bad])
    report = tmp_path / "reports" / "bad.jsonl"
    out = invoke("db-in", "gear", path, "--db", db, "--rejects", report)
    assert out.exit_code == 0, out.output
    assert "5 records rejected" in out.output and str(report) in out.output
    rejects = list(srsly.read_jsonl(report))
    assert [r["line"] for r in rejects] == [2, 3, 4, 5, 6]
    assert "whitespace" in rejects[0]["reason"] and "out of range" in rejects[2]["reason"]
    with Database(db) as database:
        assert database.count("gear") == 1


@pytest.mark.slow  # over half a second of CPU: several imports
def test_db_in_input_format_and_kind_on_the_command_line(write_jsonl, tmp_path, db):
    path = write_jsonl([task("I love Osprey packs", "Osprey")])
    assert invoke("db-out", path, tmp_path / "out.txt", "--output-format", "conll").exit_code == 0
    (tmp_path / "out.rejects.jsonl").unlink()  # db-out's, empty
    out = invoke("db-in", "ds", tmp_path / "out.txt", "--input-format", "conll", "--db", db)
    assert out.exit_code == 0, out.output
    assert not (tmp_path / "out.rejects.jsonl").exists()  # only written when there are rejects
    out = invoke("stats", "dataset:ds", "--db", db, "--json")
    assert out.exit_code == 0 and json.loads(out.stdout)["records"] == 1
    out = invoke("db-in", "ds", tmp_path / "out.txt", "--kind", "silver", "--db", db)
    assert out.exit_code == 2 and "Invalid value for '--kind'" in out.output


def test_counts_that_do_not_add_up_leave_the_dataset_as_it_was(
    write_jsonl, tmp_path, db, monkeypatch
):
    db_in("gear", write_jsonl([task("I love Osprey", "Osprey")], "a.jsonl"), db=db)
    other = write_jsonl([task("Deuter bags", "Deuter")], "b.jsonl")
    monkeypatch.setattr(ConversionCounts, "reconciles", property(lambda self: False))
    for name in ("gear", "new"):
        with pytest.raises(InternalError, match="Counts do not add up"):
            db_in(name, other, db=db)
    with Database(db) as database:
        assert database.datasets() == ["gear"] and database.count("gear") == 1


def _corpus(path):
    return {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.suffix != ".jsonl"}


@pytest.mark.slow  # over half a second of CPU: five conversions
def test_data_to_spacy_reads_datasets_like_files(gold, write_jsonl, db, tmp_path):
    eval_file = write_jsonl([task("Osprey on the trail", "Osprey")], "eval.jsonl")
    db_in("gear", gold, db=db)
    db_in("gear_eval", eval_file, db=db)
    out = invoke("data-to-spacy", gold, "-o", tmp_path / "files", "--eval", eval_file)
    assert out.exit_code == 0, out.output
    runs = {
        "option": ["dataset:gear", "-o", tmp_path / "option", "--eval", "dataset:gear_eval"],
        "prefix": ["dataset:gear", "eval:dataset:gear_eval", "-o", tmp_path / "prefix"],
    }
    for name, args in runs.items():
        out = invoke("data-to-spacy", *args, "--db", db)
        assert out.exit_code == 0, out.output
        assert _corpus(tmp_path / name) == _corpus(tmp_path / "files")
    # without an eval set, the seeded split by text is the same too
    data_to_spacy(["dataset:gear"], tmp_path / "split", db=db, eval_split=0.3)
    data_to_spacy([gold], tmp_path / "file-split", eval_split=0.3)
    assert _corpus(tmp_path / "split") == _corpus(tmp_path / "file-split")


@pytest.mark.slow  # over half a second of CPU: three stats runs
def test_stats_of_a_dataset_equal_those_of_its_file(gold, db):
    db_in("gear", gold, db=db)
    of_file, of_dataset = stats([str(gold)]).to_json(), stats(["dataset:gear"], db=db).to_json()
    assert of_file.pop("sources") == {str(gold): 7}
    assert of_dataset.pop("sources") == {"dataset:gear": 7}
    assert of_dataset == of_file
    out = invoke("stats", "binary:dataset:gear", "--db", db, "--json")
    assert out.exit_code == 0, out.output


def test_review_of_two_datasets(write_jsonl, db, tmp_path):
    alice = [task("I love Osprey packs", "Osprey"), task("Deuter bags", "Deuter")]
    bob = [task("I love Osprey packs", "Osprey"), task("Deuter bags")]
    db_in("alice", write_jsonl(alice, "alice.jsonl"), db=db)
    db_in("bob", write_jsonl(bob, "bob.jsonl"), db=db)
    out = invoke(
        "review", "dataset:alice", "dataset:bob", "-o", tmp_path / "out.jsonl", "-A", "--db", db
    )
    assert out.exit_code == 0, out.output
    result = review(["dataset:alice", "dataset:bob"], tmp_path / "r.jsonl", auto_accept=True, db=db)
    assert list(result.agreement["annotators"]) == ["alice", "bob"]  # the dataset names
    assert result.units == {"agreed": 1, "conflict": 1}
    (settled,) = srsly.read_jsonl(tmp_path / "r.jsonl")
    (conflict,) = srsly.read_jsonl(tmp_path / "r.conflicts.jsonl")
    assert settled["text"] == "I love Osprey packs" and conflict["text"] == "Deuter bags"
    assert {s for v in conflict["versions"] for s in v["sessions"]} == {"alice", "bob"}


@pytest.mark.slow  # over half a second of CPU: two evaluations
def test_evaluate_on_a_dataset_equals_the_file(trained_model, write_jsonl, db, tmp_path):
    path = write_jsonl([task(f"I took my Osprey pack on trip {i}", "Osprey") for i in range(3)])
    db_in("gold", path, db=db)
    of_file = evaluate(str(trained_model), path)
    out = invoke("evaluate", trained_model, "dataset:gold", "--db", db, "-o", tmp_path / "s.json")
    assert out.exit_code == 0, out.output
    of_dataset = json.loads((tmp_path / "s.json").read_text())
    assert (of_file.pop("data"), of_dataset.pop("data")) == (str(path), "dataset:gold")
    assert of_dataset == json.loads(json.dumps(of_file))


@pytest.mark.parametrize(
    "args",
    [
        ["data-to-spacy", "dataset:nope", "-o", "{tmp}/out"],
        ["data-to-spacy", "{gold}", "-o", "{tmp}/out", "--eval", "dataset:nope"],
        ["data-to-spacy", "{gold}", "eval:dataset:nope", "-o", "{tmp}/out"],
        ["stats", "{gold}", "dataset:nope"],
        ["review", "dataset:nope", "dataset:gear", "-o", "{tmp}/out.jsonl"],
        ["db-out", "nope", "{tmp}/out.jsonl"],
        ["db-out", "dataset:nope", "{tmp}/out.jsonl"],
        ["evaluate", "no_model", "dataset:nope"],
        ["evaluate-patterns", "{gold}", "dataset:nope"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_an_unknown_dataset_exits_1_with_one_message(args, gold, db, tmp_path):
    db_in("gear", gold, db=db)
    out = invoke(*(a.format(tmp=tmp_path, gold=gold) for a in args), "--db", db)
    assert out.exit_code == 1, out.output
    assert out.output.count("✘") == 1 and "Traceback" not in out.output
    text = " ".join(out.output.split())
    assert "'nope'" in text and db in text and "datasets there: gear" in text
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.jsonl").exists()


def test_no_database_is_named_and_not_created(tmp_path, gold):
    missing = tmp_path / "none" / "annotations.sqlite"
    out = invoke("stats", "dataset:gear", "--db", missing)
    assert out.exit_code == 1 and "Dataset not found" in out.output
    assert f"there is no database {missing}" in " ".join(out.output.split())
    assert not missing.parent.exists()


def test_datasets_lists_prodigy_like_stats(tmp_path):
    db = str(tmp_path / "a.sqlite")
    with Database(db) as database:
        database.add_answers("gear", [
            {"text": "a", "answer": "accept", "_session_id": "gear-alice"},
            {"text": "b", "answer": "reject", "_session_id": "gear-bob"},
        ])  # fmt: skip
    (found,) = datasets(db)
    assert (found.name, found.answers, found.accept, found.reject) == ("gear", 2, 1, 1)
    result = invoke("datasets", "--db", db)
    assert result.exit_code == 0 and "gear" in result.output and "1 datasets" in result.output
    result = invoke("datasets", "--db", db, "--json")
    assert json.loads(result.output)[0]["sessions"] == ["gear-alice", "gear-bob"]
