"""`db-in`: any supported annotation file → normalized Prodigy-style JSONL with hashes."""

from pathlib import Path
from typing import Dict, Iterator, Optional, Union

import spacy
import typer
from wasabi import Printer

from ..annotations.counts import ConversionCounts
from ..annotations.formats import InputFormat, prodigy, read_records
from ..annotations.formats.conll import Scheme
from ..annotations.ingest import RejectLog
from ..annotations.kinds import AnswerKind
from ..annotations.normalize import normalize_record
from ..errors import choice
from ..io.records import InvalidRecord, Reject
from ._util import app, ensure_inputs_exist, printer, reports_errors


@app.command("db-in")
def db_in_cli(
    # fmt: off
    input_path: Path = typer.Argument(..., help="Annotation file of any supported format"),
    output: Path = typer.Argument(..., help="Normalized JSONL to write"),
    input_format: Optional[InputFormat] = typer.Option(
        None, "--input-format", help="Force the input format (default: detected from content)"
    ),
    kind: Optional[AnswerKind] = typer.Option(
        None, "--kind", help="Mark every record gold or binary (sets _view_id); default: as is"
    ),
    scheme: Scheme = typer.Option(Scheme.auto, "--scheme", help="CoNLL tag scheme"),
    n_sents: int = typer.Option(
        1, "--n-sents", help="CoNLL sentences per record (0: one per -DOCSTART- document)"
    ),
    # fmt: on
) -> None:
    """Import annotations of any supported format as normalized Prodigy-style JSONL.

    Reads Prodigy JSONL, doccano, Label Studio (full and JSON-MIN), CoNLL/IOB/BILUO, spaCy v2
    JSON and .spacy; writes one record per answer with _input_hash and _task_hash, readable by
    data-to-spacy. Bad records go to OUTPUT's .rejects.jsonl with file, line and reason.
    """
    with reports_errors():
        db_in(
            input_path,
            output,
            input_format=input_format,
            kind=kind,
            scheme=scheme,
            n_sents=n_sents,
            silent=False,
        )


def rejects_path(output: Path) -> Path:
    """Where the rejects of writing `output` go: beside it, `NAME.rejects.jsonl`."""
    return output.with_name(f"{output.stem}.rejects.jsonl")


def db_in(
    input_path: Path,
    output: Path,
    *,
    input_format: Optional[Union[str, InputFormat]] = None,
    kind: Optional[Union[str, AnswerKind]] = None,
    scheme: Union[str, Scheme] = Scheme.auto,
    n_sents: int = 1,
    silent: bool = True,
) -> ConversionCounts:
    """Convert `input_path` into normalized JSONL at `output`; return the reconciled counts.

    Choices take an Enum member or its string value. Raises `PluginError` on bad input and
    `InternalError` (before `output` is replaced) if the counts do not add up.
    """
    msg = printer(silent)
    ensure_inputs_exist(input_path)
    output = Path(output)
    view_kind = choice(AnswerKind, kind, "--kind").value if kind is not None else None
    conll = {"scheme": choice(Scheme, scheme, "--scheme").value, "n_sents": n_sents}
    if input_format:
        input_format = choice(InputFormat, input_format, "--input-format").value
    counts = ConversionCounts()
    vocab = spacy.blank("xx").vocab
    with RejectLog(counts) as rejects:

        def records() -> Iterator[Dict]:
            for line in read_records(input_path, input_format, **conll):
                counts.read += 1
                if line.reject is not None:
                    rejects.add(line.reject)
                    continue
                try:
                    record = normalize_record(line.record, vocab, view_kind)
                except InvalidRecord as err:
                    rejects.add(Reject(line.path, line.line, err.field, err.reason, line.record))
                    continue
                counts.written["records"] += 1
                yield record
            counts.check()  # inside the write, so a failure leaves `output` as it was

        prodigy.write(output, records())
        rejects.save(rejects_path(output))
        report_counts(counts, rejects, output, msg)
    return counts


def report_counts(counts: ConversionCounts, rejects: RejectLog, output: Path, msg: Printer) -> None:
    """Print the rejects shown and a reconciled summary of one conversion."""
    for reject in rejects.shown:
        msg.warn(str(reject))
    rows = [("read", counts.read)]
    rows += [(f"written: {name}", n) for name, n in sorted(counts.written.items())]
    rows += [("rejected", counts.rejected)]
    rows += [(f"skipped: {reason}", n) for reason, n in sorted(counts.skipped.items())]
    msg.table(rows, title="Records", aligns=("l", "r"))
    if counts.rejected:
        msg.warn(f"{counts.rejected} records rejected, see {rejects_path(output)}")
    msg.good(f"Saved {output}")
