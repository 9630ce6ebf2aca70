"""Sentence boundaries: spaCy's Sentencizer rule computed on token columns gives exactly the
boundaries of spaCy's own component."""

import json

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

from spacy_ner_plugin.preannotate.sentences import (
    RuleSentences,
    rule_sentences_for,
    sentence_ranges,
    sentence_starts,
)

from ..conftest import ROOT

NLP = spacy.blank("en")
RULE = RuleSentences(NLP.vocab)
TOKENS = [".", "!", "?", "。", "...", ",", ";", "'", '"', ")", "(", "-", "a", "Osprey", "7", "\n"]


def spacy_starts(doc: Doc) -> list:
    return [sent.start for sent in Sentencizer()(doc).sents]


@pytest.mark.slow  # over half a second of CPU: 300 hypothesis examples
@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_the_rule_equals_spacys_sentencizer_on_any_tokens(words):
    doc = Doc(NLP.vocab, words=words)
    assert RULE.starts(doc) == (spacy_starts(Doc(NLP.vocab, words=words)) if words else [])


def test_the_rule_equals_spacys_sentencizer_on_the_samples_raw_texts():
    lines = (ROOT / "assets" / "sample" / "raw.jsonl").read_text(encoding="utf8").splitlines()
    for line in lines[:300]:
        text = json.loads(line)["text"]
        assert RULE.starts(NLP.make_doc(text)) == spacy_starts(NLP.make_doc(text)), text


def test_a_component_that_sets_boundaries_decides():
    nlp = spacy.blank("en")
    assert isinstance(rule_sentences_for(nlp), RuleSentences)
    nlp.add_pipe("sentencizer", config={"punct_chars": [";"]})
    assert rule_sentences_for(nlp) is None
    doc = nlp("One; two. Three")
    assert sentence_starts(doc, None) == [0, 2]  # the component's own punctuation
    assert sentence_starts(doc, RULE) == [0, 4]


def test_ranges_merge_around_a_span_and_drop_whitespace():
    class Span:
        start, end = 1, 4

    # tokens: "A" "B" "." "C" " " | boundaries at 3 (inside the span 1-4) and at 4
    assert sentence_ranges([0, 3, 4], 5, [Span()], [0, 0, 0, 0, 1]) == [(0, 4)]
    assert sentence_ranges([0, 3], 5, [], [0, 0, 0, 0, 1]) == [(0, 3), (3, 4)]
