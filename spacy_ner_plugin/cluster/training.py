"""`train-curve --backend ray`: each (fraction, seed) point trained as one Ray task.

A task runs the same `train_point` as a local worker process, on the same point config, so a
point's result and its cache key are the same on both backends: a curve started locally can
finish on a cluster and the other way round. Each task asks Ray for `cpus_per_point` CPUs (and
one GPU with `--gpu-id`); Ray places as many at once as the cluster has room for. A task whose
worker dies is retried by Ray; a point whose training fails is reported and the others go on.
"""

from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

from confection import Config

from ..curve.points import CONFIG_FILE, PointJob, prepare_points, train_point
from ..io.files import write_json_atomic
from .backend import ray_session

# Retries of a point whose worker process died (a lost node, the OOM killer).
MAX_RETRIES = 2


def train_point_task(job: PointJob, config: str) -> Dict[str, Any]:
    """Train one point in a Ray worker. A node that does not share the driver's disk gets the
    point's directory and config here; the corpora must be at the same paths on every node."""
    job.directory.mkdir(parents=True, exist_ok=True)
    config_path = Path(job.directory) / CONFIG_FILE
    if not config_path.exists():
        config_path.write_text(config, encoding="utf8")
    return train_point(job)


def run_points_on_ray(
    plans: Sequence[Tuple[PointJob, Config]],
    on_result: Callable[[Dict[str, Any]], None],
    *,
    cpus_per_point: float = 1.0,
    max_in_flight: int = 0,
    address: str | None = None,
    silent: bool = True,
) -> List[str]:
    """Train the points as Ray tasks, largest fraction first; return the failures' messages.

    `max_in_flight` > 0 caps the points submitted at once (0: Ray schedules them all).
    """
    configs = {job.key: config.to_str() for job, config in plans}
    waiting = prepare_points(plans)
    failures: List[str] = []
    if not waiting:
        return failures
    with ray_session(address, silent) as ray:
        task = ray.remote(train_point_task).options(
            num_cpus=cpus_per_point,
            num_gpus=1 if waiting[0].gpu_id >= 0 else 0,
            max_retries=MAX_RETRIES,
        )
        running: Dict[Any, PointJob] = {}
        while waiting or running:
            while waiting and (max_in_flight <= 0 or len(running) < max_in_flight):
                job = waiting.pop(0)
                running[task.remote(job, configs[job.key])] = job
            (done,), _ = ray.wait(list(running), num_returns=1)
            job = running.pop(done)
            try:
                result = ray.get(done)
            except Exception as err:  # Ray wraps the task's exception; report its cause
                cause = getattr(err, "cause", None) or err
                failures.append(f"{job.fraction:.0%} seed {job.seed}: {cause}")
                continue
            if not job.result_path.exists():  # written on another node's disk
                write_json_atomic(job.result_path, result)
            on_result(result)
    return failures
