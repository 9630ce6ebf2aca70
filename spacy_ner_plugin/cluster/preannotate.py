"""`preannotate --backend ray`: the corpus cut into blocks, each written as a shard by a Ray
task.

The input (a file, a directory or a glob; local or any filesystem pyarrow reads) is planned as
blocks of about `block_mb` MB from the files' sizes alone; each block's reader finds its own
line boundaries. Each block becomes one output shard: `part-NNNNN.jsonl` (tasks),
`part-NNNNN.rejects.jsonl` and `part-NNNNN.json` (its manifest entry: the block, its counts, the
Ray node that wrote it and the job's key). Each block is a Ray task (`write_block`), at most one
per worker in flight; a worker process builds the pipeline from the config and the files it
names (shipped through the object store: `shipping`) for its first block and keeps it for the
next blocks, and for the next jobs of the same pipeline in the same Ray session, since Ray keeps
a task's worker process for the driver's next task. Every file is written under a temporary name
and moved into place, the entry last. A worker numbers its block's lines from 1
and counts them; once every block is written, the driver shifts each block's reject line numbers
by the lines before it in its file (`part-NNNNN.block-rejects.jsonl` →
`part-NNNNN.rejects.jsonl`), so a block is complete exactly when its entry names its numbered
rejects. A block whose worker dies (a killed process, a lost node) is written again on another
worker under the same names (every record is in the output exactly once), at most `max_retries`
times before the job fails naming the block (`pool.run_pool`). A rerun of the same job (same
config, code, data and block size) skips the complete blocks. `manifest.json`, written last,
lists the shards in input order with their counts; reading the shards in that order gives
exactly the local backend's output. Plain tasks rather than Ray Data's pipeline or actors: a
job starts in a fraction of the time (no dataset planning, statistics or autoscaling actors; no
new process per worker and job).
"""

import hashlib
import json
import re
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List

import spacy
import srsly
from spacy.tokens import Doc
from thinc.api import Config
from wasabi import Printer

from .. import __version__
from ..curve.points import data_fingerprint
from ..errors import InternalError, PluginError
from ..io.loading import import_code
from ..io.records import json_line
from ..preannotate.preannotator import Counts, Preannotator
from ..preannotate.suggesters import Suggest, Suggestion
from .backend import import_ray, ray_session
from .pool import MAX_RETRIES, StartError, run_pool
from .shipping import Shipment, pack, relocate, unpack
from .storage import (
    Block,
    BlockLines,
    InputFile,
    OutputDir,
    list_inputs,
    location,
    plan_blocks,
)

BLOCK_MB = 64.0
MANIFEST = "manifest.json"
SHARD_FILE = re.compile(r"part-(\d+)(\.jsonl|\.rejects\.jsonl|\.block-rejects\.jsonl|\.json)")
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


def pipeline_key(config: Config, code: str | None) -> str:
    """What a worker's pipeline depends on: config, code, the data files the config names and
    the versions of spaCy and the plugin."""
    payload = srsly.json_dumps(
        {
            "config": config.to_str(),
            "code": code or "",
            "data": data_fingerprint(config),
            "spacy": spacy.__version__,
            "plugin": __version__,
        }
    )
    return hashlib.sha256(payload.encode("utf8")).hexdigest()[:16]


def job_key(pipeline: str, inputs: List[InputFile], block_bytes: int) -> str:
    """What a shard's content depends on: the pipeline (`pipeline_key`), the input files (by
    name, size and modification time) and the block size."""
    payload = srsly.json_dumps(
        {
            "pipeline": pipeline,
            "inputs": [[f.name, f.size, f.mtime_ns] for f in inputs],
            "block_bytes": block_bytes,
        }
    )
    return hashlib.sha256(payload.encode("utf8")).hexdigest()[:16]


class BlockWriter:
    """A worker's pre-annotator, built once, that writes every block it is given.

    It gets the config as a string, the files it names as a `Shipment` and the `--code` file's
    source, never a pipeline object (spaCy objects do not pickle reliably) nor a path of the
    driver's, so it works on any node, in any working directory.
    """

    def __init__(self, config: str, shipment: Shipment, code: str | None) -> None:
        with tempfile.TemporaryDirectory() as folder:  # read while building, then not needed
            if code is not None:
                code_path = Path(folder) / "code.py"
                code_path.write_text(code, encoding="utf8")
                import_code(code_path)
            copies = unpack(shipment, Path(folder) / "files")
            parsed = Config().from_str(config, interpolate=False)
            self.preannotator = Preannotator.from_config(relocate(parsed, copies))
        as_given = {copy: path for path, copy in copies.items()}
        suggesters = self.preannotator.suggesters
        for name, suggest in suggesters.items():
            suggesters[name] = _sources_as_given(suggest, as_given)

    def write(self, block: Block, output: OutputDir, job: str) -> Dict[str, Any]:
        """Write the block's shard and its rejects (lines numbered from the block's first),
        then its entry; return the entry."""
        tasks, rejects = f"{block.name}.jsonl", f"{block.name}.block-rejects.jsonl"
        start = time.perf_counter()
        lines = BlockLines(block)
        with output.atomic_text(tasks) as out, output.atomic_text(rejects) as rej:
            counts = self.preannotator.write(lines, out, rej)
            counts.check()
        entry = {
            "job": job,
            "block": block.to_json(),
            "tasks": tasks,
            "rejects": rejects,
            "first_line": None,
            "lines": lines.count,
            "node": import_ray().get_runtime_context().get_node_id(),
            "counts": counts_to_json(counts),
            "seconds": round(time.perf_counter() - start, 3),
        }
        output.write_json(f"{block.name}.json", entry)
        return entry


# This worker process's writer and its pipeline's key: kept between tasks (one pipeline at a
# time), so a worker builds it once per session rather than once per block or job.
_WRITER: Dict[str, BlockWriter] = {}


def write_block(
    pipeline: str, config: str, shipment: List[Any], code: str | None, output: str, job: str,
    block: Block,
) -> Dict[str, Any]:  # fmt: skip
    """A Ray task: write one block with this worker's writer for `pipeline`, built first if
    it has none; `StartError` if it cannot be built. `shipment` holds the `Shipment`'s object
    ref, fetched only when the writer is built."""
    writer = _WRITER.get(pipeline)
    if writer is None:
        _WRITER.clear()  # the previous pipeline's memory goes before the next is built
        try:
            writer = BlockWriter(config, import_ray().get(shipment[0]), code)
        except Exception as err:
            raise StartError(f"{type(err).__name__}: {err}") from err
        _WRITER[pipeline] = writer
    return writer.write(block, OutputDir(output), job)


def _sources_as_given(suggest: Suggest, as_given: Dict[str, str]) -> Suggest:
    """The suggester, its suggestions' source named by the driver's path where it was a shipped
    copy's (the model suggester's source is the model's path), so the output is the local one."""

    def suggest_as_given(doc: Doc) -> List[Suggestion]:
        suggestions = suggest(doc)
        for suggestion in suggestions:
            suggestion.source = as_given.get(suggestion.source, suggestion.source)
        return suggestions

    return suggest_as_given


def preannotate_on_ray(
    config: Config,
    input_spec: str,
    output_spec: str,
    *,
    code_path: Path | None = None,
    n_workers: int = 0,
    block_mb: float = BLOCK_MB,
    address: str | None = None,
    max_retries: int = MAX_RETRIES,
    silent: bool = True,
) -> ShardedRun:
    """Pre-annotate `input_spec` into the shard directory `output_spec` on Ray.

    `n_workers` blocks (0: one per CPU of the cluster) are written at a time, one CPU each; a
    block whose worker dies is redone at most `max_retries` times. Complete blocks of an
    earlier run of the same job are skipped; `manifest.json` is written last.
    """
    msg = Printer(no_print=silent, pretty=not silent)
    import_ray()  # before pyarrow, which comes with it
    if block_mb <= 0:
        raise PluginError("Invalid block size", f"--block-mb must be positive, got {block_mb}")
    if max_retries < 0:
        raise PluginError("Invalid retries", f"--max-retries must be 0 or more, got {max_retries}")
    block_bytes = max(1, int(block_mb * (1 << 20)))
    inputs = list_inputs(input_spec)
    blocks = plan_blocks(inputs, block_bytes)
    output = OutputDir(output_spec)
    output.create()
    code = Path(code_path).read_text(encoding="utf8") if code_path is not None else None
    pipeline = pipeline_key(config, code)
    job = job_key(pipeline, inputs, block_bytes)
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
        shipment = pack([config])
        with ray_session(address, silent) as ray:
            workers = n_workers or int(ray.cluster_resources().get("CPU", 1))
            workers = max(1, min(workers, len(pending)))
            msg.info(f"Writing {len(pending)} block(s) on {workers} Ray worker(s)")
            task = ray.remote(num_cpus=1, max_retries=0)(write_block)
            ship = [ray.put(shipment)]  # once in the object store, fetched once per node
            args = (pipeline, config.to_str(), ship, code, location(output_spec), job)
            for block, entry in run_pool(
                ray,
                lambda block: task.remote(*args, block),
                pending,
                n_slots=workers,
                max_retries=max_retries,
                describe=_describe,
            ):
                entries[block.index] = entry
    if any(entry is None for entry in entries.values()):
        raise InternalError("Ray returned fewer shards than blocks (a bug: please report it)")
    shards = number_lines(output, blocks, entries)
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
    """The entry of a block that an earlier run of this job wrote, else None."""
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


def _describe(block: Block) -> str:
    return f"{block.name} (input {block.input}, bytes {block.start}-{block.end})"


def number_lines(
    output: OutputDir, blocks: List[Block], entries: Dict[int, Dict[str, Any]]
) -> List[Dict[str, Any]]:
    """Give every block's rejects the line numbers of its file: each block's first line is
    one after the lines of the blocks before it in the same file. Returns the entries in order.

    The numbered rejects are written under their own name before the entry names them, and the
    block's own are removed last, so an interruption leaves every block either numbered or
    still numberable.
    """
    first_line: Dict[str, int] = {}
    shards = []
    for block in blocks:
        entry = entries[block.index]
        line = first_line.get(block.input, 1)
        first_line[block.input] = line + entry["lines"]
        if entry["first_line"] is None:
            rejects = f"{block.name}.rejects.jsonl"
            with output.atomic_text(rejects) as file_:
                for text in output.read_lines(entry["rejects"]):
                    file_.write(_shifted(text, line - 1))
            block_rejects = entry["rejects"]
            entry = {**entry, "rejects": rejects, "first_line": line}
            output.write_json(f"{block.name}.json", entry)
            output.remove(block_rejects)
        elif entry["first_line"] != line:
            raise InternalError(f"{block.name} was numbered from {entry['first_line']}, not {line}")
        shards.append(entry)
    return shards


def _shifted(text: bytes, offset: int) -> str:
    """A reject's JSON line with its line number moved on by `offset` (written as before)."""
    reject = json.loads(text)
    reject["line"] += offset
    return json_line(reject) + "\n"


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
