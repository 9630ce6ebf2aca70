"""`db-out`: annotations of any supported format → Prodigy JSONL, CoNLL IOB2 or `.spacy`."""

from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple, Union

import typer
from spacy.language import Language
from spacy.tokens import Doc
from wasabi import Printer

from ..annotations.counts import ConversionCounts
from ..annotations.docs import AlignMode, record_doc
from ..annotations.formats import (
    InputFormat,
    OutputFormat,
    conll,
    docbin,
    prodigy,
    read_records,
)
from ..annotations.ingest import RejectLog
from ..annotations.kinds import answer_kind
from ..annotations.merge import Answer, merge_answers
from ..annotations.normalize import normalize_record
from ..errors import choice
from ..io.records import InvalidRecord, Reject
from ._util import app, ensure_inputs_exist, load_tokenizer_pipeline, printer, reports_errors
from .db_in import rejects_path, report_counts

SUFFIXES = {".jsonl": OutputFormat.prodigy, ".spacy": OutputFormat.spacy}


@app.command("db-out")
def db_out_cli(
    # fmt: off
    input_path: Path = typer.Argument(..., help="Annotation file of any supported format"),
    output: Path = typer.Argument(..., help="File to write (.jsonl, .spacy, or CoNLL)"),
    output_format: Optional[OutputFormat] = typer.Option(
        None, "--output-format", help="Output format (default: by suffix: .jsonl, .spacy, conll)"
    ),
    input_format: Optional[InputFormat] = typer.Option(
        None, "--input-format", help="Force the input format (default: detected from content)"
    ),
    lang: str = typer.Option("en", "--lang", help="Blank tokenizer for records without tokens"),
    base_model: Optional[str] = typer.Option(
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
    """Export annotations as Prodigy JSONL, CoNLL IOB2 or .spacy, one record per answer.

    .spacy keeps answers, meta and hashes in each doc's user data, so JSONL → .spacy → JSONL
    is lossless. CoNLL holds complete (gold, accepted) annotations only; other answers go to
    OUTPUT's .rejects.jsonl with the reason.
    """
    with reports_errors():
        db_out(
            input_path,
            output,
            output_format=output_format,
            input_format=input_format,
            lang=lang,
            base_model=base_model,
            align=align,
            silent=False,
        )


def db_out(
    input_path: Path,
    output: Path,
    *,
    output_format: Optional[Union[str, OutputFormat]] = None,
    input_format: Optional[Union[str, InputFormat]] = None,
    lang: str = "en",
    base_model: Optional[str] = None,
    align: Union[str, AlignMode] = AlignMode.strict,
    silent: bool = True,
) -> ConversionCounts:
    """Write the records of `input_path` to `output` in `output_format`; return the counts.

    Choices take an Enum member or its string value. Raises `PluginError` on bad input and
    `InternalError` (before `output` is replaced) if the counts do not add up.
    """
    msg = printer(silent)
    ensure_inputs_exist(input_path)
    output = Path(output)
    name = choice(
        OutputFormat,
        output_format or SUFFIXES.get(output.suffix, OutputFormat.conll),
        "--output-format",
    ).value
    align = choice(AlignMode, align, "--align").value
    if input_format:
        input_format = choice(InputFormat, input_format, "--input-format").value
    nlp = load_tokenizer_pipeline(lang, base_model)
    counts = ConversionCounts()
    with RejectLog(counts) as rejects:
        pairs = _pairs(input_path, input_format, nlp, align, counts, rejects, name, msg)
        if name == OutputFormat.prodigy:
            prodigy.write(output, (record for record, _ in pairs))
        elif name == OutputFormat.spacy:
            docbin.write(output, pairs)
        else:
            conll.write(output, (doc for _, doc in pairs))
        rejects.save(rejects_path(output))
        report_counts(counts, rejects, output, msg)
    return counts


def _pairs(
    input_path: Path,
    input_format: Optional[str],
    nlp: Language,
    align: str,
    counts: ConversionCounts,
    rejects: RejectLog,
    output_format: str,
    msg: Printer,
) -> Iterator[Tuple[Dict[str, Any], Optional[Doc]]]:
    """Every usable `(record, doc)`; docs are only built for formats that need them.

    Checks the counts last, inside the writer, so a failure leaves the output as it was.
    """
    for line in read_records(input_path, input_format):
        counts.read += 1
        if line.reject is not None:
            rejects.add(line.reject)
            continue
        try:
            record = normalize_record(line.record, nlp.vocab)
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
    msg: Optional[Printer] = None,
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
    return record_doc(record, nlp.vocab, nlp.make_doc)
