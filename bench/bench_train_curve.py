"""Train-curve speed: curve wall time against one full training, same config, data and steps.

    flock /tmp/bench.lock python bench/bench_train_curve.py --dataset fashion_brands \
        --max-steps 600 --eval-frequency 100 --n-workers 2 [--sequential] [--section.key value]

Converts the data with data-to-spacy, then times, one after the other in fresh processes:
`python -m spacy train` (the baseline), `train-curve --n-workers W` (4 points, empty cache) and,
with --sequential, `train-curve --n-workers 1`. Prints each wall time as a ratio to the baseline
and the 100% point's F next to the baseline's (same seed and data: they should match). Extra
`--section.key value` arguments override the config of both runs.
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

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
    output: Optional[Path] = typer.Option(None, help="Write the figures as JSON here"),
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
    seconds: Dict[str, float] = {}
    seconds["full training"] = timed(
        [python, "-m", "spacy", "train", str(config), "--output", str(tmp / "full"), *overrides],
        tmp / "full.log",
    )
    runs = [n_workers, 1] if sequential else [n_workers]
    for workers in runs:
        name = f"curve, {workers} worker{'s' if workers > 1 else ''}"
        seconds[name] = timed(
            [
                *(python, "-m", "spacy_ner_plugin", "train-curve", str(config)),
                *("--n-workers", str(workers), "--training-dir", str(tmp / f"curve{workers}")),
                *("--output", str(tmp / f"curve{workers}.json"), *overrides),
            ],
            tmp / f"curve{workers}.log",
        )
    full_f = srsly.read_json(tmp / "full" / "model-best" / "meta.json")["performance"]["ents_f"]
    curve = srsly.read_json(tmp / f"curve{n_workers}.json")
    baseline = seconds["full training"]
    msg.table(
        [(name, f"{value:.1f}", f"{value / baseline:.2f}x") for name, value in seconds.items()],
        header=("run", "seconds", "ratio"),
        aligns=("l", "r", "r"),
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
                "seconds": seconds,
                "ratios": {name: value / baseline for name, value in seconds.items()},
                "full_f": full_f,
                "curve": curve["curve"],
            },
        )


if __name__ == "__main__":
    app()
