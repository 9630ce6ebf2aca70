"""Turn what the page sends into answer records, checking everything a client could get wrong.

The page sends, per answer, its id, the task's hashes, the answer and the spans as edited.
The record saved is the task as the app handed it out (text, tokens, meta) with those spans:
a client never changes a text, and never sends one (the server stores only answers to tasks
it handed out). A span the page kept as the task had it keeps the task's own fields
(`source`, `pattern_id`, `score`, ...), whatever the page sent with it. Spans may overlap only
in the `spans_manual` view (`spans.manual`), as in Prodigy's output for it.
"""

import time
from typing import Any, Dict, List, Sequence

from ..constants import BINARY_VIEW, BINARY_VIEWS, REVIEW_VIEW, SPANS_VIEW
from ..io.hashing import input_hash, task_hash

Task = Dict[str, Any]


class InvalidAnswer(ValueError):
    """An answer the app will not save, and why."""


def check_spans(
    spans: Sequence[Dict[str, Any]], task: Task, view: str, labels: Sequence[str]
) -> List[Dict[str, Any]]:
    """The answer's spans, each on token boundaries, not starting or ending on whitespace,
    with a known label, not overlapping (in `spans_manual`: overlapping, but none twice); a
    binary answer keeps the task's own span."""
    tokens = task["tokens"]
    if view == BINARY_VIEW:
        asked = [(s["start"], s["end"], s["label"]) for s in task.get("spans", [])]
        if [(s["start"], s["end"], s["label"]) for s in spans] != asked:
            raise InvalidAnswer("a binary answer cannot change the suggested span")
        return [dict(s) for s in task.get("spans", [])]
    allowed = set(labels) | {s.get("label") for s in task.get("spans", [])}
    if view == REVIEW_VIEW:
        allowed |= {s.get("label") for v in task.get("versions", []) for s in v.get("spans", [])}
    own_spans = {(s.get("start"), s.get("end"), s.get("label")): s for s in task.get("spans", [])}
    checked = []
    for i, span in enumerate(spans):
        first, last = span["token_start"], span["token_end"]
        if not 0 <= first <= last < len(tokens):
            raise InvalidAnswer(f"span {i}: token range out of the text")
        if span["start"] != tokens[first]["start"] or span["end"] != tokens[last]["end"]:
            raise InvalidAnswer(f"span {i}: offsets are not its tokens'")
        if tokens[first]["text"].isspace() or tokens[last]["text"].isspace():
            raise InvalidAnswer(f"span {i}: starts or ends on whitespace")
        if labels and span["label"] not in allowed:
            raise InvalidAnswer(f"span {i}: unknown label {span['label']!r}")
        checked.append({k: v for k, v in span.items() if v is not None})
        own = own_spans.get((span["start"], span["end"], span["label"]))
        if own is not None:
            checked[-1] = {**checked[-1], **own, "token_start": first, "token_end": last}
    checked.sort(key=lambda s: (s["token_start"], s["token_end"]))
    if view == SPANS_VIEW:
        places = [(s["start"], s["end"], s["label"]) for s in checked]
        if len(set(places)) < len(places):
            raise InvalidAnswer("the same span (offsets and label) is given twice")
        return checked
    for before, after in zip(checked, checked[1:]):
        if after["token_start"] <= before["token_end"]:
            raise InvalidAnswer("spans overlap")
    return checked


def answer_record(
    task: Task,
    spans: List[Dict[str, Any]],
    answer: str,
    answer_id: str,
    session_id: str,
    view: str,
    accept: List[str] | None = None,
) -> Task:
    """The record saved: the task, the answer's spans, and Prodigy's fields."""
    record = {k: v for k, v in task.items() if not k.startswith("_") or k == "_model_version"}
    record.update(
        spans=spans,
        answer=answer,
        _input_hash=task.get("_input_hash", input_hash(task)),
        _task_hash=task.get("_task_hash", task_hash(task)),
        _session_id=session_id,
        _annotator_id=session_id,
        _timestamp=int(time.time()),
        _view_id=view,
        _answer_id=answer_id,
    )
    if view == REVIEW_VIEW:
        # a reviewed unit keeps its kind: a text's complete annotation, or one binary question
        record["_is_binary"] = task.get("view_id") in BINARY_VIEWS
    if accept is not None:
        record["accept"] = accept
    return record
