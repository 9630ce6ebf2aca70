"""The flowchart walk from synthetic facts (every branch), the fact functions, and `advise`."""

import json
import subprocess
import sys
from collections import Counter
from typing import Any, Dict

import pytest

from spacy_ner_plugin.advise import flowchart as chart
from spacy_ner_plugin.advise.facts import (
    AnnotationData,
    Fact,
    Missing,
    annotations_fact,
    consistency_fact,
    curve_fact,
    evaluation_fact,
    labels_fact,
    path_fact,
    shape_fact,
    string_agreement,
    vocabulary_fact,
)
from spacy_ner_plugin.advise.walk import COMMANDS, Context, next_command, walk
from spacy_ner_plugin.annotations.stats import CorpusStats
from spacy_ner_plugin.cli.advise import advise

from ..conftest import ROOT, task

GOOD = {
    "rules": {"f": 0.5},
    "evaluation": {"n_eval": 500, "shared": 0, "labels_missing": []},
    "annotations": {"annotations": 5000, "threshold": 2000},
    "curve": {"verdict": "flat"},
    "labels": {"missing": []},
    "shape": {"long_share": 0.02, "lower_phrase_share": 0.01, "overlap_share": 0.0},
    "consistency": {"disagreement_share": 0.01, "conflict_share": 0.0},
    "vocabulary": {"coverage": 0.95},
}


def facts(**changes: Dict[str, Any]) -> Dict[str, Fact]:
    """Facts that lead all the way to error analysis, with some values changed."""
    return {name: Fact(name, name, {**GOOD[name], **changes.get(name, {})}) for name in GOOD}


NEW, TYPES, CORRECT = chart.NEW_MODEL, chart.NEW_TYPES, chart.CORRECT_BASE
FULL_NEW = ["rules", "annotations", "curve", "all_types", "shape", "consistent", "similar"]

BRANCHES = [
    ("use_rules", NEW, {"rules": {"f": 0.95}}, ["rules", "evaluation"]),
    ("fix_evaluation", NEW, {"rules": {"f": 0.95}, "evaluation": {"shared": 3}}, None),
    ("fix_evaluation", NEW, {"rules": {"f": 0.95}, "evaluation": {"n_eval": 50}}, None),
    (
        "fix_evaluation",
        NEW,
        {"rules": {"f": 0.95}, "evaluation": {"labels_missing": ["TRAIL"]}},
        None,
    ),
    ("annotate_more", NEW, {"annotations": {"annotations": 1500}}, ["rules", "annotations"]),
    (
        "annotate_more",
        NEW,
        {"curve": {"verdict": "more data helps"}},
        ["rules", "annotations", "curve"],
    ),
    ("span_categorization", NEW, {"shape": {"long_share": 0.3}}, FULL_NEW[:5]),
    ("span_categorization", NEW, {"shape": {"lower_phrase_share": 0.2}}, None),
    ("span_categorization", NEW, {"shape": {"overlap_share": 0.05}}, None),
    ("review", NEW, {"consistency": {"disagreement_share": 0.08}}, FULL_NEW[:6]),
    ("review", NEW, {"consistency": {"conflict_share": 0.02}}, None),
    ("error_analysis", NEW, {}, FULL_NEW),
    ("prevent_forgetting", TYPES, {"labels": {"missing": ["PERSON"]}}, FULL_NEW[:4]),
    ("blank_and_pretrain", CORRECT, {"vocabulary": {"coverage": 0.5}}, FULL_NEW),
    ("error_analysis", TYPES, {}, FULL_NEW),
]


@pytest.mark.parametrize("outcome, path, changes, nodes", BRANCHES)
def test_every_branch_is_reached_from_synthetic_facts(outcome, path, changes, nodes):
    result = walk(facts(**changes), path)
    assert result.outcome is not None and result.outcome.name == outcome
    if nodes is not None:
        assert [step.decision.name for step in result.steps] == nodes
    passed = [step.decision.name for step in result.steps if step.passed]
    visited = [step.decision.name for step in result.steps]
    expected = [n for n in ("all_types", "similar") if n in visited] if path == NEW else []
    assert passed == expected


def test_the_branch_table_covers_every_outcome_and_every_edge():
    outcomes = {n for n, node in chart.NODES.items() if isinstance(node, chart.Outcome)}
    assert {outcome for outcome, *_ in BRANCHES} == outcomes
    taken = set()
    for _, path, changes, _ in BRANCHES:
        for step in walk(facts(**changes), path).steps:
            if step.answer is not None:
                taken.add((step.decision.name, step.answer))
    decisions = [n for n, node in chart.NODES.items() if isinstance(node, chart.Decision)]
    assert taken == {(name, answer) for name in decisions for answer in (True, False)}
    assert set(COMMANDS) >= {node.step for node in chart.NODES.values() if hasattr(node, "step")}


def test_a_missing_fact_stops_the_walk_at_its_question():
    found = facts()
    found["curve"] = Missing("curve", "no train curve at x.json", "train_curve")
    result = walk(found, NEW)
    assert result.outcome is None and result.steps[-1].decision.name == "curve"
    assert result.next_step == "train_curve"
    command = next_command(result, Context(annotations=["a.jsonl"], curve="m/curve.json"))
    assert (
        command.startswith("python -m spacy_ner_plugin train-curve") and "m/curve.json" in command
    )
    found["rules"] = Missing("rules", "no --patterns", "evaluate_patterns")
    assert walk(found, NEW).next_step == "evaluate_patterns"


def _stats(**answers: int) -> CorpusStats:
    stats = CorpusStats()
    stats.answers = Counter(answers)
    stats.texts = sum(answers.values())
    return stats


@pytest.mark.parametrize(
    "path, n, enough", [(NEW, 1500, False), (CORRECT, 1500, True), (TYPES, 3000, False)]
)
def test_the_annotation_bar_depends_on_the_path(path, n, enough):
    fact = annotations_fact(AnnotationData(_stats(accept=n - 10, reject=10, ignore=99), []), path)
    assert fact.value["annotations"] == n and fact.value["threshold"] == chart.ANNOTATIONS[path]
    assert chart.NODES["annotations"].test(fact.value) is enough
    assert "99 ignored not counted" in fact.summary


def _doc(nlp, text, ents, missing=False):
    doc = nlp.make_doc(text)
    spans = [doc.char_span(text.index(s), text.index(s) + len(s), label=lab) for s, lab in ents]
    doc.set_ents(spans, default="missing" if missing else "outside")
    return doc


def _data(docs, **stats):
    found = _stats(accept=len(docs))
    for key, value in stats.items():
        setattr(found, key, value)
    return AnnotationData(found, docs)


def test_path_is_new_types_or_correcting_by_the_labels(nlp):
    data = _data([_doc(nlp, "Osprey on the Pennine Way", [("Osprey", "BRAND")])])
    assert path_fact(None, None, data).value["path"] == NEW
    assert path_fact("base", {"BRAND", "PERSON"}, data).value["path"] == CORRECT
    fact = path_fact("base", {"PERSON"}, data)
    assert fact.value["path"] == TYPES and fact.value["new_labels"] == ["BRAND"]


def test_labels_fact_names_the_base_labels_the_data_never_annotates(nlp):
    data = _data([_doc(nlp, "Osprey met Ann", [("Osprey", "BRAND")])])
    fact = labels_fact({"PERSON", "BRAND", "GPE"}, data)
    assert fact.value["missing"] == ["GPE", "PERSON"] and fact.value["new"] == []


def test_shape_fact_measures_long_and_lower_case_spans(nlp):
    docs = [
        _doc(nlp, "I love the very long trail of the north", [("very long trail of the", "X")]),
        _doc(nlp, "Osprey rocks", [("Osprey", "X")]),
    ]
    fact = shape_fact(_data(docs))
    assert fact.value["long_share"] == 0.5 and fact.value["lower_phrase_share"] == 0.5
    assert not chart.NODES["shape"].test(fact.value)
    assert isinstance(shape_fact(_data([nlp.make_doc("nothing")])), Missing)


def test_string_agreement_counts_minority_treatments(nlp):
    docs = [_doc(nlp, f"My Marmot jacket {i}", []) for i in range(3)]
    docs.append(_doc(nlp, "A Marmot tent", [("Marmot", "BRAND")]))
    docs.append(_doc(nlp, "Marmot Pass trail", [("Marmot Pass", "TRAIL")]))  # inside: not counted
    agreement = string_agreement(docs)
    assert agreement["occurrences"] == 5 and agreement["disagreements"] == 1
    assert agreement["examples"][0] == {"text": "Marmot", "O": 3, "BRAND": 1}
    partial = _doc(nlp, "Marmot again", [], missing=True)
    fact = consistency_fact(_data([*docs, partial], conflicts=1))
    assert fact.value["disagreement_share"] == pytest.approx(0.2)
    assert fact.value["conflict_share"] == pytest.approx(1 / 6)
    assert not chart.NODES["consistent"].test(fact.value)


def test_vocabulary_fact_is_the_share_of_words_the_base_has_seen(nlp):
    data = _data([_doc(nlp, "the Osprey pack , the zorbling", [])])
    fact = vocabulary_fact({"osprey", "pack"}, data, "base")
    assert fact.value["coverage"] == pytest.approx(2 / 3)  # "the" is a stop word
    assert fact.value["coverage_all_words"] == pytest.approx(2 / 5)
    assert fact.value["frequent_unseen"] == ["zorbling"]


def _curve(prev_f, last_f, std=0.0):
    def row(fraction, f):
        n = int(fraction * 400)
        return {"fraction": fraction, "n_examples": n, "n_seeds": 3, "f": {"mean": f, "std": std}}

    return {"threshold": 1.0, "curve": [row(0.75, prev_f), row(1.0, last_f)]}


def test_curve_fact_judges_the_last_segment_with_its_noise():
    assert curve_fact(_curve(70.0, 74.0), "c").value["verdict"] == "more data helps"
    noisy = curve_fact(_curve(70.0, 74.0, std=3.0), "c")
    assert noisy.value["verdict"] == "flat" and noisy.value["noise"] == pytest.approx(4.24)
    assert "±4.2" in noisy.summary
    assert isinstance(curve_fact(None, "c.json"), Missing)


def test_evaluation_fact_counts_texts_shared_with_training(nlp):
    train = [_doc(nlp, "Osprey pack", [("Osprey", "BRAND")]), _doc(nlp, "Pennine Way", [])]
    evals = [_doc(nlp, "Osprey pack", [("Osprey", "BRAND")]), _doc(nlp, "Other text", [])]
    fact = evaluation_fact(_data(train), evals, "eval.jsonl", None)
    assert fact.value == {
        "n_eval": 2,
        "shared": 1,
        "labels_missing": [],
        "source": "eval file eval.jsonl",
    }
    scores = {"n_examples": 300, "ents_per_type": {}, "data": "dev.spacy"}
    held_out = evaluation_fact(_data(train), None, None, scores)
    assert held_out.value["n_eval"] == 300 and held_out.value["labels_missing"] == ["BRAND"]
    assert isinstance(evaluation_fact(_data(train), None, None, None), Missing)


def test_advise_walks_the_user_files_with_a_base_model(trained_model, write_jsonl, tmp_path):
    train = [
        task(f"We hiked the Pennine Way on day {i}", "Pennine Way", label="TRAIL") for i in range(8)
    ]
    evals = [train[0], task("Then the Pennine Way again", "Pennine Way", label="TRAIL")]
    patterns = write_jsonl([{"label": "TRAIL", "pattern": "Pennine Way"}], "patterns.jsonl")
    report = advise(
        [str(write_jsonl(train, "train.jsonl"))],
        eval_path=write_jsonl(evals, "eval.jsonl"),
        patterns=patterns,
        base_model=str(trained_model),
        curve=tmp_path / "none.json",
        scores=tmp_path / "none.json",
        output=tmp_path / "advice.json",
    )
    assert report["path"] == TYPES
    assert [s["node"] for s in report["steps"]] == ["rules", "evaluation"]
    assert [s["answer"] for s in report["steps"]] == ["yes", "no"]
    assert "1 of them also in the training" in report["steps"][1]["summary"]
    assert report["end"]["name"] == "fix_evaluation"
    assert report["next_command"].startswith("python -m spacy_ner_plugin preannotate")
    assert report["facts"]["labels"]["value"]["missing"] == ["BRAND"]
    assert report["facts"]["curve"] == {
        "missing": f"no train curve at {tmp_path / 'none.json'}",
        "step": "train_curve",
    }
    assert "labels" in report["facts_off_path"]
    saved = json.loads((tmp_path / "advice.json").read_text())
    assert saved["steps"] == report["steps"] and saved["next_command"] == report["next_command"]


@pytest.mark.slow  # two fresh processes that load spaCy
def test_advise_cli_prints_the_path(write_jsonl, tmp_path):
    train = write_jsonl([task("Osprey pack", "Osprey")] * 3, "train.jsonl")
    cmd = [sys.executable, "-m", "spacy_ner_plugin", "advise", str(train), "--scores", "x.json"]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "NER flowchart v2.0" in out.stdout and "cannot tell: no --patterns" in out.stdout
    assert "evaluate-patterns PATTERNS.jsonl" in out.stdout.replace("\n", " ")
    missing = subprocess.run([*cmd[:4], str(tmp_path / "nope.jsonl")], capture_output=True)
    assert missing.returncode == 1
