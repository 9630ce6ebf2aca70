"""Review tasks: the versions of one text, side by side with who made each.

A review task is Prodigy's review record: the text and tokens, the spans of the version shown
first (`spans`), and `versions`, one per distinct annotation of the text (its `spans`,
`answer` and the `sessions` that gave it, most frequent first). Records that already have
`versions` (from a review step) are taken as they are.
"""

from typing import Any, Callable, Dict, Iterable, List, Tuple

from ..io.hashing import set_hashes, span_key

Task = Dict[str, Any]
REVIEW_VIEW = "review"


def review_tasks(records: Iterable[Task], tokenize: Callable[[str], List[Dict]]) -> List[Task]:
    """One review task per text of `records` (answers of several sessions or datasets)."""
    groups: Dict[int, List[Task]] = {}
    ready: List[Task] = []
    for record in records:
        if isinstance(record.get("versions"), list):
            ready.append(_ready(record, tokenize))
            continue
        if not isinstance(record.get("text"), str) or record.get("answer") == "ignore":
            continue
        groups.setdefault(set_hashes(dict(record))["_input_hash"], []).append(record)
    return ready + [_review_task(answers, tokenize) for answers in groups.values()]


def _review_task(answers: List[Task], tokenize: Callable[[str], List[Dict]]) -> Task:
    text = answers[0]["text"]
    tokens = next((a["tokens"] for a in answers if a.get("tokens")), None) or tokenize(text)
    versions: Dict[Tuple, Task] = {}
    for answer in answers:
        spans = with_token_offsets([_clean_span(s) for s in answer.get("spans") or []], tokens)
        key = (answer.get("answer", "accept"), tuple(span_key(spans)))
        version = versions.setdefault(
            key,
            {"spans": spans, "answer": key[0], "sessions": [], "default": False},
        )
        session = answer.get("_session_id") or answer.get("_annotator_id") or "unknown"
        if session not in version["sessions"]:
            version["sessions"].append(str(session))
    ordered = sorted(versions.values(), key=lambda v: -len(v["sessions"]))
    ordered[0]["default"] = True
    first = next((v for v in ordered if v["answer"] == "accept"), ordered[0])
    task = {
        "text": text,
        "tokens": tokens,
        "spans": [dict(s) for s in first["spans"]],
        "versions": ordered,
        "meta": {**answers[0].get("meta", {}), "versions": len(ordered)},
    }
    return set_hashes(task, overwrite=True)


def _ready(record: Task, tokenize: Callable[[str], List[Dict]]) -> Task:
    task = dict(record)
    task.setdefault("tokens", tokenize(task["text"]))
    task.setdefault("spans", [])
    return set_hashes(task)


def _clean_span(span: Dict[str, Any]) -> Dict[str, Any]:
    keep = ("start", "end", "label", "token_start", "token_end")
    return {k: span[k] for k in keep if k in span}


def with_token_offsets(spans: List[Dict[str, Any]], tokens: List[Dict]) -> List[Dict[str, Any]]:
    """Spans with `token_start`/`token_end` (from their character offsets where missing);
    spans off token boundaries are dropped (the page cannot show them)."""
    starts = {t["start"]: i for i, t in enumerate(tokens)}
    ends = {t["end"]: i for i, t in enumerate(tokens)}
    found = []
    for span in spans:
        if "token_start" not in span or "token_end" not in span:
            if span.get("start") not in starts or span.get("end") not in ends:
                continue
            span = {**span, "token_start": starts[span["start"]], "token_end": ends[span["end"]]}
        found.append(span)
    return found
