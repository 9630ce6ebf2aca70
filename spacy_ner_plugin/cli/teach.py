"""`teach`: the next questions a trained model is least sure of, for any annotation tool."""

from pathlib import Path
from typing import Annotated, Any, Dict, List, Sequence

import srsly
import typer

from ..errors import UsageError
from ..io.files import check_overwrites, ensure_inputs_exist, write_jsonl_atomic
from ..io.loading import import_code, load_pipeline
from ..teach.config import SorterChoice, teach_settings
from ..teach.questions import TeachResult, next_questions
from ._util import OVERRIDES_CONTEXT, app, config_overrides, printer, reports_errors, split_labels


@app.command("teach", context_settings=OVERRIDES_CONTEXT)
def teach_cli(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="Trained pipeline with a ner: package name or path")],
    source: Annotated[Path, typer.Argument(
        help="Raw texts: JSONL with 'text' (+ 'meta'), or .txt with one text per line",
        exists=True, dir_okay=False)],
    labels: Annotated[str, typer.Option(
        "--label", "-l", help="Comma-separated labels to ask about; default: all the ner's")] = "",
    patterns: Annotated[Path | None, typer.Option(
        "--patterns", "-p", help="Pattern JSONL whose matches are asked about too",
        exists=True, dir_okay=False)] = None,
    exclude: Annotated[List[Path], typer.Option(
        "--exclude", "-e", help="Answer JSONL: skip its tasks, and texts it fully annotates "
        "(repeat the option for several files)")] = [],  # noqa: B006 (never mutated)
    batch_size: Annotated[int, typer.Option(
        "--batch-size", "-n", help="How many questions to write")] = 50,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Question JSONL; default: standard output")] = None,
    unsegmented: Annotated[bool, typer.Option(
        "--unsegmented", help="One question per span of a whole text, not per sentence")] = False,
    sorter: Annotated[SorterChoice | None, typer.Option(
        "--sorter", help="Which candidates to ask about; default: the config's sorter")] = None,
    config_path: Annotated[Path | None, typer.Option(
        "--config", help="Teach config (scorer, sorter); default: the built-in one",
        exists=True, dir_okay=False)] = None,
    code_path: Annotated[Path | None, typer.Option(
        "--code", "-c", help="Python file with registered functions the config names")] = None,
) -> None:  # fmt: skip
    """Write the next questions for an annotator: ner.teach's uncertainty sampling.

    Every candidate entity of each sentence is scored by the probability of the ner's beam
    analyses that contain it (pattern matches with --patterns are interleaved, scored by their
    share of accepted answers); the sorter keeps the ones the model is least sure of. Each
    question is a Prodigy `ner` task with one span (`meta.score`, `_view_id` "ner"), so the
    answers convert with data-to-spacy as binary answers. Tasks already answered in --exclude
    files are skipped by task hash, and texts they fully annotate by input hash. The model is
    only read; drive the update-after-each-batch loop from Python with `TeachSession`. Extra
    `--section.key value` arguments override the config.
    """
    with reports_errors():
        teach(
            model, source, split_labels(labels), patterns=patterns, exclude=exclude,
            batch_size=batch_size, output=output, unsegmented=unsegmented, sorter=sorter,
            config_path=config_path, overrides=config_overrides(ctx.args), code_path=code_path,
            silent=output is None,
        )  # fmt: skip


def teach(
    model: str, source: Path, labels: List[str] | None = None, *, patterns: Path | None = None,
    exclude: Sequence[Path] = (), batch_size: int = 50, output: Path | None = None,
    unsegmented: bool = False, sorter: str | None = None, config_path: Path | None = None,
    overrides: Dict[str, Any] | None = None, code_path: Path | None = None, silent: bool = True,
) -> TeachResult:  # fmt: skip
    """The next `batch_size` questions about `source`, written to `output` (else stdout)."""
    msg = printer(silent)
    check_overwrites([model, source, patterns, config_path, code_path, *exclude], [output])
    ensure_inputs_exist(source, patterns, config_path, *exclude)
    if batch_size < 1:
        raise UsageError("--batch-size must be at least 1", str(batch_size))
    import_code(code_path)
    settings = teach_settings(config_path, overrides, sorter, segment=not unsegmented)
    nlp = load_pipeline(base_model=model)
    result = next_questions(
        nlp, source, labels, settings, patterns=patterns, exclude=exclude, batch_size=batch_size
    )
    if output is not None:
        write_jsonl_atomic(output, result.questions)
    else:
        srsly.write_jsonl("-", result.questions)
    msg.rejects(result.shown_rejects, len(result.rejects))
    msg.tables(result.tables())
    msg.messages(result.messages(batch_size, output))
    return result
