"""The hyperparameter node, measured: a dropout × batch-size sweep through the curve runner."""

import json

import pytest
import srsly
from confection import Config

from spacy_ner_plugin.advise.run import Answers
from spacy_ner_plugin.advise.tune import setting_config
from spacy_ner_plugin.cli.advise import advise
from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy

from ..conftest import ROOT

SAMPLE = ROOT / "assets" / "sample"
CONFIG = ROOT / "configs" / "ner.cfg"


def test_setting_config_sets_dropout_and_batch_size_only_where_given():
    config = Config().from_disk(CONFIG)
    tuned = setting_config(config, 0.3, 500)
    assert tuned["training"]["dropout"] == 0.3 and tuned["training"]["batcher"]["size"] == 500
    own = setting_config(config, None, None)
    assert own["training"]["batcher"]["size"] == config["training"]["batcher"]["size"]
    assert config["training"]["dropout"] == 0.1  # the original is left alone


@pytest.mark.slow  # five trainings of 4 steps
def test_advise_runs_the_sweep_where_the_walk_reaches_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "corpus"
    data_to_spacy([str(SAMPLE / "train.jsonl")], corpus)
    curve = {
        "threshold": 1.0,
        "curve": [
            {"fraction": f, "n_examples": int(f * 320), "n_seeds": 1, "f": {"mean": 80.0, "std": 0}}
            for f in (0.75, 1.0)
        ],
    }
    srsly.write_json(tmp_path / "curve.json", curve)
    overrides = {
        "paths.train": str(corpus / "train.spacy"),
        "paths.dev": str(corpus / "dev.spacy"),
        "paths.labels": str(corpus / "labels.json"),
        "training.max_steps": 4,
        "training.eval_frequency": 2,
    }
    options = dict(
        patterns=SAMPLE / "patterns.jsonl",
        raw=str(SAMPLE / "raw.jsonl"),
        curve=tmp_path / "curve.json",
        scores=tmp_path / "none.json",
        answers=Answers(happy=False, previous_annotations=100),
        sweep=tmp_path / "tune.json",
    )
    files = [str(SAMPLE / "train.jsonl"), f"binary:{SAMPLE / 'binary.jsonl'}"]
    report = advise(files, tune=CONFIG, overrides=overrides, **options)
    sweep = json.loads((tmp_path / "tune.json").read_text())  # srsly reads 0.3 as 0.30…04
    assert [(r["dropout"], r["batch_size"]) for r in sweep["grid"]] == [
        (0.1, 500),
        (0.1, 2000),
        (0.3, 500),
        (0.3, 2000),
    ]
    assert sweep["baseline"]["own"] and sweep["baseline"]["dropout"] == 0.1
    assert sweep["max_steps"] == 4 and len(list((tmp_path / "training" / "tune").iterdir())) == 5
    best = Config().from_disk(tmp_path / "tune.cfg")
    if not sweep["best"]["own"]:
        assert best["training"]["dropout"] == sweep["best"]["dropout"]
        assert best["training"]["batcher"]["size"] == sweep["best"]["batch_size"]
    step = next(s for s in report["steps"] if s["node"] == "hyperparameters")
    helped = sweep["best"]["f"] - sweep["baseline"]["f"] > 1.0
    assert step["answer"] == ("yes" if helped else "no") and "best of 5 settings" in step["summary"]
    assert report["end"].get("name", report["end"].get("missing")) == (
        "use_tuned" if helped else "error_fix"
    )
    # Run again without --tune: the sweep is read, nothing trains.
    again = advise(files, **options)
    assert again["steps"] == report["steps"]
