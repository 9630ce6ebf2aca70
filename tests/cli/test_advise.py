"""`advise` on the user's files: the chart's columns, the user's answers, --explain, warnings."""

import json
import subprocess
import sys

import pytest
import srsly

from spacy_ner_plugin.advise import flowchart as chart
from spacy_ner_plugin.advise.run import Answers
from spacy_ner_plugin.cli.advise import advise

from ..conftest import ROOT, task

SAMPLE = ROOT / "assets" / "sample"


def test_advise_walks_column_b_with_a_base_model(trained_model, write_jsonl, tmp_path):
    train = [
        task(f"We hiked the Pennine Way on day {i}", "Pennine Way", label="TRAIL") for i in range(8)
    ]
    evals = [train[0], task("Then the Pennine Way again", "Pennine Way", label="TRAIL")]
    report = advise(
        [str(write_jsonl(train, "train.jsonl"))],
        eval_path=write_jsonl(evals, "eval.jsonl"),
        base_model=str(trained_model),
        curve=tmp_path / "none.json",
        scores=tmp_path / "none.json",
        output=tmp_path / "advice.json",
    )
    assert report["column"] == chart.NEW_TYPES
    assert [s["node"] for s in report["steps"]] == [
        "model_available",
        "add_types",
        "b_many_types",
        "b_overlap",
        "b_raw",
    ]
    assert [s["answer"] for s in report["steps"]] == ["yes", "yes", "no", "no", "no"]
    assert "0 of 8 entities of the new types" in report["steps"][3]["summary"]
    assert "8 sentences in 8 texts" in report["steps"][4]["summary"]
    assert report["end"]["name"] == "get_raw_data"
    assert report["facts"]["labels"]["value"]["missing"] == ["BRAND"]
    assert {w["node"]: w["outcome"] for w in report["warnings"]} == {
        "a_evaluation": "fix_evaluation",  # an eval text is in the training data
        "b_all_types": "prevent_forgetting",
        "c_similar": "from_scratch_instead",  # the tiny base model has read 12 short texts
    }
    saved = json.loads((tmp_path / "advice.json").read_text())
    assert saved["steps"] == report["steps"] and saved["warnings"] == report["warnings"]


def _sample(**options):
    return advise(
        [str(SAMPLE / "train.jsonl"), f"binary:{SAMPLE / 'binary.jsonl'}"],
        patterns=SAMPLE / "patterns.jsonl",
        raw=str(SAMPLE / "raw.jsonl"),
        **options,
    )


@pytest.mark.slow  # over half a second of CPU: advise on the sample
def test_a_question_without_its_flag_stops_the_walk_on_the_sample(tmp_path):
    report = _sample(curve=tmp_path / "none.json", scores=tmp_path / "none.json")
    assert [s["node"] for s in report["steps"]][-3:] == ["a_rules_possible", "a_rules", "a_happy"]
    assert report["end"]["needs_your_answer"] == chart.HAPPY_FLAG
    assert report["next_command"].endswith(
        f"--raw {SAMPLE / 'raw.jsonl'} --sweep metrics/tune.json --happy/--not-happy"
    )


@pytest.mark.slow  # over half a second of CPU: advise on the sample, twice
def test_the_users_answers_walk_on_and_warnings_follow_the_path(tmp_path, capsys):
    curve = {
        "threshold": 1.0,
        "curve": [
            {"fraction": f, "n_examples": int(f * 500), "n_seeds": 1, "f": {"mean": 80.0, "std": 0}}
            for f in (0.75, 1.0)
        ],
    }
    srsly.write_json(tmp_path / "curve.json", curve)
    options = dict(curve=tmp_path / "curve.json", scores=tmp_path / "none.json", silent=False)
    report = _sample(answers=Answers(happy=False), explain=True, **options)
    assert report["steps"][-1]["node"] == "a_annotations" and report["end"]["title"] == (
        "Collect more annotations"
    )
    out = capsys.readouterr().out
    assert "Did you collect more than 2,000 annotations in total or more than 500" in out
    assert "685 annotations (535 accepted" in out  # --explain: the number behind the answer
    assert "Facts off the path" in out and "- shape: 836 entities" in out
    report = _sample(answers=Answers(happy=False, previous_annotations=100), sweep=tmp_path / "s",
                     **options)  # fmt: skip
    assert [s["node"] for s in report["steps"]][-5:] == [
        "a_annotations",
        "a_curve",
        "proper_nouns",
        "consistent",
        "hyperparameters",
    ]
    assert report["next_command"].startswith("python -m spacy_ner_plugin advise ")
    assert "--tune configs/ner.cfg" in report["next_command"]
    assert "685 annotations" not in capsys.readouterr().out  # no --explain: answers only


@pytest.mark.slow  # two fresh processes that load spaCy
def test_advise_cli_prints_the_path(write_jsonl, tmp_path):
    train = write_jsonl([task("Osprey pack", "Osprey")] * 3, "train.jsonl")
    cmd = [sys.executable, "-m", "spacy_ner_plugin", "advise", str(train), "--scores", "x.json"]
    out = subprocess.run([*cmd, "--explain"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    text = out.stdout.replace("\n", " ")
    assert "NER flowchart v2.0" in text and "Column: train a new model from scratch" in text
    assert "1 sentences in 1 texts of the annotations (no --raw)" in text
    assert "Get more than 1,000 sentences of raw unlabeled data" in text
    wrong = subprocess.run([*cmd, "--paths.train", "x"], capture_output=True, text=True)
    assert wrong.returncode == 2 and "only for --tune" in wrong.stdout + wrong.stderr
    missing = subprocess.run([*cmd[:4], str(tmp_path / "nope.jsonl")], capture_output=True)
    assert missing.returncode == 1


POINT = {"fraction": 0.5, "n_examples": 10, "f": {"mean": 50.0, "std": 1.0}}


@pytest.mark.slow  # about half a second of CPU a case: advise reads the sample first
@pytest.mark.parametrize(
    "name,content,named",
    [
        ("scores.json", {"ents_f": 0.8}, "n_examples: Field required"),
        ("scores.json", {"ents_f": 0.8, "n_examples": "many"}, "n_examples: Input should be"),
        ("curve.json", {"curve": [POINT, {**POINT, "n_examples": None}]}, "curve.1.n_examples"),
        ("curve.json", {"curve": [POINT]}, "curve: List should have at least 2 items"),
        ("curve.json", {"curve": [POINT, {"fraction": 1.0, "n_examples": 20}]}, "curve.1.f: "),
        ("curve.json", [POINT, POINT], "the top level: Input should be a valid dictionary"),
    ],
)
def test_a_scores_or_curve_file_without_a_field_advise_reads_is_an_error_naming_it(
    tmp_path, name, content, named
):
    from typer.testing import CliRunner

    from spacy_ner_plugin.cli import app

    path = tmp_path / name
    srsly.write_json(path, content)
    other = "--curve" if name == "scores.json" else "--scores"
    flag = "--scores" if name == "scores.json" else "--curve"
    train = str(SAMPLE / "train.jsonl")
    args = ["advise", train, flag, str(path), other, str(tmp_path / "none.json")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"{path}: {named}" in " ".join(result.output.split())
    assert "Traceback" not in result.output
