"""The learning-curve projection, validated: predict the 100% point from the 25–75% points.

    flock /tmp/bench.lock python -m bench.projection \
        [--dataset fashion_brands,food_ingredients] [--max-steps 600] [--n-seeds 3]

For each dataset (converted with data-to-spacy; food_ingredients has 20% held out), runs
`train-curve` with configs/ner.cfg (4 fractions × --n-seeds seeds, --max-steps for the 100%
point, scaled down for the others), then fits the projection to the 25, 50 and 75% points only
and predicts F at the 100% point's size (factor n_100 / n_75). Reports, overall and per label,
the predicted F with its bootstrap interval, the measured F at 100% (mean over the seeds), the
absolute error, whether the measured F is inside the interval, and the error of the naive
guess "no change from 75%" beside it. Points are cached in --work, so a rerun only refits.
Extra `--section.key value` arguments override the training config.
"""

from pathlib import Path
from typing import Any, Dict, List

import typer
from wasabi import msg

from spacy_ner_plugin.cli._util import config_overrides
from spacy_ner_plugin.cli.train_curve import train_curve
from spacy_ner_plugin.curve.projection import project

from .common import NER_CONFIG, RESULTS, corpus, datasets, run_info, write_results

app = typer.Typer(add_completion=False)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def projection_cli(
    ctx: typer.Context,
    dataset_names: str = typer.Option(
        "fashion_brands,food_ingredients", "--dataset", help="Comma-separated dataset names"
    ),
    train: Path | None = typer.Option(None, help="Annotated training file (own data)"),
    eval: Path | None = typer.Option(None, help="Its dev file (none: 20% held out)"),
    config: Path = typer.Option(NER_CONFIG, help="Training config"),
    max_steps: int = typer.Option(600, help="Step budget of the 100% point"),
    eval_frequency: int = typer.Option(200, help="Evaluation interval of the 100% point"),
    n_seeds: int = typer.Option(3, help="Seeds per fraction"),
    n_workers: int = typer.Option(2, help="Worker processes of the curve"),
    n_boot: int = typer.Option(200, help="Bootstrap resamples of the interval"),
    work: Path = typer.Option(Path("/tmp/bench_projection"), help="Corpora and cached points"),
    output: Path = typer.Option(RESULTS / "projection.json", help="Results file"),
) -> None:
    """Predict the 100% point of the train curve from its 25–75% points; report the error."""
    extra = config_overrides(ctx.args)
    results: Dict[str, Any] = {
        "run": run_info(
            datasets=dataset_names,
            train=train,
            eval=eval,
            config=config,
            max_steps=max_steps,
            eval_frequency=eval_frequency,
            n_seeds=n_seeds,
            n_workers=n_workers,
            n_boot=n_boot,
            extra=extra,
        ),  # fmt: skip
        "datasets": {},
    }
    for data in datasets(dataset_names, train, eval):
        files = corpus(data, work / data.name / "corpus")
        overrides = {
            "paths.train": str(files.train),
            "paths.dev": str(files.dev),
            "paths.labels": str(files.labels),
            "training.max_steps": max_steps,
            "training.eval_frequency": eval_frequency,
            **extra,
        }
        msg.info(f"{data.name}: train curve, 4 fractions × {n_seeds} seeds, {max_steps} steps")
        curve = train_curve(
            config, overrides=overrides, n_samples=4, n_seeds=n_seeds, n_workers=n_workers,
            output=work / data.name / "train_curve.json", training_dir=work / data.name / "points",
        )  # fmt: skip
        found = validate(curve["points"], n_boot)
        results["datasets"][data.name] = found
        write_results(output, results)
        print_validation(data.name, found)
    results["summary"] = summary(results["datasets"])
    write_results(output, results)
    msg.good("Saved", str(output))


def validate(points: List[Dict[str, Any]], n_boot: int) -> Dict[str, Any]:
    """The projection of the points below 100% at the 100% point's size, against its F."""
    full = [p for p in points if p["fraction"] == 1.0]
    fitted = [p for p in points if p["fraction"] < 1.0]
    n_full = full[0]["n_examples"]
    n_last = max(p["n_examples"] for p in fitted)
    projection = project(fitted, targets=(n_full / n_last,), n_boot=n_boot)
    truth = {"overall": mean([p["ents_f"] for p in full])}
    for label in projection["labels"]:
        truth[label] = mean([(p["ents_per_type"].get(label) or {"f": 0.0})["f"] for p in full])
    curves = {"overall": projection["overall"], **projection["labels"]}
    rows = {}
    for name, curve in curves.items():
        row: Dict[str, Any] = {"f_75": curve["now"]["f"], "f_100": round(truth[name], 4)}
        if curve["fit"] is None:
            rows[name] = {**row, "fit": None, "reason": curve["reason"]}
            continue
        pred = curve["predictions"][0]
        rows[name] = {
            **row,
            "fit": curve["fit"],
            "predicted": pred["f"],
            "low": pred["low"],
            "high": pred["high"],
            "error": round(abs(pred["f"] - truth[name]), 4),
            "inside": pred["low"] <= truth[name] <= pred["high"],
            "error_no_change": round(abs(curve["now"]["f"] - truth[name]), 4),
        }
    return {
        "examples": {"75%": n_last, "100%": n_full},
        "factor": round(n_full / n_last, 4),
        "points": points,
        "curves": rows,
    }


def summary(found: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    """Mean absolute error and coverage over datasets, overall and over the fitted labels."""
    rows = {"overall": [], "labels": []}
    for result in found.values():
        for name, row in result["curves"].items():
            if row["fit"] is not None:
                rows["overall" if name == "overall" else "labels"].append(row)
    return {
        kind: {
            "n": len(items),
            "mean_abs_error": round(mean([r["error"] for r in items]), 4),
            "mean_abs_error_no_change": round(mean([r["error_no_change"] for r in items]), 4),
            "inside_interval": sum(r["inside"] for r in items),
        }
        for kind, items in rows.items()
        if items
    }


def print_validation(name: str, found: Dict[str, Any]) -> None:
    """The predicted and measured 100% point per curve, in F points."""
    table = []
    for curve, row in found["curves"].items():
        if row["fit"] is None:
            table.append((curve, f"{row['f_75'] * 100:.1f}", "—", f"{row['f_100'] * 100:.1f}"))
            continue
        table.append(
            (
                curve,
                f"{row['f_75'] * 100:.1f}",
                f"{row['predicted'] * 100:.1f} [{row['low'] * 100:.1f}–{row['high'] * 100:.1f}]",
                f"{row['f_100'] * 100:.1f}",
                f"{row['error'] * 100:.1f}",
                "yes" if row["inside"] else "no",
                f"{row['error_no_change'] * 100:.1f}",
            )
        )
    msg.table(
        table,
        header=("curve", "F 75%", "predicted 100%", "F 100%", "error", "inside", "error 75%"),
        aligns=("l", "r", "r", "r", "r", "l", "r"),
        divider=True,
        title=f"{name}: 100% point ({found['examples']['100%']} examples) from 25–75%",
    )


def mean(values: List[float]) -> float:
    return sum(values) / len(values) if values else 0.0


if __name__ == "__main__":
    app()
