"""The chart's "try fine-tuning the hyperparameters (dropout, batch size)" as a measured sweep.

Every setting of a small grid (dropout × batch size, plus the config's own values as the
baseline) trains on all of the training data through the train-curve runner: its worker
processes, its seeds and its cache (a point is keyed by its full config, so a sweep run again
trains nothing). The node is answered from the sweep: did the best setting beat the config's
own by more than `flowchart.TUNING_GAIN` F points? The best setting is written as a config.
"""

import statistics
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

from confection import Config

from ..configs import config_errors
from ..curve.points import cached_result, check_inputs, plan_points
from ..curve.run import Plan, Runner
from ..errors import PluginError
from ..io.files import atomic_path, write_json_atomic

DROPOUTS = (0.1, 0.3)
BATCH_SIZES = (500, 2000)  # words per batch (spacy.batch_by_words.v1)
Setting = Tuple[float | None, int | None]  # (dropout, batch size); None: the config's own


def setting_config(config: Config, dropout: float | None, batch_size: int | None) -> Config:
    """`config` with [training] dropout and [training.batcher] size set (None: left as is)."""
    config = config.copy()
    if dropout is not None:
        config["training"]["dropout"] = dropout
    if batch_size is not None:
        config["training"]["batcher"]["size"] = batch_size
    return config


def describe_size(size: Any) -> Any:
    """A batch size for the report: a number, or a schedule's name and bounds."""
    if isinstance(size, dict):
        name = size.get("@schedules", "schedule")
        return f"{name} {size.get('start')}→{size.get('stop')}"
    return size


def sweep(
    config: Config,
    config_path: Path,
    runner: Runner,
    *,
    dropouts: Sequence[float] = DROPOUTS,
    batch_sizes: Sequence[int] = BATCH_SIZES,
    n_seeds: int = 1,
    training_dir: Path = Path("training/tune"),
    gpu_id: int = -1,
    code_path: Path | None = None,
    output: Path | None = None,
    best_config: Path | None = None,
    info: Callable[[str], None] | None = None,
) -> Dict[str, Any]:
    """Train (or read from the cache) the config's own setting and every grid setting on all
    of the data; return the F of each, the baseline, the best and whether it helped, saved to
    `output`, with the best setting's config written to `best_config`.

    Raises `CurveInputError` before training on unusable data, `PluginError` when runs fail.
    """
    with config_errors(config_path):
        training = config.interpolate()["training"]
        base_seed = training.get("seed") or 0
        seeds = [base_seed + i for i in range(n_seeds)]
        settings: List[Setting] = [(None, None)]
        settings += [(d, b) for d in dropouts for b in batch_sizes]
        plans: Dict[Setting, List[Plan]] = {
            s: plan_points(
                setting_config(config, *s),
                config_path,
                [1.0],
                seeds,
                training_dir,
                gpu_id,
                code_path,
            )  # fmt: skip
            for s in settings
        }
        every = [plan for group in plans.values() for plan in group]
        pending = [(job, cfg) for job, cfg in every if cached_result(job) is None]
        if pending:
            check_inputs(config, config_path, [job for job, _ in pending])
    if info is not None:
        todo = runner.describe(len(pending)) if pending else "nothing to train"
        info(f"{len(every)} runs ({len(settings)} settings × {n_seeds} seeds): {todo}")
    failures = runner.train(pending, lambda result: None)
    if failures:
        raise PluginError(f"{len(failures)} tuning runs failed", "\n".join(failures))
    own_dropout = float(training["dropout"])
    own_size = describe_size(config["training"]["batcher"].get("size"))
    rows = []
    for (dropout, size), group in plans.items():
        scores = [cached_result(job)["ents_f"] * 100 for job, _ in group]  # type: ignore[index]
        rows.append(
            {
                "dropout": round(own_dropout if dropout is None else dropout, 6),
                "batch_size": own_size if size is None else size,
                "own": dropout is None,
                "f": round(statistics.fmean(scores), 2),
                "std": round(statistics.stdev(scores), 2) if len(scores) > 1 else 0.0,
                "seeds": seeds,
            }
        )
    baseline = rows[0]
    best = max(rows, key=lambda row: row["f"])
    result = {
        "config": str(config_path),
        "max_steps": training.get("max_steps"),
        "baseline": baseline,
        "grid": rows[1:],
        "best": best,
        "gain": round(best["f"] - baseline["f"], 2),
        "best_config": str(best_config) if best_config is not None else None,
    }
    if best_config is not None:
        winner = setting_config(
            config, None if best["own"] else best["dropout"],
            None if best["own"] else best["batch_size"],
        )  # fmt: skip
        with atomic_path(best_config) as tmp:
            winner.to_disk(tmp)
    if output is not None:
        write_json_atomic(output, result)
    return result
