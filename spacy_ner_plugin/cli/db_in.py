"""`db-in`: an annotation file of any supported format → a dataset of the annotation database."""

from pathlib import Path
from typing import Dict, Iterator, Union

import spacy
import typer
from wasabi import Printer

from ..annotations.counts import ConversionCounts
from ..annotations.formats import InputFormat, read_records
from ..annotations.formats.conll import Scheme
from ..annotations.ingest import RejectLog
from ..annotations.kinds import AnswerKind
from ..annotations.transfer import ALREADY_THERE, DUPLICATE, normalized_records, rejects_path
from ..db.inputs import database_file
from ..errors import PluginError, choice
from ..io.files import check_overwrites
from ._util import app, db_option, ensure_inputs_exist, printer, reports_errors


@app.command("db-in")
def db_in_cli(
    # fmt: off
    dataset: str = typer.Argument(..., help="Dataset to add the answers to (created if needed)"),
    input_path: Path = typer.Argument(..., help="Annotation file of any supported format"),
    db: str | None = db_option(),
    input_format: InputFormat | None = typer.Option(
        None, "--input-format", help="Force the input format (default: detected from content)"
    ),
    kind: AnswerKind | None = typer.Option(
        None, "--kind", help="Mark every record gold or binary (sets _view_id); default: as is"
    ),
    scheme: Scheme = typer.Option(Scheme.auto, "--scheme", help="CoNLL tag scheme"),
    n_sents: int = typer.Option(
        1, "--n-sents", help="CoNLL sentences per record (0: one per -DOCSTART- document)"
    ),
    rejects: Path | None = typer.Option(
        None, "--rejects", help="Where bad records go (default: beside INPUT, .rejects.jsonl)"
    ),
    # fmt: on
) -> None:
    """Import annotations of any supported format into a dataset of the annotation database.

    Reads Prodigy JSONL, doccano, Label Studio (full and JSON-MIN), CoNLL/IOB/BILUO, spaCy v2
    JSON and .spacy; adds one normalized answer per record, with _input_hash and _task_hash.
    Importing the same file again adds nothing. Bad records go to INPUT's .rejects.jsonl (or
    --rejects) with file, line and reason. For a file instead of a dataset, use
    db-out INPUT OUTPUT.jsonl.
    """
    with reports_errors():
        db_in(
            dataset,
            input_path,
            db=db,
            input_format=input_format,
            kind=kind,
            scheme=scheme,
            n_sents=n_sents,
            rejects_output=rejects,
            silent=False,
        )


def db_in(
    dataset: str,
    input_path: Path,
    *,
    db: str | None = None,
    input_format: Union[str, InputFormat] | None = None,
    kind: Union[str, AnswerKind] | None = None,
    scheme: Union[str, Scheme] = Scheme.auto,
    n_sents: int = 1,
    rejects_output: Path | None = None,
    silent: bool = True,
) -> ConversionCounts:
    """Add the records of `input_path` to `dataset` in database `db`; return the counts.

    Every record read is written (a new answer), skipped (already in the dataset, or an exact
    duplicate earlier in the input) or rejected; the rejects go to `rejects_output` (default:
    `rejects_path(input_path)`), written only when there are some. Choices take an Enum member
    or its string value. Raises `PluginError` on bad input or an unusable database, and
    `InternalError` if the counts do not add up (the last batch is then not committed).
    """
    msg = printer(silent)
    rejects_output = Path(rejects_output or rejects_path(input_path))
    check_overwrites([input_path], [rejects_output, database_file(db)])
    ensure_inputs_exist(input_path)
    view_kind = choice(AnswerKind, kind, "--kind").value if kind is not None else None
    conll = {"scheme": choice(Scheme, scheme, "--scheme").value, "n_sents": n_sents}
    if input_format:
        input_format = choice(InputFormat, input_format, "--input-format").value
    from ..db.database import Database, check_dataset_name, safe_url  # SQLAlchemy: when used

    check_dataset_name(dataset)
    counts = ConversionCounts()
    vocab = spacy.blank("xx").vocab
    with RejectLog(counts) as rejects:

        def records() -> Iterator[Dict]:
            yield from normalized_records(
                read_records(input_path, input_format, **conll), vocab, view_kind, counts, rejects
            )
            counts.check()  # before the last batch is committed

        with Database(db) as database:
            url = safe_url(database.url)
            result = database.import_answers(dataset, records())
        usable = counts.written.pop("answers", 0)
        counts.written["answers"] = result.added
        duplicates = usable - result.added - result.already_there
        for reason, n in ((ALREADY_THERE, result.already_there), (DUPLICATE, duplicates)):
            if n:
                counts.skipped[reason] = n
        counts.check()
        where = None
        if counts.rejected:
            where = rejects_output
            try:
                rejects.save(where)
            except OSError as err:
                raise PluginError(
                    f"Cannot write the rejects report {where}",
                    f"{err}; the answers were imported, --rejects names another file",
                ) from err
        report_counts(counts, rejects, where, msg)
    if not counts.written["answers"] and not counts.skipped[ALREADY_THERE]:
        msg.warn(f"No usable records in {input_path}")
    there = f" ({result.already_there} already there)" if result.already_there else ""
    msg.good(f"Imported {result.added} answers into dataset {dataset!r}{there}", url)
    return counts


def report_counts(
    counts: ConversionCounts, rejects: RejectLog, rejects_file: Path | None, msg: Printer
) -> None:
    """Print the rejects shown and a reconciled summary of one conversion."""
    for reject in rejects.shown:
        msg.warn(str(reject))
    rows = [("read", counts.read)]
    rows += [(f"written: {name}", n) for name, n in sorted(counts.written.items())]
    rows += [("rejected", counts.rejected)]
    rows += [(f"skipped: {reason}", n) for reason, n in sorted(counts.skipped.items())]
    msg.table(rows, title="Records", aligns=("l", "r"))
    if counts.rejected:
        msg.warn(f"{counts.rejected} records rejected, see {rejects_file}")
