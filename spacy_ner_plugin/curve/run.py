"""A train curve's run: plan the points, train those not cached, summarize, judge and save.

Where the points train is the caller's choice, a `Runner`: worker processes here
(`local_runner`) or anything with the same contract, such as `cluster.training`'s Ray tasks.
"""

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

from confection import Config

from ..configs import config_errors, read_training_config
from ..errors import PluginError
from ..io.files import atomic_path, check_overwrites, write_json_atomic
from .plot import curve_svg
from .points import (
    PointJob,
    advise,
    cached_result,
    check_inputs,
    curve_fractions,
    default_workers,
    plan_points,
    run_points,
    summarize,
)
from .projection import project

Plan = Tuple[PointJob, Config]
OnResult = Callable[[Dict[str, Any]], None]


@dataclass
class Runner:
    """How pending points train: `train(plans, on_result)` returns the failures' messages, and
    `describe(n)` says how n points will train (for the plan line)."""

    train: Callable[[Sequence[Plan], OnResult], List[str]]
    describe: Callable[[int], str]


def local_runner(n_workers: int = 0) -> Runner:
    """Worker processes here: `n_workers` of them (0: one per core), never more than points."""

    def workers(n_points: int) -> int:
        return min(n_workers or default_workers(), max(n_points, 1))

    return Runner(
        lambda plans, on_result: run_points(plans, workers(len(plans)), on_result),
        lambda n_points: f"{n_points} to train in {workers(n_points)} workers",
    )


def read_curve_config(
    config_path: Path,
    overrides: Dict[str, Any] | None,
    code_path: Path | None,
    output: Path | None,
    plot: Path | None,
) -> Tuple[Config, Path | None]:
    """The training config with `overrides` and the plot's path (default: `output` with .svg),
    once neither output would overwrite the config, its data or the code (`PluginError`)."""
    config, data = read_training_config(config_path, overrides)
    plot = plot or (output.with_suffix(".svg") if output is not None else None)
    check_overwrites([config_path, code_path, *data], [output, plot])
    return config, plot


@dataclass
class CurvePlan:
    """Every point of the curve, those still to train, and what the data check warned of."""

    fractions: List[float]
    seeds: List[int]
    plans: List[Plan]
    pending: List[Plan]
    warnings: List[str]


def plan_curve(
    config: Config,
    config_path: Path,
    n_samples: int,
    n_seeds: int,
    training_dir: Path,
    gpu_id: int = -1,
    code_path: Path | None = None,
) -> CurvePlan:
    """One point per fraction and seed (seeds counted from the config's); the data of the points
    not cached is checked before any training (`CurveInputError`)."""
    with config_errors(config_path):
        fractions = curve_fractions(n_samples)
        base_seed = config.interpolate()["training"].get("seed") or 0
        seeds = [base_seed + i for i in range(n_seeds)]
        plans = plan_points(config, config_path, fractions, seeds, training_dir, gpu_id, code_path)
        pending = [(job, cfg) for job, cfg in plans if cached_result(job) is None]
        warnings = check_inputs(config, config_path, [job for job, _ in pending]) if pending else []
    return CurvePlan(fractions, seeds, plans, pending, warnings)


def run_curve(
    config: Config,
    config_path: Path,
    runner: Runner,
    *,
    n_samples: int = 4,
    n_seeds: int = 1,
    training_dir: Path = Path("training/train_curve"),
    threshold: float = 1.0,
    gpu_id: int = -1,
    code_path: Path | None = None,
    overrides: Dict[str, Any] | None = None,
    output: Path | None = None,
    plot: Path | None = None,
    warn: Callable[[str], None] | None = None,
    info: Callable[[str], None] | None = None,
    on_point: OnResult | None = None,
) -> Dict[str, Any]:
    """Train (or read from the cache in `training_dir`) every point; return the curve, its
    advice, its projection to more data (`projection.project`) and the points, also saved to
    `output` and plotted to `plot` (if given).

    The data check's warnings go to `warn`, the plan to `info`, each trained point to
    `on_point`. Raises `CurveInputError` before any training on data that would make a point
    fail or meaningless, and `PluginError` when points fail (the completed ones are cached).
    """
    plan = plan_curve(config, config_path, n_samples, n_seeds, training_dir, gpu_id, code_path)
    for warning in plan.warnings:
        (warn or _ignore)(warning)
    todo = runner.describe(len(plan.pending)) if plan.pending else "nothing to train"
    (info or _ignore)(
        f"{len(plan.plans)} points ({n_samples} fractions × {n_seeds} seeds): "
        f"{len(plan.plans) - len(plan.pending)} cached, {todo} (logs and models in {training_dir})"
    )
    failures = runner.train(plan.pending, on_point or _ignore)
    if failures:
        raise PluginError(
            f"{len(failures)} points failed; completed points are cached", "\n".join(failures)
        )
    results = [cached_result(job) for job, _ in plan.plans]
    rows = summarize(results, plan.fractions)
    curve = {
        "config": str(config_path),
        "overrides": overrides or {},
        "seeds": plan.seeds,
        "threshold": threshold,
        "curve": rows,
        "advice": asdict(advise(rows, threshold)),
        "projection": project(results),
        "points": results,
    }
    save_curve(curve, config, config_path, output, plot)
    return curve


def _ignore(report: Any) -> None:
    """A progress callback that reports nothing (a quiet call)."""


def save_curve(
    curve: Dict[str, Any], config: Config, config_path: Path, output: Path | None, plot: Path | None
) -> None:
    """Write the plot (its path noted in `curve`) and the curve as JSON, each atomically."""
    if plot is not None:
        curve["plot"] = str(plot)
        train_path = config.interpolate().get("paths", {}).get("train")
        title = f"Train curve of {config_path.name}" + (f" on {train_path}" if train_path else "")
        with atomic_path(plot) as tmp:
            tmp.write_text(curve_svg(curve["curve"], title), encoding="utf8")
    if output is not None:
        write_json_atomic(output, curve)
