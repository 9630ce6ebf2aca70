"""`preannotate`: raw texts → annotation tasks with tokens and pre-highlighted suggestions."""

from pathlib import Path
from typing import Annotated, Any, Dict, Union

import typer

from ..annotations.transfer import rejects_path as report_beside
from ..cluster.backend import Backend
from ..cluster.pool import MAX_RETRIES
from ..cluster.preannotate import BLOCK_MB
from ..cluster.run import run_preannotate
from ..errors import UsageError, choice
from ..io.files import ensure_inputs_exist
from ..io.loading import import_code
from ..preannotate.preannotator import PreannotateResult, load_preannotator
from ._util import OVERRIDES_CONTEXT, app, config_overrides, printer, reports_errors, split_labels
from .options import Code


@app.command("preannotate", context_settings=OVERRIDES_CONTEXT)
def preannotate_cli(
    ctx: typer.Context,
    input_path: Annotated[str, typer.Argument(help="Raw texts: JSONL with 'text' (+ 'meta'), or "
        ".txt with one text per line; with --backend ray also a directory, a glob or a URI "
        "(s3://...) of such files")],
    output: Annotated[str, typer.Argument(help="Task JSONL with tokens and pre-highlighted spans; "
        "with --backend ray a directory (local or URI) of shards and manifest.json")],
    patterns: Annotated[Path | None, typer.Option("--patterns", "-p", exists=True, dir_okay=False,
        help="Pattern JSONL (Prodigy / EntityRuler format)")] = None,
    base_model: Annotated[str | None, typer.Option("--base-model", "-b", help="Pipeline whose "
        "entities are suggested (and that tokenizes): package name or path")] = None,
    config_path: Annotated[Path | None, typer.Option("--config", exists=True, dir_okay=False,
        help="Pre-annotation config; default: the built-in one")] = None,
    labels: Annotated[str, typer.Option("--label", "-l",
        help="Comma-separated labels to keep; default: all")] = "",
    overlaps: Annotated[str | None, typer.Option("--overlaps",
        help="'longest', or suggester names that win overlaps, e.g. 'patterns'")] = None,
    unsegmented: Annotated[bool, typer.Option("--unsegmented",
        help="One task per text instead of one per sentence")] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="Blank tokenizer language")] = None,
    n_process: Annotated[int, typer.Option("--n-process", "-n",
        help="Workers (local: input shards); 0: 1, on Ray: 1 per CPU")] = 0,
    preview: Annotated[Path | None, typer.Option("--preview",
        help="HTML file showing tasks with suggestions, rendered by displaCy")] = None,
    preview_n: Annotated[int, typer.Option("--preview-n",
        help="How many tasks the preview shows")] = 100,
    rejects: Annotated[Path | None, typer.Option("--rejects",
        help="Rejects report; default: OUTPUT with .rejects.jsonl")] = None,
    code_path: Code = None,
    backend: Annotated[Backend, typer.Option("--backend",
        help="local (processes on this machine) or ray")] = Backend.local,
    address: Annotated[str | None, typer.Option("--address",
        help="Ray cluster: auto, ray://host:10001; default: start Ray here")] = None,
    block_mb: Annotated[float, typer.Option("--block-mb",
        help="Ray: MB of input per block (one output shard each)")] = BLOCK_MB,
    max_retries: Annotated[int, typer.Option("--max-retries",
        help="Ray: times a block is redone when its worker dies before the job fails")
    ] = MAX_RETRIES,
) -> None:  # fmt: skip
    """Pre-annotate raw texts with pattern matches and/or a model's entities.

    Writes one task per sentence (or per text with --unsegmented) with `tokens` and `spans`
    (`source`, and the pattern's id and line), texts without suggestions included. Patterns are
    all validated before any text is read. Extra `--section.key value` arguments override the
    config (suggesters are registered functions named in it). Bad input lines go to the rejects
    report with file, line and reason; outputs are written atomically.
    """
    options = {
        "paths.patterns": str(patterns) if patterns else None, "paths.model": base_model,
        "preannotate.labels": split_labels(labels), "preannotate.overlaps": overlaps,
        "preannotate.segment": False if unsegmented else None, "preannotate.lang": lang,
    }  # fmt: skip
    with reports_errors():
        overrides = config_overrides(ctx.args, options)
        preannotate(
            input_path, output, config_path=config_path, overrides=overrides, n_process=n_process,
            preview=preview, preview_n=preview_n, rejects_path=rejects, code_path=code_path,
            backend=backend, address=address, block_mb=block_mb, max_retries=max_retries,
            silent=False,
        )  # fmt: skip


def preannotate(
    input_path: Union[str, Path], output: Union[str, Path], *, config_path: Path | None = None,
    overrides: Dict[str, Any] | None = None, n_process: int = 1, preview: Path | None = None,
    preview_n: int = 100, rejects_path: Path | None = None, code_path: Path | None = None,
    backend: Union[str, Backend] = Backend.local, address: str | None = None,
    block_mb: float = BLOCK_MB, max_retries: int = MAX_RETRIES, silent: bool = True,
) -> PreannotateResult:  # fmt: skip
    """Pre-annotate `input_path` into `output` (+ rejects report, optional HTML preview) with
    `cluster.run.run_preannotate` (`backend="ray"`: a directory of shards). Raises
    `PluginError` on bad input (`PatternError` naming every invalid pattern line)."""
    msg = printer(silent)
    backend = choice(Backend, backend, "backend")
    local = backend is Backend.local
    if not local and rejects_path is not None:
        raise UsageError("--rejects is for the local backend", "Ray writes rejects per shard")
    ensure_inputs_exist(config_path, code_path, *([input_path] if local else []))
    if local and not Path(input_path).is_file():
        raise UsageError(f"{input_path} is not a file", "for many files use --backend ray")
    import_code(code_path)
    if local:
        rejects_path = Path(rejects_path or report_beside(Path(output)))
    inputs, outputs = [input_path, config_path, code_path], [output, rejects_path, preview]
    config, preannotator = load_preannotator(config_path, overrides, inputs, outputs)
    msg.messages(preannotator.messages())
    result = run_preannotate(
        backend, preannotator, config, input_path, output, rejects_path, preview=preview,
        preview_n=preview_n, code_path=code_path, n_process=n_process, block_mb=block_mb,
        address=address, max_retries=max_retries, silent=silent,
    )  # fmt: skip
    if preview is not None:
        msg.info(f"Preview of {result.previewed} tasks with suggestions: {preview}")
    msg.rejects(result.shown_rejects, result.counts.rejected, result.rejects_report)
    msg.tables(result.counts.tables())
    msg.messages(result.messages(preannotator.labels))
    return result
