"""`preannotate`: raw texts → annotation tasks with tokens and pre-highlighted suggestions."""

from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Dict, Iterator, Union

import typer
from thinc.api import Config
from wasabi import Printer

from ..cluster.backend import Backend
from ..cluster.preannotate import BLOCK_MB, preannotate_on_ray, shard_records
from ..cluster.storage import display_path
from ..configs import config_errors
from ..errors import UsageError, choice
from ..io.files import atomic_path, check_overwrites
from ..io.partitions import plan_shards
from ..io.records import Reject, read_jsonl
from ..preannotate.pool import _run_workers, write_shard
from ..preannotate.preannotator import Counts, Preannotator, read_config
from ..preannotate.preview import render_preview, write_preview
from ._util import (
    app,
    config_overrides,
    ensure_inputs_exist,
    import_code,
    printer,
    reports_errors,
    split_labels,
)

MAX_REJECTS_SHOWN = 20


@dataclass
class PreannotateResult:
    """Counts of one run and the files it wrote."""

    counts: Counts
    paths: Dict[str, Union[Path, str]] = field(default_factory=dict)


@app.command(
    "preannotate",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def preannotate_cli(
    # fmt: off
    ctx: typer.Context,
    input_path: str = typer.Argument(
        ...,
        help="Raw texts: JSONL with 'text' (+ 'meta'), or .txt with one text per line; "
        "with --backend ray also a directory, a glob or a URI (s3://...) of such files",
    ),
    output: str = typer.Argument(
        ...,
        help="Task JSONL with tokens and pre-highlighted spans; with --backend ray a directory "
        "(local or URI) of shards and manifest.json",
    ),
    patterns: Path | None = typer.Option(
        None,
        "--patterns",
        "-p",
        help="Pattern JSONL (Prodigy / EntityRuler format)",
        exists=True,
        dir_okay=False,
    ),
    base_model: str | None = typer.Option(
        None,
        "--base-model",
        "-b",
        help="Pipeline whose entities are suggested (and that tokenizes): package name or path",
    ),
    config_path: Path | None = typer.Option(
        None,
        "--config",
        help="Pre-annotation config; default: the built-in one",
        exists=True,
        dir_okay=False,
    ),
    labels: str = typer.Option(
        "", "--label", "-l", help="Comma-separated labels to keep; default: all"
    ),
    overlaps: str | None = typer.Option(
        None, "--overlaps", help="'longest', or suggester names that win overlaps, e.g. 'patterns'"
    ),
    unsegmented: bool = typer.Option(
        False, "--unsegmented", help="One task per text instead of one per sentence"
    ),
    lang: str | None = typer.Option(None, "--lang", help="Language of the blank tokenizer"),
    n_process: int = typer.Option(
        0, "--n-process", "-n", help="Workers (local: input shards); 0: 1, on Ray: 1 per CPU"
    ),
    preview: Path | None = typer.Option(
        None, "--preview", help="HTML file showing tasks with suggestions, rendered by displaCy"
    ),
    preview_n: int = typer.Option(100, "--preview-n", help="How many tasks the preview shows"),
    rejects: Path | None = typer.Option(
        None, "--rejects", help="Rejects report; default: OUTPUT with .rejects.jsonl"
    ),
    code_path: Path | None = typer.Option(
        None, "--code", "-c", help="Python file with registered functions the config names"
    ),
    backend: Backend = typer.Option(
        Backend.local, "--backend", help="local (processes on this machine) or ray"
    ),
    address: str | None = typer.Option(
        None, "--address", help="Ray cluster: auto, ray://host:10001; default: start Ray here"
    ),
    block_mb: float = typer.Option(
        BLOCK_MB, "--block-mb", help="Ray: MB of input per block (one output shard each)"
    ),
    # fmt: on
) -> None:
    """Pre-annotate raw texts with pattern matches and/or a model's entities.

    Writes one task per sentence (or per text with --unsegmented) with `tokens` and `spans`
    (`source`, and the pattern's id and line), texts without suggestions included. Patterns are
    all validated before any text is read. Extra `--section.key value` arguments override the
    config (suggesters are registered functions named in it). Bad input lines go to the rejects
    report with file, line and reason; outputs are written atomically.
    """
    options = {
        "paths.patterns": str(patterns) if patterns else None,
        "paths.model": base_model,
        "preannotate.labels": split_labels(labels),
        "preannotate.overlaps": overlaps,
        "preannotate.segment": False if unsegmented else None,
        "preannotate.lang": lang,
    }
    with reports_errors():
        overrides = config_overrides(ctx.args)
        overrides.update({key: value for key, value in options.items() if value is not None})
        preannotate(
            input_path,
            output,
            config_path=config_path,
            overrides=overrides,
            n_process=n_process,
            preview=preview,
            preview_n=preview_n,
            rejects_path=rejects,
            code_path=code_path,
            backend=backend,
            address=address,
            block_mb=block_mb,
            silent=False,
        )


def preannotate(
    input_path: Union[str, Path],
    output: Union[str, Path],
    *,
    config_path: Path | None = None,
    overrides: Dict[str, Any] | None = None,
    n_process: int = 1,
    preview: Path | None = None,
    preview_n: int = 100,
    rejects_path: Path | None = None,
    code_path: Path | None = None,
    backend: Union[str, Backend] = Backend.local,
    address: str | None = None,
    block_mb: float = BLOCK_MB,
    silent: bool = True,
) -> PreannotateResult:
    """Pre-annotate `input_path` into `output` (+ rejects report, optional HTML preview).

    The suggesters are built (and every pattern validated) before any text is read. With
    `n_process` > 1 the input is split into byte-range shards that workers read and write
    themselves; their parts are joined in order, so the output equals a one-process run.
    With `backend="ray"` see `cluster.preannotate.preannotate_on_ray`: `output` is then a
    directory of shards. Raises `PluginError` on bad input (`PatternError` naming every
    invalid pattern line).
    """
    msg = printer(silent)
    backend = choice(Backend, backend, "backend")
    if backend is Backend.ray and rejects_path is not None:
        raise UsageError("--rejects is for the local backend", "Ray writes rejects per shard")
    ensure_inputs_exist(config_path, code_path)
    if backend is Backend.local:
        ensure_inputs_exist(input_path)
        if not Path(input_path).is_file():
            raise UsageError(f"{input_path} is not a file", "for many files use --backend ray")
    import_code(code_path)
    with config_errors(config_path):
        config = read_config(config_path, overrides)
    if backend is Backend.local:
        output = Path(output)
        rejects_path = Path(rejects_path or output.with_name(f"{output.stem}.rejects.jsonl"))
    # the config's [paths] (patterns, model) are inputs too
    paths = [value for value in config.get("paths", {}).values() if isinstance(value, str)]
    check_overwrites([input_path, config_path, code_path, *paths], [output, rejects_path, preview])
    with config_errors(config_path):
        preannotator = Preannotator.from_config(config)
    _print_setup(preannotator, msg)
    if backend is Backend.ray:
        return _preannotate_on_ray(
            preannotator, config, str(input_path), str(output), code_path, n_process, block_mb,
            address, preview, preview_n, msg,
        )  # fmt: skip
    shards = plan_shards(input_path, max(1, n_process))
    result = PreannotateResult(Counts(), {"output": output, "rejects": rejects_path})
    with atomic_path(output) as out_tmp, atomic_path(rejects_path) as rejects_tmp:
        if len(shards) == 1:
            result.counts = write_shard(
                preannotator, input_path, shards[0], out_tmp, rejects_tmp, progress=not silent
            )
        else:
            msg.info(
                f"Processing {len(shards)} shards: 1 in this process, {len(shards) - 1} in workers"
            )
            config_str = config.to_str()
            result.counts = _run_workers(
                preannotator, config_str, code_path, input_path, shards, out_tmp, rejects_tmp
            )
        result.counts.check()  # before the outputs replace any earlier ones
    if preview is not None:
        n_shown = write_preview(output, preview, preview_n)
        result.paths["preview"] = Path(preview)
        msg.info(f"Preview of {n_shown} tasks with suggestions: {preview}")
    rejects = (Reject(**line.record) for line in read_jsonl(rejects_path))
    _print_summary(result, preannotator, msg, rejects, str(rejects_path))
    return result


def _preannotate_on_ray(
    preannotator: Preannotator,
    config: Config,
    input_spec: str,
    output_spec: str,
    code_path: Path | None,
    n_workers: int,
    block_mb: float,
    address: str | None,
    preview: Path | None,
    preview_n: int,
    msg: Printer,
) -> PreannotateResult:
    run = preannotate_on_ray(
        config, input_spec, output_spec, code_path=code_path, n_workers=n_workers,
        block_mb=block_mb, address=address, silent=msg.no_print,
    )  # fmt: skip
    paths = {"output": display_path(output_spec), "manifest": display_path(run.manifest)}
    result = PreannotateResult(run.counts, paths)
    if preview is not None:
        n_shown = render_preview(shard_records(output_spec), preview, preview_n)
        result.paths["preview"] = Path(preview)
        msg.info(f"Preview of {n_shown} tasks with suggestions: {preview}")
    rejects = (Reject(**record) for record in shard_records(output_spec, "rejects"))
    _print_summary(result, preannotator, msg, rejects, f"{output_spec}/part-*.rejects.jsonl")
    return result


def _print_setup(preannotator: Preannotator, msg: Printer) -> None:
    names = ", ".join(preannotator.suggesters) or "none (tokens only)"
    segment = "one per sentence" if preannotator.segment else "one per text"
    msg.info(f"Suggesters: {names}; tasks: {segment}; pipeline: {preannotator.nlp.pipe_names}")
    if not preannotator.suggesters:
        msg.warn("No suggester is active: give --patterns and/or --base-model")


def _print_summary(
    result: PreannotateResult,
    preannotator: Preannotator,
    msg: Printer,
    rejects: Iterator[Reject],
    rejects_name: str,
) -> None:
    counts = result.counts
    for reject in islice(rejects, MAX_REJECTS_SHOWN) if counts.rejected else ():
        msg.warn(str(reject))
    if counts.rejected > MAX_REJECTS_SHOWN:
        msg.warn(f"... and {counts.rejected - MAX_REJECTS_SHOWN} more")
    rows = [
        ("read", counts.read),
        ("texts written", counts.texts),
        ("rejected", counts.rejected),
        ("texts with suggestions", counts.texts_with_spans),
        ("tasks written", counts.tasks),
    ]
    msg.table(rows, title="Texts", aligns=("l", "r"))
    spans = sorted(counts.spans.items())
    if spans:
        table = [(source, label, n) for (source, label), n in spans]
        msg.table(table, header=("source", "label", "spans"), aligns=("l", "l", "r"))
    if preannotator.labels:
        seen = {label for _, label in counts.spans}
        for label in sorted(preannotator.labels - seen):
            msg.warn(f"No suggestion has the label {label!r}")
    if counts.rejected:
        msg.warn(f"{counts.rejected} lines rejected, see {rejects_name}")
    msg.good(f"Saved {', '.join(str(p) for p in result.paths.values())}")
