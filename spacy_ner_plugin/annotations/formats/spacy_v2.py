"""spaCy v2 `TRAIN_DATA` JSON: `[["text", {"entities": [[start, end, "LABEL"], ...]}], ...]`."""

from pathlib import Path
from typing import Any, Dict, Iterator

from ...constants import MANUAL_VIEW
from ...io.records import InvalidRecord, Line, convert_lines, read_json_array


def read(path: Path) -> Iterator[Line]:
    """Each `(text, annotations)` pair of the array as a gold record."""
    return convert_lines(read_json_array(path), lambda item: [from_train_data(item)])


def from_train_data(item: Any) -> Dict[str, Any]:
    """A normalized gold record from one `[text, {"entities": [...]}]` item."""
    if not isinstance(item, list) or len(item) != 2 or not isinstance(item[1], dict):
        raise InvalidRecord(None, 'expected [text, {"entities": [...]}]')
    text, annotations = item
    ents = annotations.get("entities", [])
    if not isinstance(ents, list):
        raise InvalidRecord("entities", "'entities' must be a list")
    spans = []
    for i, ent in enumerate(ents):
        if not isinstance(ent, (list, tuple)) or len(ent) != 3:
            raise InvalidRecord("entities", f"entity {i} must be [start, end, label]")
        spans.append({"start": ent[0], "end": ent[1], "label": ent[2]})
    meta = {k: v for k, v in annotations.items() if k != "entities"}
    return {"text": text, "spans": spans, "answer": "accept", "meta": meta, "_view_id": MANUAL_VIEW}
