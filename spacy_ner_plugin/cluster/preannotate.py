"""`preannotate --backend ray`: the corpus cut into blocks, each written as a shard by a pool
of Ray actors.

The input (a file, a directory or a glob; local or any filesystem pyarrow reads) is planned as
blocks of about `block_mb` MB cut at line starts. Each block becomes one output shard:
`part-NNNNN.jsonl` (tasks), `part-NNNNN.rejects.jsonl` and `part-NNNNN.json` (its manifest
entry: the block, its counts and the job's key). A pool of Ray actors (`BlockWriter`) each
builds the pipeline once from the config, then reads and writes whole blocks, one at a time,
each actor given the next block as it finishes one; every file is written under a temporary
name and moved into place, the entry last, so a block is complete exactly when its entry
exists. A worker killed mid-block is restarted by Ray and the block written again under the
same names (every record is in the output exactly once), at most `MAX_RETRIES` times before
the job fails naming the block. A rerun of the same job (same config, code, data and block
size) skips the complete blocks. `manifest.json`, written after every block is complete, lists
the shards in input order with their counts; reading the shards in that order gives exactly
the local backend's output. Plain actors rather than Ray Data's pipeline: a job starts in about
half the time (no dataset planning, statistics or autoscaling actors beside the workers).
"""

import hashlib
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import spacy
import srsly
from thinc.api import Config
from wasabi import Printer

from .. import __version__
from ..curve.points import data_fingerprint
from ..errors import InternalError, PluginError
from ..preannotate.preannotator import Counts, Preannotator
from .backend import import_ray, ray_session
from .storage import Block, InputFile, OutputDir, list_inputs, plan_blocks, read_block

BLOCK_MB = 64.0
# How often a block is retried when its worker dies (Ray restarts the worker each time).
MAX_RETRIES = 3
MANIFEST = "manifest.json"
SHARD_FILE = re.compile(r"part-(\d+)(\.jsonl|\.rejects\.jsonl|\.json)")
TEMP_FILE = re.compile(r"\.part-\d+.*\.tmp")


@dataclass
class ShardedRun:
    """Counts of a Ray run and where its shards are."""

    counts: Counts
    output: OutputDir
    n_blocks: int
    n_skipped: int
    shards: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def manifest(self) -> str:
        """The manifest's path or URI."""
        return f"{self.output.spec.rstrip('/')}/{MANIFEST}"


def counts_to_json(counts: Counts) -> Dict[str, Any]:
    return {
        "read": counts.read,
        "texts": counts.texts,
        "rejected": counts.rejected,
        "tasks": counts.tasks,
        "texts_with_spans": counts.texts_with_spans,
        "spans": [[source, label, n] for (source, label), n in sorted(counts.spans.items())],
    }


def counts_from_json(data: Dict[str, Any]) -> Counts:
    counts = Counts(
        data["read"], data["texts"], data["rejected"], data["tasks"], data["texts_with_spans"]
    )
    counts.spans.update({(source, label): n for source, label, n in data["spans"]})
    return counts


def job_key(config: Config, code: str | None, inputs: List[InputFile], block_bytes: int) -> str:
    """What a shard's content depends on: config, code, the data files the config names, the
    input files (by name, size and modification time) and the block size."""
    payload = srsly.json_dumps(
        {
            "config": config.to_str(),
            "code": code or "",
            "data": data_fingerprint(config),
            "inputs": [[f.name, f.size, f.mtime_ns] for f in inputs],
            "block_bytes": block_bytes,
            "spacy": spacy.__version__,
            "plugin": __version__,
        }
    )
    return hashlib.sha256(payload.encode("utf8")).hexdigest()[:16]


class BlockWriter:
    """A Ray actor: builds the pre-annotator once, then writes every block it is given.

    It gets the config as a string and the `--code` file's source, never a pipeline object
    (spaCy objects do not pickle reliably), so it works on any node.
    """

    def __init__(self, config: str, code: str | None, output: str, job: str) -> None:
        if code is not None:
            from spacy.util import import_file

            with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as file_:
                file_.write(code)
            try:
                import_file("python_code", file_.name)
            finally:
                os.unlink(file_.name)
        self.preannotator = Preannotator.from_config(Config().from_str(config, interpolate=False))
        self.output = OutputDir(output)
        self.job = job

    def write(self, block: Block) -> Dict[str, Any]:
        """Write the block's shard and rejects shard, then its entry; return the entry."""
        tasks, rejects = f"{block.name}.jsonl", f"{block.name}.rejects.jsonl"
        start = time.perf_counter()
        with self.output.atomic_text(tasks) as out, self.output.atomic_text(rejects) as rej:
            counts = self.preannotator.write(read_block(block), out, rej)
            counts.check()
        entry = {
            "job": self.job,
            "block": block.to_json(),
            "tasks": tasks,
            "rejects": rejects,
            "counts": counts_to_json(counts),
            "seconds": round(time.perf_counter() - start, 3),
        }
        self.output.write_json(f"{block.name}.json", entry)
        return entry


def preannotate_on_ray(
    config: Config,
    input_spec: str,
    output_spec: str,
    *,
    code_path: Path | None = None,
    n_workers: int = 0,
    block_mb: float = BLOCK_MB,
    address: str | None = None,
    silent: bool = True,
) -> ShardedRun:
    """Pre-annotate `input_spec` into the shard directory `output_spec` on Ray.

    `n_workers` actors (0: one per CPU of the cluster) each take one CPU. Complete blocks of an
    earlier run of the same job are skipped; `manifest.json` is written last.
    """
    msg = Printer(no_print=silent, pretty=not silent)
    import_ray()  # before pyarrow, which comes with it
    if block_mb <= 0:
        raise PluginError("Invalid block size", f"--block-mb must be positive, got {block_mb}")
    block_bytes = max(1, int(block_mb * (1 << 20)))
    inputs = list_inputs(input_spec)
    blocks = plan_blocks(inputs, block_bytes)
    output = OutputDir(output_spec)
    output.create()
    code = Path(code_path).read_text(encoding="utf8") if code_path is not None else None
    job = job_key(config, code, inputs, block_bytes)
    entries = {block.index: complete_entry(output, block, job) for block in blocks}
    pending = [block for block in blocks if entries[block.index] is None]
    size = sum(f.size for f in inputs) / (1 << 20)
    msg.info(
        f"{len(inputs)} input file(s), {size:.1f} MB in {len(blocks)} block(s) of up to "
        f"{block_mb:g} MB: {len(blocks) - len(pending)} complete, {len(pending)} to write"
    )
    if pending:
        if output.exists(MANIFEST):  # the output is incomplete until the manifest is back
            output.remove(MANIFEST)
        with ray_session(address, silent) as ray:
            workers = n_workers or int(ray.cluster_resources().get("CPU", 1))
            workers = max(1, min(workers, len(pending)))
            msg.info(f"Writing {len(pending)} block(s) on {workers} Ray worker(s)")
            for entry in _run_blocks(ray, pending, config, code, output_spec, job, workers):
                entries[entry["block"]["index"]] = entry
    shards = [entries[block.index] for block in blocks]
    if any(entry is None for entry in shards):
        raise InternalError("Ray returned fewer shards than blocks (a bug: please report it)")
    counts = Counts()
    for entry in shards:
        counts.add(counts_from_json(entry["counts"]))
    counts.check()
    _remove_stale(output, len(blocks))
    manifest = {
        "job": job,
        "inputs": [asdict(f) for f in inputs],
        "block_bytes": block_bytes,
        "counts": counts_to_json(counts),
        "shards": [{key: value for key, value in e.items() if key != "job"} for e in shards],
    }
    output.write_json(MANIFEST, manifest)
    return ShardedRun(counts, output, len(blocks), len(blocks) - len(pending), manifest["shards"])


def complete_entry(output: OutputDir, block: Block, job: str) -> Dict[str, Any] | None:
    """The entry of a block that an earlier run of this job completed, else None."""
    name = f"{block.name}.json"
    if not output.exists(name):
        return None
    try:
        entry = output.read_json(name)
    except (OSError, ValueError):
        return None
    if entry.get("job") != job or entry.get("block") != block.to_json():
        return None
    if not (output.exists(entry["tasks"]) and output.exists(entry["rejects"])):
        return None
    return entry


def _run_blocks(
    ray: Any,
    blocks: List[Block],
    config: Config,
    code: str | None,
    output: str,
    job: str,
    workers: int,
) -> Iterator[Dict[str, Any]]:
    """Write `blocks` on a pool of `workers` actors, one block in flight per actor (blocks are
    large: a queue per worker would leave others idle at the end); yield each entry as its
    block completes."""
    writer = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=MAX_RETRIES)(BlockWriter)
    pool = [writer.remote(config.to_str(), code, output, job) for _ in range(workers)]
    todo = list(reversed(blocks))
    running: Dict[Any, Tuple[Any, Block]] = {}
    while todo or running:
        for actor in pool:
            if todo and actor not in {held for held, _ in running.values()}:
                block = todo.pop()
                running[actor.write.remote(block)] = (actor, block)
        (done,), _ = ray.wait(list(running), num_returns=1)
        _, block = running.pop(done)
        try:
            yield ray.get(done)
        except PluginError:
            raise
        except Exception as err:  # Ray wraps a worker's failure in its own types
            raise PluginError(
                f"The Ray job failed on {block.name} (input {block.input}, bytes "
                f"{block.start}-{block.end}); complete blocks are kept, and a rerun skips them",
                f"{type(err).__name__}: {err}",
            ) from err


def _remove_stale(output: OutputDir, n_blocks: int) -> None:
    """Remove shards beyond this job's blocks (left by an earlier, larger job) and the
    temporary files of killed workers."""
    for name in output.names():
        match = SHARD_FILE.fullmatch(name)
        if (match and int(match.group(1)) >= n_blocks) or TEMP_FILE.fullmatch(name):
            output.remove(name)


def read_manifest(output_spec: str) -> Dict[str, Any]:
    """The manifest of a finished Ray run; `PluginError` if the run has not finished."""
    output = OutputDir(output_spec)
    if not output.exists(MANIFEST):
        raise PluginError(
            f"No {MANIFEST} in {output_spec}", "the run did not finish: run it again to resume"
        )
    return output.read_json(MANIFEST)


def shard_lines(output_spec: str, kind: str = "tasks") -> Iterator[bytes]:
    """Every line of the task (or "rejects") shards, shard by shard in manifest order."""
    output = OutputDir(output_spec)
    for shard in read_manifest(output_spec)["shards"]:
        yield from output.read_lines(shard[kind])


def shard_records(output_spec: str, kind: str = "tasks") -> Iterator[Dict[str, Any]]:
    """The records of `shard_lines`, parsed."""
    for line in shard_lines(output_spec, kind):
        if line.strip():
            yield srsly.json_loads(line)
