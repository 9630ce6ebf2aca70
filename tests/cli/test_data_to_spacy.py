import json
from pathlib import Path

import pytest
import srsly
from spacy.tokens import DocBin

from spacy_ner_plugin.annotations.counts import ConversionCounts
from spacy_ner_plugin.annotations.docs import AlignMode
from spacy_ner_plugin.annotations.merge import ConflictPolicy
from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.errors import InternalError, PluginError, StrictModeError, UsageError

from ..conftest import CRASHERS, HELLO_RECORD, WRONG_TYPE_RECORDS, read_docs, read_lines, task

GOOD = [task(f"Text {i} about Osprey packs", "Osprey") for i in range(8)]


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


def test_rejected_binary_answers_are_merged_and_ignored_ones_skipped(write_jsonl, tmp_path, nlp):
    # a rejected binary answer is negative evidence: merged as an incorrect span, not skipped
    rejected = {**task("Nope, not Osprey", "Osprey"), "answer": "reject"}
    records = [*GOOD, rejected, {"text": "Skip me", "answer": "ignore"}]
    result = data_to_spacy([write_jsonl(records)], tmp_path / "out", eval_split=0.0)
    assert result.counts.skipped == {"answer ignore": 1}
    assert result.counts.written == {"train": len(GOOD) + 1}
    assert_reconciles(result, tmp_path / "out" / "rejects.jsonl", 0)
    (doc,) = [
        d for d in read_docs(tmp_path / "out" / "train.spacy", nlp) if d.text == "Nope, not Osprey"
    ]
    assert [(s.text, s.label_) for s in doc.spans["incorrect_spans"]] == [("Osprey", "BRAND")]
    assert not doc.ents and all(t.ent_iob_ == "" for t in doc)


def binary_answers(n):
    """ner.teach-like answers without _view_id: one span each, every other one rejected."""
    texts = [f"Answer {i} about Osprey packs" for i in range(n)]
    return [
        {**task(t, "Osprey"), "answer": "reject" if i % 2 else "accept"}
        for i, t in enumerate(texts)
    ]


@pytest.mark.parametrize("binary,missing", [(None, True), (True, True), (False, False)])
def test_binary_answers_are_detected_per_file_or_forced(
    write_jsonl, tmp_path, nlp, binary, missing
):
    answers = write_jsonl(binary_answers(6), "teach.jsonl")
    gold = write_jsonl(GOOD, "gold.jsonl")
    data_to_spacy([gold, answers], tmp_path / "out", eval_split=0.0, binary=binary)
    docs = {d.text: d for d in read_docs(tmp_path / "out" / "train.spacy", nlp)}
    accepted = docs["Answer 0 about Osprey packs"]
    assert [e.text for e in accepted.ents] == ["Osprey"]
    assert all(t.ent_iob_ == ("" if missing else "O") for t in accepted if not t.ent_type_)
    gold_doc = docs[GOOD[0]["text"]]
    expected = "" if binary else "O"  # --binary also marks the gold file's undeclared records
    assert {t.ent_iob_ for t in gold_doc if not t.ent_type_} == {expected}


def test_declared_kinds_win_over_detection_and_flags(write_jsonl, tmp_path, nlp):
    records = [
        {**r, "_view_id": "ner_manual"} for r in binary_answers(4) if r["answer"] == "accept"
    ]
    path = write_jsonl(records + binary_answers(4)[1::2])
    data_to_spacy([path], tmp_path / "out", eval_split=0.0, binary=True)
    docs = {d.text: d for d in read_docs(tmp_path / "out" / "train.spacy", nlp)}
    assert all(t.ent_iob_ in "BIO" for t in docs["Answer 0 about Osprey packs"])


def test_text_without_spans_is_an_all_outside_example(write_jsonl, tmp_path, nlp):
    records = [{"text": f"Nothing here number {i}."} for i in range(3)] + GOOD[:1]
    data_to_spacy([write_jsonl(records)], tmp_path / "out", eval_split=0.0)
    docs = read_docs(tmp_path / "out" / "train.spacy", nlp)
    negatives = [d for d in docs if d.text.startswith("Nothing")]
    assert len(negatives) == 3
    assert all(t.ent_iob_ == "O" for d in negatives for t in d)


@pytest.mark.slow  # over half a second of CPU: three conversions
def test_split_is_seeded_by_text_and_reproducible(write_jsonl, tmp_path, nlp):
    records = [task(f"Trip {i} with my Osprey pack", "Osprey") for i in range(40)]
    # the same text answered twice (different annotators) must never straddle the split
    records += [dict(r, meta={"annotator": "b"}) for r in records[:10]]
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


def test_no_usable_records_fails_clearly(write_jsonl, tmp_path, capsys):
    with pytest.raises(PluginError, match="No usable training records") as err:
        data_to_spacy([write_jsonl(["{bad"])], tmp_path / "out")
    assert "1 read, 1 rejected" in err.value.text and "malformed JSON" in err.value.text
    assert capsys.readouterr() == ("", "")
    assert not (tmp_path / "out").exists()


def test_no_usable_records_names_the_inputs_even_when_empty(write_jsonl, tmp_path):
    """Found by fuzz/test_steps: an empty input failed without saying which file it was."""
    empty = write_jsonl([], name="empty.jsonl")
    with pytest.raises(PluginError, match="No usable training records") as err:
        data_to_spacy([empty], tmp_path / "out")
    assert f"{empty}: 0 read, 0 rejected" in err.value.text


def test_counts_that_do_not_add_up_fail_the_run(write_jsonl, tmp_path, monkeypatch):
    monkeypatch.setattr(ConversionCounts, "reconciles", property(lambda self: False))
    with pytest.raises(InternalError, match="Counts do not add up"):
        data_to_spacy([write_jsonl(GOOD)], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_quiet_by_default_and_prints_with_silent_false(write_jsonl, tmp_path, capsys):
    data_to_spacy([write_jsonl(GOOD)], tmp_path / "quiet")
    assert capsys.readouterr() == ("", "")
    data_to_spacy([write_jsonl(GOOD)], tmp_path / "loud", silent=False)
    assert "Records" in capsys.readouterr().out


def test_missing_input_raises_quietly(tmp_path, capsys):
    with pytest.raises(PluginError, match="Input not found") as err:
        data_to_spacy([tmp_path / "missing.jsonl"], tmp_path / "out")
    assert err.value.text == str(tmp_path / "missing.jsonl")
    assert capsys.readouterr() == ("", "")


def test_choices_take_enum_members_or_their_values(write_jsonl, tmp_path):
    off = {"text": "Ospreys rock", "spans": [{"start": 0, "end": 6, "label": "BRAND"}]}
    path = write_jsonl([*GOOD, off])
    result = data_to_spacy(
        [path], tmp_path / "a", align=AlignMode.expand, conflicts=ConflictPolicy.latest
    )
    assert result.span_changes == 1
    with pytest.raises(UsageError, match="Unknown --align 'sideways'"):
        data_to_spacy([path], tmp_path / "b", align="sideways")
    with pytest.raises(UsageError, match="Unknown --input-format 'xml'"):
        data_to_spacy([path], tmp_path / "b", input_format="xml")


def test_answers_about_one_text_merge_across_files_and_formats(write_jsonl, tmp_path, nlp):
    text = "Deuter and Osprey on the JMT"
    gold = write_jsonl([task(text, "Osprey"), *GOOD], "gold.jsonl")
    doccano = tmp_path / "doccano.jsonl"
    doccano.write_text(json.dumps({"text": text, "label": [[11, 17, "BRAND"]]}) + "\n")
    binary = write_jsonl([{**task(text, "JMT", label="BRAND"), "answer": "reject"}], "b.jsonl")
    result = data_to_spacy([gold, doccano, f"binary:{binary}"], tmp_path / "out", eval_split=0)
    assert result.counts.skipped == {
        "merged with other answers on the same text": 1,
        "duplicate": 1,
    }
    (doc,) = [d for d in read_docs(tmp_path / "out" / "train.spacy", nlp) if d.text == text]
    assert [e.text for e in doc.ents] == ["Osprey"] and doc[0].ent_iob_ == "O"
    assert [s.text for s in doc.spans["incorrect_spans"]] == ["JMT"]


def test_conflicting_gold_versions_are_reported_and_skipped_by_default(write_jsonl, tmp_path):
    text = "Deuter and Osprey packs"
    path = write_jsonl([*GOOD, task(text, "Osprey"), task(text, "Deuter")])
    result = data_to_spacy([path], tmp_path / "out", eval_split=0)
    assert result.counts.skipped == {"conflict": 2} and result.conflicts == 1
    (conflict,) = srsly.read_jsonl(tmp_path / "out" / "conflicts.jsonl")
    assert conflict["text"] == text and [a["line"] for a in conflict["answers"]] == [9, 10]
    latest = data_to_spacy([path], tmp_path / "latest", eval_split=0, conflicts="latest")
    assert latest.counts.skipped == {"overruled (--conflicts latest)": 1}


def test_eval_prefix_marks_a_dedicated_eval_input(write_jsonl, tmp_path):
    eval_path = write_jsonl([task("Eval Osprey text", "Osprey")], "eval.jsonl")
    result = data_to_spacy([write_jsonl(GOOD), f"eval:{eval_path}"], tmp_path / "out")
    assert result.counts.written == {"train": len(GOOD), "dev": 1}


def test_align_expand_reports_every_changed_span(write_jsonl, tmp_path):
    off = {"text": "Ospreys rock", "spans": [{"start": 0, "end": 6, "label": "BRAND"}]}
    result = data_to_spacy([write_jsonl([*GOOD, off])], tmp_path / "out", align="expand")
    assert result.counts.rejected == 0 and result.span_changes == 1
    (change,) = srsly.read_jsonl(tmp_path / "out" / "span_changes.jsonl")
    assert change["line"] == 9 and change["to"] == [0, 7]


def test_large_output_is_sharded_into_a_directory_that_spacy_reads(write_jsonl, tmp_path, nlp):
    from spacy.training import Corpus

    records = [task(f"Trip {i} with my Osprey pack", "Osprey") for i in range(25)]
    result = data_to_spacy([write_jsonl(records)], tmp_path / "out", shard_size=10)
    train = tmp_path / "out" / "train.spacy"
    assert train.is_dir() and len(list(train.glob("*.spacy"))) == 2
    assert (tmp_path / "out" / "dev.spacy").is_file()
    assert len(list(Corpus(train)(nlp))) == result.counts.written["train"] == 20
    data_to_spacy([write_jsonl(records[:5])], tmp_path / "out", shard_size=10)
    assert train.is_file() and len(read_docs(train, nlp)) == 4


def test_bad_input_in_every_format_is_rejected_with_location(tmp_path):
    conll = tmp_path / "a.conll"
    conll.write_bytes(b"Osprey\tB-BRAND\n\nbad\tI-\n\nfine\tO\n")
    label_studio = tmp_path / "ls.json"
    label_studio.write_text('[{"text": "Osprey rocks", "label": [{"labels": ["B"]}]}]')
    result = data_to_spacy([conll, label_studio], tmp_path / "out", eval_split=0)
    rejects = list(srsly.read_jsonl(tmp_path / "out" / "rejects.jsonl"))
    assert [(Path(r["path"]).name, r["line"]) for r in rejects] == [("a.conll", 3), ("ls.json", 1)]
    assert_reconciles(result, tmp_path / "out" / "rejects.jsonl", 2)


# Records that crashed a step before: each is now a reject of its line, naming the field.
@pytest.mark.parametrize("name", list(CRASHERS))
def test_records_that_crashed_the_merge_are_rejects_of_their_line(write_jsonl, tmp_path, name):
    record, field = CRASHERS[name]
    result = data_to_spacy([write_jsonl([*GOOD, record])], tmp_path / "out", eval_split=0)
    assert result.counts.written == {"train": len(GOOD)}
    assert_reconciles(result, tmp_path / "out" / "rejects.jsonl", 1)
    (reject,) = srsly.read_jsonl(tmp_path / "out" / "rejects.jsonl")
    assert (reject["line"], reject["field"]) == (len(GOOD) + 1, field)


def test_a_text_of_over_a_million_characters_converts_with_a_blank_pipeline(
    write_jsonl, tmp_path, nlp
):
    long_text = "Osprey pack " + ("x" * 99 + " ") * 10_000  # long, in few tokens
    assert len(long_text) > 1_000_000
    record = {"text": long_text, "spans": [{"start": 0, "end": 6, "label": "BRAND"}]}
    result = data_to_spacy([write_jsonl([*GOOD, record])], tmp_path / "out", eval_split=0)
    assert result.counts.written == {"train": len(GOOD) + 1} and result.counts.rejected == 0
    (doc,) = [d for d in read_docs(tmp_path / "out" / "train.spacy", nlp) if len(d.text) > 1000]
    assert doc.text == long_text and [e.text for e in doc.ents] == ["Osprey"]


def test_a_train_answer_that_disagrees_with_the_eval_set_is_reported_as_a_conflict(
    write_jsonl, tmp_path, nlp
):
    text = "Deuter and Osprey packs"
    eval_path = write_jsonl([task(text, "Osprey"), task("Eval Osprey", "Osprey")], "eval.jsonl")
    train_path = write_jsonl([*GOOD, task(text, "Deuter")], "train.jsonl")
    result = data_to_spacy([train_path], tmp_path / "out", eval_path=eval_path)
    assert result.counts.skipped == {"conflict with the eval set": 1} and result.conflicts == 1
    (conflict,) = srsly.read_jsonl(tmp_path / "out" / "conflicts.jsonl")
    answers = [(Path(a["path"]).name, a["line"]) for a in conflict["answers"]]
    assert conflict["text"] == text and answers == [("train.jsonl", 9), ("eval.jsonl", 1)]
    assert any("eval set" in reason for reason in conflict["reasons"])
    dev = {doc.text: doc for doc in read_docs(tmp_path / "out" / "dev.spacy", nlp)}
    assert [e.text for e in dev[text].ents] == ["Osprey"]  # the eval set's version is kept


def test_data_to_spacy_never_writes_a_text_that_is_in_no_record(write_jsonl, tmp_path, nlp):
    bad = [record for name, (record, _) in WRONG_TYPE_RECORDS.items()]
    path = write_jsonl([HELLO_RECORD, *bad])
    result = data_to_spacy([path], tmp_path / "out", eval_split=0)
    docs = list(DocBin().from_disk(tmp_path / "out" / "train.spacy").get_docs(nlp.vocab))
    assert [doc.text for doc in docs] == ["Hello world"]
    rejects = read_lines(tmp_path / "out" / "rejects.jsonl")
    assert sorted(r["line"] for r in rejects) == list(range(2, len(bad) + 2))
    assert result.counts.reconciles


def test_data_to_spacy_keeps_the_entities_of_a_json_array_of_prodigy_records(tmp_path, nlp):
    records = [
        {"text": "I like Osprey packs", "spans": [{"start": 7, "end": 13, "label": "BRAND"}]},
        {"text": "Salomon shoes", "spans": [{"start": 0, "end": 7, "label": "BRAND"}]},
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(records, indent=2), encoding="utf8")
    data_to_spacy([path], tmp_path / "out", eval_split=0)
    docs = DocBin().from_disk(tmp_path / "out" / "train.spacy").get_docs(nlp.vocab)
    assert [[e.text for e in doc.ents] for doc in docs] == [["Osprey"], ["Salomon"]]
