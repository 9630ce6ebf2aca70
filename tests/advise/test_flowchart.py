"""The chart as data, walked from synthetic facts to every node, edge and outcome."""

import shlex
from typing import Any, Dict

import pytest
import typer
from spacy.cli._util import parse_config_overrides
from spacy.util import load_config

from spacy_ner_plugin.advise import flowchart as chart
from spacy_ner_plugin.advise.facts import Fact, Missing
from spacy_ner_plugin.advise.report import advice_report
from spacy_ner_plugin.advise.walk import COMMANDS, Context, next_command, walk
from spacy_ner_plugin.cli import app

from ..conftest import ROOT

NEW = {"base_model": None, "user_labels": ["X"], "new_labels": ["X"]}
TYPES = {"base_model": "base", "user_labels": ["X"], "new_labels": ["X"]}
CORRECT = {"base_model": "base", "user_labels": ["X"], "new_labels": []}
GOOD: Dict[str, Dict[str, Any]] = {
    "base": NEW,
    "raw": {"answer": True},
    "rules_possible": {"answer": True},
    "rules": {"f": 0.5},
    "evaluation": {"n_eval": 500, "shared": 0, "labels_missing": []},
    "happy": {"answer": False},
    "annotations": {"annotations": 5000, "additional": None},
    "curve": {"verdict": "flat"},
    "shape": {"long_share": 0.02, "lower_phrase_share": 0.01, "overlap_share": 0.0},
    "consistency": {"disagreement_share": 0.01, "conflict_share": 0.0},
    "tuning": {"answer": False},
    "error_fix": {"answer": True},
    "type_overlap": {"share": 0.0},
    "labels": {"missing": []},
    "vocabulary": {"coverage": 0.95},
    "context": {"bare_share": 0.0},
}


def facts(**changes: Dict[str, Any]) -> Dict[str, Fact]:
    """Facts that walk column A to error analysis, with some values changed."""
    return {name: Fact(name, name, {**GOOD[name], **changes.get(name, {})}) for name in GOOD}


START = ["model_available"]
A_RULES = [*START, "a_raw", "a_rules_possible", "a_rules"]
A_TAIL = ["a_happy", "a_annotations", "a_curve", "proper_nouns", "consistent"]
A_FULL = [*A_RULES, *A_TAIL, "hyperparameters", "error_fix"]
B_HEAD = [*START, "add_types", "b_many_types", "b_overlap", "b_raw", "b_happy"]
B_FULL = [*B_HEAD, "b_annotations", "b_curve", "b_all_types"]
C_HEAD = [*START, "add_types", "c_happy", "c_annotations", "c_curve", "c_similar"]

CASES = [
    # column A: train a new model from scratch
    ("get_raw_data", {"raw": {"answer": False}}, [*START, "a_raw"]),
    ("use_rules", {"rules": {"f": 0.95}}, [*A_RULES, "a_evaluation"]),
    ("fix_evaluation", {"rules": {"f": 0.95}, "evaluation": {"shared": 3}}, None),
    ("fix_evaluation", {"rules": {"f": 0.95}, "evaluation": {"n_eval": 50}}, None),
    ("fix_evaluation", {"rules": {"f": 0.95}, "evaluation": {"labels_missing": ["X"]}}, None),
    (
        "export_model",
        {"rules_possible": {"answer": False}, "happy": {"answer": True}},
        [*START, "a_raw", "a_rules_possible", "a_happy"],
    ),
    ("annotate_more", {"annotations": {"annotations": 2000}}, [*A_RULES, *A_TAIL[:2]]),
    ("annotate_more", {"curve": {"verdict": "more data helps"}}, [*A_RULES, *A_TAIL[:3]]),
    ("span_categorization", {"shape": {"long_share": 0.3}}, [*A_RULES, *A_TAIL[:4]]),
    ("span_categorization", {"shape": {"lower_phrase_share": 0.2}}, None),
    ("span_categorization", {"shape": {"overlap_share": 0.05}}, None),
    ("review", {"consistency": {"disagreement_share": 0.113}}, [*A_RULES, *A_TAIL]),
    ("review", {"consistency": {"conflict_share": 0.02}}, None),
    ("use_tuned", {"tuning": {"answer": True}}, A_FULL[:-1]),
    ("error_analysis", {}, A_FULL),
    ("not_a_fit", {"error_fix": {"answer": False}}, A_FULL),
    # more than 500 additional annotations count on the new-model column
    ("error_analysis", {"annotations": {"annotations": 1500, "additional": 501}}, A_FULL),
    # column B: add new entity types to a trained model
    (
        "train_from_scratch",
        {"base": {**TYPES, "new_labels": ["P", "Q", "R", "S"]}},
        [*START, "add_types", "b_many_types"],
    ),
    ("train_from_scratch", {"base": TYPES, "type_overlap": {"share": 0.5}}, B_HEAD[:4]),
    ("get_raw_data", {"base": TYPES, "raw": {"answer": False}}, B_HEAD[:5]),
    ("export_model", {"base": TYPES, "happy": {"answer": True}}, B_HEAD),
    ("annotate_more", {"base": TYPES, "annotations": {"annotations": 3000}}, B_FULL[:7]),
    ("annotate_more", {"base": TYPES, "curve": {"verdict": "more data helps"}}, B_FULL[:8]),
    ("prevent_forgetting", {"base": TYPES, "labels": {"missing": ["PERSON"]}}, B_FULL),
    ("error_analysis", {"base": TYPES}, [*B_FULL, *A_FULL[-4:]]),
    # column C: improve an existing pre-trained model
    ("export_model", {"base": CORRECT, "happy": {"answer": True}}, C_HEAD[:3]),
    ("annotate_more", {"base": CORRECT, "annotations": {"annotations": 1477}}, C_HEAD[:4]),
    ("annotate_more", {"base": CORRECT, "curve": {"verdict": "more data helps"}}, C_HEAD[:5]),
    ("from_scratch_instead", {"base": CORRECT, "vocabulary": {"coverage": 0.5}}, C_HEAD),
    (
        "use_tuned",
        {"base": CORRECT, "tuning": {"answer": True}},
        [*C_HEAD, "c_hyperparameters"],
    ),
    (
        "no_word_lists",
        {"base": CORRECT, "context": {"bare_share": 0.9}},
        [*C_HEAD, "c_hyperparameters", "c_context"],
    ),
    ("error_analysis", {"base": CORRECT}, [*C_HEAD, "c_hyperparameters", "c_context"]),
]


@pytest.mark.parametrize("outcome, changes, nodes", CASES)
def test_every_node_is_reached_from_synthetic_facts(outcome, changes, nodes):
    result = walk(facts(**changes))
    assert result.outcome is not None and result.outcome.name == outcome
    if nodes is not None:
        assert [step.decision.name for step in result.steps] == nodes


def test_the_cases_reach_every_node_and_take_every_edge():
    reached, taken = set(), set()
    for _, changes, _ in CASES:
        result = walk(facts(**changes))
        reached |= {step.decision.name for step in result.steps} | {result.outcome.name}
        taken |= {(step.decision.name, step.answer) for step in result.steps}
    assert reached == set(chart.NODES)
    assert taken == {(d.name, answer) for d in chart.DECISIONS for answer in (True, False)}
    assert set(COMMANDS) >= {node.step for node in chart.OUTCOMES}


def test_every_edge_leads_to_a_node_and_every_column_has_its_bars():
    for decision in chart.DECISIONS:
        assert decision.yes in chart.NODES and decision.no in chart.NODES
    questions = {d.name: d.question for d in chart.DECISIONS}
    assert (
        "more than 2,000 annotations in total or more than 500 additional"
        in questions["a_annotations"]
    )
    assert "more than 4,000 annotations" in questions["b_annotations"]
    assert "more than 2,000 annotations?" in questions["c_annotations"]
    titles = {o.title for o in chart.OUTCOMES}
    for title in (
        "Export model",
        "Train a new model from scratch",
        "Probably not a good fit for a classic NER task",
        "Refrain from annotating lists of words or short phrases",
        "Span categorization might be a better fit for your project",
    ):
        assert title in titles


@pytest.mark.parametrize(
    "column, total, additional, enough",
    [
        ("a_annotations", 1477, None, False),
        ("a_annotations", 2001, None, True),
        ("a_annotations", 1477, 501, True),
        ("a_annotations", 1477, 500, False),
        ("b_annotations", 3000, 3000, False),
        ("b_annotations", 4001, None, True),
        ("c_annotations", 1477, 1477, False),  # regression: the old bar here was 500
        ("c_annotations", 2001, None, True),
    ],
)
def test_each_column_has_its_own_annotation_bar(column, total, additional, enough):
    value = {"annotations": total, "additional": additional}
    assert chart.NODES[column].test(value) is enough


def test_a_question_without_its_flag_stops_the_walk_and_asks_for_it():
    found = facts()
    found["happy"] = Missing("happy", "no --happy", "answer", flag=chart.HAPPY_FLAG)
    result = walk(found)
    assert result.outcome is None and result.steps[-1].decision.name == "a_happy"
    context = Context(annotations=["a.jsonl"], advise_args=["a.jsonl", "--raw", "r.jsonl"])
    command = next_command(result, context)
    assert command == (
        "python -m spacy_ner_plugin advise a.jsonl --raw r.jsonl --happy/--not-happy"
    )
    report = advice_report(result, found, context)
    assert report["end"]["needs_your_answer"] == chart.HAPPY_FLAG
    assert report["steps"][-1]["flag"] == chart.HAPPY_FLAG


def test_error_analysis_points_to_find_errors():
    found = facts()
    found["error_fix"] = Missing("error_fix", "only you", "find_errors", flag="--fix-found")
    result = walk(found)
    assert result.steps[-1].decision.name == "error_fix"
    command = next_command(result, Context(annotations=["a.jsonl"]))
    assert command.startswith("python -m spacy_ner_plugin find-errors a.jsonl --output ")
    ended = walk(facts(base={"base_model": "b", "new_labels": [], "user_labels": []}))
    assert ended.outcome.name == "error_analysis"
    assert "find-errors a.jsonl" in next_command(ended, Context(annotations=["a.jsonl"]))


def test_a_missing_fact_names_the_step_that_measures_it():
    found = facts()
    found["curve"] = Missing("curve", "no train curve at x.json", "train_curve")
    result = walk(found)
    assert result.outcome is None and result.steps[-1].decision.name == "a_curve"
    command = next_command(result, Context(annotations=["a.jsonl"], curve="m/curve.json"))
    assert command.startswith("python -m spacy_ner_plugin train-curve")
    assert "m/curve.json" in command


def test_off_path_facts_that_fail_their_bar_are_warnings():
    found = facts(
        annotations={"annotations": 1477},
        consistency={"disagreement_share": 0.113},
        shape={"long_share": 0.5},
    )
    found["labels"] = Fact("labels", "labels", {"missing": ["PERSON"]})  # not a base model's
    result = walk(found)
    assert result.outcome.name == "annotate_more"
    assert [w.decision.name for w in result.warnings] == [
        "proper_nouns",
        "consistent",
        "b_all_types",
    ]
    report = advice_report(result, found, Context(annotations=["a.jsonl"]))
    consistency = report["warnings"][1]
    assert consistency["outcome"] == "review" and consistency["answer"] == "no"
    assert "find-errors a.jsonl" in consistency["command"]
    assert not walk(facts()).warnings


@pytest.mark.parametrize(
    "changes, outcome",
    [
        ({"shape": {"overlap_share": 0.05}}, "span_categorization"),
        ({"error_fix": {"answer": False}}, "not_a_fit"),
    ],
)
def test_span_categorization_runs_into_commands_the_project_has(changes, outcome):
    result = walk(facts(**changes))
    assert result.outcome.name == outcome
    command = next_command(result, Context(annotations=["a.jsonl"], eval_path="e.jsonl"))
    convert, train, evaluate = [shlex.split(part) for part in command.split(" && ")]
    assert convert[:4] == ["python", "-m", "spacy_ner_plugin", "data-to-spacy"]
    assert "--spans-key" in convert and "e.jsonl" in convert
    assert train[:5] == ["python", "-m", "spacy", "train", "configs/spancat.cfg"]
    # the config exists, and every --section.key override names one of its settings
    config = load_config(ROOT / train[4], overrides=parse_config_overrides(train[7:]))
    key = config["components"]["spancat"]["spans_key"]
    assert convert[convert.index("--spans-key") + 1] == key
    assert evaluate[3] == "evaluate" and evaluate[evaluate.index("--spans-key") + 1] == key
    cli = typer.main.get_command(app)
    for args in (convert, evaluate):  # the plugin's own parser takes every option and argument
        cli.commands[args[3]].make_context(args[3], args[4:])
