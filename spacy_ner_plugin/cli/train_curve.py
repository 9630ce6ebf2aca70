"""`train-curve`: train on growing fractions of the data to see whether more data would help."""

import time
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any, Dict, List, Union

import typer
from spacy.util import load_config
from wasabi import Printer

from ..cluster.backend import Backend
from ..cluster.training import run_points_on_ray
from ..configs import config_errors
from ..curve.plot import curve_svg
from ..curve.points import (
    advise,
    cached_result,
    check_inputs,
    curve_fractions,
    default_workers,
    plan_points,
    run_points,
    summarize,
)
from ..errors import PluginError, UsageError, choice
from ..io.files import atomic_path, check_overwrites, write_json_atomic
from ._util import (
    app,
    config_overrides,
    ensure_inputs_exist,
    import_code,
    printer,
    reports_errors,
)


@app.command(
    "train-curve",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def train_curve_cli(
    # fmt: off
    ctx: typer.Context,
    config_path: Path = typer.Argument(..., help="Training config", exists=True, dir_okay=False),
    n_samples: int = typer.Option(
        4, "--n-samples", min=2, help="Points: 1/N, 2/N, ..., all of the data"
    ),
    n_seeds: int = typer.Option(1, "--n-seeds", min=1, help="Seeds per point; shows mean ± std"),
    n_workers: int = typer.Option(
        0, "--n-workers", min=0, help="Worker processes; 0: one per core"
    ),
    output: Path = typer.Option(
        Path("metrics/train_curve.json"), "--output", "-o", help="Curve and advice as JSON"
    ),
    plot: Path | None = typer.Option(
        None, "--plot", help="SVG plot of F against examples; default: --output with .svg"
    ),
    training_dir: Path = typer.Option(
        Path("training/train_curve"), "--training-dir", help="One cached directory per point"
    ),
    threshold: float = typer.Option(
        1.0, "--threshold", help="F points the last segment must add to count as a gain"
    ),
    label_stats: bool = typer.Option(False, "--label-stats", help="Show per-label F per point"),
    code_path: Path | None = typer.Option(
        None, "--code", "-c", help="Python file with registered functions the config uses"
    ),
    gpu_id: int = typer.Option(-1, "--gpu-id", "-g", help="GPU id, or -1 for CPU"),
    backend: Backend = typer.Option(
        Backend.local, "--backend", help="local (worker processes) or ray (one task per point)"
    ),
    address: str | None = typer.Option(
        None, "--address", help="Ray cluster: auto, ray://host:10001; default: start Ray here"
    ),
    cpus_per_point: float = typer.Option(
        1.0, "--cpus-per-point", help="Ray: num_cpus of each point's task"
    ),
    # fmt: on
) -> None:
    """Train the config on growing fractions of its training data: does more data help?

    Trains one point per fraction (default 25/50/75/100%) and seed, in parallel worker
    processes, against the same dev set; prints F (P, R) per point and whether the last segment
    gained more than the threshold and the seeds' noise. Extra `--section.key value` arguments
    override the config like `spacy train`. Completed points are cached in --training-dir.
    """
    with reports_errors():
        train_curve(
            config_path,
            overrides=config_overrides(ctx.args),
            n_samples=n_samples,
            n_seeds=n_seeds,
            n_workers=n_workers,
            output=output,
            plot=plot,
            training_dir=training_dir,
            threshold=threshold,
            label_stats=label_stats,
            code_path=code_path,
            gpu_id=gpu_id,
            backend=backend,
            address=address,
            cpus_per_point=cpus_per_point,
            silent=False,
        )


def train_curve(
    config_path: Path,
    *,
    overrides: Dict[str, Any] | None = None,
    n_samples: int = 4,
    n_seeds: int = 1,
    n_workers: int = 0,
    output: Path | None = Path("metrics/train_curve.json"),
    plot: Path | None = None,
    training_dir: Path = Path("training/train_curve"),
    threshold: float = 1.0,
    label_stats: bool = False,
    code_path: Path | None = None,
    gpu_id: int = -1,
    backend: Union[str, Backend] = Backend.local,
    address: str | None = None,
    cpus_per_point: float = 1.0,
    silent: bool = True,
) -> Dict[str, Any]:
    """Train, or read from the cache, every point of the curve; print and save curve and advice.

    Raises `CurveInputError` (a `PluginError`) on data that would make a point fail or
    meaningless, before any training, and `PluginError` when points fail. With
    `backend="ray"` each point is a Ray task of `cpus_per_point` CPUs and `n_workers` (if
    not 0) caps the points in flight; results and cache are the local backend's.
    """
    msg = printer(silent)
    backend = choice(Backend, backend, "backend")
    if n_seeds < 1:
        raise UsageError(f"--n-seeds must be at least 1, got {n_seeds}")
    ensure_inputs_exist(config_path)
    import_code(code_path)
    start = time.perf_counter()
    with config_errors(config_path):
        config = load_config(config_path, overrides=overrides or {}, interpolate=False)
        data = [v for v in config.interpolate().get("paths", {}).values() if isinstance(v, str)]
    plot = plot or (output.with_suffix(".svg") if output is not None else None)
    check_overwrites([config_path, code_path, *data], [output, plot])
    with config_errors(config_path):
        fractions = curve_fractions(n_samples)
        base_seed = config.interpolate()["training"].get("seed") or 0
        seeds = [base_seed + i for i in range(n_seeds)]
        plans = plan_points(config, config_path, fractions, seeds, training_dir, gpu_id, code_path)
        pending = [(job, cfg) for job, cfg in plans if cached_result(job) is None]
        warnings = check_inputs(config, config_path, [job for job, _ in pending]) if pending else []
    for warning in warnings:
        msg.warn(warning)
    workers = min(n_workers or default_workers(), max(len(pending), 1))
    todo = f"{len(pending)} to train in {workers} workers" if pending else "nothing to train"
    if pending and backend is Backend.ray:
        todo = f"{len(pending)} to train as Ray tasks of {cpus_per_point:g} CPU"
    msg.info(
        f"{len(plans)} points ({n_samples} fractions × {n_seeds} seeds): "
        f"{len(plans) - len(pending)} cached, {todo} (logs and models in {training_dir})"
    )
    report = partial(_report_point, msg=msg)
    if backend is Backend.ray:
        failures = run_points_on_ray(
            pending, report, cpus_per_point=cpus_per_point, max_in_flight=n_workers,
            address=address, silent=silent,
        )  # fmt: skip
    else:
        failures = run_points(pending, workers, report)
    if failures:
        raise PluginError(
            f"{len(failures)} points failed; completed points are cached", "\n".join(failures)
        )
    results = [cached_result(job) for job, _ in plans]
    rows = summarize(results, fractions)
    advice = advise(rows, threshold)
    _print_curve(rows, n_seeds, label_stats, msg)
    print_advice = msg.good if advice.verdict == "more data helps" else msg.warn
    print_advice(f"Advice: {advice.verdict}", advice.text)
    msg.info(f"Curve done in {time.perf_counter() - start:.1f} s")
    curve = {
        "config": str(config_path),
        "overrides": overrides or {},
        "seeds": seeds,
        "threshold": threshold,
        "curve": rows,
        "advice": asdict(advice),
        "points": results,
    }
    if plot is not None:
        curve["plot"] = str(plot)
        train_path = config.interpolate().get("paths", {}).get("train")
        title = f"Train curve of {config_path.name}" + (f" on {train_path}" if train_path else "")
        with atomic_path(plot) as tmp:
            tmp.write_text(curve_svg(rows, title), encoding="utf8")
        msg.good("Saved plot", str(plot))
    if output is not None:
        write_json_atomic(output, curve)
        msg.good("Saved curve", str(output))
    return curve


def _report_point(result: Dict[str, Any], msg: Printer) -> None:
    msg.good(
        f"{result['fraction']:.0%} seed {result['seed']}: F {result['ents_f'] * 100:.1f} "
        f"({result['n_examples']} examples, {result['max_steps']} steps, "
        f"{result['seconds']:.0f} s)"
    )


def _print_curve(rows: List[Dict[str, Any]], n_seeds: int, label_stats: bool, msg: Printer) -> None:
    def score(value: Dict[str, float]) -> str:
        return (
            f"{value['mean']:.1f} ± {value['std']:.1f}" if n_seeds > 1 else f"{value['mean']:.1f}"
        )

    labels = sorted({label for row in rows for label in row["per_label"]}) if label_stats else []
    table = []
    for i, row in enumerate(rows):
        change = ""
        if i:
            delta = row["f"]["mean"] - rows[i - 1]["f"]["mean"]
            change = f"{'▲' if delta > 0 else '▼' if delta < 0 else '='} {delta:+.1f}"
        table.append(
            (
                f"{row['fraction']:.0%}",
                row["n_examples"],
                score(row["f"]),
                score(row["p"]),
                score(row["r"]),
                change,
                *(score(row["per_label"][label]) for label in labels),
            )
        )
    msg.table(
        table,
        header=("%", "examples", "F", "P", "R", "ΔF", *(f"F {label}" for label in labels)),
        aligns=("r",) * (6 + len(labels)),
        divider=True,
        title="Train curve" + (f" (mean ± std over {n_seeds} seeds)" if n_seeds > 1 else ""),
    )
