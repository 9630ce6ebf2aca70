"""Prodigy JSONL: the normalized form itself, so exports are read and written unchanged.

A JSON array of the same records (some tools export Prodigy data that way) is read too.
"""

from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List

from ...io.encoding import expect_file, sniff_encoding
from ...io.files import atomic_path
from ...io.records import (
    InvalidRecord,
    Line,
    convert_lines,
    is_json_array_file,
    json_line,
    read_json_array,
    read_jsonl,
)

ARRAY_SAMPLE_BYTES = 65536


def read(path: Path) -> Iterator[Line]:
    """Every line of a Prodigy JSONL file, as it is (manual and binary answers alike)."""
    if _is_json_array(path):
        return convert_lines(read_json_array(path), _record)
    return read_jsonl(path)


def _is_json_array(path: Path) -> bool:
    with expect_file(path).open("rb") as file_:
        head = file_.read(ARRAY_SAMPLE_BYTES)
    encoding = sniff_encoding(head)
    return is_json_array_file(head[encoding.bom :].decode(encoding.name, errors="replace"))


def _record(item: Any) -> List[Dict[str, Any]]:
    if not isinstance(item, dict):
        raise InvalidRecord(None, f"expected a JSON object, got {type(item).__name__}")
    return [item]


def write(path: Path, records: Iterable[Dict[str, Any]]) -> int:
    """Write records as Prodigy JSONL (atomically); return how many were written."""
    count = 0
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf8") as file_:
        for record in records:
            file_.write(json_line(record) + "\n")
            count += 1
    return count
