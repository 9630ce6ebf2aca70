import pytest
import spacy
from spacy.training import Example

from spacy_ner_plugin.annotations.docs import AlignMode
from spacy_ner_plugin.annotations.kinds import answer_kind, detect_kind
from spacy_ner_plugin.annotations.merge import Answer, ConflictPolicy, merge_answers
from spacy_ner_plugin.constants import BINARY, GOLD
from spacy_ner_plugin.errors import UsageError

from ..conftest import task

TEXT = "Deuter and Osprey packs on the JMT"


def gold(*ents, label="BRAND", **extra):
    return Answer("gold.jsonl", 1, task(TEXT, *ents, label=label, **extra), GOLD)


def binary(ent, answer, label="BRAND"):
    return Answer("binary.jsonl", 1, {**task(TEXT, ent, label=label), "answer": answer}, BINARY)


def merge(answers, nlp, **kwargs):
    merged = merge_answers(answers, nlp, **kwargs)
    total = merged.used + sum(merged.skipped.values()) + len(merged.rejects)
    assert total == len(answers), "every answer is used, skipped or rejected"
    return merged


def ents(doc):
    return [(e.text, e.label_) for e in doc.ents]


def incorrect(doc):
    return [(s.text, s.label_) for s in doc.spans.get("incorrect_spans", [])]


def test_gold_spans_become_entities_with_outside_elsewhere(nlp):
    doc = merge([gold("Osprey")], nlp).doc
    assert ents(doc) == [("Osprey", "BRAND")]
    assert all(t.ent_iob_ == "O" for t in doc if t.text != "Osprey")


def test_accepted_binary_spans_leave_the_rest_missing(nlp):
    doc = merge([binary("Osprey", "accept"), binary("Deuter", "accept")], nlp).doc
    assert ents(doc) == [("Deuter", "BRAND"), ("Osprey", "BRAND")]
    assert all(t.ent_iob_ == "" for t in doc if t.text not in ("Osprey", "Deuter"))


def test_rejected_binary_spans_become_incorrect_spans(nlp):
    merged = merge([binary("JMT", "reject"), binary("Osprey", "accept")], nlp)
    assert incorrect(merged.doc) == [("JMT", "BRAND")] and ents(merged.doc) == [("Osprey", "BRAND")]
    assert merged.skipped == {"merged with other answers on the same text": 1}


def test_ignore_answers_and_ignored_spans_are_dropped(nlp):
    record = {**task(TEXT, "Osprey", "JMT"), "answer": "reject"}
    record["spans"][0]["answer"] = "accept"
    record["spans"][1]["answer"] = "ignore"
    merged = merge([Answer("b", 1, record, BINARY), binary("Deuter", "ignore")], nlp)
    assert ents(merged.doc) == [("Osprey", "BRAND")] and incorrect(merged.doc) == []
    assert merged.skipped == {"answer ignore": 1}


def test_gold_and_consistent_binary_answers_merge(nlp):
    merged = merge([gold("Osprey"), binary("JMT", "reject"), binary("Osprey", "accept")], nlp)
    assert ents(merged.doc) == [("Osprey", "BRAND")] and incorrect(merged.doc) == [("JMT", "BRAND")]
    assert merged.doc[0].ent_iob_ == "O"


def test_exact_duplicates_collapse(nlp):
    merged = merge([gold("Osprey"), gold("Osprey", meta={"annotator": "b"})], nlp)
    assert merged.used == 1 and merged.skipped == {"duplicate": 1}


def test_different_gold_versions_are_reported_not_picked(nlp):
    merged = merge([gold("Osprey"), gold("Osprey", "Deuter")], nlp)
    assert merged.doc is None and merged.skipped == {"conflict": 2}
    assert merged.conflict["reasons"] == ["2 different gold annotations"]
    assert len(merged.conflict["answers"]) == 2


@pytest.mark.parametrize(
    "policy,expected",
    [("first", [("Osprey", "BRAND")]), ("latest", [("Deuter", "BRAND"), ("Osprey", "BRAND")])],
)
def test_conflict_policy_first_and_latest(nlp, policy, expected):
    merged = merge([gold("Osprey"), gold("Osprey", "Deuter")], nlp, policy=policy)
    assert ents(merged.doc) == expected
    assert merged.skipped == {f"overruled (--conflicts {policy})": 1}


def test_policy_and_alignment_take_enum_members_or_strings(nlp):
    answers = [gold("Osprey"), gold("Osprey", "Deuter")]
    merged = merge(answers, nlp, policy=ConflictPolicy.latest, align=AlignMode.contract)
    assert ents(merged.doc) == [("Deuter", "BRAND"), ("Osprey", "BRAND")]
    assert merged.skipped == {"overruled (--conflicts latest)": 1}
    with pytest.raises(UsageError, match="Unknown conflict policy 'newest'"):
        merge_answers(answers, nlp, policy="newest")
    with pytest.raises(UsageError, match="Unknown alignment 'sideways'"):
        merge_answers(answers, nlp, align="sideways")


def test_conflict_policy_majority_and_its_ties(nlp):
    answers = [gold("Osprey"), gold("Osprey", "Deuter"), gold("Osprey", "Deuter")]
    merged = merge(answers, nlp, policy="majority")
    assert ents(merged.doc) == [("Deuter", "BRAND"), ("Osprey", "BRAND")]
    tie = merge(answers[:2], nlp, policy="majority")
    assert tie.doc is None and tie.conflict is not None


def test_same_span_accepted_and_rejected_is_a_conflict_never_e868(nlp):
    answers = [binary("Osprey", "accept"), binary("Osprey", "reject")]
    assert merge(answers, nlp).conflict["reasons"] == ["BRAND [11:17] both accepted and rejected"]
    latest = merge(answers, nlp, policy="latest").doc
    assert not latest.ents and incorrect(latest) == [("Osprey", "BRAND")]
    first = merge(answers, nlp, policy="first").doc
    assert ents(first) == [("Osprey", "BRAND")] and incorrect(first) == []


def test_binary_answer_contradicting_gold_is_reported_or_outranked(nlp):
    answers = [gold("Osprey"), binary("Osprey", "reject")]
    assert "disagrees with the gold" in merge(answers, nlp).conflict["reasons"][0]
    merged = merge(answers, nlp, policy="latest")
    assert ents(merged.doc) == [("Osprey", "BRAND")] and incorrect(merged.doc) == []
    assert merged.skipped == {"overruled (--conflicts latest)": 1}


def test_overlapping_accepted_binary_spans_conflict(nlp):
    answers = [binary("Osprey", "accept"), binary("Osprey packs", "accept", label="GEAR")]
    assert "overlaps" in merge(answers, nlp).conflict["reasons"][0]
    assert ents(merge(answers, nlp, policy="first").doc) == [("Osprey", "BRAND")]


def test_merged_doc_trains_with_incorrect_spans():
    pipeline = spacy.blank("en")
    pipeline.add_pipe("ner", config={"incorrect_spans_key": "incorrect_spans"})
    merged = merge([gold("Osprey"), binary("JMT", "reject", label="TRAIL")], pipeline)
    examples = [Example(pipeline.make_doc(TEXT), merged.doc)]
    optimizer = pipeline.initialize(lambda: examples)
    losses = pipeline.update(examples, sgd=optimizer)
    assert losses["ner"] > 0


def test_tokens_of_any_answer_are_used_for_the_whole_text(nlp):
    tokenized = task("New-York trip", "New-York", label="PLACE")
    tokenized["tokens"] = [
        {"text": "New-York", "start": 0, "end": 8, "id": 0},
        {"text": "trip", "start": 9, "end": 13, "id": 1},
    ]
    plain = {**task("New-York trip", "New-York", label="PLACE"), "answer": "accept"}
    merged = merge([Answer("a", 1, plain, BINARY), Answer("b", 2, tokenized, GOLD)], nlp)
    assert [t.text for t in merged.doc] == ["New-York", "trip"]
    assert ents(merged.doc) == [("New-York", "PLACE")]


def test_bad_answer_is_rejected_and_the_others_still_merge(nlp):
    bad = Answer("bad.jsonl", 9, {"text": TEXT, "spans": [{"start": 0, "end": 99}]}, GOLD)
    merged = merge([bad, gold("Osprey")], nlp)
    assert ents(merged.doc) == [("Osprey", "BRAND")]
    assert (merged.rejects[0].path, merged.rejects[0].line) == ("bad.jsonl", 9)


@pytest.mark.parametrize(
    "align,expected", [("expand", [("Osprey packs", "BRAND")]), ("contract", [("Osprey", "BRAND")])]
)
def test_alignment_modes_report_every_changed_span(nlp, align, expected):
    record = {"text": TEXT, "spans": [{"start": 11, "end": 20, "label": "BRAND"}]}
    merged = merge([Answer("a", 3, record, GOLD)], nlp, align=align)
    assert ents(merged.doc) == expected
    (change,) = merged.changes
    assert change["line"] == 3 and change["from"] == [11, 20] and change["text"] == "Osprey pa"
    strict = merge([Answer("a", 3, record, GOLD)], nlp)
    assert "token boundaries" in strict.rejects[0].reason


def test_contract_drops_a_span_inside_one_token_and_reports_it(nlp):
    record = {"text": TEXT, "spans": [{"start": 12, "end": 14, "label": "BRAND"}]}
    merged = merge([Answer("a", 1, record, GOLD)], nlp, align="contract")
    assert not merged.doc.ents and merged.changes[0]["to"] is None


@pytest.mark.parametrize(
    "record,default,kind",
    [
        ({"text": "x", "_view_id": "ner"}, GOLD, BINARY),
        ({"text": "x", "_view_id": "ner_manual", "_is_binary": True}, GOLD, BINARY),
        ({"text": "x", "_view_id": "ner", "_is_binary": False}, BINARY, GOLD),
        ({"text": "x", "_view_id": "ner_manual"}, BINARY, GOLD),
        ({"text": "x", "spans": [{"label": "A"}]}, BINARY, BINARY),
        ({"text": "x", "spans": [{"label": "A", "answer": "accept"}]}, None, BINARY),
        ({"text": "x", "spans": [{"label": "A"}], "answer": "reject"}, None, BINARY),
        ({"text": "x", "spans": [{"label": "A"}], "answer": "reject", "tokens": []}, None, GOLD),
        ({"text": "x", "spans": [{"label": "A"}]}, None, GOLD),
    ],
)
def test_answer_kind(record, default, kind):
    assert answer_kind(record, default) == kind


def one_span(answer, **extra):
    return {**task(TEXT, "Osprey"), "answer": answer, **extra}


@pytest.mark.parametrize(
    "records,kind",
    [
        # ner.teach-like: one span each, many rejected
        ([one_span("accept"), one_span("reject"), one_span("reject")], BINARY),
        # complete annotations: any number of spans, (almost) never rejected
        ([task(TEXT, "Deuter", "Osprey"), one_span("accept"), one_span("accept")], None),
        ([one_span("accept")] * 9 + [one_span("reject")], None),
        ([task(TEXT, "Deuter", "Osprey", answer="reject")] * 3 + [one_span("reject")], None),
        # records that declare their kind are not evidence
        ([one_span("reject", _view_id="ner_manual")] * 3, None),
        ([{"text": TEXT, "answer": "reject"}] * 3, None),
    ],
)
def test_detect_kind_from_what_the_records_look_like(records, kind):
    assert detect_kind(iter(records))[0] == kind


def test_detect_kind_reads_only_a_bounded_sample():
    records = (one_span("reject" if i % 2 else "accept") for i in range(10**9))
    kind, evidence = detect_kind(records)
    assert kind == BINARY and "1000 records" in evidence


def two_span_binary(first, second, line=4):
    """A binary answer with two spans of TEXT, each `(text, label, answer)`."""
    spans = []
    for ent, label, answer in (first, second):
        start = TEXT.index(ent)
        spans.append({"start": start, "end": start + len(ent), "label": label, "answer": answer})
    return Answer("b.jsonl", line, {"text": TEXT, "spans": spans, "answer": "accept"}, BINARY)


def test_overlapping_accepted_spans_of_one_binary_answer_reject_it_never_e1010(nlp):
    overlapping = two_span_binary(("Osprey", "BRAND", "accept"), ("Osprey packs", "GEAR", "accept"))
    merged = merge([overlapping, binary("JMT", "reject")], nlp)
    (reject,) = merged.rejects
    assert (reject.line, reject.field) == (4, "spans") and "overlap" in reject.reason
    assert "'Osprey'" in reject.reason and "'Osprey packs'" in reject.reason
    assert incorrect(merged.doc) == [("JMT", "BRAND")]


def test_one_span_accepted_and_rejected_by_one_binary_answer_rejects_it(nlp):
    both = two_span_binary(("Osprey", "BRAND", "accept"), ("Osprey", "BRAND", "reject"))
    merged = merge([both, binary("JMT", "reject")], nlp)
    (reject,) = merged.rejects
    assert reject.field == "spans" and "accepted and rejected" in reject.reason
    assert not merged.doc.ents and incorrect(merged.doc) == [("JMT", "BRAND")]


def test_a_text_over_max_length_is_tokenized_by_a_tokenizer_only_pipeline():
    tokenizer_only = spacy.blank("en")
    tokenizer_only.max_length = len(TEXT) - 1
    merged = merge([gold("Osprey"), binary("JMT", "reject")], tokenizer_only)
    assert ents(merged.doc) == [("Osprey", "BRAND")] and not merged.rejects


def test_a_text_over_max_length_is_a_reject_for_a_pipeline_with_components():
    pipeline = spacy.blank("en")
    pipeline.add_pipe("sentencizer")
    pipeline.max_length = len(TEXT) - 1
    merged = merge([gold("Osprey"), binary("JMT", "reject")], pipeline)
    assert merged.doc is None and [r.field for r in merged.rejects] == ["text", "text"]
    assert "max_length" in merged.rejects[0].reason
