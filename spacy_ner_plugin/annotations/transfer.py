"""Answers in and out of the annotation database: a file of any format into a dataset
(`db-in`), and a dataset or file out to Prodigy JSONL, `.spacy` or CoNLL (`db-out`)."""

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Tuple, Union

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from ..constants import BINARY
from ..db.inputs import PREFIX, missing_dataset
from ..errors import PluginError, choice
from ..io.files import check_overwrites
from ..io.records import InvalidRecord, Line, Reject
from ..messages import Message
from .counts import ConversionCounts
from .docs import AlignMode, make_doc, record_doc
from .formats import (
    InputFormat,
    OutputFormat,
    conll,
    docbin,
    label_studio,
    prodigy,
    read_records,
)
from .formats.conll import Scheme
from .ingest import InputSpec, RejectLog, check_inputs, input_paths, parse_input, read_input
from .kinds import AnswerKind, answer_kind
from .merge import Answer, merge_answers
from .normalize import normalize_record

if TYPE_CHECKING:  # SQLAlchemy is imported when a database is used
    from ..db.database import AddResult, Database

ALREADY_THERE = "already in the dataset"
DUPLICATE = "duplicate in the input"
SUFFIXES = {".jsonl": OutputFormat.prodigy, ".spacy": OutputFormat.spacy}


@dataclass
class ReadOptions:
    """How an annotation file is read: its format (None: detected), the kind every record is
    marked as (None: as is), and CoNLL's tag scheme and sentences per record."""

    input_format: str | None = None
    kind: str | None = None
    scheme: str = Scheme.auto.value
    n_sents: int = 1

    @classmethod
    def checked(
        cls,
        input_format: Union[str, InputFormat] | None = None,
        kind: Union[str, AnswerKind] | None = None,
        scheme: Union[str, Scheme] = Scheme.auto,
        n_sents: int = 1,
    ) -> "ReadOptions":
        """The options from Enum members or their strings (a `UsageError` for a bad one)."""
        return cls(
            choice(InputFormat, input_format, "--input-format").value if input_format else None,
            choice(AnswerKind, kind, "--kind").value if kind is not None else None,
            choice(Scheme, scheme, "--scheme").value,
            n_sents,
        )

    @property
    def conll(self) -> Dict[str, Any]:
        return {"scheme": self.scheme, "n_sents": self.n_sents}


@dataclass
class Transfer:
    """What one import or export did: the reconciled counts, the rejects kept to show and
    where all of them went (None: there were none), and the database's import result."""

    counts: ConversionCounts
    shown_rejects: List[Reject]
    rejects_file: Path | None
    imported: "AddResult | None" = None
    database: str = ""

    def import_messages(self, dataset: str, source: Path) -> List[Message]:
        """A warning when `source` had no usable record, and how many answers `dataset` got, as
        (level, title, text) messages for the CLI to print."""
        messages = []
        if not self.counts.written["answers"] and not self.counts.skipped[ALREADY_THERE]:
            messages.append(("warn", f"No usable records in {source}", ""))
        added = self.imported.added if self.imported else 0
        there = self.imported.already_there if self.imported else 0
        imported = f"Imported {added} answers into dataset {dataset!r}"
        imported += f" ({there} already there)" if there else ""
        return messages + [("good", imported, self.database)]


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


def export_target(
    source: Union[str, Path],
    output: Path,
    output_format: Union[str, OutputFormat] | None = None,
    db: str | None = None,
    base_model: str | None = None,
) -> Tuple[InputSpec, str]:
    """What `db-out` reads (`source_spec`) and the format it writes (`output_format`, else by
    `output`'s suffix, else CoNLL), once no output would overwrite an input."""
    spec = source_spec(source, db)
    check_overwrites([*input_paths([spec], db), base_model], [output, rejects_path(output)])
    by_suffix = SUFFIXES.get(output.suffix, OutputFormat.conll)
    return spec, choice(OutputFormat, output_format or by_suffix, "--output-format").value


def output_pairs(
    lines: Iterator[Line],
    view_kind: str | None,
    nlp: Language,
    align: str,
    counts: ConversionCounts,
    rejects: RejectLog,
    output_format: str,
    warn: Callable[[str], None] | None = None,
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
            if output_format == "label-studio":
                check_label_studio(record)
            elif output_format != "prodigy":
                doc = record_to_output_doc(line.path, line.line, record, nlp, align, warn)
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


def check_label_studio(record: Dict[str, Any]) -> None:
    """`InvalidRecord` unless the record is a Label Studio task: a complete annotation (not a
    binary answer about one span, nor a rejected answer) or a task to pre-annotate."""
    if "answer" in record and answer_kind(record) == BINARY:
        raise InvalidRecord("answer", "a binary answer is no Label Studio annotation (gold only)")
    label_studio.to_task(record)


def record_to_output_doc(
    path: str,
    line: int,
    record: Dict[str, Any],
    nlp: Language,
    align: Union[str, AlignMode] = AlignMode.strict,
    warn: Callable[[str], None] | None = None,
) -> Doc:
    """One record as a Doc annotated like `data-to-spacy` would (unannotated if not used).

    Spans moved to fit the tokens are reported to `warn`, if given.
    """
    merged = merge_answers([Answer(path, line, record, answer_kind(record))], nlp, align=align)
    if merged.rejects:
        raise InvalidRecord(merged.rejects[0].field, merged.rejects[0].reason)
    if merged.conflict is not None:
        raise InvalidRecord("spans", "; ".join(merged.conflict["reasons"]))
    if warn is not None:
        for change in merged.changes:
            warn(f"{path}:{line} span {change['span']} {change['from']} -> {change['to']}")
    if merged.doc is not None:
        return merged.doc
    return record_doc(record, nlp.vocab, lambda text: make_doc(nlp, text))


def import_file(
    dataset: str, input_path: Path, options: ReadOptions, rejects_file: Path, db: str | None = None
) -> Transfer:
    """Add the normalized records of `input_path` to `dataset` (created if needed).

    Every record read is written (a new answer), skipped (already in the dataset, or an exact
    duplicate earlier in the input) or rejected to `rejects_file` (written only if there are
    any). The counts are checked before the last batch is committed.
    """
    from ..db.database import Database, check_dataset_name, safe_url  # SQLAlchemy: when used

    check_dataset_name(dataset)
    counts = ConversionCounts()
    with RejectLog(counts) as rejects:
        lines = read_records(input_path, options.input_format, **options.conll)
        with Database(db) as database:
            url = safe_url(database.url)
            result = add_lines(database, dataset, lines, counts, rejects, options.kind)
        where = save_import_rejects(rejects, counts, rejects_file)
        return Transfer(counts, list(rejects.shown), where, result, url)


def save_import_rejects(
    rejects: RejectLog, counts: ConversionCounts, rejects_file: Path
) -> Path | None:
    """Check the counts and write the rejects report of an import (None: nothing rejected); the
    answers are in the database by then, so a report that cannot be written says so."""
    counts.check()
    if not counts.rejected:
        return None
    try:
        rejects.save(rejects_file)
    except OSError as err:
        raise PluginError(
            f"Cannot write the rejects report {rejects_file}",
            f"{err}; the answers were imported, --rejects names another file",
        ) from err
    return rejects_file


def add_lines(
    database: "Database",
    dataset: str,
    lines: Iterator[Line],
    counts: ConversionCounts,
    rejects: RejectLog,
    kind: str | None = None,
) -> "AddResult":
    """Add the normalized records of `lines` to `dataset` of `database` (created if needed).

    Every record read is counted in `counts` (which may hold earlier datasets' records) as
    written (a new answer), skipped (already in the dataset, or an exact duplicate earlier in
    `lines`) or rejected to `rejects`. The counts are checked before the last batch is
    committed.
    """
    before = counts.written["answers"]
    vocab = spacy.blank("xx").vocab  # normalizing checks spans without tokenizing: any vocab

    def records() -> Iterator[Dict]:
        yield from normalized_records(lines, vocab, kind, counts, rejects)
        counts.check()  # before the last batch is committed

    result = database.import_answers(dataset, records())
    usable = counts.written["answers"] - before
    counts.written["answers"] = before + result.added
    duplicates = usable - result.added - result.already_there
    for reason, n in ((ALREADY_THERE, result.already_there), (DUPLICATE, duplicates)):
        if n:
            counts.skipped[reason] += n
    return result


def export(
    spec: InputSpec,
    output: Path,
    output_format: str,
    nlp: Language,
    options: ReadOptions,
    align: str = AlignMode.strict.value,
    warn: Callable[[str], None] | None = None,
) -> Transfer:
    """Write the records of `spec` (a file or a dataset) to `output` in `output_format`, and
    the rejects to `output`'s rejects report; spans moved to fit the tokens go to `warn`."""
    counts = ConversionCounts()
    with RejectLog(counts, beside=output) as rejects:  # swept there if the step is killed
        lines = read_input(spec, options.input_format, **options.conll)
        pairs = output_pairs(lines, options.kind, nlp, align, counts, rejects, output_format, warn)
        if output_format == OutputFormat.prodigy:
            prodigy.write(output, (record for record, _ in pairs))
        elif output_format == OutputFormat.label_studio:
            label_studio.write(output, (record for record, _ in pairs))
        elif output_format == OutputFormat.spacy:
            docbin.write(output, pairs)
        else:
            conll.write(output, (doc for _, doc in pairs))
        rejects.save(rejects_path(output))
        return Transfer(counts, list(rejects.shown), rejects_path(output))
