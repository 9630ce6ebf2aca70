"""Span categorization merging: every accepted gold span, overlapping and nested ones too, goes
to doc.spans[key] (entities left missing); bad spans still reject their record; binary answers
are skipped and counted."""

import importlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spacy_ner_plugin.annotations.merge import Answer, merge_answers
from spacy_ner_plugin.annotations.partial import is_partial
from spacy_ner_plugin.annotations.spans import BINARY_SKIPPED, check_spans_key
from spacy_ner_plugin.annotations.stats import CorpusStats, advice
from spacy_ner_plugin.constants import BINARY, GOLD, INCORRECT_SPANS_KEY
from spacy_ner_plugin.errors import UsageError

from ..conftest import ROOT

TEXT = "my Big Agnes sleeping pad on the Pacific Crest Trail"


def span(text: str, label: str, within: str = TEXT) -> dict:
    start = within.index(text)
    return {"start": start, "end": start + len(text), "label": label}


def answer(*spans: dict, kind: str = GOLD, text: str = TEXT, **extra) -> Answer:
    record = {"text": text, "spans": list(spans), "answer": "accept", **extra}
    return Answer("spans.jsonl", 1, record, kind)


def merge(answers, nlp, **kwargs):
    merged = merge_answers(answers, nlp, spans_key="sc", **kwargs)
    total = merged.used + sum(merged.skipped.values()) + len(merged.rejects)
    assert total == len(answers), "every answer is used, skipped or rejected"
    return merged


def group(doc, key="sc"):
    return [(s.text, s.label_) for s in doc.spans[key]]


def test_nested_spans_are_kept_and_entities_left_missing(nlp):
    nested = [span("Big Agnes", "BRAND"), span("Big Agnes sleeping pad", "ITEM")]
    merged = merge([answer(*nested)], nlp)
    assert group(merged.doc) == [("Big Agnes", "BRAND"), ("Big Agnes sleeping pad", "ITEM")]
    assert not merged.doc.ents and is_partial(merged.doc)
    assert merged.labels == {"BRAND": 1, "ITEM": 1}
    assert INCORRECT_SPANS_KEY not in merged.doc.spans


def test_crossing_spans_and_one_span_with_two_labels_are_kept(nlp):
    crossing = [
        span("sleeping pad on the Pacific", "A"),
        span("Pacific Crest Trail", "B"),
        span("Pacific Crest Trail", "C"),
    ]
    merged = merge([answer(*crossing)], nlp)
    assert group(merged.doc) == [
        ("sleeping pad on the Pacific", "A"),
        ("Pacific Crest Trail", "B"),
        ("Pacific Crest Trail", "C"),
    ]
    # the ner path rejects the same record for its overlap
    ner = merge_answers([answer(*crossing)], nlp)
    assert ner.doc is None and "overlap" in ner.rejects[0].reason


def test_a_text_without_spans_is_an_empty_group_a_negative_example(nlp):
    merged = merge([answer()], nlp)
    assert "sc" in merged.doc.spans and group(merged.doc) == []


@pytest.mark.parametrize(
    "bad, reason",
    [
        ({"start": 3, "end": 400, "label": "BRAND"}, "out of range"),
        ({"start": 4, "end": 12, "label": "BRAND"}, "not on token boundaries"),
        ({"start": 3, "end": 12, "label": "two words"}, "contains whitespace"),
        ({"start": "3", "end": 12, "label": "BRAND"}, "integer 'start' and 'end'"),
    ],
)
def test_bad_spans_reject_their_record_with_the_reason(nlp, bad, reason):
    merged = merge([answer(span("Big Agnes", "BRAND"), bad)], nlp)
    assert merged.doc is None
    (reject,) = merged.rejects
    assert reject.field == "spans" and reason in reject.reason and reject.line == 1


def test_an_unknown_label_rejects_the_record(nlp):
    merged = merge([answer(span("Big Agnes", "BRAND"))], nlp, labels={"ITEM"})
    assert merged.doc is None and "unknown label 'BRAND'" in merged.rejects[0].reason


def test_binary_answers_are_skipped_and_counted(nlp):
    yes_no = answer(span("Big Agnes", "BRAND"), kind=BINARY)
    merged = merge([answer(span("Pacific Crest Trail", "TRAIL")), yes_no], nlp)
    assert group(merged.doc) == [("Pacific Crest Trail", "TRAIL")]
    assert merged.skipped == {BINARY_SKIPPED: 1}
    assert merge([yes_no], nlp).doc is None


def test_different_gold_versions_are_still_a_conflict(nlp):
    one = answer(span("Big Agnes", "BRAND"))
    other = answer(span("Big Agnes", "BRAND"), span("Big Agnes sleeping pad", "ITEM"))
    merged = merge([one, other], nlp)
    assert merged.doc is None and merged.conflict is not None
    latest = merge([one, other], nlp, policy="latest").doc
    assert group(latest) == [("Big Agnes", "BRAND"), ("Big Agnes sleeping pad", "ITEM")]


@pytest.mark.parametrize("key", ["", "two words", INCORRECT_SPANS_KEY])
def test_a_bad_spans_key_is_a_usage_error(key):
    with pytest.raises(UsageError, match="--spans-key"):
        check_spans_key(key)


WORDS = ["Osprey", "pack", "on", "the", "Pacific", "Crest", "Trail", "in", "May"]


@st.composite
def records(draw):
    """A text of sample words and spans: token-aligned ones (overlapping at will), and others
    anywhere (off token boundaries, out of range, empty)."""
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8))
    text = " ".join(words)
    starts = [sum(len(w) + 1 for w in words[:i]) for i in range(len(words))]

    def tokens(first: int, n: int) -> tuple:
        last = min(first + n, len(words)) - 1
        return starts[first], starts[last] + len(words[last])

    aligned = st.builds(tokens, st.integers(0, len(words) - 1), st.integers(1, 3))
    anywhere = st.tuples(st.integers(-2, len(text) + 2), st.integers(-2, len(text) + 2))
    offsets = st.one_of(aligned, aligned, anywhere)
    spans = draw(st.lists(st.tuples(offsets, st.sampled_from("AB")), max_size=5))
    return {"text": text, "spans": [{"start": s, "end": e, "label": lab} for (s, e), lab in spans]}


@settings(max_examples=60, deadline=None)
@given(records())
def test_every_span_ends_up_in_the_group_or_its_record_in_the_rejects(nlp, record):
    merged = merge([Answer("p.jsonl", 7, record, GOLD)], nlp)
    given_spans = {(s["start"], s["end"], s["label"]) for s in record["spans"]}
    if merged.doc is None:
        (reject,) = merged.rejects
        assert reject.line == 7 and reject.field == "spans"
    else:
        kept = {(s.start_char, s.end_char, s.label_) for s in merged.doc.spans["sc"]}
        assert kept == given_spans and not merged.rejects


def test_stats_advice_on_nested_spans_names_the_spans_path():
    (note,) = advice(CorpusStats(nested_spans=2))
    assert "2 nested spans" in note and "data-to-spacy --spans-key sc" in note


def test_the_shipped_spans_sample_is_what_its_generator_writes(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    generator = importlib.import_module("make_spans_sample")
    generator.main(tmp_path / "spans.jsonl")
    shipped = ROOT / "assets" / "spans_sample.jsonl"
    assert (tmp_path / "spans.jsonl").read_bytes() == shipped.read_bytes()
