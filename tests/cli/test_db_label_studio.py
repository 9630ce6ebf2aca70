"""`db-out --output-format label-studio`: Label Studio's task import format, pre-annotations as
`predictions` and gold answers as `annotations`, read back by the project's own reader."""

import json

import srsly

from spacy_ner_plugin.annotations.formats import label_studio
from spacy_ner_plugin.cli.db_out import db_out
from spacy_ner_plugin.io.records import json_line

from ..conftest import ROOT, task

SAMPLE = ROOT / "assets/sample/train.jsonl"


def spans_of(record: dict) -> list:
    return sorted((s["start"], s["end"], s["label"]) for s in record.get("spans") or [])


def test_gold_answers_become_annotations_that_read_back_to_the_same_spans(tmp_path):
    records = list(srsly.read_jsonl(SAMPLE))[:25]
    out = tmp_path / "tasks.json"
    counts = db_out(SAMPLE, out, output_format="label-studio")
    assert counts.written["label-studio"] == counts.read
    tasks = json.loads(out.read_text())
    assert len(tasks) == counts.read and all("predictions" not in t for t in tasks)
    first = tasks[0]["annotations"][0]["result"][0]
    assert (first["from_name"], first["to_name"], first["type"]) == ("label", "text", "labels")
    assert (
        first["value"]["text"]
        == records[0]["text"][first["value"]["start"] : first["value"]["end"]]
    )
    back = [line.record for line in label_studio.read(out)]
    assert [r["text"] for r in back[:25]] == [r["text"] for r in records]
    assert [spans_of(r) for r in back[:25]] == [spans_of(r) for r in records]
    assert all(r["answer"] == "accept" for r in back)


def test_pre_annotations_become_predictions_in_the_result_format_annotations_use(
    write_jsonl, tmp_path
):
    gold = [task("I love Osprey packs", "Osprey"), task("Deuter bags", "Deuter")]
    pre = [{k: v for k, v in record.items() if k != "answer"} for record in gold]
    pre.append({"text": "Nothing here", "spans": []})
    out = tmp_path / "pre.json"
    db_out(write_jsonl(pre, "pre.jsonl"), out, output_format="label-studio")
    tasks = json.loads(out.read_text())
    assert [t["data"]["text"] for t in tasks] == [r["text"] for r in pre]
    for found in tasks:
        assert "annotations" not in found
        assert [p["model_version"] for p in found["predictions"]] == ["spacy_ner_plugin"]
    # A prediction's result is an annotation's (Label Studio turns one into the other):
    # read as annotations, the spans are the pre-annotated ones.
    as_annotated = [{"data": t["data"], "annotations": t["predictions"]} for t in tasks]
    (tmp_path / "as_annotated.json").write_text(json.dumps(as_annotated))
    back = [line.record for line in label_studio.read(tmp_path / "as_annotated.json")]
    assert [spans_of(r) for r in back] == [spans_of(r) for r in pre]


def test_binary_and_rejected_answers_are_rejected_and_ignored_ones_cancelled(write_jsonl, tmp_path):
    records = [
        task("I love Osprey packs", "Osprey"),
        {**task("Deuter bags", "Deuter"), "answer": "reject", "_view_id": "ner_manual"},
        {**task("Salomon shoes", "Salomon"), "_view_id": "ner"},
        {**task("Black Diamond poles", "Black Diamond"), "answer": "ignore"},
    ]
    out = tmp_path / "tasks.json"
    counts = db_out(write_jsonl(records, "mixed.jsonl"), out, output_format="label-studio")
    assert (counts.read, counts.written["label-studio"], counts.rejected) == (4, 2, 2)
    rejects = list(srsly.read_jsonl(tmp_path / "tasks.rejects.jsonl"))
    assert [r["line"] for r in rejects] == [2, 3]
    assert "rejected answer" in rejects[0]["reason"] and "binary" in rejects[1]["reason"]
    back = [line.record for line in label_studio.read(out)]
    assert [r["answer"] for r in back] == ["accept", "ignore"]
    assert json.loads(out.read_text())[1]["annotations"][0]["was_cancelled"] is True
    expected = [label_studio.to_task(records[i]) for i in (0, 3)]
    assert json_line(json.loads(out.read_text())) == json_line(expected)
