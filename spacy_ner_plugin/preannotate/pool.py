"""`preannotate --backend local`: byte-range shards of one input file, each written by a process
of this machine (the twin of `cluster.preannotate`, which runs blocks on Ray)."""

import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Dict, List, Union

from thinc.api import Config
from tqdm import tqdm
from wasabi import Printer

from ..io.files import atomic_path, temp_directory
from ..io.loading import import_code
from ..io.partitions import Shard, plan_shards, read_raw
from .preannotator import Counts, Preannotator


def write_shard(
    preannotator: Preannotator,
    input_path: Path,
    shard: Shard,
    out_path: Path,
    rejects_path: Path,
    progress: bool = True,
) -> Counts:
    """Process one shard of the input into a task file and a rejects file; return its counts."""
    lines = tqdm(
        read_raw(input_path, shard), unit=" texts", disable=None if progress else True, leave=False
    )
    with out_path.open("w", encoding="utf8") as out, rejects_path.open("w", encoding="utf8") as rej:
        return preannotator.write(lines, out, rej)


_worker: Dict[str, Preannotator] = {}


def _init_worker(config_str: str, code_path: Path | None) -> None:
    if "preannotator" in _worker:  # forked: inherited from the parent, ready to use
        return
    if code_path is not None:  # the parent imported it first, so it imports
        import_code(code_path)
    config = Config().from_str(config_str, interpolate=False)
    _worker["preannotator"] = Preannotator.from_config(config)


def _worker_shard(input_path: Path, shard: Shard, out_path: Path, rejects_path: Path) -> Counts:
    return write_shard(_worker["preannotator"], input_path, shard, out_path, rejects_path, False)


def _run_workers(
    preannotator: Preannotator,
    config_str: str,
    code_path: Path | None,
    input_path: Path,
    shards: List[Shard],
    out_path: Path,
    rejects_path: Path,
) -> Counts:
    """Run the first shard here and each other one in a worker process; join them in order.

    This process works on a shard too, so n shards take n - 1 extra processes, and forked
    workers inherit its pipeline instead of building their own (spawned ones build it).
    """
    counts = Counts()
    _worker["preannotator"] = preannotator
    try:
        with temp_directory(out_path) as tmp_dir:
            parts = [
                (Path(tmp_dir) / f"{i}.jsonl", Path(tmp_dir) / f"{i}.rejects.jsonl")
                for i in range(1, len(shards))
            ]
            with ProcessPoolExecutor(
                len(parts), initializer=_init_worker, initargs=(config_str, code_path)
            ) as pool:
                futures = [
                    pool.submit(_worker_shard, input_path, shard, part, part_rejects)
                    for shard, (part, part_rejects) in zip(shards[1:], parts)
                ]
                counts.add(
                    write_shard(preannotator, input_path, shards[0], out_path, rejects_path, False)
                )
                for future in futures:
                    counts.add(future.result())
            for target, index in ((out_path, 0), (rejects_path, 1)):
                with target.open("ab") as out:
                    for part in parts:
                        with part[index].open("rb") as file_:
                            shutil.copyfileobj(file_, out)
    finally:
        _worker.clear()
    return counts


def preannotate_locally(
    preannotator: Preannotator,
    config: Config,
    input_path: Union[str, Path],
    output: Path,
    rejects_path: Path,
    *,
    code_path: Path | None = None,
    n_process: int = 1,
    silent: bool = True,
) -> Counts:
    """Pre-annotate the file `input_path` into `output` and `rejects_path`; return the counts.

    With `n_process` > 1 the input is split into byte-range shards that workers (built from
    `config` and `code_path` when spawned) read and write themselves; their parts are joined in
    order, so the output equals a one-process run. Both files replace earlier ones only once
    the counts reconcile.
    """
    msg = Printer(no_print=silent, pretty=not silent)
    shards = plan_shards(input_path, max(1, n_process))
    with atomic_path(output) as out_tmp, atomic_path(rejects_path) as rejects_tmp:
        if len(shards) == 1:
            counts = write_shard(
                preannotator, input_path, shards[0], out_tmp, rejects_tmp, not silent
            )
        else:
            msg.info(
                f"Processing {len(shards)} shards: 1 in this process, {len(shards) - 1} in workers"
            )
            counts = _run_workers(
                preannotator, config.to_str(), code_path, input_path, shards, out_tmp, rejects_tmp
            )
        counts.check()  # before the outputs replace any earlier ones
    return counts
