"""Tell complete (gold) annotations from binary yes/no answers, per record and per file."""

from enum import Enum
from itertools import islice
from typing import Any, Dict, Iterable, Optional, Tuple

from ..constants import BINARY, BINARY_VIEWS, GOLD, MANUAL_VIEWS, REVIEW_VIEW

ONE_SPAN_SHARE, REJECTED_SHARE = 0.8, 0.2
DETECT_SAMPLE = 1000


class AnswerKind(str, Enum):
    """A complete (gold) annotation of a text, or a binary yes/no answer about one span."""

    gold = GOLD
    binary = BINARY


def answer_kind(record: Dict[str, Any], default: Optional[str] = None) -> str:
    """Whether a record is a complete (gold) annotation or a binary yes/no answer.

    A boolean `_is_binary` decides first, then Prodigy's `_view_id` (`ner` is binary,
    `ner_manual` gold; a `review` record, whose top-level spans and answer are the reviewed
    decision, is of the kind of the interface it reviewed: its `view_id`, else its versions');
    otherwise `default` (an input marked `binary:`, `--binary`, or what
    `detect_kind` found for its file); otherwise spans with their own `answer`, or a rejected
    record without tokens, are binary; everything else is gold.
    """
    is_binary = record.get("_is_binary")
    if isinstance(is_binary, bool):
        return BINARY if is_binary else GOLD
    view = record.get("_view_id")
    if view == REVIEW_VIEW:
        view = reviewed_view(record)
    if view in BINARY_VIEWS:
        return BINARY
    if view in MANUAL_VIEWS:
        return GOLD
    if default is not None:
        return default
    spans = record.get("spans")
    if isinstance(spans, list) and any(isinstance(s, dict) and "answer" in s for s in spans):
        return BINARY
    if record.get("answer") == "reject" and spans and "tokens" not in record:
        return BINARY
    return GOLD


def detect_kind(records: Iterable[Dict[str, Any]]) -> Tuple[Optional[str], str]:
    """The kind of a file's undeclared records, from its first `DETECT_SAMPLE`, and the evidence.

    Records without `_is_binary` or `_view_id` (older Prodigy exports, other tools) are yes/no
    answers when they look like `ner.teach` output: of the records with spans, nearly all
    (`ONE_SPAN_SHARE`) hold exactly one and many (`REJECTED_SHARE`) are rejected. Complete
    annotations are rarely rejected and hold any number of spans. None: decide record by record.
    """
    with_spans = one_span = rejected = 0
    for record in islice(records, DETECT_SAMPLE):
        spans = record.get("spans")
        if "_is_binary" in record or "_view_id" in record or not isinstance(spans, list):
            continue
        if spans:
            with_spans += 1
            one_span += len(spans) == 1
            rejected += record.get("answer") == "reject"
    evidence = f"{one_span} of {with_spans} records with spans hold one, {rejected} rejected"
    if (
        with_spans
        and one_span >= ONE_SPAN_SHARE * with_spans
        and rejected >= REJECTED_SHARE * with_spans
    ):
        return BINARY, evidence
    return None, evidence


def reviewed_view(record: Dict[str, Any]) -> Optional[str]:
    """The interface a review record reviewed: its `view_id`, else its first version's."""
    view = record.get("view_id")
    if isinstance(view, str) and view != REVIEW_VIEW:
        return view
    versions = record.get("versions")
    if isinstance(versions, list):
        for version in versions:
            if isinstance(version, dict) and isinstance(version.get("_view_id"), str):
                return version["_view_id"]
    return None
