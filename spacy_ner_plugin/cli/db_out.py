"""`db-out`: a dataset (or an annotation file of any format) → Prodigy JSONL, CoNLL IOB2,
`.spacy` or Label Studio tasks."""

from pathlib import Path
from typing import Annotated, Union

import typer

from ..annotations.counts import ConversionCounts
from ..annotations.docs import AlignMode
from ..annotations.formats import InputFormat, OutputFormat
from ..annotations.formats.conll import Scheme
from ..annotations.kinds import AnswerKind
from ..annotations.transfer import ReadOptions, export, export_target
from ..errors import choice
from ..io.loading import load_pipeline
from ._util import app, printer, reports_errors
from .options import Align, BaseModel, ConllScheme, Db, Format, Kind, Lang, NSents


@app.command("db-out")
def db_out_cli(
    source: Annotated[str, typer.Argument(
        help="Dataset name (or dataset:NAME), or an annotation file of any supported format")],
    output: Annotated[Path, typer.Argument(
        help="File to write (.jsonl, .spacy, CoNLL, or Label Studio's .json)")],
    db: Db = None,
    output_format: Annotated[OutputFormat | None, typer.Option("--output-format",
        help="Output format (default: by suffix: .jsonl, .spacy, else conll)")] = None,
    input_format: Format = None, kind: Kind = None, scheme: ConllScheme = Scheme.auto,
    n_sents: NSents = 1, lang: Lang = "en", base_model: BaseModel = None,
    align: Align = AlignMode.strict,
) -> None:  # fmt: skip
    """Export a dataset (or convert a file) to Prodigy JSONL, CoNLL IOB2, .spacy or Label Studio.

    SOURCE is a dataset of the annotation database, or an annotation file of any supported
    format. Writes one normalized record per answer, with _input_hash and _task_hash (so
    db-out FILE OUTPUT.jsonl normalizes a file). .spacy keeps answers, meta and hashes in each
    doc's user data, so JSONL → .spacy → JSONL is lossless. CoNLL holds complete (gold,
    accepted) annotations only; other answers go to OUTPUT's .rejects.jsonl with the reason.
    label-studio writes Label Studio's JSON task import (labelling config: <Labels
    name="label" toName="text"> over <Text name="text" value="$text">): tasks without an
    answer, such as preannotate's, as predictions; gold answers as annotations (ignored ones
    cancelled); binary and rejected answers go to the rejects.
    """
    with reports_errors():
        db_out(
            source, output, db=db, output_format=output_format, input_format=input_format,
            kind=kind, scheme=scheme, n_sents=n_sents, lang=lang, base_model=base_model,
            align=align, silent=False,
        )  # fmt: skip


def db_out(
    source: Union[str, Path], output: Path, *, db: str | None = None,
    output_format: Union[str, OutputFormat] | None = None,
    input_format: Union[str, InputFormat] | None = None, kind: Union[str, AnswerKind] | None = None,
    scheme: Union[str, Scheme] = Scheme.auto, n_sents: int = 1, lang: str = "en",
    base_model: str | None = None, align: Union[str, AlignMode] = AlignMode.strict,
    silent: bool = True,
) -> ConversionCounts:  # fmt: skip
    """Write the records of `source` (a file, `dataset:NAME`, or a bare NAME that is not a file:
    dataset NAME of database `db`) to `output`; return the counts. Choices take an Enum member
    or its string value. Raises `PluginError` on bad input or a missing file or dataset, and
    `InternalError` (before `output` is replaced) if the counts do not add up."""
    msg = printer(silent)
    output = Path(output)
    spec, output_format = export_target(source, output, output_format, db, base_model)
    align = choice(AlignMode, align, "--align").value
    options = ReadOptions.checked(input_format, kind, scheme, n_sents)
    nlp = load_pipeline(lang, base_model)
    result = export(spec, output, output_format, nlp, options, align, msg.warn)
    msg.transfer(result)
    msg.good(f"Saved {output}")
    return result.counts
