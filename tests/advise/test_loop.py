import json
import statistics

import pytest
import srsly
from typer.testing import CliRunner

from spacy_ner_plugin.advise.loop import choose_loop, loop_fact, read_loop_results
from spacy_ner_plugin.advise.walk import Context
from spacy_ner_plugin.cli import app
from spacy_ner_plugin.errors import PluginError

from ..conftest import task

COSTS = {"per_unit": 12.57, "per_token": 3.795, "per_mark": 5.387, "ratio": 0.2}


def point(cost, f):
    return {"cost": cost, "answers": int(cost // 10), "texts": int(cost // 20), "f": f}


def results(final, halfway=None, last_cost=None):
    """Three seeds; per arm its F at 1,000 and 2,000 s (from 30 F at the seed texts' 500 s)."""
    halfway = halfway or {arm: [40.0] * 3 for arm in final}
    last_cost = last_cost or {}
    runs = [
        {
            "seed": seed,
            "seed_point": point(500, 30.0),
            "costs": COSTS,
            "arms": {
                arm: [
                    point(1000, halfway[arm][seed]),
                    point(last_cost.get(arm, 2000), values[seed]),
                ]  # fmt: skip
                for arm, values in final.items()
            },
        }
        for seed in range(3)
    ]
    return {"dataset": "mine", "run": {"costs": COSTS}, "runs": runs}


WON = {"manual_random": [50.0, 52.0, 54.0], "correct": [60.0, 61.0, 62.0], "teach": [40, 41, 42]}


def write(tmp_path, data, name="results.json"):
    path = tmp_path / name
    srsly.write_json(path, data)
    return path


def test_the_best_mean_f_at_the_largest_common_cost_wins_with_its_margin(tmp_path):
    path = write(tmp_path, results(WON, last_cost={"teach": 2400}))
    choice = choose_loop(read_loop_results(path), str(path))
    assert choice.budget == 2000 and choice.best == "correct"  # teach went on to 2,400 s
    assert choice.hint is None  # manual_random's curve ends there too
    assert choice.margin == 9.0 and choice.caution is None
    scores = {score.arm: score for score in choice.scores}
    assert scores["correct"].per_seed == [60.0, 61.0, 62.0]
    assert scores["manual_random"].spread == round(statistics.pstdev([50, 52, 54]), 2)
    assert [score.arm for score in choice.scores] == ["correct", "manual_random", "teach"]
    fact = loop_fact(path, Context(raw="raw.jsonl", model="training/model-best"))
    command = fact.value["command"]
    assert "annotate ner.correct DATASET raw.jsonl --model training/model-best --update" in command
    assert "+9.0 over manual_random (52.0 ± 1.6)" in fact.summary
    assert fact.value["costs"] == pytest.approx(COSTS)


def test_a_budget_between_points_interpolates_and_arms_short_of_it_are_left_out(tmp_path):
    halfway = {"manual_random": [44.0] * 3, "correct": [38.0] * 3, "teach": [46.0] * 3}
    path = write(tmp_path, results(WON, halfway, last_cost={"teach": 1500}))
    assert (
        "teach's curve ends at 1500 s; --budget 2000 compares"
        in choose_loop(read_loop_results(path), str(path)).hint
    )
    choice = choose_loop(read_loop_results(path), str(path), budget=1500)
    scores = {score.arm: score.mean for score in choice.scores}
    assert scores == {"manual_random": 48.0, "correct": 49.5, "teach": 41.0}
    choice = choose_loop(read_loop_results(path), str(path), budget=1800)
    assert choice.not_reached == ["teach"] and choice.best == "correct"
    with pytest.raises(PluginError, match="outside manual_random's curve"):
        choose_loop(read_loop_results(path), str(path), budget=2500)


def test_a_margin_within_the_spread_over_seeds_comes_with_a_caution(tmp_path):
    close = {**WON, "correct": [53.0, 55.0, 51.0]}
    path = write(tmp_path, results(close))
    choice = choose_loop(read_loop_results(path), str(path))
    assert choice.best == "correct" and choice.margin == 1.0
    assert "within the spread over seeds (±1.6)" in choice.caution
    one_seed = results(WON)
    one_seed["runs"] = one_seed["runs"][:1]
    path = write(tmp_path, one_seed, "one.json")
    assert "one seed" in choose_loop(read_loop_results(path), str(path)).caution


def test_manual_annotation_winning_is_recommended_without_caution(tmp_path):
    path = write(tmp_path, results({**WON, "correct": [30.0, 31.0, 32.0]}))
    fact = loop_fact(path, Context())
    assert fact.value["best"] == "manual_random" and fact.value["caution"] is None
    assert "annotate ner.manual DATASET RAW_TEXTS.jsonl" in fact.value["command"]


@pytest.mark.parametrize(
    "change,named",
    [
        (
            lambda d: d["runs"][1]["arms"]["correct"][0].update(f="high"),
            "runs[1].arms.correct[0].f",
        ),
        (lambda d: d["runs"][0]["arms"]["teach"][1].pop("cost"), "runs[0].arms.teach[1].cost"),
        (lambda d: d["runs"][2]["arms"].update(correct=[]), "runs[2].arms.correct"),
        (lambda d: d.update(runs=[]), "runs: List should have at least 1 item"),
        (lambda d: d["runs"][0]["arms"].pop("manual_random"), "runs[0].arms: no 'manual_random'"),
        (lambda d: d["runs"][1]["arms"].pop("teach"), "runs[1].arms: ['correct', 'manual_rand"),
    ],
)
def test_a_malformed_results_file_is_named_with_its_field(tmp_path, change, named):
    data = results(WON)
    change(data)
    path = write(tmp_path, data)
    with pytest.raises(PluginError) as err:
        read_loop_results(path)
    assert str(path) in err.value.title and named in str(err.value)


def test_a_file_that_is_no_json_is_named(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("{not json")
    with pytest.raises(PluginError, match="Cannot read the loop results .*results.json"):
        read_loop_results(path)


@pytest.mark.slow  # advise reads and tokenizes the annotations
def test_advise_cli_recommends_the_loop_that_won(write_jsonl, tmp_path):
    train = write_jsonl([task(f"Osprey pack {i}", "Osprey") for i in range(3)], "train.jsonl")
    path = write(tmp_path, results(WON))
    args = ["advise", str(train), "--scores", str(tmp_path / "x.json"), "--raw", str(train)]
    out = CliRunner().invoke(app, [*args, "--loop-results", str(path), "-o", str(tmp_path / "a")])
    assert out.exit_code == 0, out.output
    text = out.output.replace("\n", " ")
    assert "active correction (the model picks, suggests and learns) did best" in text
    assert f"ner.correct DATASET {train} --model training/model-best --update" in text
    assert "- teach: F 41.0 ± 0.8" in text
    saved = json.loads((tmp_path / "a").read_text())["loop"]["value"]
    assert saved["best"] == "correct" and saved["margin"] == 9.0
    bad = write(tmp_path, {"runs": [{"seed": 0, "arms": {"manual_random": [{"f": 1}]}}]}, "b.json")
    out = CliRunner().invoke(app, [*args, "--loop-results", str(bad)])
    assert out.exit_code == 1 and "runs[0].arms.manual_random[0].cost" in out.output
    out = CliRunner().invoke(app, [*args, "--budget", "100"])
    assert out.exit_code == 2 and "--budget compares the loops of --loop-results" in out.output
