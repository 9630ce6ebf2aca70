"""Convert annotation JSONL into training Docs, accounting for every record read.

`ConversionCounts` and `StrictModeError` are shared by every conversion step. `RecordConverter`
is the record-by-record gold reader behind `evaluate` and the JSONL corpus reader: each input
line ends up as a Doc, a `Reject` (bad data, with its reason) or a skip (a valid record that is
deliberately not used, e.g. a rejected answer or a duplicate). `data-to-spacy` instead merges
all answers per text (`merge.py`), binary answers included.
"""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Set, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc

from .docs import record_to_doc
from .hashing import task_hash, text_hash
from .merge import BINARY, answer_kind, detect_kind
from .records import InvalidRecord, Reject, get_answer, get_text, read_jsonl

PathLike = Union[str, Path]


@dataclass
class ConversionCounts:
    """What happened to every record read: read = written + rejected + skipped."""

    read: int = 0
    written: Counter = field(default_factory=Counter)
    rejected: int = 0
    skipped: Counter = field(default_factory=Counter)

    @property
    def reconciles(self) -> bool:
        return self.read == sum(self.written.values()) + self.rejected + sum(self.skipped.values())


class StrictModeError(ValueError):
    """Raised on the first bad record when converting with `strict=True`."""

    def __init__(self, reject: Reject) -> None:
        super().__init__(str(reject))
        self.reject = reject


@dataclass
class RecordConverter:
    """Turns annotation records into gold Docs, collecting rejects and skip reasons."""

    nlp: Language
    strict: bool = False
    labels: Optional[Set[str]] = None
    counts: ConversionCounts = field(default_factory=ConversionCounts)
    rejects: List[Reject] = field(default_factory=list)
    seen_tasks: Set[Tuple[int, int]] = field(default_factory=set)

    def reject(self, reject: Reject) -> None:
        self.counts.rejected += 1
        self.rejects.append(reject)
        if self.strict:
            raise StrictModeError(reject)

    def check_labels(self, doc: Doc) -> None:
        """Reject entities whose label is not in the declared label set (typos, stale labels)."""
        if self.labels is None:
            return
        for ent in doc.ents:
            if ent.label_ not in self.labels:
                expected = ", ".join(sorted(self.labels))
                raise InvalidRecord("spans", f"unknown label {ent.label_!r} (expected {expected})")

    def docs(
        self, path: PathLike, exclude_texts: Optional[Set[int]] = None
    ) -> Iterator[Tuple[int, Doc]]:
        """Yield `(text_hash, doc)` for every usable accepted gold record of a JSONL file.

        Yes/no answers are skipped: on their own they are not complete annotations (train from
        them through `data-to-spacy`, score them with `evaluate --binary`).
        """
        default_kind, _ = detect_kind(line.record for line in read_jsonl(path) if line.record)
        for line in read_jsonl(path):
            self.counts.read += 1
            if line.reject is not None:
                self.reject(line.reject)
                continue
            record = line.record
            try:
                answer = get_answer(record)
                key = text_hash(get_text(record))
                if answer != "accept":
                    self.counts.skipped[f"answer {answer}"] += 1
                    continue
                if answer_kind(record, default_kind) == BINARY:
                    self.counts.skipped["binary answer"] += 1
                    continue
                if exclude_texts is not None and key in exclude_texts:
                    self.counts.skipped["text also in eval set"] += 1
                    continue
                task = (key, task_hash(record))
                if task in self.seen_tasks:
                    self.counts.skipped["duplicate"] += 1
                    continue
                doc = record_to_doc(record, self.nlp.vocab, self.nlp.make_doc)
                self.check_labels(doc)
            except InvalidRecord as err:
                self.reject(Reject(line.path, line.line, err.field, err.reason, record))
                continue
            self.seen_tasks.add(task)
            yield key, doc


def accepted_text_hashes(paths: Iterable[PathLike]) -> Set[int]:
    """Text hashes of the accepted records in `paths` (a cheap first pass for splitting)."""
    hashes: Set[int] = set()
    for path in paths:
        for line in read_jsonl(path):
            record = line.record
            if record is None or record.get("answer", "accept") != "accept":
                continue
            text = record.get("text")
            if isinstance(text, str) and text.strip():
                hashes.add(text_hash(text))
    return hashes
