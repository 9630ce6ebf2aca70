import json

import pytest
import srsly
from typer.testing import CliRunner

from spacy_ner_plugin.annotations.counts import ConversionCounts
from spacy_ner_plugin.annotations.formats import OutputFormat, read_records
from spacy_ner_plugin.annotations.kinds import AnswerKind
from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.cli.db_in import db_in
from spacy_ner_plugin.cli.db_out import db_out
from spacy_ner_plugin.cli.stats import stats
from spacy_ner_plugin.errors import InternalError, PluginError, UsageError
from spacy_ner_plugin.io.hashing import input_hash, task_hash

from ..conftest import (
    CRASHERS,
    JSONL_TEXT,
    RECORDS,
    SHARED_DATA,
    read_lines,
    requires_shared_data,
    task,
)

CONLL = (
    "Osprey\tB-BRAND\npacks\tO\n\nbad\tO\textra\n\nJohn\tB-TRAIL\nMuir\tI-TRAIL\nTrail\tI-TRAIL\n"
)


def test_db_out_normalizes_any_format_with_hashes_and_reports_rejects(tmp_path):
    source = tmp_path / "a.conll"
    source.write_text(CONLL)
    counts = db_out(source, tmp_path / "out.jsonl", kind="gold")
    assert (counts.read, counts.written["prodigy"], counts.rejected) == (3, 2, 1)
    records = list(srsly.read_jsonl(tmp_path / "out.jsonl"))
    assert [r["_input_hash"] for r in records] == [input_hash(r) for r in records]
    assert [r["_task_hash"] for r in records] == [task_hash(r) for r in records]
    assert all(r["_view_id"] == "ner_manual" for r in records)
    (reject,) = srsly.read_jsonl(tmp_path / "out.rejects.jsonl")
    assert reject["line"] == 4 and "3 columns" in reject["reason"]
    result = data_to_spacy([tmp_path / "out.jsonl"], tmp_path / "corpus", eval_split=0)
    assert result.counts.written == {"train": 2} and result.labels["train"]["TRAIL"] == 1


def test_db_out_rejects_bad_spans_and_labels(write_jsonl, tmp_path):
    bad = [
        {"text": "a b", "spans": [{"start": 0, "end": 1, "label": "MY LABEL"}]},
        {"text": "a b", "spans": [{"start": 0, "end": 1, "label": ""}]},
        {"text": "a b", "spans": [{"start": 0, "end": 9, "label": "X"}]},
        {"spans": []},
    ]
    counts = db_out(write_jsonl([task("Osprey", "Osprey"), *bad]), tmp_path / "out.jsonl")
    assert counts.rejected == 4 and counts.reconciles
    reasons = [r["reason"] for r in srsly.read_jsonl(tmp_path / "out.rejects.jsonl")]
    assert ["whitespace" in reasons[0], "no label" in reasons[1], "out of range" in reasons[2]] == [
        True
    ] * 3


def test_db_out_conll_writes_gold_and_rejects_binary_answers(write_jsonl, tmp_path):
    binary = {**task("Not Osprey", "Osprey"), "answer": "reject"}
    path = write_jsonl([task("I love Osprey packs", "Osprey"), binary])
    counts = db_out(path, tmp_path / "out.conll")
    assert counts.written == {"conll": 1} and counts.rejected == 1
    assert (tmp_path / "out.conll").read_text() == "I\tO\nlove\tO\nOsprey\tB-BRAND\npacks\tO\n\n"
    (record,) = [line.record for line in read_records(tmp_path / "out.conll")]
    assert record["text"] == "I love Osprey packs"


def test_db_out_jsonl_passes_prodigy_records_through(write_jsonl, tmp_path):
    records = [task("I love Osprey", "Osprey", meta={"a": 1}, _view_id="ner_manual")]
    db_out(write_jsonl(records), tmp_path / "out.jsonl")
    (back,) = srsly.read_jsonl(tmp_path / "out.jsonl")
    assert back == {**records[0], "_input_hash": input_hash(back), "_task_hash": task_hash(back)}


def test_stats_counts_what_training_will_meet(write_jsonl):
    text = "Black Diamond poles\nand Osprey"
    records = [
        task(text, "Black Diamond", "Diamond"),  # nested
        {"text": text, "spans": [{"start": 6, "end": 24, "label": "BRAND"}]},  # has a newline
        task("Deuter bags", "Deuter"),
        task("Deuter bags", "Deuter"),  # duplicate
        task("Salomon shoes", "Salomon"),
        task("Salomon shoes"),  # conflicting gold
        {**task("Nope Osprey", "Osprey"), "answer": "reject"},
        {"text": "Nothing here"},
        "{broken",
    ]
    result = stats([str(write_jsonl(records))])
    assert (result.records, result.rejected, result.texts) == (9, 2, 5)
    assert (result.nested_spans, result.overlapping_spans, result.newline_spans) == (1, 0, 1)
    assert (result.duplicates, result.conflicts, result.texts_without_entities) == (1, 1, 1)
    assert result.labels["BRAND"] == {"accept": 6, "reject": 1}
    assert result.answers == {"accept": 7, "reject": 1} and result.kinds["binary"] == 1
    assert result.span_lengths == {1: 1, 4: 1}


def test_stats_json_on_the_command_line(write_jsonl):
    path = write_jsonl([task("I love Osprey", "Osprey"), task("Osprey or Deuter", "Osprey")])
    out = CliRunner().invoke(app, ["stats", str(path), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["labels"] == {"BRAND": {"accept": 2}} and data["span_length_buckets"]["1"] == 2


def test_steps_are_quiet_by_default_and_raise_on_a_missing_input(write_jsonl, tmp_path, capsys):
    path = write_jsonl([task("I love Osprey", "Osprey")])
    db_out(path, tmp_path / "in.jsonl", kind=AnswerKind.binary)
    db_out(path, tmp_path / "out.txt", output_format=OutputFormat.conll)
    stats([str(path)], input_format="prodigy")
    assert capsys.readouterr() == ("", "")
    assert next(srsly.read_jsonl(tmp_path / "in.jsonl"))["_view_id"] == "ner"
    assert (tmp_path / "out.txt").read_text().startswith("I\tO")
    missing = tmp_path / "missing.jsonl"
    for call in (
        lambda: db_in("ds", missing, db=str(tmp_path / "a.sqlite")),
        lambda: db_out(missing, tmp_path / "a.jsonl", db=str(tmp_path / "a.sqlite")),
        lambda: stats([str(missing)]),
    ):
        with pytest.raises(PluginError, match="Input not found"):
            call()
    assert capsys.readouterr() == ("", "")
    assert not (tmp_path / "a.sqlite").exists()  # looking for a dataset creates no database


def test_bad_choices_from_python_are_usage_errors(write_jsonl, tmp_path):
    path = write_jsonl([task("I love Osprey", "Osprey")])
    with pytest.raises(UsageError, match="Unknown --kind 'silver'"):
        db_in("ds", path, kind="silver", db=str(tmp_path / "a.sqlite"))
    with pytest.raises(UsageError, match="Unknown --output-format 'csv'"):
        db_out(path, tmp_path / "a.jsonl", output_format="csv")


def test_counts_that_do_not_add_up_fail_and_keep_the_previous_output(
    write_jsonl, tmp_path, monkeypatch
):
    path = write_jsonl([task("I love Osprey", "Osprey")])
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n")
    monkeypatch.setattr(ConversionCounts, "reconciles", property(lambda self: False))
    with pytest.raises(InternalError, match="Counts do not add up"):
        db_out(path, out)
    assert out.read_text() == "previous\n"


REAL_FILES = {
    "fashion_brands/fashion_brands_training.jsonl": 1235,
    "fashion_brands/fashion_brands_eval.jsonl": 500,
    "food_ingredients/food_data.jsonl": 949,
    "prodigy_examples/example-datasets/annotated_news_headlines-ORG-PERSON-LOCATION-ner.jsonl": 373,
    "prodigy_examples/example-datasets/annotated_reddit-PRODUCT-ner.jsonl": 1800,
    "wnut17/wnut17train.conll": 3394,
    "wnut17/emerging.dev.conll": 1009,
    "wnut17/emerging.test.annotated": 1287,
}


@requires_shared_data
@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_files_import_with_no_rejects(tmp_path, name):
    counts = db_out(SHARED_DATA / name, tmp_path / "out.jsonl")
    assert counts.rejected == 0 and counts.written["prodigy"] == REAL_FILES[name]


@requires_shared_data
@pytest.mark.slow  # 1,800 real answers through data-to-spacy
def test_real_binary_answers_all_end_up_in_training_or_explained(tmp_path):
    binary = SHARED_DATA / "prodigy_examples/example-datasets/annotated_reddit-PRODUCT-ner.jsonl"
    result = data_to_spacy([binary], tmp_path / "out", align="expand")
    counts = result.counts
    assert counts.read == 1800 and counts.rejected == 0 and counts.reconciles
    assert set(counts.skipped) <= {
        "answer ignore",
        "duplicate",
        "merged with other answers on the same text",
    }
    assert result.span_changes == 1 and result.conflicts == 0


BAD_LABEL_FILES = {
    "prodigy": '{"text": "Osprey", "spans": [{"start": 0, "end": 6, "label": "%s"}]}',
    "doccano": '{"text": "Osprey", "label": [[0, 6, "%s"]]}',
    "label-studio": '[{"text": "Osprey", "label": [{"start": 0, "end": 6, "labels": ["%s"]}]}]',
    "spacy-v2": '[["Osprey", {"entities": [[0, 6, "%s"]]}]]',
    "conll": "Osprey\tB-%s\n",
}


@pytest.mark.parametrize("name", sorted(BAD_LABEL_FILES))
@pytest.mark.parametrize("label,reason", [("MY LABEL", "whitespace"), ("", "label")])
def test_labels_with_spaces_or_empty_are_rejected_in_every_format(tmp_path, name, label, reason):
    source = tmp_path / "input.txt"
    source.write_text(BAD_LABEL_FILES[name] % label)
    counts = db_out(source, tmp_path / "out.jsonl")
    assert (counts.read, counts.rejected) == (1, 1)
    (reject,) = srsly.read_jsonl(tmp_path / "out.rejects.jsonl")
    assert reject["line"] == 1 and reason in reject["reason"]


def test_db_out_to_spacy_converts_long_texts_and_rejects_what_used_to_crash_it(tmp_path):
    long_text = "Osprey pack " + ("x" * 99 + " ") * 10_000  # long, in few tokens
    records = [
        {"text": long_text, "spans": [{"start": 0, "end": 6, "label": "B"}]},
        {"text": long_text + "Again.", "answer": "ignore"},
        CRASHERS["tokens past the end of the text"][0],
        CRASHERS["overlapping accepted spans of one binary answer"][0],
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf8")
    counts = db_out(source, tmp_path / "out.spacy")
    assert counts.written == {"spacy": 2} and counts.rejected == 2
    rejects = list(srsly.read_jsonl(tmp_path / "out.rejects.jsonl"))
    assert [(r["line"], r["field"]) for r in rejects] == [(3, "tokens"), (4, "spans")]


def test_db_in_reads_a_utf8_file_with_a_stray_utf16_bom(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\xff\xfe" + JSONL_TEXT.encode("utf8"))
    db = str(tmp_path / "answers.sqlite")
    counts = db_in("bom", path, db=db)
    assert counts.read == 3 and counts.rejected == 0
    db_out("bom", tmp_path / "out.jsonl", db=db)
    assert [r["text"] for r in read_lines(tmp_path / "out.jsonl")] == [r["text"] for r in RECORDS]
