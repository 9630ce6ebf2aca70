"""Train-curve speed: curve wall time against one full training, same config, data and steps.

    flock /tmp/bench.lock python bench/bench_train_curve.py --dataset fashion_brands \
        --max-steps 600 --eval-frequency 100 --n-workers 2 [--sequential] [--section.key value]

Converts the data with data-to-spacy, then times, one after the other in fresh processes:
`python -m spacy train` (the baseline), `train-curve --n-workers W` (4 points, empty cache) and,
with --sequential, `train-curve --n-workers 1`. It does so --rounds times, each round running
them in turn so a slow phase of the shared machine hits the baseline and the curve alike, and
keeps each one's best time. Prints each wall time as a ratio to the baseline (best and per
round) and the 100% point's F next to the baseline's (same seed and data: they should match).
Extra `--section.key value` arguments override the config of both runs.
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import srsly
import typer
from wasabi import msg

from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy

ROOT = Path(__file__).parent.parent
SHARED = ROOT.parent / "shared" / "data" / "fashion_brands"
DATASETS = {
    "sample": ([ROOT / "assets" / "sample" / "train.jsonl"], None),
    "fashion_brands": (
        [SHARED / "fashion_brands_training.jsonl"],
        SHARED / "fashion_brands_eval.jsonl",
    ),
}


def timed(command: List[str], log: Path) -> float:
    """Run `command` with its output in `log`; return its wall time in seconds."""
    start = time.perf_counter()
    with log.open("w") as file_:
        subprocess.run(command, stdout=file_, stderr=subprocess.STDOUT, check=True, cwd=ROOT)
    return time.perf_counter() - start


def curve_name(workers: int) -> str:
    """The row name of a curve run on `workers` workers."""
    return f"curve, {workers} worker{'s' if workers > 1 else ''}"


app = typer.Typer(add_completion=False)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def main(
    # fmt: off
    ctx: typer.Context,
    dataset: str = typer.Option("fashion_brands", help="sample or fashion_brands"),
    config: Path = typer.Option(ROOT / "configs" / "ner.cfg", help="Training config"),
    max_steps: int = typer.Option(600, help="Step budget of the full training"),
    eval_frequency: int = typer.Option(100, help="Evaluation interval of the full training"),
    n_workers: int = typer.Option(2, help="Workers of the parallel curve"),
    sequential: bool = typer.Option(False, help="Also time the curve on one worker"),
    rounds: int = typer.Option(2, help="Rounds of all runs; each run's best time counts"),
    output: Path | None = typer.Option(None, help="Write the figures as JSON here"),
    # fmt: on
) -> None:
    """Time a 4-point train curve against one full training with the same step budget."""
    inputs, eval_path = DATASETS[dataset]
    tmp = Path(tempfile.mkdtemp(prefix="bench_train_curve."))
    data_to_spacy(inputs, tmp / "corpus", eval_path=eval_path)
    overrides = [
        *("--paths.train", str(tmp / "corpus" / "train.spacy")),
        *("--paths.dev", str(tmp / "corpus" / "dev.spacy")),
        *("--paths.labels", str(tmp / "corpus" / "labels.json")),
        *("--training.max_steps", str(max_steps)),
        *("--training.eval_frequency", str(eval_frequency)),
        *ctx.args,
    ]
    python = sys.executable
    msg.info(f"{dataset}, {max_steps} steps, eval every {eval_frequency}; work in {tmp}")
    curves = [n_workers, 1] if sequential else [n_workers]
    runs = {"full training": 0, **{curve_name(w): w for w in curves}}

    def command(workers: int, i: int) -> List[str]:
        """The baseline (workers = 0) or the curve on `workers`, writing into round i's dirs."""
        if not workers:
            return [python, "-m", "spacy", "train", str(config), "-o", str(tmp / f"full{i}")]
        return [
            *(python, "-m", "spacy_ner_plugin", "train-curve", str(config)),
            *("--n-workers", str(workers), "--training-dir", str(tmp / f"curve{workers}_{i}")),
            *("--output", str(tmp / f"curve{workers}_{i}.json")),
        ]

    per_round: List[Dict[str, float]] = []
    for i in range(rounds):
        per_round.append(
            {
                name: timed([*command(w, i), *overrides], tmp / f"run{w}_{i}.log")
                for name, w in runs.items()
            }
        )
    seconds = {name: min(times[name] for times in per_round) for name in runs}
    full_f = srsly.read_json(tmp / "full0" / "model-best" / "meta.json")["performance"]["ents_f"]
    curve = srsly.read_json(tmp / f"curve{n_workers}_0.json")
    baseline = seconds["full training"]
    ratios = [{name: times[name] / times["full training"] for name in times} for times in per_round]
    msg.table(
        [
            (
                name,
                f"{value:.1f}",
                f"{value / baseline:.2f}x",
                ", ".join(f"{r[name]:.2f}x" for r in ratios),
            )
            for name, value in seconds.items()
        ],
        header=("run", "best seconds", "ratio of bests", "ratio per round"),
        aligns=("l", "r", "r", "r"),
        divider=True,
        title=f"train-curve speed on {dataset} ({max_steps} steps)",
    )
    msg.info(
        f"F of the full training {full_f * 100:.2f}, of the curve's 100% point "
        f"{curve['curve'][-1]['f']['mean']:.2f}"
    )
    if output is not None:
        srsly.write_json(
            output,
            {
                "dataset": dataset,
                "max_steps": max_steps,
                "eval_frequency": eval_frequency,
                "rounds": rounds,
                "seconds": seconds,
                "ratios": {name: value / baseline for name, value in seconds.items()},
                "seconds_per_round": per_round,
                "ratios_per_round": ratios,
                "full_f": full_f,
                "curve": curve["curve"],
            },
        )


if __name__ == "__main__":
    app()
