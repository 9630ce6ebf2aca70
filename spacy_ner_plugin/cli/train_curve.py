"""`train-curve`: train on growing fractions of the data to see whether more data would help."""

import time
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Dict, Union

import typer

from ..cluster.backend import Backend
from ..cluster.training import run_points_on_ray
from ..curve.report import curve_messages, curve_tables, point_line
from ..curve.run import Runner, local_runner, read_curve_config, run_curve
from ..errors import UsageError, choice
from ..io.files import ensure_inputs_exist
from ..io.loading import import_code
from ._util import OVERRIDES_CONTEXT, app, config_overrides, printer, reports_errors
from .options import GpuId


@app.command("train-curve", context_settings=OVERRIDES_CONTEXT)
def train_curve_cli(
    ctx: typer.Context,
    config_path: Annotated[Path, typer.Argument(
        help="Training config", exists=True, dir_okay=False)],
    n_samples: Annotated[int, typer.Option(
        "--n-samples", min=2, help="Points: 1/N, 2/N, ..., all of the data")] = 4,
    n_seeds: Annotated[int, typer.Option(
        "--n-seeds", min=1, help="Seeds per point; shows mean ± std")] = 1,
    n_workers: Annotated[int, typer.Option(
        "--n-workers", min=0, help="Worker processes; 0: one per core")] = 0,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Curve and advice as JSON")] = Path("metrics/train_curve.json"),
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="SVG plot of F against examples; default: --output with .svg")] = None,
    training_dir: Annotated[Path, typer.Option(
        "--training-dir", help="One cached directory per point")] = Path("training/train_curve"),
    threshold: Annotated[float, typer.Option(
        "--threshold", help="F points the last segment must add to count as a gain")] = 1.0,
    label_stats: Annotated[bool, typer.Option(
        "--label-stats", help="Show per-label F per point")] = False,
    code_path: Annotated[Path | None, typer.Option(
        "--code", "-c", help="Python file with registered functions the config uses")] = None,
    gpu_id: GpuId = -1,
    backend: Annotated[Backend, typer.Option(
        "--backend", help="local (worker processes) or ray (one task per point)")] = Backend.local,
    address: Annotated[str | None, typer.Option(
        "--address", help="Ray cluster: auto, ray://host:10001; default: start Ray here")] = None,
    cpus_per_point: Annotated[float, typer.Option(
        "--cpus-per-point", help="Ray: num_cpus of each point's task")] = 1.0,
) -> None:  # fmt: skip
    """Train the config on growing fractions of its training data: does more data help?

    Trains one point per fraction (default 25/50/75/100%) and seed, in parallel worker
    processes, against the same dev set; prints F (P, R) per point and whether the last segment
    gained more than the threshold and the seeds' noise, and the F a learning curve fitted per
    label predicts at 1.5× and 2× the data (with a bootstrap interval over the seeds). Extra
    `--section.key value` arguments override the config like `spacy train`. Completed points
    are cached in --training-dir.
    """
    with reports_errors():
        train_curve(
            config_path, overrides=config_overrides(ctx.args), n_samples=n_samples,
            n_seeds=n_seeds, n_workers=n_workers, output=output, plot=plot,
            training_dir=training_dir, threshold=threshold, label_stats=label_stats,
            code_path=code_path, gpu_id=gpu_id, backend=backend, address=address,
            cpus_per_point=cpus_per_point, silent=False,
        )  # fmt: skip


def train_curve(
    config_path: Path, *, overrides: Dict[str, Any] | None = None, n_samples: int = 4,
    n_seeds: int = 1, n_workers: int = 0, output: Path | None = Path("metrics/train_curve.json"),
    plot: Path | None = None, training_dir: Path = Path("training/train_curve"),
    threshold: float = 1.0, label_stats: bool = False, code_path: Path | None = None,
    gpu_id: int = -1, backend: Union[str, Backend] = Backend.local, address: str | None = None,
    cpus_per_point: float = 1.0, silent: bool = True,
) -> Dict[str, Any]:  # fmt: skip
    """Train, or read from the cache, every point of the curve; print and save curve and advice.
    A `PluginError` before any training on data that would make a point fail, or if points fail."""
    msg = printer(silent)
    backend = choice(Backend, backend, "backend")
    if n_seeds < 1:
        raise UsageError(f"--n-seeds must be at least 1, got {n_seeds}")
    ensure_inputs_exist(config_path)
    import_code(code_path)
    start = time.perf_counter()
    config, plot = read_curve_config(config_path, overrides, code_path, output, plot)
    runner = local_runner(n_workers)
    if backend is Backend.ray:
        on_ray = partial(
            run_points_on_ray, cpus_per_point=cpus_per_point, max_in_flight=n_workers,
            address=address, silent=silent,
        )  # fmt: skip
        runner = Runner(on_ray, lambda n: f"{n} to train as Ray tasks of {cpus_per_point:g} CPU")
    curve = run_curve(
        config, config_path, runner, n_samples=n_samples, n_seeds=n_seeds,
        training_dir=training_dir, threshold=threshold, gpu_id=gpu_id, code_path=code_path,
        overrides=overrides, output=output, plot=plot, warn=msg.warn, info=msg.info,
        on_point=lambda result: msg.good(point_line(result)),
    )  # fmt: skip
    msg.tables(curve_tables(curve, n_seeds, label_stats), divider=True)
    msg.messages(curve_messages(curve, time.perf_counter() - start, plot, output))
    return curve
