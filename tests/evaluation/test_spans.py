"""Span scores: spaCy's span scorer on one group, overlaps allowed, against a spancat's group or
a ner's entities; only examples whose gold has the group count."""

import pytest
import spacy
from spacy.tokens import Doc, Span
from spacy.training import Example

from spacy_ner_plugin.errors import UsageError
from spacy_ner_plugin.evaluation.report import score_tables
from spacy_ner_plugin.evaluation.spans import (
    pipeline_spans_key,
    score_spans,
    spans_key_to_score,
)

WORDS = ["my", "Big", "Agnes", "sleeping", "pad", "on", "the", "PCT"]


def doc(nlp, spans=None, ents=(), key="sc"):
    made = Doc(nlp.vocab, words=WORDS)
    if spans is not None:
        made.spans[key] = [Span(made, s, e, label) for s, e, label in spans]
    made.ents = [Span(made, s, e, label) for s, e, label in ents]
    return made


GOLD = [(1, 3, "BRAND"), (1, 5, "ITEM"), (7, 8, "TRAIL")]


def test_overlapping_predictions_are_scored_per_label(nlp):
    predicted = doc(nlp, [(1, 3, "BRAND"), (1, 5, "ITEM"), (1, 4, "ITEM")])
    nested = spacy.blank("en")
    nested.add_pipe("spancat", config={"spans_key": "sc"})
    scores = score_spans([Example(predicted, doc(nlp, GOLD))], "sc", nested)
    assert scores["spans_sc_p"] == pytest.approx(2 / 3)
    assert scores["spans_sc_r"] == pytest.approx(2 / 3)
    per_type = scores["spans_sc_per_type"]
    assert per_type["BRAND"]["f"] == 1.0 and per_type["TRAIL"]["r"] == 0.0
    assert per_type["ITEM"]["p"] == pytest.approx(1 / 2)
    assert scores["spans_predicted"] == "doc.spans['sc']" and scores["spans_n_examples"] == 1


def test_a_pipeline_without_the_group_is_scored_by_its_entities(nlp):
    ner = spacy.blank("en")
    ner.add_pipe("ner")
    predicted = doc(nlp, ents=[(1, 3, "BRAND"), (7, 8, "TRAIL")])
    no_group = Example(doc(nlp, ents=[(1, 3, "BRAND")]), doc(nlp))  # gold without the group
    scores = score_spans([Example(predicted, doc(nlp, GOLD)), no_group], "sc", ner)
    assert scores["spans_sc_p"] == 1.0 and scores["spans_sc_r"] == pytest.approx(2 / 3)
    assert scores["spans_predicted"] == "doc.ents" and scores["spans_n_examples"] == 1


def test_no_gold_group_gives_no_scores(nlp):
    scores = score_spans([Example(doc(nlp), doc(nlp))], "sc", spacy.blank("en"))
    assert scores["spans_sc_f"] is None and scores["spans_sc_per_type"] == {}


def test_the_key_is_the_given_one_or_the_pipelines_spancat_or_span_ruler():
    nlp = spacy.blank("en")
    assert spans_key_to_score(nlp, None) is None
    nlp.add_pipe("span_ruler", config={"spans_key": "rules"})
    assert pipeline_spans_key(nlp) == "rules"
    assert spans_key_to_score(nlp, "sc") == "sc"
    with pytest.raises(UsageError, match="incorrect_spans"):
        spans_key_to_score(nlp, "incorrect_spans")


def test_the_tables_show_spans_and_leave_out_ner_scores_without_entity_gold():
    spans = {"spans_key": "sc", "spans_predicted": "doc.ents", "spans_n_examples": 3}
    spans |= {"spans_sc_p": 0.5, "spans_sc_r": 1.0, "spans_sc_f": 2 / 3}
    spans["spans_sc_per_type"] = {"ITEM": {"p": 0.5, "r": 1.0, "f": 2 / 3}}
    ner = {"n_examples": 3, "ents_p": None, "ents_r": None, "ents_f": None, "ents_per_type": {}}
    (table,) = score_tables({**ner, **spans})
    title, _, rows, _ = table
    assert "doc.spans['sc']" in title and "predicted doc.ents" in title
    assert rows == [("ITEM", "50.00", "100.00", "66.67"), ("ALL", "50.00", "100.00", "66.67")]
    ner |= {"ents_p": 1.0, "ents_r": 1.0, "ents_f": 1.0}
    assert [t[0].split()[0] for t in score_tables({**ner, **spans})] == ["NER", "Span"]
