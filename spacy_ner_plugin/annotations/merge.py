"""Merge every answer about one text into one training Doc (the rules of DESIGN.md).

- accepted gold (manual) spans → `doc.ents`, every other token "O";
- accepted binary spans → `doc.ents`, other tokens missing (unknown), not "O";
- rejected binary spans → `doc.spans["incorrect_spans"]`, negative evidence for `ner`;
- `ignore` answers (and ignored spans) are dropped; exact duplicates collapse.
- with a `spans_key` (span categorization, `spans`): accepted gold spans, overlapping ones
  too, → `doc.spans[spans_key]`, entities left missing; binary answers skipped and counted.

Answers that contradict each other (two different gold versions; the same span accepted and
rejected; overlapping accepted binary spans; a binary answer that disagrees with the gold
version) are a conflict. The `policy` decides: `report` skips the text and reports it, `first`
or `latest` keeps the earliest or latest answer in input order, `majority` keeps the version
most answers agree on (a tie is reported). A complete gold annotation always outranks a yes/no
answer that disagrees with it under `first`/`latest`/`majority`. One binary answer that
contradicts itself (two overlapping accepted spans, or one span accepted and rejected) is
no conflict between answers but a bad record: rejected, its line and spans named.
"""

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Dict, List, Set, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..constants import BINARY, GOLD, INCORRECT_SPANS_KEY
from ..errors import choice
from ..io.hashing import text_hash
from ..io.records import InvalidRecord, Reject, get_answer, get_text
from .docs import (
    AlignMode,
    aligned_spans,
    check_length,
    check_no_overlap,
    doc_from_tokens,
    make_doc,
    record_doc,
)
from .spans import BINARY_SKIPPED, set_span_group


class ConflictPolicy(str, Enum):
    """What to do with contradicting answers about one text (see the module docstring)."""

    report = "report"
    first = "first"
    latest = "latest"
    majority = "majority"


SpanKey = Tuple[int, int, str]


@dataclass
class Answer:
    """One input record about a text, with where it came from and its kind."""

    path: str
    line: int
    record: Dict[str, Any]
    kind: str = GOLD


@dataclass
class _Version:
    """One distinct answer (exact duplicates share it) and the answers that gave it."""

    kind: str
    claims: Tuple[Tuple[SpanKey, str], ...]
    answers: List[int] = field(default_factory=list)


@dataclass
class Merged:
    """The outcome for one text: the doc (or none), and what happened to every answer.

    `labels` counts the doc's entity labels, with 0 for labels seen only in rejected spans
    (they must still be registered), without building `doc.ents` again.
    """

    doc: Doc | None = None
    labels: Counter = field(default_factory=Counter)
    used: int = 0
    skipped: Counter = field(default_factory=Counter)
    rejects: List[Reject] = field(default_factory=list)
    conflict: Dict[str, Any] | None = None
    changes: List[Dict[str, Any]] = field(default_factory=list)


def merge_answers(
    answers: List[Answer],
    nlp: Language,
    *,
    align: Union[str, AlignMode] = AlignMode.strict,
    policy: Union[str, ConflictPolicy] = ConflictPolicy.report,
    labels: Set[str] | None = None,
    spans_key: str | None = None,
) -> Merged:
    """Merge the answers about one text into one Doc, accounting for every answer.

    `align` and `policy` take an Enum member or its string value; a `spans_key` keeps the
    gold spans, overlaps included, as that span group instead of entities.
    """
    policy = choice(ConflictPolicy, policy, "conflict policy").value
    merged = Merged()
    doc, doc_text, token_source = base_doc(answers, nlp)
    versions: Dict[Tuple[str, Tuple], _Version] = {}
    spans: Dict[SpanKey, Span] = {}
    for i, answer in enumerate(answers):
        try:
            claims = _claims(
                answer, doc, doc_text, token_source, nlp, align, labels, merged, spans, spans_key
            )
        except InvalidRecord as err:
            record = answer.record
            merged.rejects.append(Reject(answer.path, answer.line, err.field, err.reason, record))
            continue
        if claims is None:
            continue
        key = (answer.kind, claims)
        versions.setdefault(key, _Version(answer.kind, claims)).answers.append(i)
    if not versions:
        return merged
    assert doc is not None
    ents, rejected, conflicts, kept = _resolve(list(versions.values()), policy)
    if conflicts:
        merged.conflict = _conflict_report(answers, versions.values(), conflicts)
        merged.skipped["conflict"] += sum(len(v.answers) for v in versions.values())
        return merged
    has_gold = any(v.kind == GOLD for v in kept)
    _account(merged, versions.values(), kept, policy)
    if not kept:
        return merged
    if spans_key is not None:  # only gold answers are kept in this mode: nothing was rejected
        set_span_group(doc, [spans[k] for k in ents], spans_key)
        merged.doc = doc
        merged.labels.update(label for _, _, label in ents)
        return merged
    doc.set_ents([spans[k] for k in ents], default="outside" if has_gold else "missing")
    if rejected:  # an empty span group would still cost a msgpack call per doc in DocBin
        doc.spans[INCORRECT_SPANS_KEY] = [spans[k] for k in rejected]
    merged.doc = doc
    merged.labels.update({label: 0 for _, _, label in rejected})
    merged.labels.update(label for _, _, label in ents)
    return merged


def base_doc(answers: List[Answer], nlp: Language) -> Tuple[Doc | None, str | None, Answer | None]:
    """The text's Doc, its text, and the answer whose `tokens` built it (None: tokenizer).

    The first answer with valid `tokens` decides the tokenization; without one, the tokenizer
    (`docs.make_doc`: a text over `nlp.max_length` too, unless `nlp` has components). Never
    raises: an answer that cannot build the doc is rejected by `answer_claims`.
    """
    for answer in answers:
        if "tokens" in answer.record:
            try:
                doc = record_doc(answer.record, nlp.vocab, nlp.make_doc)
            except InvalidRecord:
                continue
            return doc, answer.record["text"], answer
    for answer in answers:
        try:
            text = get_text(answer.record)
            return make_doc(nlp, text), text, None
        except InvalidRecord:
            continue
    return None, None, None


@dataclass
class Claims:
    """What one answer says about its text, validated against the text's doc.

    `claims` are `(span, answer)` pairs: for a gold answer every span with "accept" (checked
    for overlaps when the answer is accepted), for a binary answer each span's own answer
    (ignored ones included). `spans` are the aligned `Span`s, `changes` the alignment notes.
    """

    decision: str
    claims: Tuple[Tuple[SpanKey, str], ...]
    spans: List[Span]
    changes: List[Dict[str, Any]]


def answer_claims(
    answer: Answer,
    doc: Doc | None,
    doc_text: str | None,
    token_source: Answer | None,
    nlp: Language,
    align: Union[str, AlignMode] = AlignMode.strict,
    labels: Set[str] | None = None,
    overlaps: bool = False,
) -> Claims:
    """Validate one answer against the text's doc (`base_doc`); raises `InvalidRecord`.
    `overlaps`: an accepted gold answer's spans may overlap (span categorization)."""
    record = answer.record
    text = get_text(record)
    decision = get_answer(record)
    check_length(nlp, text)
    if doc is None or text != doc_text:
        raise InvalidRecord("text", "text differs from the other answers with its hash")
    tokens = record.get("tokens")
    if tokens is not None and answer is not token_source:
        if token_source is None or tokens != token_source.record["tokens"]:
            doc_from_tokens(nlp.vocab, text, tokens)  # only to reject invalid tokens
    raw_spans = record.get("spans") or []
    changes: List[Dict[str, Any]] = []
    aligned = aligned_spans(doc, raw_spans, align, changes, text)
    if labels is not None:
        for span in aligned:
            if span is not None and span.label_ not in labels:
                expected = ", ".join(sorted(labels))
                raise InvalidRecord("spans", f"unknown label {span.label_!r} (expected {expected})")
    kept = [s for s in aligned if s is not None]
    if answer.kind == GOLD:
        if decision == "accept" and not overlaps:
            kept = check_no_overlap(kept)
        claims = [(_key(s), "accept") for s in kept]
    else:
        verdicts = [
            (i, span, raw.get("answer", decision) if isinstance(raw, dict) else decision)
            for i, (span, raw) in enumerate(zip(aligned, raw_spans))
            if span is not None
        ]
        if decision != "ignore":
            _check_one_doc(verdicts)
        claims = [(_key(span), verdict) for _, span, verdict in verdicts]
    return Claims(decision, tuple(sorted(set(claims))), kept, changes)


def _check_one_doc(verdicts: List[Tuple[int, Span, str]]) -> None:
    """One binary answer's `(index, span, answer)`s must fit one doc, else `InvalidRecord`.

    Two accepted spans that overlap (which `Doc.set_ents` refuses), or one span accepted and
    rejected, cannot both be true: the answer's own line is rejected, naming its spans
    (between answers the same contradictions are conflicts, see `_contradiction`).
    """
    distinct = {_key(v[1]): v for v in reversed(verdicts) if v[2] == "accept"}  # first of each
    accepted = sorted(distinct.values(), key=lambda v: v[1].start)
    for (i, a, _), (j, b, _) in zip(accepted, accepted[1:]):
        if b.start < a.end:
            raise InvalidRecord(
                "spans",
                f"accepted spans {i} {a.text!r} ({a.label_}) and {j} {b.text!r} ({b.label_}) "
                "overlap",
            )
    first: Dict[SpanKey, Tuple[int, str]] = {}
    for i, span, verdict in verdicts:
        if verdict == "ignore":
            continue
        j, other = first.setdefault(_key(span), (i, verdict))
        if other != verdict:
            raise InvalidRecord(
                "spans",
                f"spans {j} and {i} are the same span {span.text!r} ({span.label_}), "
                "accepted and rejected",
            )


def _claims(
    answer: Answer,
    doc: Doc | None,
    doc_text: str | None,
    token_source: Answer | None,
    nlp: Language,
    align: Union[str, AlignMode],
    labels: Set[str] | None,
    merged: Merged,
    spans: Dict[SpanKey, Span],
    spans_key: str | None = None,
) -> Tuple[Tuple[SpanKey, str], ...] | None:
    """The `(span, answer)` claims of one answer; None when it is deliberately not used."""
    overlaps = spans_key is not None
    found = answer_claims(answer, doc, doc_text, token_source, nlp, align, labels, overlaps)
    if found.decision == "ignore":
        merged.skipped["answer ignore"] += 1
        return None
    if overlaps and answer.kind != GOLD:
        merged.skipped[BINARY_SKIPPED] += 1
        return None
    if answer.kind == GOLD:
        if found.decision == "reject":
            merged.skipped["gold answer reject"] += 1
            return None
        claims = list(found.claims)
    else:
        claims = [c for c in found.claims if c[1] != "ignore"]
        if not claims:
            merged.skipped["answer ignore"] += 1
            return None
    for span in found.spans:
        spans.setdefault(_key(span), span)
    merged.changes += [{"path": answer.path, "line": answer.line, **c} for c in found.changes]
    return tuple(claims)


def _key(span: Span) -> SpanKey:
    return (span.start_char, span.end_char, span.label_)


def _order(version: _Version, policy: str) -> Tuple:
    """Sort key: the version this policy prefers comes first."""
    if policy == "latest":
        return (-version.answers[-1],)
    if policy == "majority":
        return (-len(version.answers), version.answers[0])
    return (version.answers[0],)


def _tied(a: _Version, b: _Version, policy: str) -> bool:
    """Whether `policy` cannot choose between two contradicting versions."""
    return policy == "report" or (policy == "majority" and len(a.answers) == len(b.answers))


def _resolve(
    versions: List[_Version], policy: str
) -> Tuple[List[SpanKey], List[SpanKey], List[str], List[_Version]]:
    """Entities, rejected spans, conflicts found, and the versions that were kept."""
    conflicts: List[str] = []
    golds = sorted((v for v in versions if v.kind == GOLD), key=lambda v: _order(v, policy))
    kept: List[_Version] = []
    gold: Set[SpanKey] | None = None
    if golds:
        if len(golds) > 1 and _tied(golds[0], golds[1], policy):
            conflicts.append(f"{len(golds)} different gold annotations")
        kept.append(golds[0])
        gold = {span for span, _ in golds[0].claims}
    accepted: Dict[SpanKey, _Version] = {}
    rejected: Dict[SpanKey, _Version] = {}
    binaries = sorted((v for v in versions if v.kind == BINARY), key=lambda v: _order(v, policy))
    for version in binaries:
        problems = [
            _contradiction(span, claim, gold, accepted, rejected) for span, claim in version.claims
        ]
        problems = [p for p in problems if p is not None]
        for reason, other in problems:
            against_gold = other is None and policy == "report"
            if against_gold or (other is not None and _tied(other, version, policy)):
                conflicts.append(reason)
        if not problems:
            kept.append(version)
            for span, claim in version.claims:
                (accepted if claim == "accept" else rejected)[span] = version
    ents = sorted(gold) if gold is not None else sorted(accepted)
    return ents, sorted(rejected), conflicts, kept


def _contradiction(
    span: SpanKey,
    claim: str,
    gold: Set[SpanKey] | None,
    accepted: Dict[SpanKey, _Version],
    rejected: Dict[SpanKey, _Version],
) -> Tuple[str, _Version | None] | None:
    """How a claim contradicts what is kept so far, and the version it contradicts (None: gold)."""
    label = f"{span[2]} [{span[0]}:{span[1]}]"
    if gold is not None and (claim == "accept") != (span in gold):
        return f"binary {claim} of {label} disagrees with the gold annotation", None
    if claim == "accept" and span in rejected:
        return f"{label} both accepted and rejected", rejected[span]
    if claim == "reject" and span in accepted:
        return f"{label} both accepted and rejected", accepted[span]
    if claim == "accept" and gold is None:
        for other_span, other in accepted.items():
            if other_span != span and other_span[0] < span[1] and span[0] < other_span[1]:
                return f"accepted {label} overlaps accepted {other_span[2]}", other
    return None


def _account(merged: Merged, versions: Any, kept: List[_Version], policy: str) -> None:
    """Count every valid answer: one per doc is used, the rest merged, duplicate or overruled."""
    first = True
    for version in versions:
        if not any(version is k for k in kept):
            merged.skipped[f"overruled (--conflicts {policy})"] += len(version.answers)
            continue
        if len(version.answers) > 1:
            merged.skipped["duplicate"] += len(version.answers) - 1
        if first:
            merged.used += 1
            first = False
        else:
            merged.skipped["merged with other answers on the same text"] += 1


def _conflict_report(answers: List[Answer], versions: Any, reasons: List[str]) -> Dict[str, Any]:
    text = answers[0].record.get("text")
    return {
        "text": text,
        "_input_hash": text_hash(text) if isinstance(text, str) else None,
        "reasons": sorted(set(reasons)),
        "answers": [
            {
                "path": answers[i].path,
                "line": answers[i].line,
                "kind": version.kind,
                "claims": [[*span, claim] for span, claim in version.claims],
            }
            for version in versions
            for i in version.answers
        ],
    }
