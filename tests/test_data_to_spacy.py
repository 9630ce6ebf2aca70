import json

import pytest
import srsly
from spacy.tokens import DocBin

from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.convert import StrictModeError

from .conftest import task

GOOD = [task(f"Text {i} about Osprey packs", "Osprey") for i in range(8)]


def read_docs(path, nlp):
    return list(DocBin().from_disk(path).get_docs(nlp.vocab))


def assert_reconciles(result, rejects_path, n_rejected):
    counts = result.counts
    assert counts.read == sum(counts.written.values()) + counts.rejected + sum(
        counts.skipped.values()
    )
    assert counts.rejected == n_rejected
    assert len(list(srsly.read_jsonl(rejects_path))) == n_rejected


BAD_RECORDS = {
    "malformed JSON line": ('{"text": "broken', None, "malformed JSON"),
    "missing text": ({"spans": []}, "text", "missing 'text'"),
    "empty text": ({"text": "   "}, "text", "empty 'text'"),
    "span out of range": (
        {"text": "short", "spans": [{"start": 0, "end": 50, "label": "B"}]},
        "spans",
        "out of range",
    ),
    "start >= end": (
        {"text": "short one", "spans": [{"start": 5, "end": 3, "label": "B"}]},
        "spans",
        "out of range",
    ),
    "span off token boundaries": (
        {"text": "Ospreys rock", "spans": [{"start": 0, "end": 6, "label": "B"}]},
        "spans",
        "token boundaries",
    ),
    "overlapping spans": (
        task("Black Diamond poles", "Black Diamond", "Diamond"),
        "spans",
        "overlap",
    ),
    "unknown answer": ({"text": "Some text", "answer": "maybe"}, "answer", "unknown answer"),
    "tokens disagree with text": (
        {
            "text": "ab cd",
            "tokens": [{"text": "ab", "start": 0, "end": 2}, {"text": "xx", "start": 3, "end": 5}],
        },
        "tokens",
        "disagrees",
    ),
}


@pytest.mark.parametrize("name", list(BAD_RECORDS))
def test_bad_record_is_rejected_with_location_and_the_rest_converted(
    name, write_jsonl, tmp_path, nlp
):
    bad, field, reason = BAD_RECORDS[name]
    path = write_jsonl([*GOOD[:4], bad, *GOOD[4:]])
    result = data_to_spacy([path], tmp_path / "out", eval_split=0.25)
    assert_reconciles(result, tmp_path / "out" / "rejects.jsonl", 1)
    assert sum(result.counts.written.values()) == len(GOOD)
    (reject,) = srsly.read_jsonl(tmp_path / "out" / "rejects.jsonl")
    assert reject["path"] == str(path) and reject["line"] == 5 and reject["field"] == field
    assert reason in reject["reason"]


def test_strict_stops_at_first_bad_record_and_writes_nothing(write_jsonl, tmp_path):
    path = write_jsonl([*GOOD, {"text": ""}])
    with pytest.raises(StrictModeError, match=":9"):
        data_to_spacy([path], tmp_path / "out", strict=True)
    assert not (tmp_path / "out").exists()


def test_failed_run_keeps_previous_outputs(write_jsonl, tmp_path):
    out = tmp_path / "out"
    data_to_spacy([write_jsonl(GOOD)], out)
    before = (out / "train.spacy").read_bytes()
    with pytest.raises(StrictModeError):
        data_to_spacy([write_jsonl([{"text": ""}], "bad.jsonl")], out, strict=True)
    assert (out / "train.spacy").read_bytes() == before
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_rejected_and_ignored_answers_are_counted_and_skipped(write_jsonl, tmp_path, nlp):
    records = [
        *GOOD,
        {**GOOD[0], "text": "Nope", "answer": "reject"},
        {"text": "Skip me", "answer": "ignore"},
    ]
    result = data_to_spacy([write_jsonl(records)], tmp_path / "out")
    assert result.counts.skipped == {"answer reject": 1, "answer ignore": 1}
    assert_reconciles(result, tmp_path / "out" / "rejects.jsonl", 0)


def test_text_without_spans_is_an_all_outside_example(write_jsonl, tmp_path, nlp):
    records = [{"text": f"Nothing here number {i}."} for i in range(3)] + GOOD[:1]
    data_to_spacy([write_jsonl(records)], tmp_path / "out", eval_split=0.0)
    docs = read_docs(tmp_path / "out" / "train.spacy", nlp)
    negatives = [d for d in docs if d.text.startswith("Nothing")]
    assert len(negatives) == 3
    assert all(t.ent_iob_ == "O" for d in negatives for t in d)


def test_split_is_seeded_by_text_and_reproducible(write_jsonl, tmp_path, nlp):
    records = [task(f"Trip {i} with my Osprey pack", "Osprey") for i in range(40)]
    # the same text answered twice (different annotators) must never straddle the split
    records += [dict(r, meta={"annotator": "b"}, spans=[]) for r in records[:10]]
    path = write_jsonl(records)
    data_to_spacy([path], tmp_path / "a", eval_split=0.25, seed=1)
    data_to_spacy([path], tmp_path / "b", eval_split=0.25, seed=1)
    data_to_spacy([path], tmp_path / "c", eval_split=0.25, seed=2)
    for name in ("train.spacy", "dev.spacy"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    train = {d.text for d in read_docs(tmp_path / "a" / "train.spacy", nlp)}
    dev = {d.text for d in read_docs(tmp_path / "a" / "dev.spacy", nlp)}
    assert not train & dev and len(dev) == 10 and len(train) == 30
    assert dev != {d.text for d in read_docs(tmp_path / "c" / "dev.spacy", nlp)}


def test_dedicated_eval_file_is_dev_and_its_texts_leave_train(write_jsonl, tmp_path, nlp):
    eval_records = [
        task("Eval text on the Osprey", "Osprey"),
        task("Another eval Osprey", "Osprey"),
    ]
    eval_path = write_jsonl(eval_records, "eval.jsonl")
    train_path = write_jsonl([*GOOD, eval_records[0]], "train.jsonl")
    result = data_to_spacy([train_path], tmp_path / "out", eval_path=eval_path)
    assert result.counts.written == {"train": len(GOOD), "dev": 2}
    assert result.counts.skipped == {"text also in eval set": 1}
    label_data = json.loads((tmp_path / "out" / "labels.json").read_text())
    assert {label for counts in label_data.values() for label in counts if label} == {"BRAND"}


def test_records_without_tokens_use_the_tokenizer_and_exact_duplicates_collapse(
    write_jsonl, tmp_path, nlp
):
    result = data_to_spacy([write_jsonl([*GOOD, GOOD[0]])], tmp_path / "out", eval_split=0.0)
    assert result.counts.skipped == {"duplicate": 1}
    docs = read_docs(tmp_path / "out" / "train.spacy", nlp)
    assert [t.text for t in docs[0]] == ["Text", "0", "about", "Osprey", "packs"]


def test_labels_filter_rejects_unknown_labels(write_jsonl, tmp_path):
    records = [*GOOD, task("A typo label Osprey", "Osprey", label="BRNAD")]
    result = data_to_spacy([write_jsonl(records)], tmp_path / "out", labels=["BRAND"])
    assert_reconciles(result, tmp_path / "out" / "rejects.jsonl", 1)
    assert "BRNAD" in next(iter(srsly.read_jsonl(tmp_path / "out" / "rejects.jsonl")))["reason"]


def test_no_usable_records_fails_clearly(write_jsonl, tmp_path):
    with pytest.raises(ValueError, match="No usable training records"):
        data_to_spacy([write_jsonl(["{bad"])], tmp_path / "out")
