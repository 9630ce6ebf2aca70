"""`db-in`: any supported annotation file → normalized Prodigy-style JSONL with hashes."""

from pathlib import Path
from typing import Dict, Iterator, Optional

import spacy
import typer

from ..annotations.counts import ConversionCounts
from ..annotations.formats import READERS, prodigy, read_records
from ..annotations.formats.conll import SCHEMES
from ..annotations.ingest import RejectLog
from ..annotations.normalize import normalize_record
from ..constants import VIEW_IDS
from ..io.records import InvalidRecord, Reject
from ._util import app, ensure_inputs_exist, msg


@app.command("db-in")
def db_in_cli(
    # fmt: off
    input_path: Path = typer.Argument(..., help="Annotation file of any supported format"),
    output: Path = typer.Argument(..., help="Normalized JSONL to write"),
    input_format: Optional[str] = typer.Option(
        None, "--format", help=f"Force the input format: {', '.join(READERS)}"
    ),
    kind: Optional[str] = typer.Option(
        None, "--kind", help="Mark every record gold or binary (sets _view_id); default: as is"
    ),
    scheme: str = typer.Option("auto", "--scheme", help=f"CoNLL tags: {', '.join(SCHEMES)}"),
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
    try:
        db_in(
            input_path, output, input_format=input_format, kind=kind, scheme=scheme, n_sents=n_sents
        )
    except ValueError as err:
        msg.fail(str(err), exits=1)


def rejects_path(output: Path) -> Path:
    """Where the rejects of writing `output` go: beside it, `NAME.rejects.jsonl`."""
    return output.with_name(f"{output.stem}.rejects.jsonl")


def db_in(
    input_path: Path,
    output: Path,
    *,
    input_format: Optional[str] = None,
    kind: Optional[str] = None,
    scheme: str = "auto",
    n_sents: int = 1,
) -> ConversionCounts:
    """Convert `input_path` into normalized JSONL at `output`; return the reconciled counts."""
    ensure_inputs_exist(input_path)
    if kind is not None and kind not in VIEW_IDS:
        raise ValueError(f"--kind must be one of {', '.join(VIEW_IDS)}, not {kind!r}")
    conll = {"scheme": scheme, "n_sents": n_sents}
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
                    record = normalize_record(line.record, vocab, kind)
                except InvalidRecord as err:
                    rejects.add(Reject(line.path, line.line, err.field, err.reason, line.record))
                    continue
                counts.written["records"] += 1
                yield record

        prodigy.write(output, records())
        rejects.save(rejects_path(output))
        report_counts(counts, rejects, output)
    return counts


def report_counts(counts: ConversionCounts, rejects: RejectLog, output: Path) -> None:
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
    if not counts.reconciles:
        msg.fail("Counts do not add up: this is a bug, please report it")
    msg.good(f"Saved {output}")
