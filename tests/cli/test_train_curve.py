import math
import xml.etree.ElementTree as ET

import pytest
import spacy
import srsly
from spacy.cli.train import train
from spacy.language import Language
from spacy.tokens import DocBin, Span
from spacy.util import load_config
from typer.testing import CliRunner

from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.cli.train_curve import train_curve
from spacy_ner_plugin.curve.plot import curve_svg, nice_ticks
from spacy_ner_plugin.curve.points import (
    DEV_READER,
    SAMPLER,
    CurveInputError,
    advise,
    curve_fractions,
    plan_points,
    point_config,
    scaled_schedule,
    summarize,
)
from spacy_ner_plugin.errors import UsageError
from spacy_ner_plugin.readers.sampling import sample_order

from ..conftest import ROOT

CONFIG = ROOT / "configs" / "ner.cfg"
TRAIN = [f"I took my Osprey pack on trip {i}" for i in range(12)]
DEV = [f"We took our Osprey tent on day {i}" for i in range(4)]


def write_docs(nlp, path, texts, label="BRAND", with_ents=None):
    docbin = DocBin()
    for text in texts:
        doc = nlp.make_doc(text)
        if with_ents is None or text in with_ents:
            doc.ents = [Span(doc, 3, 4, label)]
        docbin.add(doc)
    docbin.to_disk(path)
    return path


def write_labels(path, labels):
    nlp = spacy.blank("en")
    ner = nlp.add_pipe("ner")
    for label in labels:
        ner.add_label(label)
    nlp.initialize()
    srsly.write_json(path, {str(move): dict(counts) for move, counts in ner.label_data.items()})
    return path


@pytest.fixture
def corpus(nlp, tmp_path):
    """Overrides pointing configs/ner.cfg at a tiny corpus, with a 20-step budget."""
    return {
        "paths.train": str(write_docs(nlp, tmp_path / "train.spacy", TRAIN)),
        "paths.dev": str(write_docs(nlp, tmp_path / "dev.spacy", DEV)),
        "paths.labels": str(write_labels(tmp_path / "labels.json", ["BRAND", "TRAIL"])),
        "training.max_steps": 20,
        "training.eval_frequency": 10,
    }


def row(fraction, n_examples, mean, std=0.0, n_seeds=1):
    spread = {"mean": mean, "std": std}
    return {
        "fraction": fraction,
        "n_examples": n_examples,
        "n_seeds": n_seeds,
        "f": spread,
        "p": spread,
        "r": spread,
        "per_label": {},
    }


@pytest.mark.parametrize(
    "last,std,threshold,verdict",
    [
        (63.0, 0.0, 1.0, "more data helps"),
        (60.5, 0.0, 1.0, "flat"),
        (57.0, 0.0, 1.0, "worse"),
        (62.0, 0.0, 3.0, "flat"),  # the threshold is configurable
        (62.5, 2.0, 1.0, "flat"),  # +2.5 is inside the seeds' noise of ±2.8
        (64.0, 2.0, 1.0, "more data helps"),
    ],
)
def test_advice_on_the_last_segment(last, std, threshold, verdict):
    rows = [row(0.5, 100, 50.0, std), row(0.75, 150, 60.0, std), row(1.0, 200, last, std)]
    advice = advise(rows, threshold)
    assert advice.verdict == verdict
    assert advice.gain == pytest.approx(last - 60.0)
    assert f"{last - 60.0:+.1f}" in advice.text and "150 → 200 examples" in advice.text
    assert advice.margin == pytest.approx(max(threshold, math.hypot(std, std)), abs=0.01)
    if std and verdict == "flat":
        assert f"noise (±{math.hypot(std, std):.1f})" in advice.text


def test_summary_averages_seeds_per_fraction():
    points = [(0.5, 6, 0, 0.4), (0.5, 6, 1, 0.6), (1.0, 12, 0, 0.7), (1.0, 12, 1, 0.7)]
    results = [
        {"fraction": f, "seed": s, "n_examples": n, "ents_per_type": {"BRAND": {"f": f_}}}
        | {"ents_f": f_, "ents_p": f_, "ents_r": f_}
        for f, n, s, f_ in points
    ]
    rows = summarize(results, [0.5, 1.0])
    assert [r["n_examples"] for r in rows] == [6, 12]
    assert rows[0]["f"]["mean"] == pytest.approx(50.0)
    assert rows[0]["f"]["std"] == pytest.approx(math.sqrt(0.02) * 100)
    assert rows[1]["per_label"]["BRAND"] == {"mean": pytest.approx(70.0), "std": 0.0}


def test_summary_finds_fractions_read_back_from_json():
    """srsly writes 10 decimals: a 1/3 point's result.json says 0.3333333333."""
    results = [
        srsly.json_loads(srsly.json_dumps(r))
        for r in (
            {"fraction": f, "seed": 0, "n_examples": n, "ents_per_type": {}}
            | {"ents_f": 0.5, "ents_p": 0.5, "ents_r": 0.5}
            for f, n in ((1 / 3, 4), (2 / 3, 8), (1.0, 12))
        )
    ]
    rows = summarize(results, curve_fractions(3))
    assert [(r["n_examples"], r["n_seeds"]) for r in rows] == [(4, 1), (8, 1), (12, 1)]


@pytest.mark.parametrize("max_steps,eval_frequency", [(1000, 100), (600, 200), (50, 100), (7, 2)])
@pytest.mark.parametrize("fraction", [0.25, 1 / 3, 0.5, 0.75, 1.0])
def test_point_budget_scales_with_the_fraction(max_steps, eval_frequency, fraction):
    steps, frequency = scaled_schedule(max_steps, eval_frequency, fraction)
    n_evals = steps // frequency
    assert steps % frequency == 0  # the last step is evaluated
    # as many evaluations as the fraction of the full run's, at least one
    target = max(1, math.ceil(max_steps * fraction) / eval_frequency)
    assert n_evals >= 1 and abs(n_evals - target) <= 0.5
    assert max_steps * fraction <= steps < max_steps * fraction + n_evals
    if fraction == 1.0 and max_steps % eval_frequency == 0:
        assert (steps, frequency) == (max_steps, eval_frequency)


def test_epoch_budget_is_left_alone():
    assert scaled_schedule(0, 200, 0.25) == (0, 200)


def test_fractions():
    assert curve_fractions(4) == [0.25, 0.5, 0.75, 1.0]
    with pytest.raises(CurveInputError, match="at least 2"):
        curve_fractions(1)


def test_point_config_wraps_the_train_corpus(corpus):
    config = load_config(CONFIG, overrides=corpus, interpolate=False)
    point = point_config(config, CONFIG, 0.5, 3, (2, 1))
    block = point["corpora"]["train"]
    assert (block["@readers"], block["fraction"], block["seed"]) == (SAMPLER, 0.5, 3)
    assert block["corpus"] == config["corpora"]["train"]
    dev = point["corpora"]["dev"]
    assert (dev["@readers"], dev["skip_first"]) == (DEV_READER, True)
    assert dev["corpus"] == config["corpora"]["dev"]
    assert point.interpolate()["training"]["seed"] == 3
    assert (point["training"]["max_steps"], point["training"]["eval_frequency"]) == (2, 1)


def test_cache_key_follows_config_seed_and_data(corpus, nlp, tmp_path):
    def keys(**overrides):
        config = load_config(CONFIG, overrides={**corpus, **overrides}, interpolate=False)
        plans = plan_points(config, CONFIG, [0.5, 1.0], [0, 1], tmp_path / "points")
        return [job.key for job, _ in plans]

    first = keys()
    assert len(set(first)) == 4 and keys() == first
    assert set(keys(**{"training.dropout": 0.2})).isdisjoint(first)
    write_docs(nlp, corpus["paths.train"], TRAIN[:-1])
    assert set(keys()).isdisjoint(first)


DEV_READS = []


@spacy.registry.readers("test_counted_corpus.v1")
def counted_corpus(path: str):
    corpus = spacy.training.Corpus(path)

    def read(nlp):
        DEV_READS.append(1)
        return corpus(nlp)

    return read


@pytest.mark.slow
def test_a_point_reads_its_dev_set_once_and_skips_the_step_0_evaluation(
    corpus, tmp_path, monkeypatch
):
    """spaCy evaluates at steps 0, 10 and 20: step 0 gets no examples, one read serves both."""
    evaluated = []
    evaluate = Language.evaluate

    def counting_evaluate(self, examples, **kwargs):
        examples = list(examples)
        evaluated.append(len(examples))
        return evaluate(self, examples, **kwargs)

    monkeypatch.setattr(Language, "evaluate", counting_evaluate)
    config = load_config(CONFIG, overrides=corpus, interpolate=False)
    config["corpora"]["dev"] = {"@readers": "test_counted_corpus.v1", "path": "${paths.dev}"}
    point_config(config, CONFIG, 1.0, 0, (20, 10)).to_disk(tmp_path / "point.cfg")
    DEV_READS.clear()
    train(tmp_path / "point.cfg", tmp_path / "point")
    assert evaluated == [0, len(DEV), len(DEV)]
    assert len(DEV_READS) == 1


def run_curve(corpus, tmp_path, **kwargs):
    settings = {"n_samples": 2, "n_workers": 2, "output": tmp_path / "points.json", **kwargs}
    return train_curve(CONFIG, overrides=corpus, training_dir=tmp_path / "points", **settings)


@pytest.mark.slow
def test_curve_trains_caches_and_repeats(corpus, tmp_path, capsys):
    curve = run_curve(corpus, tmp_path, label_stats=True, silent=False)
    saved = srsly.read_json(tmp_path / "points.json")
    assert saved["curve"] == curve["curve"] and saved["advice"] == curve["advice"]
    assert [r["n_examples"] for r in curve["curve"]] == [6, 12]
    assert [p["max_steps"] for p in sorted(curve["points"], key=lambda p: p["fraction"])] == [
        10,
        20,
    ]
    out = capsys.readouterr().out
    assert "F BRAND" in out and "Advice:" in out
    svg = ET.parse(tmp_path / "points.svg").getroot()
    assert len(svg.findall(".//{http://www.w3.org/2000/svg}circle")) == 2
    logs = sorted((tmp_path / "points").glob("*/train.log"))
    assert len(logs) == 2
    mtimes = [log.stat().st_mtime_ns for log in logs]
    again = run_curve(corpus, tmp_path, silent=False)
    assert "2 cached, nothing to train" in capsys.readouterr().out
    assert [log.stat().st_mtime_ns for log in logs] == mtimes and again["curve"] == curve["curve"]
    # An interrupted curve resumes: a point without a result trains again, to the same numbers.
    full = next(point for point in curve["points"] if point["fraction"] == 1.0)
    (tmp_path / "points" / full["key"] / "result.json").unlink()
    resumed = run_curve(corpus, tmp_path, silent=False)
    assert "1 cached, 1 to train" in capsys.readouterr().out
    assert resumed["curve"] == curve["curve"]


@pytest.mark.slow
def test_curve_json_and_output_carry_the_projection(tmp_path):
    """The shipped sample, 3 sizes × 2 seeds of 20 steps: enough points for a fit per label."""
    data_to_spacy([ROOT / "assets" / "sample" / "train.jsonl"], tmp_path / "corpus")
    files = {name: tmp_path / "corpus" / f"{name}.spacy" for name in ("train", "dev")}
    args = [
        *("train-curve", str(CONFIG), "--n-samples", "3", "--n-seeds", "2", "--n-workers", "2"),
        *("--output", str(tmp_path / "curve.json"), "--training-dir", str(tmp_path / "points")),
        *("--paths.train", str(files["train"]), "--paths.dev", str(files["dev"])),
        *("--paths.labels", str(tmp_path / "corpus" / "labels.json")),
        *("--training.max_steps", "20", "--training.eval_frequency", "10"),
    ]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    saved = srsly.read_json(tmp_path / "curve.json")
    projection = saved["projection"]
    labels = {label for point in saved["points"] for label in point["ents_per_type"]}
    assert labels and set(projection["labels"]) == labels
    n_full = max(point["n_examples"] for point in saved["points"])
    for curve in [projection["overall"], *projection["labels"].values()]:
        assert curve["fit"] is not None and curve["now"]["examples"] == n_full
        assert [(p["factor"], p["examples"]) for p in curve["predictions"]] == [
            (1.5, round(1.5 * n_full)),
            (2.0, 2 * n_full),
        ]
    printed = " ".join(out.stdout.split())
    assert "Projected F with more data of the same kind" in printed and "F at 2×" in printed


def assert_fails_before_training(corpus, tmp_path, capsys, message, **kwargs):
    with pytest.raises(CurveInputError) as err:
        run_curve(corpus, tmp_path, **kwargs)
    assert message in " ".join(str(err.value).split())
    assert capsys.readouterr().out == ""  # a plain call is quiet
    assert not (tmp_path / "points").exists()


def test_fraction_without_examples_fails_before_training(corpus, tmp_path, capsys):
    message = "The 4% sample (seed 0) of the 12 training examples in [corpora.train] is empty"
    assert_fails_before_training(corpus, tmp_path, capsys, message, n_samples=25)


def test_fraction_without_entities_fails_before_training(corpus, nlp, tmp_path, capsys):
    last = TRAIN[sample_order(TRAIN, 0)[-1]]  # the only entity is outside the 50% sample
    write_docs(nlp, corpus["paths.train"], TRAIN, with_ents={last})
    message = "The 50% sample (seed 0) has 6 examples but no entities"
    assert_fails_before_training(corpus, tmp_path, capsys, message)


def test_dev_labels_absent_from_train_fail_before_training(corpus, nlp, tmp_path, capsys):
    write_docs(nlp, corpus["paths.dev"], DEV, label="TRAIL")
    message = "has labels that never occur in the training corpus [corpora.train]: TRAIL"
    assert_fails_before_training(corpus, tmp_path, capsys, message)


def test_config_without_train_corpus_fails_on_the_command_line(corpus, tmp_path):
    config = load_config(CONFIG, interpolate=False)
    del config["corpora"]["train"]
    config.to_disk(tmp_path / "no_train.cfg")
    overrides = [arg for key, value in corpus.items() for arg in (f"--{key}", str(value))]
    args = [
        "train-curve",
        str(tmp_path / "no_train.cfg"),
        "--training-dir",
        str(tmp_path / "points"),
    ]
    out = CliRunner().invoke(app, [*args, *overrides])
    assert out.exit_code == 1
    assert "has no [corpora.train] block" in " ".join(out.stdout.split())
    assert not (tmp_path / "points").exists()


def test_plot_has_a_point_and_error_bar_per_row():
    rows = [row(0.5, 100, 50.0, 2.0, 3), row(1.0, 200, 60.0, 0.0, 3)]
    svg = ET.fromstring(curve_svg(rows, "Train curve <sample>"))
    ns = "{http://www.w3.org/2000/svg}"
    assert len(svg.findall(f"{ns}circle")) == 2
    assert len([p for p in svg.findall(f"{ns}path") if p.get("class") == "error-bar"]) == 1
    assert "Train curve <sample>" in "".join(svg.itertext())


@pytest.mark.parametrize("low,high", [(0, 1235), (40.2, 71.9), (0, 7)])
def test_ticks_cover_the_range_in_round_steps(low, high):
    ticks = nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high and 3 <= len(ticks) <= 12
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1 and f"{steps.pop():g}".lstrip("0.")[0] in "125"


def test_cli_n_seeds_and_n_samples_are_validated(tmp_path):
    args = ["train-curve", str(CONFIG), "--training-dir", str(tmp_path / "points")]
    for option, value in (("--n-seeds", "0"), ("--n-samples", "1")):
        out = CliRunner().invoke(app, [*args, option, value])
        assert out.exit_code == 2 and option in out.output
    out = CliRunner().invoke(app, [*args, "--seeds", "2"])  # the count is --n-seeds
    assert out.exit_code == 2 and "No such option" in out.output
    with pytest.raises(UsageError, match="--n-seeds must be at least 1"):
        train_curve(CONFIG, n_seeds=0, training_dir=tmp_path / "points")
    assert not (tmp_path / "points").exists()


MARK_INIT_CODE = """
import spacy

@spacy.registry.callbacks("test.mark_init.v1")
def mark_init():
    def before_init(nlp):
        nlp.meta["description"] = "set by the --code file"
        return nlp
    return before_init
"""


@pytest.mark.slow
def test_points_train_with_functions_registered_in_the_code_file(corpus, tmp_path):
    code = tmp_path / "code.py"
    code.write_text(MARK_INIT_CODE, encoding="utf8")
    overrides = {**corpus, "initialize.before_init": {"@callbacks": "test.mark_init.v1"}}
    curve = run_curve(overrides, tmp_path, code_path=code)
    metas = [
        tmp_path / "points" / point["key"] / "model-best" / "meta.json" for point in curve["points"]
    ]
    assert len(metas) == 2
    assert {srsly.read_json(meta)["description"] for meta in metas} == {"set by the --code file"}
