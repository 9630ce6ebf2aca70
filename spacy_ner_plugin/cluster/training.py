"""`train-curve --backend ray`: each (fraction, seed) point trained as one Ray task.

A task runs the same `train_point` as a local worker process, on the same point config, so a
point's result and its cache key are the same on both backends: a curve started locally can
finish on a cluster and the other way round. The files the configs name (corpora, vectors, a
base model) and the `--code` file travel with the job (`shipping`): a task trains in a
directory of its own on its node and returns the point's result and training log, which the
driver writes into the point's directory (its model stays on the worker and is removed). Each
task asks Ray for `cpus_per_point` CPUs (and one GPU with `--gpu-id`); Ray places as many at
once as the cluster has room for. A task whose worker dies is retried by Ray on any node; a
point whose training fails is reported and the others go on.
"""

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

from confection import Config

from ..curve.points import CONFIG_FILE, LOG_FILE, PointJob, prepare_points, train_point
from ..io.files import write_json_atomic
from .backend import ray_session
from .shipping import Shipment, pack, relocate, unpack

# Retries of a point whose worker process died (a lost node, the OOM killer).
MAX_RETRIES = 2


def train_point_task(
    job: PointJob, config: str, shipment: Shipment, code: str | None
) -> Tuple[Dict[str, Any], str]:
    """Train one point in a Ray worker, from the shipped files in a directory of its own;
    return the point's result and its training log."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        copies = unpack(shipment, root / "files")
        code_path = None
        if code is not None:
            code_path = root / "code.py"
            code_path.write_text(code, encoding="utf8")
        point = replace(job, directory=root / "point", code_path=code_path)
        point.directory.mkdir()
        relocate(Config().from_str(config, interpolate=False), copies).to_disk(
            point.directory / CONFIG_FILE
        )
        result = train_point(point)
        return result, (point.directory / LOG_FILE).read_text(encoding="utf8")


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
    code_path = waiting[0].code_path
    code = Path(code_path).read_text(encoding="utf8") if code_path is not None else None
    shipment = pack([config for _, config in plans])
    with ray_session(address, silent) as ray:
        ship = ray.put(shipment)  # once in the object store, fetched once per node
        task = ray.remote(train_point_task).options(
            num_cpus=cpus_per_point,
            num_gpus=1 if waiting[0].gpu_id >= 0 else 0,
            max_retries=MAX_RETRIES,
        )
        running: Dict[Any, PointJob] = {}
        while waiting or running:
            while waiting and (max_in_flight <= 0 or len(running) < max_in_flight):
                job = waiting.pop(0)
                running[task.remote(job, configs[job.key], ship, code)] = job
            (done,), _ = ray.wait(list(running), num_returns=1)
            job = running.pop(done)
            try:
                result, log = ray.get(done)
            except Exception as err:  # Ray wraps the task's exception; report its cause
                cause = getattr(err, "cause", None) or err
                failures.append(f"{job.fraction:.0%} seed {job.seed}: {cause}")
                continue
            (job.directory / LOG_FILE).write_text(log, encoding="utf8")
            write_json_atomic(job.result_path, result)
            on_result(result)
    return failures
