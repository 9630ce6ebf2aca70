"""Deterministic `_input_hash` / `_task_hash` for annotation records.

Both are signed 32-bit MurmurHash3 values (the `murmurhash` package spaCy already depends on)
of a canonical JSON string, so they are stable across processes, machines and Python versions:

- `_input_hash` hashes `{"text": ...}` (plus `image`/`html`/`input` when a record has them):
  every answer about the same text shares it.
- `_task_hash` hashes the input hash together with the sorted `(start, end, label)` of the
  record's spans and its top-level `label`: the same question about the same text shares it.

Any record can be hashed, also one that validation rejects (spans that are not objects, a
numeric label, a lone surrogate): the hash is then of whatever the record holds.

Hashes already present in a record (e.g. from a Prodigy export) are kept unless
`overwrite=True`; grouping by text always uses `text_hash`, which never trusts a stored value.
"""

import json
from json.encoder import encode_basestring
from typing import Any, Dict, Iterable, List, Tuple

import murmurhash

INPUT_KEYS = ("text", "image", "html", "input")


def _hash_json(value: Any) -> int:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    # `murmurhash.hash(text)` hashes the UTF-8 bytes; surrogatepass also takes a lone surrogate
    return murmurhash.hash_bytes(text.encode("utf8", "surrogatepass"))


def _hash_text(text: str) -> int:
    """`_hash_json({"text": text})` without building the dict: the same canonical string."""
    canonical = '{"text": ' + encode_basestring(text) + "}"
    return murmurhash.hash_bytes(canonical.encode("utf8", "surrogatepass"))


def input_hash(record: Dict[str, Any]) -> int:
    """Hash of the record's input (its text), shared by every answer about that text."""
    text = record.get("text")
    if isinstance(text, str) and not any(key in record for key in INPUT_KEYS[1:]):
        return _hash_text(text)  # the common case, a text only: the same hash, faster
    return _hash_json({key: record[key] for key in INPUT_KEYS if key in record})


def span_key(spans: Iterable[Any]) -> List[Tuple[Any, Any, Any]]:
    """The sorted `(start, end, label)` triples that identify a record's spans.

    A span that is not an object counts as `(span, None, None)`; values of mixed types sort
    by their JSON form.
    """
    keys = [
        (s.get("start"), s.get("end"), s.get("label")) if isinstance(s, dict) else (s, None, None)
        for s in spans
    ]
    try:
        return sorted(keys)
    except TypeError:
        return sorted(keys, key=lambda key: json.dumps(key, sort_keys=True, default=repr))


def task_hash(record: Dict[str, Any], of_input: int | None = None) -> int:
    """Hash of the input plus the question asked about it (spans and label); `of_input`: the
    record's `input_hash`, where the caller has just computed it."""
    spans = record.get("spans") or []
    label = record.get("label")
    of_input = input_hash(record) if of_input is None else of_input
    if not spans and label is None:  # a text without a question yet: the same string, faster
        canonical = f'{{"input": {of_input}, "label": null, "spans": []}}'
        return murmurhash.hash_bytes(canonical.encode("utf8"))
    return _hash_json(
        {
            "input": of_input,
            "spans": span_key(spans) if isinstance(spans, list) else spans,
            "label": label,
        }
    )


def text_hash(text: str) -> int:
    """The input hash of a plain text, used to group and split records by text."""
    return _hash_text(text)


def set_hashes(record: Dict[str, Any], overwrite: bool = False) -> Dict[str, Any]:
    """Add `_input_hash` and `_task_hash` to a record (in place) and return it."""
    fresh = None
    if overwrite or "_input_hash" not in record:
        fresh = record["_input_hash"] = input_hash(record)
    if overwrite or "_task_hash" not in record:
        record["_task_hash"] = task_hash(record, fresh)
    return record
