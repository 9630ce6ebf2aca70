"""`db-in`: an annotation file of any supported format → a dataset of the annotation database."""

from pathlib import Path
from typing import Annotated, List, Union

import typer
from spacy.cli._util import string_to_list

from ..annotations.counts import ConversionCounts
from ..annotations.formats import InputFormat
from ..annotations.formats.conll import Scheme
from ..annotations.from_prodigy import ProdigyImport, import_prodigy
from ..annotations.kinds import AnswerKind
from ..annotations.transfer import ReadOptions, import_file, rejects_path
from ..db.inputs import database_file
from ..errors import UsageError
from ..io.files import check_overwrites, ensure_inputs_exist
from ._util import app, printer, reports_errors
from .options import ConllScheme, Db, Format, FromProdigy, Kind, NSents


@app.command("db-in")
def db_in_cli(
    dataset: Annotated[str | None, typer.Argument(help="Dataset to add answers to (created if "
        "needed); with --from-prodigy, the Prodigy datasets to import (comma-separated)",
        metavar="DATASET", show_default=False)] = None,
    input_path: Annotated[Path | None, typer.Argument(
        help="Annotation file of any supported format (not with --from-prodigy)",
        metavar="INPUT", show_default=False)] = None,
    db: Db = None, input_format: Format = None, kind: Kind = None,
    scheme: ConllScheme = Scheme.auto, n_sents: NSents = 1,
    rejects: Annotated[Path | None, typer.Option("--rejects", help="Where bad records go "
        "(default: beside INPUT or the Prodigy file, .rejects.jsonl)")] = None,
    from_prodigy: FromProdigy = None,
) -> None:  # fmt: skip
    """Import annotations of any supported format into a dataset of the annotation database.

    Reads Prodigy JSONL, doccano, Label Studio (full and JSON-MIN), CoNLL/IOB/BILUO, spaCy v2
    JSON and .spacy; adds one normalized answer per record, with _input_hash and _task_hash.
    Importing the same file again adds nothing. Bad records go to INPUT's .rejects.jsonl (or
    --rejects) with file, line and reason. For a file instead of a dataset, use
    db-out INPUT OUTPUT.jsonl. With --from-prodigy PRODIGY_DB (a prodigy.db file or a
    PostgreSQL URL, read only) it imports Prodigy's datasets instead, each into the dataset of
    the same name, answers and hashes unchanged: the ones named by DATASET, else every one but
    Prodigy's session datasets (their answers are in the named datasets too; name one to
    import it). Rejects then carry the Prodigy table and row id. `datasets --from-prodigy`
    lists what is there.
    """
    with reports_errors():
        if from_prodigy is None:
            if dataset is None or input_path is None:
                missing = "INPUT" if dataset is not None else "DATASET and INPUT"
                raise UsageError(
                    f"Missing argument {missing}",
                    "db-in DATASET INPUT, or --from-prodigy PRODIGY_DB",
                )
            db_in(
                dataset, input_path, db=db, input_format=input_format, kind=kind, scheme=scheme,
                n_sents=n_sents, rejects_output=rejects, silent=False,
            )  # fmt: skip
            return
        if input_path is not None or input_format or kind or scheme != Scheme.auto or n_sents != 1:
            raise UsageError(
                "--from-prodigy reads Prodigy's answers as they are",
                "no INPUT, --input-format, --kind, --scheme or --n-sents with it",
            )
        names = string_to_list(dataset) if dataset else None
        db_in_prodigy(from_prodigy, names, db=db, rejects_output=rejects, silent=False)


def db_in(
    dataset: str, input_path: Path, *, db: str | None = None,
    input_format: Union[str, InputFormat] | None = None, kind: Union[str, AnswerKind] | None = None,
    scheme: Union[str, Scheme] = Scheme.auto, n_sents: int = 1,
    rejects_output: Path | None = None, silent: bool = True,
) -> ConversionCounts:  # fmt: skip
    """Add the records of `input_path` to `dataset` in database `db` (rejects: beside the input
    by default); return the counts. Choices take an Enum member or its string value. Raises
    `PluginError` on bad input or an unusable database, and `InternalError` if the counts do
    not add up (the last batch is then not committed)."""
    msg = printer(silent)
    rejects_output = Path(rejects_output or rejects_path(input_path))
    check_overwrites([input_path], [rejects_output, database_file(db)])
    ensure_inputs_exist(input_path)
    options = ReadOptions.checked(input_format, kind, scheme, n_sents)
    result = import_file(dataset, input_path, options, rejects_output, db)
    msg.transfer(result)
    msg.messages(result.import_messages(dataset, input_path))
    return result.counts


def db_in_prodigy(
    source: str, names: List[str] | None = None, *, db: str | None = None,
    rejects_output: Path | None = None, silent: bool = True,
) -> ProdigyImport:  # fmt: skip
    """Add the datasets of Prodigy database `source` (`names`, else all but session datasets)
    to database `db` (`annotations.from_prodigy.import_prodigy`); return what was imported."""
    msg = printer(silent)
    result = import_prodigy(source, rejects_output, names, db)
    msg.messages(result.left_out_messages())
    msg.tables([result.table()], divider=True)
    msg.transfer(result.transfer)
    msg.messages(result.import_messages())
    return result
