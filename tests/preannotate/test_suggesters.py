import pytest
import spacy

from spacy_ner_plugin.errors import PluginError
from spacy_ner_plugin.preannotate.suggesters import (
    Suggestion,
    create_model_suggester,
    create_pattern_suggester,
    parse_overlap_policy,
    resolve_overlaps,
    trim_whitespace,
)


def s(start, end, label="X", source="p"):
    return Suggestion(start, end, label, source)


def spans(suggestions):
    return [(x.start, x.end, x.label) for x in suggestions]


def test_whitespace_tokens_never_begin_or_end_a_suggestion(nlp):
    doc = nlp.make_doc("Hi \n Osprey packs \n\n ok")
    assert [t.is_space for t in doc] == [False, True, False, False, True, False]
    trimmed = trim_whitespace(doc, [s(1, 5), s(1, 2), s(0, 6)])
    assert spans(trimmed) == [(2, 4, "X"), (0, 6, "X")]


def test_longest_policy_keeps_the_longest_then_the_earliest():
    ranks = parse_overlap_policy("longest", ["patterns", "model"])
    chosen = resolve_overlaps(
        [("patterns", [s(0, 1), s(3, 5), s(4, 6)]), ("model", [s(0, 2, "Y"), s(8, 9)])], ranks
    )
    assert spans(chosen) == [(0, 2, "Y"), (3, 5, "X"), (8, 9, "X")]


def test_ties_go_to_the_first_suggester_and_first_suggestion():
    ranks = parse_overlap_policy("longest", ["patterns", "model"])
    chosen = resolve_overlaps(
        [("patterns", [s(2, 3, "A"), s(2, 3, "B")]), ("model", [s(2, 3, "C")])], ranks
    )
    assert spans(chosen) == [(2, 3, "A")]


@pytest.mark.parametrize(
    "policy,expected", [("patterns", "A"), ("model", "B"), ("model,patterns", "B")]
)
def test_named_policy_lets_that_suggesters_spans_win(policy, expected):
    ranks = parse_overlap_policy(policy, ["patterns", "model"])
    groups = [("patterns", [s(0, 1, "A")]), ("model", [s(0, 3, "B"), s(5, 6, "B")])]
    chosen = resolve_overlaps(groups, ranks)
    assert chosen[0].label == expected and (5, 6, "B") in spans(chosen)


def test_lower_ranked_span_containing_a_winner_is_dropped():
    ranks = parse_overlap_policy("patterns", ["patterns", "model"])
    chosen = resolve_overlaps([("patterns", [s(2, 3, "A")]), ("model", [s(0, 5, "B")])], ranks)
    assert spans(chosen) == [(2, 3, "A")]


def test_unknown_policy_is_an_error():
    with pytest.raises(PluginError, match="unknown overlap policy .modle."):
        parse_overlap_policy("modle", ["patterns", "model"])


def test_pattern_suggester_names_file_pattern_id_and_line(nlp, write_jsonl):
    path = write_jsonl(
        [
            {"label": "BRAND", "pattern": "Osprey"},
            {"label": "BRAND", "pattern": [{"lower": "rei"}], "id": "rei"},
        ],
        name="gear.jsonl",
    )
    suggest = create_pattern_suggester(str(path))(nlp)
    found = suggest(nlp.make_doc("Osprey from REI"))
    assert sorted((x.start, x.source, x.pattern_id, x.pattern_line) for x in found) == [
        (0, "gear.jsonl", None, 1),
        (2, "gear.jsonl", "rei", 2),
    ]


def test_suggesters_without_input_are_inactive(nlp):
    assert create_pattern_suggester(None)(nlp) is None
    assert create_model_suggester()(spacy.blank("en")) is None


def test_model_suggester_suggests_the_models_entities(trained_model):
    model = spacy.load(trained_model)
    suggest = create_model_suggester(source="my-model")(model)
    found = suggest(model("I took my Osprey pack on trip 3"))
    assert [(x.label, x.source) for x in found] == [("BRAND", "my-model")]
    assert found[0].start == 3
