"""Answers in and out of the annotation database: a file of any format into a dataset
(`db-in`), and a dataset or file out to Prodigy JSONL, `.spacy` or CoNLL (`db-out`)."""

from pathlib import Path
from typing import Any, Dict, Iterator, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab
from wasabi import Printer

from ..db.inputs import PREFIX, missing_dataset
from ..errors import PluginError
from ..io.records import InvalidRecord, Line, Reject
from .counts import ConversionCounts
from .docs import AlignMode, make_doc, record_doc
from .ingest import InputSpec, RejectLog, check_inputs, parse_input
from .kinds import answer_kind
from .merge import Answer, merge_answers
from .normalize import normalize_record

ALREADY_THERE = "already in the dataset"
DUPLICATE = "duplicate in the input"


def rejects_path(path: Path) -> Path:
    """The rejects report of converting to (db-out) or from (db-in) `path`:
    beside it, `NAME.rejects.jsonl`."""
    path = Path(path)
    return path.with_name(f"{path.stem}.rejects.jsonl")


def normalized_records(
    lines: Iterator[Line],
    vocab: Vocab,
    view_kind: str | None,
    counts: ConversionCounts,
    rejects: RejectLog,
) -> Iterator[Dict]:
    """The normalized records of `lines` (counted as written `answers`); the rest rejected."""
    for line in lines:
        counts.read += 1
        if line.reject is not None:
            rejects.add(line.reject)
            continue
        try:
            record = normalize_record(line.record, vocab, view_kind)
        except InvalidRecord as err:
            rejects.add(Reject(line.path, line.line, err.field, err.reason, line.record))
            continue
        counts.written["answers"] += 1
        yield record


def source_spec(source: Union[str, Path], db: str | None = None) -> InputSpec:
    """What `db-out` reads: a file, `dataset:NAME`, or else dataset `source` of `db`."""
    spec = parse_input(str(source))
    if spec.dataset is None and not spec.path.exists():
        try:
            reason = missing_dataset(str(source), db)
        except PluginError as err:  # no database to look in
            reason = f"{err.title}: {err.text}"
        if reason is not None:
            raise PluginError("Input not found", f"{source}: no such file, and dataset {reason}")
        spec = parse_input(f"{PREFIX}{source}")
    check_inputs([spec], db)
    return spec


def output_pairs(
    lines: Iterator[Line],
    view_kind: str | None,
    nlp: Language,
    align: str,
    counts: ConversionCounts,
    rejects: RejectLog,
    output_format: str,
    msg: Printer,
) -> Iterator[Tuple[Dict[str, Any], Doc | None]]:
    """Every usable `(record, doc)`; docs are only built for formats that need them.

    Checks the counts last, inside the writer, so a failure leaves the output as it was.
    """
    for line in lines:
        counts.read += 1
        if line.reject is not None:
            rejects.add(line.reject)
            continue
        try:
            record = normalize_record(line.record, nlp.vocab, view_kind)
            doc = None
            if output_format != "prodigy":
                doc = record_to_output_doc(line.path, line.line, record, nlp, align, msg)
            if output_format == "conll" and any(t.ent_iob_ == "" for t in doc):
                raise InvalidRecord(
                    "answer", "only accepted gold annotations can be IOB (not binary or ignored)"
                )
        except InvalidRecord as err:
            rejects.add(Reject(line.path, line.line, err.field, err.reason, line.record))
            continue
        counts.written[output_format] += 1
        yield record, doc
    counts.check()


def record_to_output_doc(
    path: str,
    line: int,
    record: Dict[str, Any],
    nlp: Language,
    align: Union[str, AlignMode] = AlignMode.strict,
    msg: Printer | None = None,
) -> Doc:
    """One record as a Doc annotated like `data-to-spacy` would (unannotated if not used).

    Spans moved to fit the tokens are reported on `msg`, if given.
    """
    merged = merge_answers([Answer(path, line, record, answer_kind(record))], nlp, align=align)
    if merged.rejects:
        raise InvalidRecord(merged.rejects[0].field, merged.rejects[0].reason)
    if merged.conflict is not None:
        raise InvalidRecord("spans", "; ".join(merged.conflict["reasons"]))
    if msg is not None:
        for change in merged.changes:
            msg.warn(f"{path}:{line} span {change['span']} {change['from']} -> {change['to']}")
    if merged.doc is not None:
        return merged.doc
    return record_doc(record, nlp.vocab, lambda text: make_doc(nlp, text))
