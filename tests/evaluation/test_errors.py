"""Error analysis: each error class on hand-built gold/predicted pairs, the report, the HTML."""

import json

import pytest
import spacy
from spacy.tokens import Span
from spacy.training import Example

from spacy_ner_plugin.cli.evaluate import evaluate
from spacy_ner_plugin.colors import label_colors
from spacy_ner_plugin.evaluation.errors import (
    ERROR_CLASSES,
    MISSED,
    SPURIOUS,
    WRONG_BOTH,
    WRONG_BOUNDARY,
    WRONG_LABEL,
    classify_errors,
    error_analysis,
)
from spacy_ner_plugin.evaluation.errors_html import render_error_page
from spacy_ner_plugin.io.hashing import text_hash

from ..conftest import task

# "Black Diamond Equipment" is characters 0-23; "Black Diamond" 0-13; "Equipment" 14-23.
BDE, BD, EQ = (0, 23), (0, 13), (14, 23)


@pytest.mark.parametrize(
    "gold, predicted, expected",
    [
        ([(*BDE, "BRAND")], [(*BDE, "BRAND")], []),
        ([(*BDE, "BRAND")], [], [MISSED]),
        ([], [(*BDE, "BRAND")], [SPURIOUS]),
        ([(*BDE, "BRAND")], [(*BD, "BRAND")], [WRONG_BOUNDARY]),
        ([(*BDE, "BRAND")], [(*BDE, "TRAIL")], [WRONG_LABEL]),
        ([(*BDE, "BRAND")], [(*BD, "TRAIL")], [WRONG_BOTH]),
        # one gold entity split in two predictions: two boundary errors
        ([(*BDE, "BRAND")], [(*BD, "BRAND"), (*EQ, "BRAND")], [WRONG_BOUNDARY, WRONG_BOUNDARY]),
        # two gold entities merged into one prediction: two boundary errors
        ([(*BD, "BRAND"), (*EQ, "BRAND")], [(*BDE, "BRAND")], [WRONG_BOUNDARY, WRONG_BOUNDARY]),
    ],
    ids=["correct", "missed", "spurious", "boundary", "label", "both", "split", "merged"],
)
def test_each_error_class(gold, predicted, expected):
    correct, errors = classify_errors(gold, predicted)
    assert sorted(e.kind for e in errors) == sorted(expected)
    assert correct == (1 if not expected else 0)


def test_pairing_prefers_the_exact_span_then_the_same_label():
    gold = [(0, 13, "BRAND"), (20, 30, "TRAIL")]
    predicted = [(0, 13, "TRAIL"), (18, 30, "TRAIL"), (40, 45, "BRAND")]
    correct, errors = classify_errors(gold, predicted)
    found = {(e.kind, e.gold, e.predicted) for e in errors}
    assert correct == 0
    assert found == {
        (WRONG_LABEL, (0, 13, "BRAND"), (0, 13, "TRAIL")),
        (WRONG_BOUNDARY, (20, 30, "TRAIL"), (18, 30, "TRAIL")),
        (SPURIOUS, None, (40, 45, "BRAND")),
    }


def test_every_span_is_accounted_for_once():
    gold = [(0, 5, "A"), (6, 10, "A"), (20, 25, "B"), (30, 35, "A")]
    predicted = [(0, 10, "A"), (20, 25, "A"), (40, 45, "B"), (30, 35, "A")]
    correct, errors = classify_errors(gold, predicted)
    golds = [e.gold for e in errors if e.gold is not None]
    preds = [e.predicted for e in errors if e.predicted is not None]
    assert correct == 1
    assert sorted(golds) == [(0, 5, "A"), (6, 10, "A"), (20, 25, "B")]
    assert set(preds) == {(0, 10, "A"), (20, 25, "A"), (40, 45, "B")}


def _example(nlp, text, gold, predicted):
    ref, pred = nlp.make_doc(text), nlp.make_doc(text)
    ref.ents = [ref.char_span(s, e, label=lab) for s, e, lab in gold]
    pred.ents = [pred.char_span(s, e, label=lab) for s, e, lab in predicted]
    return Example(pred, ref)


def test_report_counts_per_label_confusion_and_worst_hashes(nlp):
    text = "Black Diamond Equipment on the Pennine Way"  # Pennine Way: 31-42
    examples = [
        _example(nlp, text, [(*BDE, "BRAND"), (31, 42, "TRAIL")], [(*BD, "BRAND")]),
        _example(nlp, "Osprey packs", [(0, 6, "BRAND")], [(0, 6, "TRAIL")]),
        _example(nlp, "Fine day", [], []),
    ]
    partial = nlp.make_doc("Osprey again")
    partial.set_ents([Span(partial, 0, 1, "BRAND")], default="missing")
    examples.append(Example(nlp.make_doc("Osprey again"), partial))
    report = error_analysis(examples)
    data = report.to_json(n_examples=5)
    assert data["counts"] == {
        MISSED: 1,
        SPURIOUS: 0,
        WRONG_BOUNDARY: 1,
        WRONG_LABEL: 1,
        WRONG_BOTH: 0,
    }
    assert data["per_label"]["BRAND"][WRONG_BOUNDARY] == 1
    assert data["per_label"]["BRAND"][WRONG_LABEL] == 1
    assert data["per_label"]["TRAIL"][MISSED] == 1
    assert data["confusion"] == {"BRAND": {"BRAND": 1, "TRAIL": 1}, "TRAIL": {"O": 1}}
    assert data["skipped_partial"] == 1 and data["n_texts"] == 3
    assert [ex["input_hash"] for ex in data["examples"]] == [
        text_hash(text),
        text_hash("Osprey packs"),
    ]
    assert data["examples"][0]["errors"] == {WRONG_BOUNDARY: 1, MISSED: 1}


def test_error_page_draws_gold_and_prediction_with_the_shared_colours(nlp):
    text = "Black Diamond Equipment on the Pennine Way"
    report = error_analysis(
        [_example(nlp, text, [(*BDE, "BRAND"), (31, 42, "TRAIL")], [(*BD, "BRAND")])]
    )
    page = render_error_page(report, 10, "Errors")
    colors = label_colors(["BRAND", "TRAIL"])
    assert page.count(f"background: {colors['BRAND']}") >= 3  # legend, gold, predicted
    assert f"background: {colors['TRAIL']}" in page
    assert page.count("Pennine Way") >= 2 and "Gold" in page and "Predicted" in page
    assert "wrong boundary</b>: “Black Diamond Equipment” BRAND → “Black Diamond” BRAND" in page


def test_evaluate_writes_error_classes_and_the_html(trained_model, write_jsonl, tmp_path):
    records = [task(f"My Osprey bag went to camp {i}", "Osprey") for i in range(3)]
    records.append(task("The trip with Gregory was long", "Gregory"))
    result = evaluate(
        str(trained_model),
        write_jsonl(records),
        tmp_path / "scores.json",
        errors_html=tmp_path / "errors.html",
    )
    errors = result["errors"]
    assert set(errors["counts"]) == set(ERROR_CLASSES)
    assert errors["total"] == sum(errors["counts"].values())
    assert errors["counts"][MISSED] >= 1  # the model has never seen "Gregory"
    saved = json.loads((tmp_path / "scores.json").read_text())
    assert saved["errors"]["counts"] == errors["counts"]
    html = (tmp_path / "errors.html").read_text()
    assert "<!DOCTYPE html>" in html and "Gregory" in html
    assert errors["examples"][0]["input_hash"] == text_hash("The trip with Gregory was long")


def test_char_offsets_survive_different_tokenizations():
    nlp = spacy.blank("en")
    ref = spacy.tokens.Doc(nlp.vocab, words=["Black", "Diamond", "rocks"])
    pred = nlp.make_doc("Black Diamond rocks")
    ref.ents = [Span(ref, 0, 2, "BRAND")]
    pred.ents = [Span(pred, 0, 2, "BRAND")]
    report = error_analysis([Example(pred, ref)])
    assert report.correct == 1 and not report.counts
