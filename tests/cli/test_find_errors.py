"""`find-errors` on the shipped sample with injected errors: fold models find a dropped entity,
a swapped label and a moved boundary among the first suspects, at the right offsets; bad
input, overwrites and determinism as every step handles them."""

import json
from pathlib import Path

import pytest
import srsly
from typer.testing import CliRunner

from spacy_ner_plugin.cli import app
from spacy_ner_plugin.curve.folds import find_errors as find_errors_step
from spacy_ner_plugin.curve.folds import fold_of
from spacy_ner_plugin.errors import PluginError, UsageError

from ..conftest import ROOT

SAMPLE = ROOT / "assets" / "sample" / "train.jsonl"
TINY = {"training.max_steps": 150, "training.eval_frequency": 150}


def nth_span(records, text, label, nth):
    """(record index, span index) of the nth span `text` labelled `label`."""
    found = [
        (i, j)
        for i, record in enumerate(records)
        for j, span in enumerate(record["spans"])
        if record["text"][span["start"] : span["end"]] == text and span["label"] == label
    ]
    return found[nth]


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    """The sample with one entity dropped, one label swapped and one boundary moved."""
    records = list(srsly.read_jsonl(SAMPLE))
    errors = {}
    i, j = nth_span(records, "Black Diamond", "GEAR_BRAND", 3)
    errors["missed"] = (records[i]["text"], "Black Diamond", "GEAR_BRAND")
    del records[i]["spans"][j]
    i, j = nth_span(records, "Continental Divide Trail", "TRAIL", 2)
    records[i]["spans"][j]["label"] = "GEAR_BRAND"
    errors["label"] = (records[i]["text"], "Continental Divide Trail", "TRAIL")
    i, j = nth_span(records, "Hollow Pines Traverse", "TRAIL", 4)
    span = records[i]["spans"][j]  # "Hollow Pines Traverse" → "Hollow Pines"
    span["token_end"] -= 1
    span["end"] = records[i]["tokens"][span["token_end"]]["end"]
    errors["boundary"] = (records[i]["text"], "Hollow Pines Traverse", "TRAIL")
    folder = tmp_path_factory.mktemp("find_errors")
    srsly.write_jsonl(folder / "noisy.jsonl", records)
    return folder, errors


@pytest.fixture(scope="module")
def found(injected):
    folder, errors = injected
    result = find_errors_step(
        [folder / "noisy.jsonl"], folder / "suspects.jsonl", folds=3, n_process=2,
        overrides=TINY, min_score=0.0, training_dir=folder / "training",
    )  # fmt: skip
    return result, errors, folder


@pytest.mark.slow  # trains fold models
@pytest.mark.parametrize("kind", ["missed", "label", "boundary"])
def test_an_injected_error_comes_out_with_its_kind_among_the_first_suspects(found, kind):
    result, errors, _ = found
    text, surface, label = errors[kind]
    ranks = [
        rank
        for rank, task in enumerate(result.suspects)
        if task["text"] == text and task["meta"]["suspect"]["kind"] == kind
    ]
    assert ranks, f"no {kind} suspect in the text"
    task = result.suspects[ranks[0]]
    suspect = task["meta"]["suspect"]
    # ranked above the correct annotations: among the first 1% of >1,000 ranked suspects
    assert len(result.suspects) > 1000 and ranks[0] < 15
    assert task["text"][suspect["start"] : suspect["end"]] == surface
    assert suspect["label"] == label and suspect["score"] > 0.9


@pytest.mark.slow  # trains fold models
def test_the_output_is_the_ranked_review_tasks(found):
    result, _, folder = found
    lines = [json.loads(line) for line in (folder / "suspects.jsonl").read_text().splitlines()]
    assert lines == result.suspects
    scores = [task["meta"]["suspect"]["score"] for task in lines]
    assert scores == sorted(scores, reverse=True)
    assert all(task["_view_id"] == "review" and len(task["versions"]) == 2 for task in lines)
    assert result.n_texts == 400 and len(result.folds) == 3
    assert result.counts.read == 400 and result.counts.written["docs"] == 400


def test_folds_are_seeded_and_even():
    folds = fold_of(10, 3, seed=0)
    assert sorted(folds.count(k) for k in range(3)) == [3, 3, 4]
    assert folds == fold_of(10, 3, seed=0) != fold_of(10, 3, seed=1)


def small_sample(tmp_path, n=60, extra=()):
    lines = SAMPLE.read_text(encoding="utf8").splitlines()[:n]
    path = tmp_path / "small.jsonl"
    path.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf8")
    return path


def run(*args):
    return CliRunner().invoke(app, ["find-errors", *map(str, args)])


@pytest.mark.slow  # trains fold models
def test_same_seed_same_output(tmp_path: Path):
    data = small_sample(tmp_path)
    outputs = []
    for n in range(2):  # fresh training directories: trained again, not read from a cache
        out = tmp_path / f"out{n}.jsonl"
        result = run(
            data, "--output", out, "--folds", 2, "--training-dir", tmp_path / f"train{n}",
            "--min-score", 0, "--training.max_steps", 20, "--training.eval_frequency", 20,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] and outputs[0]


@pytest.mark.slow  # trains fold models
def test_bad_records_are_rejected_with_their_lines_and_counted(tmp_path: Path):
    bad = ['{"text": "broken', json.dumps({"text": "Osprey", "spans": [{"start": 0}]})]
    data = small_sample(tmp_path, extra=bad)
    out = tmp_path / "out.jsonl"
    result = run(
        data, "--output", out, "--folds", 2, "--training-dir", tmp_path / "train",
        "--training.max_steps", 10, "--training.eval_frequency", 10,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"{data}:61" in result.output and f"{data}:62" in result.output
    assert "Traceback" not in result.output
    rejects = [json.loads(line) for line in (tmp_path / "out.rejects.jsonl").open()]
    assert [r["line"] for r in rejects] == [61, 62]
    assert "read" in result.output and "62" in result.output  # read = 60 written + 2 rejected


def test_the_output_never_overwrites_an_input(tmp_path: Path):
    data = small_sample(tmp_path)
    before = data.read_bytes()
    result = run(data, "--output", data, "--training-dir", tmp_path / "train")
    assert result.exit_code == 2, result.output
    assert "no step writes over its inputs" in result.output and data.read_bytes() == before
    with pytest.raises(UsageError):
        find_errors_step([data], data.with_suffix(".jsonl"), training_dir=tmp_path / "train")


def test_too_few_texts_or_a_missing_input_fail_cleanly(tmp_path: Path):
    data = small_sample(tmp_path, n=2)
    out = tmp_path / "out.jsonl"
    result = run(data, "--output", out, "--folds", 3, "--training-dir", tmp_path / "train")
    assert result.exit_code == 1 and "too few for 3 folds" in result.output
    assert not out.exists() and "Traceback" not in result.output
    result = run(tmp_path / "nope.jsonl", "--output", out)
    assert result.exit_code == 1 and "Input not found" in result.output
    with pytest.raises(PluginError, match="too few"):
        find_errors_step([data], out, folds=3, training_dir=tmp_path / "train")
