"""Deterministic `_input_hash` / `_task_hash` for annotation records.

Both are signed 32-bit MurmurHash3 values (the `murmurhash` package spaCy already depends on)
of a canonical JSON string, so they are stable across processes, machines and Python versions:

- `_input_hash` hashes `{"text": ...}` (plus `image`/`html`/`input` when a record has them):
  every answer about the same text shares it.
- `_task_hash` hashes the input hash together with the sorted `(start, end, label)` of the
  record's spans and its top-level `label`: the same question about the same text shares it.

Hashes already present in a record (e.g. from a Prodigy export) are kept unless
`overwrite=True`; grouping by text always uses `text_hash`, which never trusts a stored value.
"""

import json
from typing import Any, Dict, Iterable, List, Tuple

import murmurhash

INPUT_KEYS = ("text", "image", "html", "input")


def _hash_json(value: Any) -> int:
    return murmurhash.hash(json.dumps(value, sort_keys=True, ensure_ascii=False))


def input_hash(record: Dict[str, Any]) -> int:
    """Hash of the record's input (its text), shared by every answer about that text."""
    return _hash_json({key: record[key] for key in INPUT_KEYS if key in record})


def span_key(spans: Iterable[Dict[str, Any]]) -> List[Tuple[int, int, str]]:
    """The sorted `(start, end, label)` triples that identify a record's spans."""
    return sorted((s["start"], s["end"], s["label"]) for s in spans)


def task_hash(record: Dict[str, Any]) -> int:
    """Hash of the input plus the question asked about it (spans and label)."""
    return _hash_json(
        {
            "input": input_hash(record),
            "spans": span_key(record.get("spans") or []),
            "label": record.get("label"),
        }
    )


def text_hash(text: str) -> int:
    """The input hash of a plain text, used to group and split records by text."""
    return _hash_json({"text": text})


def set_hashes(record: Dict[str, Any], overwrite: bool = False) -> Dict[str, Any]:
    """Add `_input_hash` and `_task_hash` to a record (in place) and return it."""
    if overwrite or "_input_hash" not in record:
        record["_input_hash"] = input_hash(record)
    if overwrite or "_task_hash" not in record:
        record["_task_hash"] = task_hash(record)
    return record
