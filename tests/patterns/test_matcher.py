import json
import random

import pytest
import spacy

from spacy_ner_plugin.patterns.matcher import (
    PatternError,
    PatternMatcher,
    load_patterns,
    parse_pattern,
    phrase_form,
)
from spacy_ner_plugin.preannotate.preannotator import Preannotator
from spacy_ner_plugin.preannotate.suggesters import PatternSuggester

from ..conftest import SHARED_DATA, requires_shared_data

MIXED_PATTERNS = [
    {"label": "BRAND", "pattern": "Osprey"},
    {"label": "BRAND", "pattern": "Black Diamond", "id": "bd"},
    {"label": "BRAND", "pattern": [{"lower": "black"}, {"lower": "diamond"}, {"lower": "poles"}]},
    {"label": "GEAR", "pattern": [{"LOWER": "trekking"}, {"LOWER": "poles"}]},
    {"label": "GEAR", "pattern": [{"TEXT": "poles"}]},
    {"label": "GEAR", "pattern": [{"ORTH": "Poles"}]},
    {"label": "GEAR", "pattern": [{"LOWER": "Tent"}]},
    {
        "label": "GEAR",
        "pattern": [{"LOWER": {"IN": ["tent", "tarp"]}}, {"IS_PUNCT": True, "OP": "?"}],
    },
    {"label": "TRAIL", "pattern": [{"IS_TITLE": True, "OP": "+"}, {"LOWER": "trail"}]},
    {"label": "BRAND", "pattern": [{"lower": "osprey"}, {"ORTH": "packs"}]},
    {"label": "TRAIL", "pattern": [{"lower": "pct"}]},
]
WORDS = [
    "Osprey",
    "osprey",
    "Black",
    "black",
    "Diamond",
    "diamond",
    "poles",
    "Poles",
    "packs",
    "trekking",
    "tent",
    "Tent",
    "tarp",
    ",",
    ".",
    "the",
    "John",
    "Muir",
    "trail",
    "Trail",
    "PCT",
    "pct",
    "and",
    "\n",
    "  ",
]


def write_patterns(write_jsonl, patterns, name="patterns.jsonl"):
    return write_jsonl(patterns, name=name)


def ruler_ents(nlp, patterns, texts):
    ruler_nlp = spacy.blank("en")
    ruler = ruler_nlp.add_pipe("entity_ruler")
    ruler.add_patterns(patterns)
    return [[(e.start, e.end, e.label_) for e in doc.ents] for doc in ruler_nlp.pipe(texts)]


def our_ents(nlp, patterns_path, texts):
    from spacy_ner_plugin.patterns.matcher import load_patterns

    suggest = PatternSuggester(PatternMatcher(nlp, load_patterns(patterns_path)), "p")
    preannotator = Preannotator(nlp, {"patterns": suggest}, segment=False)
    return [
        [(s.start, s.end, s.label) for s in preannotator.suggest(doc)] for doc in nlp.pipe(texts)
    ]


def test_valid_patterns_keep_label_id_and_line(write_jsonl):
    path = write_patterns(write_jsonl, [MIXED_PATTERNS[0], "", MIXED_PATTERNS[1]])
    patterns = load_patterns(path)
    assert [(p.label, p.line, p.id) for p in patterns] == [("BRAND", 1, None), ("BRAND", 3, "bd")]


@pytest.mark.parametrize(
    "line,reason",
    [
        ('{"label": "X", "pattern": ', "malformed JSON"),
        ({"label": "X", "pattern": [{"LOWR": "x"}]}, "LOWR"),
        ({"label": "X", "pattern": []}, "empty pattern"),
        ({"label": "X", "pattern": "  "}, "empty pattern"),
        ({"pattern": "x"}, "missing or empty 'label'"),
        ({"label": "", "pattern": "x"}, "missing or empty 'label'"),
        ({"label": "A B", "pattern": "x"}, "whitespace"),
        ({"label": "X"}, "missing 'pattern'"),
        ({"label": "X", "pattern": 3}, "must be a string or a list"),
        ({"label": "X", "pattern": [{"lower": 1}]}, "invalid token pattern"),
        (b'{"label": "X", "pattern": "caf\xe9"}', "not valid UTF-8"),
    ],
)
def test_invalid_pattern_fails_with_line_and_reason(write_jsonl, line, reason):
    path = write_patterns(write_jsonl, [MIXED_PATTERNS[0], line])
    with pytest.raises(PatternError) as err:
        load_patterns(path)
    assert err.value.problems[0][0] == 2
    assert reason in err.value.problems[0][1]
    assert f"{path}:2" in str(err.value)


def test_every_invalid_line_is_reported_at_once(write_jsonl):
    path = write_patterns(write_jsonl, [{"label": "X"}, MIXED_PATTERNS[0], {"pattern": "y"}])
    with pytest.raises(PatternError) as err:
        load_patterns(path)
    assert [line for line, _ in err.value.problems] == [1, 3]


def test_pattern_needing_a_tagger_fails_before_matching_on_a_blank_pipeline(nlp):
    pattern = parse_pattern({"label": "X", "pattern": [{"POS": "NOUN"}]}, line=7)
    with pytest.raises(PatternError) as err:
        PatternMatcher(nlp, [pattern], "p.jsonl")
    assert "p.jsonl:7" in str(err.value) and "POS" in str(err.value)


@pytest.mark.parametrize(
    "tokens,attr",
    [
        ([{"lower": "ann"}, {"LOWER": "taylor"}], "LOWER"),
        ([{"TEXT": "Ann"}, {"orth": "Taylor"}], "ORTH"),
        ([{"lower": "ann"}, {"orth": "Taylor"}], None),
        ([{"lower": "ann", "OP": "?"}], None),
        ([{"lower": {"IN": ["ann"]}}], None),
        ([{"lower": "Ann"}], None),
        ([{"lower": "ann", "IS_ALPHA": True}], None),
        ([{"NORM": "ann"}], None),
    ],
)
def test_only_exact_single_attribute_patterns_use_the_phrase_matcher(nlp, tokens, attr):
    form = phrase_form(parse_pattern({"label": "X", "pattern": tokens}, 1), nlp.vocab)
    assert (form[0] if form else None) == attr


def test_matches_equal_entity_rulers_on_mixed_patterns(nlp, write_jsonl):
    rng = random.Random(0)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 30))) for _ in range(500)]
    texts += ["Black Diamond poles and Osprey packs on the John Muir Trail, tent."]
    path = write_patterns(write_jsonl, MIXED_PATTERNS)
    matcher = PatternMatcher(nlp, load_patterns(path))
    assert 0 < matcher.n_phrase < len(MIXED_PATTERNS)
    assert our_ents(nlp, path, texts) == ruler_ents(nlp, MIXED_PATTERNS, texts)


def read_texts(path, limit=None):
    with open(path, encoding="utf8") as file_:
        return [json.loads(line)["text"] for line in file_][:limit]


@requires_shared_data
@pytest.mark.parametrize(
    "patterns,texts,limit",
    [
        pytest.param(
            "fashion_brands/fashion_brands_patterns.jsonl",
            "fashion_brands/fashion_brands_training.jsonl",
            None,
            marks=pytest.mark.slow,  # the eval file below is the quick check
        ),
        (
            "fashion_brands/fashion_brands_patterns.jsonl",
            "fashion_brands/fashion_brands_eval.jsonl",
            None,
        ),
        pytest.param(
            "food_ingredients/food_patterns.jsonl",
            "food_ingredients/reddit_r_cooking_sample.jsonl",
            3000,
            marks=pytest.mark.slow,
        ),
    ],
)
def test_matches_equal_entity_rulers_on_real_pattern_files(nlp, patterns, texts, limit):
    patterns_path = SHARED_DATA / patterns
    texts = read_texts(SHARED_DATA / texts, limit)
    raw = [json.loads(line) for line in patterns_path.open(encoding="utf8")]
    ours = our_ents(nlp, patterns_path, texts)
    assert sum(map(len, ours)) > 50
    assert ours == ruler_ents(nlp, raw, texts)


def test_pattern_errors_for_lone_surrogates_and_bad_regexes(write_jsonl, nlp):
    path = write_jsonl(
        [
            '{"label": "X", "pattern": "a\\ud800"}',
            {"label": "X", "pattern": [{"TEXT": {"REGEX": "("}}]},
            {"label": "X", "pattern": [{"LOWER": "ok"}, {"_": {"ext": {"regex": "[a-"}}}]},
            {"label": "X", "pattern": "fine"},
        ],
        name="patterns.jsonl",
    )
    with pytest.raises(PatternError) as err:
        load_patterns(path)
    lines = err.value.text.splitlines()
    assert lines[0].startswith(f"{path}:1 [json] lone surrogate")
    assert lines[1].startswith(f"{path}:2 [pattern] token 0: REGEX '(' does not compile")
    assert lines[2].startswith(f"{path}:3 [pattern] token 1: REGEX '[a-' does not compile")
    assert [line for line, _ in err.value.problems] == [1, 2, 3]
    (fine,) = load_patterns(write_jsonl([{"label": "X", "pattern": "fine"}]))
    PatternMatcher(nlp, [fine])


def test_parse_pattern_refuses_a_lone_surrogate_from_python():
    with pytest.raises(ValueError, match=r"\[pattern\] lone surrogate"):
        parse_pattern({"label": "X", "pattern": [{"ORTH": "\udc80"}]}, 1)
