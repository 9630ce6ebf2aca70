import json

import pytest
from typer.testing import CliRunner

from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.evaluate_patterns import evaluate_patterns
from spacy_ner_plugin.errors import PluginError
from spacy_ner_plugin.evaluation.rules import pattern_advice as advise

from ..conftest import SHARED_DATA, requires_shared_data, task

PATTERNS = [
    {"label": "BRAND", "pattern": [{"lower": "osprey"}]},
    {"label": "BRAND", "pattern": "Kelty"},
    {"label": "TRAIL", "pattern": [{"lower": "pct"}]},
]


def test_scores_per_label_against_the_gold_spans(write_jsonl, tmp_path):
    gold = write_jsonl(
        [
            task("My osprey pack", "osprey"),
            task("A Kelty tent and a Rab jacket", "Kelty", "Rab"),
            task("Walked the PCT", "PCT", label="TRAIL"),
            {"text": "The pct gear list", "spans": []},
            {"text": "Bad", "spans": [{"start": 0, "end": 9, "label": "X"}]},
        ],
        name="gold.jsonl",
    )
    patterns = write_jsonl(PATTERNS, name="patterns.jsonl")
    result = evaluate_patterns(patterns, gold, output=tmp_path / "scores.json")
    brand, trail = result["ents_per_type"]["BRAND"], result["ents_per_type"]["TRAIL"]
    assert (brand["p"], brand["r"]) == (1.0, 2 / 3)
    assert (trail["p"], trail["r"]) == (0.5, 1.0)
    assert result["ents_p"] == 3 / 4 and result["ents_r"] == 3 / 4
    assert result["n_examples"] == 4 and result["n_rejected"] == 1
    assert json.loads((tmp_path / "scores.json").read_text())["advice"] == result["advice"]


@pytest.mark.parametrize(
    "p,r,f,expected",
    [
        (0.95, 0.93, 0.94, "may be all you need"),
        (0.96, 0.32, 0.48, "precise but miss most entities"),
        (0.5, 0.95, 0.66, "over-match"),
    ],
)
def test_advice_follows_the_flowchart(p, r, f, expected):
    assert expected in advise(p, r, f, threshold=0.9)
    assert ("train a model" in advise(p, r, f, threshold=0.9)) == (f <= 0.9)


def test_invalid_patterns_fail(write_jsonl, capsys):
    gold = write_jsonl([task("My osprey pack", "osprey")], name="gold.jsonl")
    patterns = write_jsonl([{"label": "BRAND", "pattern": []}], name="patterns.jsonl")
    with pytest.raises(PluginError, match="patterns.jsonl:1 .*empty pattern"):
        evaluate_patterns(patterns, gold)
    assert capsys.readouterr() == ("", "")


def test_invalid_patterns_exit_1_with_one_message_naming_the_line(write_jsonl):
    gold = write_jsonl([task("My osprey pack", "osprey")], name="gold.jsonl")
    patterns = write_jsonl([{"label": "BRAND", "pattern": []}], name="patterns.jsonl")
    out = CliRunner().invoke(app, ["evaluate-patterns", str(patterns), str(gold)])
    assert out.exit_code == 1
    assert "Invalid patterns (1)" in out.output and "patterns.jsonl:1" in out.output
    assert "Traceback" not in out.output


CUSTOM_LANGUAGE = """
from spacy.lang.en import English
from spacy.util import registry


@registry.languages("en_patterns_test")
class PatternsTestLanguage(English):
    lang = "en_patterns_test"
"""


def test_cli_imports_code_for_a_custom_language(write_jsonl, tmp_path):
    gold = write_jsonl([task("My osprey pack", "osprey")], name="gold.jsonl")
    patterns = write_jsonl(PATTERNS, name="patterns.jsonl")
    code = tmp_path / "code.py"
    code.write_text(CUSTOM_LANGUAGE)
    args = [str(patterns), str(gold), "--lang", "en_patterns_test", "--code", str(code)]
    out = CliRunner().invoke(app, ["evaluate-patterns", *args])
    assert out.exit_code == 0, out.output
    assert "BRAND" in out.output and "Rules alone get F 100.0" in out.output


def test_missing_code_file_is_a_usage_error(write_jsonl, tmp_path):
    gold = write_jsonl([task("My osprey pack", "osprey")], name="gold.jsonl")
    patterns = write_jsonl(PATTERNS, name="patterns.jsonl")
    args = ["evaluate-patterns", str(patterns), str(gold), "-c", str(tmp_path / "nope.py")]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 2 and "nope.py" in out.output


@pytest.mark.slow  # over half a second of CPU: 500 real texts
@requires_shared_data
def test_fashion_rules_are_precise_but_miss_most_brands():
    result = evaluate_patterns(
        SHARED_DATA / "fashion_brands" / "fashion_brands_patterns.jsonl",
        SHARED_DATA / "fashion_brands" / "fashion_brands_eval.jsonl",
    )
    assert result["n_examples"] == 500
    assert result["ents_p"] > 0.9 > result["ents_f"] and result["ents_r"] < 0.5
    assert "train a model" in result["advice"]


def test_a_gold_set_without_entities_gets_advice_instead_of_a_crash(write_jsonl):
    gold = write_jsonl([{"text": "We hiked all day", "spans": []}], name="gold.jsonl")
    patterns = write_jsonl([{"label": "BRAND", "pattern": "Osprey"}], name="patterns.jsonl")
    result = evaluate_patterns(patterns, gold)
    assert result["ents_f"] is None and result["advice"].startswith("Nothing to score")


@pytest.mark.parametrize(
    "p,r,says,not_says",
    [
        # drugs: precise enough to pre-annotate, but 71.5% of the entities are missed
        (0.837, 0.285, ["miss most entities (R 28.5)", "add patterns"], []),
        (0.96, 0.32, ["miss most entities (R 32.0)", "add patterns"], ["over-match"]),
        (0.5, 0.95, ["over-match (P 50.0)"], ["miss"]),
        (0.4, 0.3, ["miss most entities (R 30.0)", "over-match (P 40.0)"], []),
    ],
)
def test_advice_names_the_figure_that_falls_short(p, r, says, not_says):
    advice = advise(p, r, 2 * p * r / (p + r), threshold=0.9)
    for text in says:
        assert text in advice
    for text in not_says:
        assert text not in advice
    # the lower figure is the main problem and comes first
    if "over-match" in advice and "miss" in advice:
        first, second = ("miss", "over-match") if r < p else ("over-match", "miss")
        assert advice.index(first) < advice.index(second)


def test_printed_advice_of_patterns_that_miss_entities(write_jsonl, capsys):
    gold = write_jsonl(
        [task("My osprey pack and Deuter bag", "osprey", "Deuter"), task("A Rab coat", "Rab")],
        name="gold.jsonl",
    )
    patterns = write_jsonl(PATTERNS, name="patterns.jsonl")
    result = evaluate_patterns(patterns, gold, silent=False)
    assert (result["ents_p"], result["ents_r"]) == (1.0, 1 / 3)
    printed = " ".join(capsys.readouterr().out.split())  # the printer wraps long lines
    assert "miss most entities (R 33.3)" in printed and "over-match" not in printed


def test_a_gold_text_over_a_million_characters_is_scored(write_jsonl):
    long_text = "My osprey pack " + ("x" * 99 + " ") * 10_000  # long, in few tokens
    assert len(long_text) > 1_000_000
    gold = write_jsonl([task(long_text, "osprey"), task("My osprey pack", "osprey")], "g.jsonl")
    patterns = write_jsonl(PATTERNS, name="patterns.jsonl")
    result = evaluate_patterns(patterns, gold)
    assert result["n_examples"] == 2 and result["n_rejected"] == 0
    assert result["ents_per_type"]["BRAND"] == {"p": 1.0, "r": 1.0, "f": 1.0}
