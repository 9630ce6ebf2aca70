"""`db-in`: an annotation file of any supported format → a dataset of the annotation database."""

from pathlib import Path
from typing import Annotated, Union

import typer

from ..annotations.counts import ConversionCounts
from ..annotations.formats import InputFormat
from ..annotations.formats.conll import Scheme
from ..annotations.kinds import AnswerKind
from ..annotations.transfer import ALREADY_THERE, ReadOptions, import_file, rejects_path
from ..db.inputs import database_file
from ..io.files import check_overwrites
from ._util import app, ensure_inputs_exist, print_transfer, printer, reports_errors
from .options import ConllScheme, Db, Format, Kind, NSents


@app.command("db-in")
def db_in_cli(
    dataset: Annotated[str, typer.Argument(help="Dataset to add answers to (created if needed)")],
    input_path: Annotated[Path, typer.Argument(help="Annotation file of any supported format")],
    db: Db = None, input_format: Format = None, kind: Kind = None,
    scheme: ConllScheme = Scheme.auto, n_sents: NSents = 1,
    rejects: Annotated[Path | None, typer.Option("--rejects",
        help="Where bad records go (default: beside INPUT, .rejects.jsonl)")] = None,
) -> None:  # fmt: skip
    """Import annotations of any supported format into a dataset of the annotation database.

    Reads Prodigy JSONL, doccano, Label Studio (full and JSON-MIN), CoNLL/IOB/BILUO, spaCy v2
    JSON and .spacy; adds one normalized answer per record, with _input_hash and _task_hash.
    Importing the same file again adds nothing. Bad records go to INPUT's .rejects.jsonl (or
    --rejects) with file, line and reason. For a file instead of a dataset, use
    db-out INPUT OUTPUT.jsonl.
    """
    with reports_errors():
        db_in(
            dataset, input_path, db=db, input_format=input_format, kind=kind, scheme=scheme,
            n_sents=n_sents, rejects_output=rejects, silent=False,
        )  # fmt: skip


def db_in(
    dataset: str, input_path: Path, *, db: str | None = None,
    input_format: Union[str, InputFormat] | None = None, kind: Union[str, AnswerKind] | None = None,
    scheme: Union[str, Scheme] = Scheme.auto, n_sents: int = 1,
    rejects_output: Path | None = None, silent: bool = True,
) -> ConversionCounts:  # fmt: skip
    """Add the records of `input_path` to `dataset` in database `db`; return the counts.

    Every record read is written, skipped or rejected to `rejects_output` (default:
    `rejects_path(input_path)`, written only when there are rejects). Choices take an Enum
    member or its string value. Raises `PluginError` on bad input or an unusable database,
    and `InternalError` if the counts do not add up (the last batch is then not committed).
    """
    msg = printer(silent)
    rejects_output = Path(rejects_output or rejects_path(input_path))
    check_overwrites([input_path], [rejects_output, database_file(db)])
    ensure_inputs_exist(input_path)
    options = ReadOptions.checked(input_format, kind, scheme, n_sents)
    result = import_file(dataset, input_path, options, rejects_output, db)
    print_transfer(result, msg)
    if not result.counts.written["answers"] and not result.counts.skipped[ALREADY_THERE]:
        msg.warn(f"No usable records in {input_path}")
    there = result.imported.already_there
    msg.good(
        f"Imported {result.imported.added} answers into dataset {dataset!r}"
        + (f" ({there} already there)" if there else ""),
        result.database,
    )
    return result.counts
