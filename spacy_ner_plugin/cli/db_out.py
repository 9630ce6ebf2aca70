"""`db-out`: a dataset (or an annotation file of any format) → Prodigy JSONL, CoNLL IOB2 or
`.spacy`."""

from pathlib import Path
from typing import Union

import typer

from ..annotations.counts import ConversionCounts
from ..annotations.docs import AlignMode
from ..annotations.formats import InputFormat, OutputFormat, conll, docbin, prodigy
from ..annotations.formats.conll import Scheme
from ..annotations.ingest import (
    RejectLog,
    input_paths,
    read_input,
)
from ..annotations.kinds import AnswerKind
from ..annotations.transfer import output_pairs, rejects_path, source_spec
from ..errors import choice
from ..io.files import check_overwrites
from ._util import app, db_option, load_tokenizer_pipeline, printer, reports_errors
from .db_in import report_counts

SUFFIXES = {".jsonl": OutputFormat.prodigy, ".spacy": OutputFormat.spacy}


@app.command("db-out")
def db_out_cli(
    # fmt: off
    source: str = typer.Argument(
        ..., help="Dataset name (or dataset:NAME), or an annotation file of any supported format"
    ),
    output: Path = typer.Argument(..., help="File to write (.jsonl, .spacy, or CoNLL)"),
    db: str | None = db_option(),
    output_format: OutputFormat | None = typer.Option(
        None, "--output-format", help="Output format (default: by suffix: .jsonl, .spacy, conll)"
    ),
    input_format: InputFormat | None = typer.Option(
        None, "--input-format", help="Force the input format of a file (default: detected)"
    ),
    kind: AnswerKind | None = typer.Option(
        None, "--kind", help="Mark every record gold or binary (sets _view_id); default: as is"
    ),
    scheme: Scheme = typer.Option(Scheme.auto, "--scheme", help="CoNLL input tag scheme"),
    n_sents: int = typer.Option(
        1, "--n-sents", help="CoNLL sentences per record (0: one per -DOCSTART- document)"
    ),
    lang: str = typer.Option("en", "--lang", help="Blank tokenizer for records without tokens"),
    base_model: str | None = typer.Option(
        None,
        "--base-model",
        "-b",
        help="Pipeline whose tokenizer is used instead of a blank --lang",
    ),
    align: AlignMode = typer.Option(
        AlignMode.strict,
        "--align",
        help="Spans off token boundaries: strict (reject), expand, contract",
    ),
    # fmt: on
) -> None:
    """Export a dataset (or convert a file) to Prodigy JSONL, CoNLL IOB2 or .spacy.

    SOURCE is a dataset of the annotation database, or an annotation file of any supported
    format. Writes one normalized record per answer, with _input_hash and _task_hash (so
    db-out FILE OUTPUT.jsonl normalizes a file). .spacy keeps answers, meta and hashes in each
    doc's user data, so JSONL → .spacy → JSONL is lossless. CoNLL holds complete (gold,
    accepted) annotations only; other answers go to OUTPUT's .rejects.jsonl with the reason.
    """
    with reports_errors():
        db_out(
            source,
            output,
            db=db,
            output_format=output_format,
            input_format=input_format,
            kind=kind,
            scheme=scheme,
            n_sents=n_sents,
            lang=lang,
            base_model=base_model,
            align=align,
            silent=False,
        )


def db_out(
    source: Union[str, Path],
    output: Path,
    *,
    db: str | None = None,
    output_format: Union[str, OutputFormat] | None = None,
    input_format: Union[str, InputFormat] | None = None,
    kind: Union[str, AnswerKind] | None = None,
    scheme: Union[str, Scheme] = Scheme.auto,
    n_sents: int = 1,
    lang: str = "en",
    base_model: str | None = None,
    align: Union[str, AlignMode] = AlignMode.strict,
    silent: bool = True,
) -> ConversionCounts:
    """Write the records of `source` to `output` in `output_format`; return the counts.

    `source` is a file, `dataset:NAME`, or a bare NAME that is not a file: dataset NAME of
    database `db`. Choices take an Enum member or its string value. Raises `PluginError` on
    bad input or a missing file or dataset, and `InternalError` (before `output` is replaced)
    if the counts do not add up.
    """
    msg = printer(silent)
    spec = source_spec(source, db)
    output = Path(output)
    check_overwrites([*input_paths([spec], db), base_model], [output, rejects_path(output)])
    name = choice(
        OutputFormat,
        output_format or SUFFIXES.get(output.suffix, OutputFormat.conll),
        "--output-format",
    ).value
    align = choice(AlignMode, align, "--align").value
    view_kind = choice(AnswerKind, kind, "--kind").value if kind is not None else None
    read_options = {"scheme": choice(Scheme, scheme, "--scheme").value, "n_sents": n_sents}
    if input_format:
        input_format = choice(InputFormat, input_format, "--input-format").value
    nlp = load_tokenizer_pipeline(lang, base_model)
    counts = ConversionCounts()
    with RejectLog(counts, beside=output) as rejects:  # swept there if the step is killed
        lines = read_input(spec, input_format, **read_options)
        pairs = output_pairs(lines, view_kind, nlp, align, counts, rejects, name, msg)
        if name == OutputFormat.prodigy:
            prodigy.write(output, (record for record, _ in pairs))
        elif name == OutputFormat.spacy:
            docbin.write(output, pairs)
        else:
            conll.write(output, (doc for _, doc in pairs))
        rejects.save(rejects_path(output))
        report_counts(counts, rejects, rejects_path(output), msg)
    msg.good(f"Saved {output}")
    return counts
