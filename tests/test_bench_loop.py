"""bench.loop's cost model, the oracle's edit counting and the report, without training."""

import json

import pytest
import spacy
import typer
from spacy.tokens import Span

from bench.loop import CostModel, Counts, budgets, print_report, span_edits, table
from spacy_ner_plugin.advise.loop import f_at

COSTS = CostModel(per_unit=10.0, per_token=2.0, per_mark=5.0, ratio=0.25, mean_tokens=20.0)


@pytest.mark.parametrize(
    "predicted,gold,expected",
    [
        ([(0, 5, "B")], [(0, 5, "B")], {"added": 0, "removed": 0, "fixed": 0}),
        ([], [(0, 5, "B"), (9, 12, "B")], {"added": 2, "removed": 0, "fixed": 0}),
        ([(0, 5, "B")], [], {"added": 0, "removed": 1, "fixed": 0}),
        ([(0, 8, "B")], [(0, 5, "B")], {"added": 0, "removed": 0, "fixed": 1}),  # moved
        ([(0, 5, "A")], [(0, 5, "B")], {"added": 0, "removed": 0, "fixed": 1}),  # relabelled
        ([(0, 3, "B"), (4, 8, "B")], [(0, 8, "B")], {"added": 0, "removed": 1, "fixed": 1}),
        (
            [(0, 5, "B"), (20, 25, "B")],
            [(0, 5, "B"), (9, 12, "B")],
            {"added": 1, "removed": 1, "fixed": 0},
        ),
    ],
)
def test_span_edits_count_what_the_oracle_changes(predicted, gold, expected):
    assert span_edits(predicted, gold) == expected


def test_a_manual_text_costs_its_unit_tokens_and_entities():
    nlp = spacy.blank("en")
    doc = nlp("I bought Nike shoes and an Adidas shirt")
    doc.ents = [Span(doc, 2, 3, "BRAND"), Span(doc, 6, 7, "BRAND")]
    counts = Counts()
    counts.manual(doc)
    assert (counts.units, counts.tokens, counts.entities) == (1, 8, 2)
    assert COSTS.cost(counts) == 10.0 + 8 * 2.0 + 2 * 5.0


def test_a_corrected_sentence_costs_its_unit_tokens_and_edits():
    counts = Counts()
    counts.correction(6, predicted=[(0, 4, "B"), (10, 14, "B")], gold=[(0, 4, "B"), (20, 24, "B")])
    assert (counts.units, counts.tokens, counts.added, counts.removed) == (1, 6, 1, 1)
    assert COSTS.cost(counts) == 10.0 + 6 * 2.0 + 2 * 5.0


def test_a_binary_answer_costs_a_share_of_reading_an_average_text():
    assert COSTS.per_question == 0.25 * (10.0 + 20.0 * 2.0)
    assert COSTS.cost(Counts(questions=4)) == 4 * COSTS.per_question


def test_budgets_are_evenly_spaced_above_the_seed_texts():
    assert budgets(100.0, 500.0, 4) == [200.0, 300.0, 400.0, 500.0]
    with pytest.raises(typer.BadParameter, match="not above the seed"):
        budgets(600.0, 500.0, 4)


def test_interpolate_reads_the_curve_between_points_and_nothing_outside():
    curve = [(0.0, 10.0), (100.0, 30.0), (200.0, 40.0)]
    assert f_at(curve, 50.0) == 20.0
    assert f_at(curve, 200.0) == 40.0
    assert f_at(curve, 250.0) is None


def _point(texts, f, **counts):
    return {"texts": texts, "f": f, "counts": {**Counts().__dict__, **counts}}


def _run(manual_f, correct_f, teach_questions):
    """A seed's results: 10 seed texts of 10 tokens (cost 300 under COSTS' unit and token
    constants); manual adds 10 texts of 10 tokens per point, correction 20 sentences of 5
    tokens with 10 edits in all, teach `teach_questions` answers and then runs dry."""
    seed = {"units": 10, "tokens": 100}
    return {
        "costs": COSTS.__dict__,
        "seed_point": _point(10, 20.0, **seed),
        "arms": {
            "manual_random": [
                _point(20, manual_f[0], units=20, tokens=200),
                _point(30, manual_f[1], units=30, tokens=300),
            ],
            "correct": [
                _point(20, correct_f[0], units=30, tokens=200, added=5, removed=5),
                _point(30, correct_f[1], units=50, tokens=300, added=10, removed=10),
            ],
            "teach": [_point(15, 25.0, units=10, tokens=100, questions=teach_questions)],
        },
        "ran_dry": {"manual_random": False, "correct": False, "teach": True},
    }


def test_table_compares_arms_at_the_baselines_budgets():
    runs = [_run((30.0, 40.0), (40.0, 50.0), 4), _run((32.0, 42.0), (44.0, 54.0), 4)]
    rows = table(runs, COSTS)["rows"]
    assert [row["budget_s"] for row in rows] == [600, 900]  # what 10 and 20 more texts cost
    first = rows[0]["arms"]
    assert first["manual_random"] == {"mean": 31.0, "spread": 1.0}
    # correction's points cost 750 and 1,200: 600 is two thirds of the way from the seed (300)
    assert first["correct"]["mean"] == pytest.approx(20.0 + (42.0 - 20.0) * 300 / 450, abs=0.05)
    assert first["teach"] is None  # ran dry at 4 x 12.5 s above the seed's cost
    second = rows[1]["arms"]
    assert second["correct"]["mean"] == pytest.approx(42.0 + (52.0 - 42.0) * 150 / 450, abs=0.05)
    assert [row["best"] for row in rows] == ["correct", "correct"]
    assert rows[1]["margin"] == pytest.approx(second["correct"]["mean"] - 41.0, abs=0.05)


def test_report_reprices_the_curves_and_writes_markdown(tmp_path):
    results = {"dataset": "toy", "runs": [_run((30.0, 40.0), (40.0, 50.0), 40)]}
    (tmp_path / "results.json").write_text(json.dumps(results))
    out = print_report([tmp_path], ratios="0.25,1.0", marks="5")
    cheap = out["toy: binary answer = 0.25 x a text's reading, 5 s per mark"]["rows"]
    dear = out["toy: binary answer = 1 x a text's reading, 5 s per mark"]["rows"]
    # 40 answers at a quarter of a text reach 800 s, at a whole text 2,300 s: F at 600 s falls
    assert dear[0]["arms"]["teach"]["mean"] < cheap[0]["arms"]["teach"]["mean"]
    assert "| budget | manual_random | correct | teach |" in (tmp_path / "report.md").read_text()
