"""Write a review unit as a record in Prodigy's review shape.

The decision is at the top level (`spans`, `answer`, `tokens`), as every reader of annotation
files expects, and `versions` lists each distinct answer with its spans, answer and `sessions`
(the annotators who gave it), `default` on the chosen one and `_sources` (file:line of each
answer). `_view_id` is `review`, `view_id` the interface reviewed (`ner_manual` or `ner`).
`_review_status` says how the unit was settled; a conflict's record is answered `ignore`, with
the leading version's spans pre-filled, until a person edits it.
"""

import copy
from typing import Any, Dict, List, Optional

from spacy.tokens import Doc

from ..constants import GOLD, REVIEW_VIEW, VIEW_IDS
from ..io.hashing import task_hash
from .policies import Decision
from .versions import STATUS_KEY, Reviewed, Unit, Version, input_hash_of

REASON_KEY = "_review_reason"


def unit_record(unit: Unit, decision: Decision) -> Dict[str, Any]:
    """The record the review step writes for `unit`: settled, or a conflict to edit."""
    if decision.reviewed:
        return _with_new_votes(unit)
    review = _untouched_conflict(unit)
    if review is not None and decision.version is None:
        return review.answer.record  # an unedited conflict read back stays as it was
    leading = decision.version or _leading(unit)
    settled = decision.version is not None
    record: Dict[str, Any] = {"text": unit.text}
    if isinstance(unit.first.get("meta"), dict):
        record["meta"] = unit.first["meta"]
    record["_input_hash"] = input_hash_of(unit)
    record["tokens"] = token_dicts(unit.doc)
    if unit.label is not None:
        record["label"] = unit.label
    record["spans"] = span_dicts(unit, leading)
    record["answer"] = leading.decision if settled else "ignore"
    record["_task_hash"] = task_hash(record)
    record["_view_id"] = REVIEW_VIEW
    record["view_id"] = VIEW_IDS[unit.kind]
    record["versions"] = [_version_dict(unit, v, v is leading) for v in unit.ordered()]
    record[STATUS_KEY] = decision.status
    if decision.reason:
        record[REASON_KEY] = decision.reason
    return record


def token_dicts(doc: Doc) -> List[Dict[str, Any]]:
    """The doc's tokens as Prodigy token dicts."""
    return [
        dict(text=t.text, start=t.idx, end=t.idx + len(t), id=t.i, ws=bool(t.whitespace_))
        for t in doc
    ]


def span_dicts(unit: Unit, version: Version) -> List[Dict[str, Any]]:
    """The version's spans as Prodigy span dicts (token offsets into the unit's doc)."""
    spans = []
    for (start, end, label), claim in version.claims:
        span = unit.doc.char_span(start, end)
        item = {"start": start, "end": end, "text": unit.text[start:end], "label": label}
        item.update(token_start=span.start, token_end=span.end - 1)
        if unit.kind != GOLD and claim != version.decision:
            item["answer"] = claim
        spans.append(item)
    return spans


def _version_dict(unit: Unit, version: Version, default: bool) -> Dict[str, Any]:
    item: Dict[str, Any] = {"spans": span_dicts(unit, version), "answer": version.decision}
    if unit.label is not None:
        item["label"] = unit.label
    item["_input_hash"] = input_hash_of(unit)
    item["_task_hash"] = task_hash({"text": unit.text, **item})
    item["_view_id"] = VIEW_IDS[unit.kind]
    item["sessions"] = version.sessions
    item["default"] = default
    item["_sources"] = version.sources
    return item


def _leading(unit: Unit) -> Version:
    """The version a conflict record pre-fills: most annotators, then first read."""
    versions = unit.ordered()
    return max(versions, key=lambda v: (len(v.sessions), -versions.index(v)))


def _untouched_conflict(unit: Unit) -> Optional[Reviewed]:
    """The unit's one unsettled review record, when no other answer came with it."""
    if len(unit.reviews) != 1 or unit.n_records != 1 or unit.reviews[0].settled:
        return None
    return unit.reviews[0]


def _with_new_votes(unit: Unit) -> Dict[str, Any]:
    """The first settled review record, with any votes it does not list yet added.

    A review record read back with nothing new is written unchanged.
    """
    review = next(r for r in unit.reviews if r.settled)
    record = review.answer.record
    listed = {(vote.annotator, vote.key) for other in unit.reviews for vote in other.votes}
    new = [
        (vote, version)
        for version in unit.ordered()
        for vote in version.votes
        if (vote.annotator, version.key) not in listed
    ]
    if not new:
        return record
    record = copy.deepcopy(record)
    for vote, version in new:
        item = next((v for v in record["versions"] if _same(v, version)), None)
        if item is None:
            item = _version_dict(unit, version, default=False)
            item["sessions"], item["_sources"] = [], []
            record["versions"].append(item)
        if vote.annotator not in item.setdefault("sessions", []):
            item["sessions"].append(vote.annotator)
        item.setdefault("_sources", []).extend(vote.sources)
    return record


def _same(item: Dict[str, Any], version: Version) -> bool:
    """Whether a version dict of a review record says what `version` says."""
    spans = item.get("spans") or []
    key = sorted((s.get("start"), s.get("end"), s.get("label")) for s in spans)
    return item.get("answer", "accept") == version.decision and key == sorted(
        span for span, _ in version.claims
    )
