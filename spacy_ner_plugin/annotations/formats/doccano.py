"""doccano JSONL exports: `"label": [[start, end, "LABEL"], ...]` or the `entities` object form."""

from pathlib import Path
from typing import Any, Dict, Iterator, List

from ...constants import MANUAL_VIEW
from ...io.records import InvalidRecord, Line, convert_lines, read_jsonl

ENTITY_KEYS = ("label", "labels", "entities")


def read(path: Path) -> Iterator[Line]:
    """Each doccano line as a gold record; other keys (id, comments, ...) go to `meta`."""
    return convert_lines(read_jsonl(path), lambda record: [from_doccano(record)])


def from_doccano(item: Dict[str, Any]) -> Dict[str, Any]:
    """A normalized gold record from one doccano item."""
    text = item.get("text", item.get("data"))
    key = next((k for k in ENTITY_KEYS if k in item), None)
    raw = item.get(key) if key else []
    if not isinstance(raw, list):
        raise InvalidRecord(key, f"'{key}' must be a list")
    spans: List[Dict[str, Any]] = []
    for i, ent in enumerate(raw):
        if isinstance(ent, dict):
            start, end = ent.get("start_offset"), ent.get("end_offset")
            label = ent.get("label")
        elif isinstance(ent, list) and len(ent) == 3:
            start, end, label = ent
        else:
            raise InvalidRecord(key, f"entity {i} must be [start, end, label] or an object")
        spans.append({"start": start, "end": end, "label": label})
    meta = {k: v for k, v in item.items() if k not in ("text", "data", key)}
    return {"text": text, "spans": spans, "answer": "accept", "meta": meta, "_view_id": MANUAL_VIEW}
