"""`teach`: the next questions a trained model is least sure of, for any annotation tool."""

import sys
from enum import Enum
from itertools import islice
from pathlib import Path
from typing import Any, Dict, List, Sequence

import srsly
import typer

from ..configs import config_errors
from ..errors import PluginError, UsageError
from ..io.files import check_overwrites, write_jsonl_atomic
from ..io.partitions import read_raw
from ..io.records import Reject, read_jsonl
from ..patterns.matcher import PatternError
from ..teach.config import SORTERS, read_config, resolve_config
from ..teach.questions import TeachResult, _records
from ..teach.session import Exclusions, TeachSession
from ._util import (
    app,
    config_overrides,
    ensure_inputs_exist,
    import_code,
    load_tokenizer_pipeline,
    printer,
    reports_errors,
    split_labels,
)

MAX_REJECTS_SHOWN = 10


class SorterChoice(str, Enum):
    uncertain = "uncertain"
    high = "high"
    random = "random"


@app.command(
    "teach",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def teach_cli(
    # fmt: off
    ctx: typer.Context,
    model: str = typer.Argument(..., help="Trained pipeline with a ner: package name or path"),
    source: Path = typer.Argument(
        ...,
        help="Raw texts: JSONL with 'text' (+ 'meta'), or .txt with one text per line",
        exists=True,
        dir_okay=False,
    ),
    labels: str = typer.Option(
        "", "--label", "-l", help="Comma-separated labels to ask about; default: all the ner's"
    ),
    patterns: Path | None = typer.Option(
        None,
        "--patterns",
        "-p",
        help="Pattern JSONL whose matches are asked about too",
        exists=True,
        dir_okay=False,
    ),
    exclude: List[Path] = typer.Option(
        [],
        "--exclude",
        "-e",
        help="Answer JSONL: skip its tasks, and texts it fully annotates "
        "(repeat the option for several files)",
    ),
    batch_size: int = typer.Option(50, "--batch-size", "-n", help="How many questions to write"),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Question JSONL; default: standard output"
    ),
    unsegmented: bool = typer.Option(
        False, "--unsegmented", help="One question per span of a whole text, not per sentence"
    ),
    sorter: SorterChoice | None = typer.Option(
        None, "--sorter", help="Which candidates to ask about; default: the config's sorter"
    ),
    config_path: Path | None = typer.Option(
        None,
        "--config",
        help="Teach config (scorer, sorter); default: the built-in one",
        exists=True,
        dir_okay=False,
    ),
    code_path: Path | None = typer.Option(
        None, "--code", "-c", help="Python file with registered functions the config names"
    ),
    # fmt: on
) -> None:
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
            model,
            source,
            split_labels(labels),
            patterns=patterns,
            exclude=exclude,
            batch_size=batch_size,
            output=output,
            unsegmented=unsegmented,
            sorter=sorter.value if sorter is not None else None,
            config_path=config_path,
            overrides=config_overrides(ctx.args),
            code_path=code_path,
            silent=output is None,
        )


def teach(
    model: str,
    source: Path,
    labels: List[str] | None = None,
    *,
    patterns: Path | None = None,
    exclude: Sequence[Path] = (),
    batch_size: int = 50,
    output: Path | None = None,
    unsegmented: bool = False,
    sorter: str | None = None,
    config_path: Path | None = None,
    overrides: Dict[str, Any] | None = None,
    code_path: Path | None = None,
    silent: bool = True,
) -> TeachResult:
    """The next `batch_size` questions about `source`, written to `output` (else stdout).

    `code_path`: a file of the user's registered functions the config names (`--code`).
    """
    msg = printer(silent)
    check_overwrites([model, source, patterns, config_path, code_path, *exclude], [output])
    ensure_inputs_exist(source, patterns, config_path, *exclude)
    if batch_size < 1:
        raise UsageError("--batch-size must be at least 1", str(batch_size))
    if sorter is not None and sorter not in SORTERS:
        raise UsageError(f"Unknown sorter {sorter!r}", f"Choose one of {', '.join(SORTERS)}")
    overrides = dict(overrides or {})
    if unsegmented:
        overrides["teach.segment"] = False
    import_code(code_path)
    with config_errors(config_path):
        config = read_config(config_path, overrides)
        if sorter is not None:
            config["sorter"] = {"@misc": SORTERS[sorter]}
        settings = resolve_config(config)
    exclusions = Exclusions()
    rejects: List[Reject] = []
    for path in exclude:
        exclusions.add_answers(_records(read_jsonl(path), rejects))
    nlp = load_tokenizer_pipeline(base_model=model)
    try:
        session = TeachSession(
            nlp, labels, patterns=patterns, exclude=exclusions, copy=False, **settings
        )
    except PatternError as err:
        raise PluginError("Invalid patterns", str(err)) from err
    except ValueError as err:
        raise UsageError("Cannot teach with this model", str(err)) from err
    questions = list(islice(session.questions(_records(read_raw(source), rejects)), batch_size))
    if output is not None:
        write_jsonl_atomic(output, questions)
    else:
        sys.stdout.write("".join(srsly.json_dumps(task) + "\n" for task in questions))
    result = TeachResult(
        questions,
        session.counts,
        session.sorter.counts,
        rejects,
        len(exclusions.tasks),
        len(exclusions.inputs),
    )
    _report(result, output, batch_size, msg)
    return result


def _report(result: TeachResult, output: Path | None, batch_size: int, msg: Any) -> None:
    for reject in result.rejects[:MAX_REJECTS_SHOWN]:
        msg.warn(str(reject))
    if len(result.rejects) > MAX_REJECTS_SHOWN:
        msg.warn(f"... and {len(result.rejects) - MAX_REJECTS_SHOWN} more rejected lines")
    counts = result.counts
    msg.table(
        [
            ("texts read", counts.texts),
            ("texts skipped (fully annotated in --exclude)", counts.texts_excluded),
            ("sentences scored", counts.sentences),
            ("candidates (new)", counts.candidates),
            ("candidates skipped (already answered or asked)", counts.candidates_excluded),
            ("share of candidates the sorter skipped", f"{result.sorter.skipped_share:.1%}"),
            ("questions", len(result.questions)),
        ],
        aligns=("l", "r"),
        title="Teach",
    )
    if len(result.questions) < batch_size:
        msg.warn(f"Only {len(result.questions)} questions: the texts ran out")
    if output is not None:
        msg.good(f"Saved {len(result.questions)} questions", str(output))
