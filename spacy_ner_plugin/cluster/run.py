"""A pre-annotation run on either backend: local processes or Ray shards."""

from itertools import islice
from pathlib import Path
from typing import Any, Dict, Iterator, Union

from thinc.api import Config

from ..annotations.ingest import MAX_REJECTS_SHOWN
from ..annotations.transfer import rejects_path as report_beside
from ..io.records import Reject, read_jsonl
from ..preannotate.pool import preannotate_locally
from ..preannotate.preannotator import PreannotateResult, Preannotator
from ..preannotate.preview import render_preview
from .backend import Backend
from .preannotate import preannotate_on_ray, shard_records
from .storage import display_path


def run_preannotate(
    backend: Backend,
    preannotator: Preannotator,
    config: Config,
    input_path: Union[str, Path],
    output: Union[str, Path],
    rejects_path: Path | None,
    *,
    preview: Path | None,
    preview_n: int,
    code_path: Path | None,
    n_process: int,
    block_mb: float,
    address: str | None,
    max_retries: int,
    silent: bool,
) -> PreannotateResult:
    """Pre-annotate locally (`preannotate.pool`: `output`, and `rejects_path`, default beside it)
    or on Ray (`cluster.preannotate`: shards); render the preview, keep the first rejects."""
    records: Dict[str, Iterator[Dict[str, Any]]]
    if backend is Backend.local:
        output, rejects_path = Path(output), Path(rejects_path or report_beside(Path(output)))
        counts = preannotate_locally(
            preannotator, config, input_path, output, rejects_path, code_path=code_path,
            n_process=n_process, silent=silent,
        )  # fmt: skip
        paths = {"output": output, "rejects": rejects_path}
        result = PreannotateResult(counts, paths, rejects_report=str(rejects_path))
        records = {
            "tasks": (line.record for line in read_jsonl(output) if line.record is not None),
            "rejects": (line.record for line in read_jsonl(rejects_path)),
        }
    else:
        run = preannotate_on_ray(
            config, str(input_path), str(output), code_path=code_path, n_workers=n_process,
            block_mb=block_mb, address=address, max_retries=max_retries, silent=silent,
        )  # fmt: skip
        paths = {"output": display_path(str(output)), "manifest": display_path(run.manifest)}
        result = PreannotateResult(
            run.counts, paths, rejects_report=f"{output}/part-*.rejects.jsonl"
        )
        records = {kind: shard_records(str(output), kind) for kind in ("tasks", "rejects")}
    if preview is not None:
        result.previewed = render_preview(records["tasks"], preview, preview_n)
        result.paths["preview"] = Path(preview)
    if result.counts.rejected:
        result.shown_rejects = [Reject(**r) for r in islice(records["rejects"], MAX_REJECTS_SHOWN)]
    return result
