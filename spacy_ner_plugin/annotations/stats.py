"""Corpus statistics over annotation files: what is there, and what will trouble training.

One pass reads every record (counts per label, answer, kind and source file; overlapping,
nested and multi-line spans); a second merges the answers per text exactly as `data-to-spacy`
does (span lengths in tokens, texts without entities, duplicates, conflicts).
"""

from collections import Counter
from dataclasses import dataclass, field, fields
from itertools import combinations
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from spacy.language import Language

from ..errors import choice
from ..io.hashing import text_hash
from ..io.records import InvalidRecord, Reject, get_answer, get_text
from ..messages import Message
from .counts import ConversionCounts
from .formats import InputFormat
from .ingest import (
    InputSpec,
    RejectLog,
    check_inputs,
    detect_input_kinds,
    parse_input,
    read_input,
)
from .kinds import answer_kind
from .merge import merge_answers
from .store import AnswerStore

LENGTH_BUCKETS = ((1, 1), (2, 2), (3, 3), (4, 5), (6, 10), (11, None))


@dataclass
class CorpusStats:
    """Everything `stats` reports; `to_json` gives the machine-readable form."""

    records: int = 0
    rejected: int = 0
    texts: int = 0
    answers: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    sources: Counter = field(default_factory=Counter)
    labels: Dict[str, Counter] = field(default_factory=dict)
    span_lengths: Counter = field(default_factory=Counter)
    texts_without_entities: int = 0
    overlapping_spans: int = 0
    nested_spans: int = 0
    newline_spans: int = 0
    duplicates: int = 0
    conflicts: int = 0
    docs: int = 0
    reject_examples: List[str] = field(default_factory=list)

    def length_buckets(self) -> List[Tuple[str, int]]:
        """Span lengths in tokens, bucketed: 1, 2, 3, 4-5, 6-10, 11+."""
        rows = []
        for low, high in LENGTH_BUCKETS:
            name = str(low) if low == high else (f"{low}-{high}" if high else f"{low}+")
            n = sum(c for k, c in self.span_lengths.items() if k >= low and (not high or k <= high))
            rows.append((name, n))
        return rows

    def tables(self) -> List[tuple]:
        """The statistics as tables for the CLI to print: (title, header, rows, aligns) each, as
        `wasabi`'s `table` takes them."""
        overview = [
            ("records", self.records),
            ("rejected", self.rejected),
            ("distinct texts", self.texts),
            ("training docs after merging", self.docs),
            ("texts with no entities", self.texts_without_entities),
            ("duplicates", self.duplicates),
            ("conflicting texts", self.conflicts),
            ("overlapping spans", self.overlapping_spans),
            ("nested spans", self.nested_spans),
            ("spans containing newlines", self.newline_spans),
        ]
        answers = [(a, self.answers[a]) for a in sorted(self.answers)]
        answers += [(f"kind: {k}", n) for k, n in sorted(self.kinds.items())]
        names = sorted({a for c in self.labels.values() for a in c})
        labels = [(label, *(c[a] for a in names)) for label, c in sorted(self.labels.items())]
        sources = [(Path(p).name, n) for p, n in self.sources.items()]
        return [
            ("Overview", None, overview, ("l", "r")),
            ("Answers", None, answers, ("l", "r")),
            ("Spans per label and answer", ("label", *names), labels, None),
            ("Entity lengths", ("tokens", "entities"), self.length_buckets(), None),
            ("Sources", ("file", "records"), sources, ("l", "r")),
        ]

    def to_json(self) -> Dict[str, Any]:
        # not `asdict`: it rebuilds a Counter from (key, count) pairs, counting the pairs
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("answers", "kinds", "sources"):
            data[name] = dict(data[name])
        data["labels"] = {label: dict(c) for label, c in sorted(self.labels.items())}
        data["span_lengths"] = {str(k): v for k, v in sorted(self.span_lengths.items())}
        data["span_length_buckets"] = dict(self.length_buckets())
        return data

    def messages(self) -> List[Message]:
        """The advice, as (level, title, text) lines to print after the tables."""
        return [("info", note, "") for note in advice(self)]


def corpus_stats(
    specs: Sequence[InputSpec], nlp: Language, input_format: str | None = None
) -> CorpusStats:
    """Count what the inputs hold and how their answers merge, streaming through a store."""
    stats = CorpusStats()
    counts = ConversionCounts()
    with AnswerStore() as store, RejectLog(counts) as rejects:
        for spec in specs:
            for line in read_input(spec, input_format):
                stats.records += 1
                stats.sources[str(spec.path)] += 1
                try:
                    if line.reject is not None:
                        raise InvalidRecord(line.reject.field, line.reject.reason)
                    text = get_text(line.record)
                    _count_record(stats, line.record, text, answer_kind(line.record, spec.kind))
                except InvalidRecord as err:
                    rejects.add(Reject(line.path, line.line, err.field, err.reason))
                    continue
                kind = answer_kind(line.record, spec.kind)
                store.add(text_hash(text), line.path, line.line, kind, line.record)
        for _, _, answers, _ in store.groups():
            stats.texts += 1
            merged = merge_answers(answers, nlp, align="expand")
            for reject in merged.rejects:
                rejects.add(reject)
            stats.duplicates += merged.skipped["duplicate"]
            stats.conflicts += merged.conflict is not None
            doc = merged.doc
            if doc is None:
                continue
            stats.docs += 1
            stats.span_lengths.update(len(ent) for ent in doc.ents)
            if not doc.ents and all(t.ent_iob_ == "O" for t in doc):
                stats.texts_without_entities += 1
        stats.rejected = counts.rejected
        stats.reject_examples = [str(r) for r in rejects.shown]
    return stats


def input_stats(
    inputs: Sequence[str], nlp: Language, input_format: str | None = None, db: str | None = None
) -> CorpusStats:
    """`corpus_stats` of inputs as a step names them (paths or `dataset:NAME`s of database `db`,
    optionally with `binary:` prefixes): each checked and its kind detected first."""
    specs = [parse_input(spec) for spec in inputs]
    check_inputs(specs, db)
    if input_format:
        input_format = choice(InputFormat, input_format, "--input-format").value
    detect_input_kinds(specs, input_format)
    return corpus_stats(specs, nlp, input_format)


def _count_record(stats: CorpusStats, record: Dict[str, Any], text: str, kind: str) -> None:
    answer = get_answer(record)
    stats.answers[answer] += 1
    stats.kinds[kind] += 1
    spans = record.get("spans") or []
    if not isinstance(spans, list):
        raise InvalidRecord("spans", "'spans' must be a list")
    accepted: List[Tuple[int, int]] = []
    for span in spans:
        if not isinstance(span, dict) or not isinstance(span.get("label"), str):
            raise InvalidRecord("spans", "every span needs a label")
        span_answer = span.get("answer", answer)
        stats.labels.setdefault(span["label"], Counter())[span_answer] += 1
        start, end = span.get("start"), span.get("end")
        if isinstance(start, int) and isinstance(end, int):
            stats.newline_spans += "\n" in text[start:end]
            if span_answer == "accept":
                accepted.append((start, end))
    for (a_start, a_end), (b_start, b_end) in combinations(sorted(accepted), 2):
        if (a_start, a_end) == (b_start, b_end) or b_start >= a_end:
            continue
        nested = b_end <= a_end or (a_start == b_start)
        stats.nested_spans += nested
        stats.overlapping_spans += not nested


def advice(stats: CorpusStats) -> List[str]:
    """What the numbers suggest doing."""
    notes = []
    if stats.overlapping_spans or stats.nested_spans:
        notes.append(
            f"{stats.overlapping_spans} overlapping and {stats.nested_spans} nested spans: ner "
            "cannot represent them (the records are rejected); spancat may fit this data: "
            "data-to-spacy --spans-key sc keeps them for configs/spancat.cfg (docs/spans.md)"
        )
    if stats.newline_spans:
        notes.append(f"{stats.newline_spans} spans contain a newline: usually annotation slips")
    if stats.conflicts:
        notes.append(f"{stats.conflicts} texts have conflicting answers: see --conflicts")
    if stats.kinds["binary"] and not stats.kinds["gold"]:
        notes.append("only binary answers: add gold texts, or the model has no reason to say O")
    return notes
