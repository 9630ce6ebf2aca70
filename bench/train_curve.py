"""Train-curve speed: curve wall time against one full training, same config, data and steps.

    flock /tmp/bench.lock python -m bench.train_curve --dataset fashion_brands \
        --max-steps 600 --eval-frequency 100 --n-workers 2 [--sequential] [--section.key value]

Converts the data (--dataset, or your own --train and --eval files) with data-to-spacy, then
times, one after the other in fresh processes: `python -m spacy train` (the baseline),
`train-curve --n-workers W` (4 points, empty cache) and, with --sequential, `train-curve
--n-workers 1`. It does so --rounds times, each round running them in turn so a slow phase of
the shared machine hits the baseline and the curve alike, and keeps each one's best time.
Prints each wall time as a ratio to the baseline (best and per round) and the 100% point's F
next to the baseline's (same seed and data: they should match). Extra `--section.key value`
arguments override the config of both runs.
"""

import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List

import srsly
import typer
from wasabi import msg

from .common import (
    NER_CONFIG,
    Dataset,
    best,
    corpus,
    dataset,
    interleaved,
    run_info,
    run_logged,
    write_results,
)

app = typer.Typer(add_completion=False)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def train_curve_cli(
    ctx: typer.Context,
    dataset_name: str | None = typer.Option(
        None, "--dataset", help="fashion_brands (default), sample, or a name for --train"
    ),
    train: Path | None = typer.Option(None, help="Annotated training file (own data)"),
    eval: Path | None = typer.Option(None, help="Its dev file (none: 20% held out)"),
    config: Path = typer.Option(NER_CONFIG, help="Training config"),
    max_steps: int = typer.Option(600, help="Step budget of the full training"),
    eval_frequency: int = typer.Option(100, help="Evaluation interval of the full training"),
    n_workers: int = typer.Option(2, help="Workers of the parallel curve"),
    sequential: bool = typer.Option(False, help="Also time the curve on one worker"),
    rounds: int = typer.Option(2, help="Rounds of all runs; each run's best time counts"),
    output: Path | None = typer.Option(None, help="Write the figures as JSON here"),
) -> None:
    """Time a 4-point train curve against one full training with the same step budget."""
    data = dataset(dataset_name, train, eval)
    workers = [n_workers, 1] if sequential else [n_workers]
    found = train_curve_speed(
        data, config, max_steps, eval_frequency, workers, rounds, list(ctx.args), output
    )
    baseline = found["seconds"]["full training"]
    msg.table(
        [
            (
                name,
                f"{value:.1f}",
                f"{value / baseline:.2f}x",
                ", ".join(f"{r[name]:.2f}x" for r in found["ratios_per_round"]),
            )
            for name, value in found["seconds"].items()
        ],
        header=("run", "best seconds", "ratio of bests", "ratio per round"),
        aligns=("l", "r", "r", "r"),
        divider=True,
        title=f"train-curve speed on {data.name} ({max_steps} steps)",
    )
    msg.info(
        f"F of the full training {found['full_f'] * 100:.2f}, of the curve's 100% point "
        f"{found['curve'][-1]['f']['mean']:.2f}"
    )


def curve_name(workers: int) -> str:
    """The row name of a curve run on `workers` workers."""
    return f"curve, {workers} worker{'s' if workers > 1 else ''}"


def train_curve_speed(
    data: Dataset,
    config: Path,
    max_steps: int,
    eval_frequency: int,
    workers: List[int],
    rounds: int,
    extra: List[str],
    output: Path | None = None,
) -> Dict[str, Any]:
    """Best and per-round seconds of the full training and of the curve on each of `workers`,
    as ratios to the full training; its F and the curve's. Written to `output` if given."""
    tmp = Path(tempfile.mkdtemp(prefix="bench_train_curve."))
    files = corpus(data, tmp / "corpus")
    overrides = [
        *("--paths.train", str(files.train), "--paths.dev", str(files.dev)),
        *("--paths.labels", str(files.labels), "--training.max_steps", str(max_steps)),
        *("--training.eval_frequency", str(eval_frequency)),
        *extra,
    ]
    msg.info(f"{data.name}, {max_steps} steps, eval every {eval_frequency}; work in {tmp}")
    runs = {"full training": 0, **{curve_name(w): w for w in workers}}

    def run(w: int, i: int) -> None:
        """The baseline (w = 0) or the curve on `w` workers, in round i's directories."""
        if not w:
            command = [sys.executable, "-m", "spacy", "train", str(config), "-o", f"{tmp}/full{i}"]
        else:
            command = [
                *(sys.executable, "-m", "spacy_ner_plugin", "train-curve", str(config)),
                *("--n-workers", str(w), "--training-dir", str(tmp / f"curve{w}_{i}")),
                *("--output", str(tmp / f"curve{w}_{i}.json")),
            ]
        run_logged([*command, *overrides], tmp / f"run{w}_{i}.log")

    per_round = interleaved({name: lambda i, w=w: run(w, i) for name, w in runs.items()}, rounds)
    seconds = best(per_round)
    meta = srsly.read_json(tmp / "full0" / "model-best" / "meta.json")
    results = {
        "dataset": data.name,
        "max_steps": max_steps,
        "eval_frequency": eval_frequency,
        "rounds": rounds,
        "seconds": seconds,
        "ratios": {name: value / seconds["full training"] for name, value in seconds.items()},
        "seconds_per_round": per_round,
        "ratios_per_round": [
            {name: times[name] / times["full training"] for name in times} for times in per_round
        ],
        "full_f": meta["performance"]["ents_f"],
        "curve": srsly.read_json(tmp / f"curve{workers[0]}_0.json")["curve"],
        "run": run_info(data=data, config=config, workers=workers, extra=extra),
    }
    if output is not None:
        write_results(output, results)
    return results


if __name__ == "__main__":
    app()
