"""Prodigy JSONL: the normalized form itself, so exports are read and written unchanged."""

from pathlib import Path
from typing import Any, Dict, Iterable, Iterator

from ...io.files import atomic_path
from ...io.records import Line, json_line, read_jsonl


def read(path: Path) -> Iterator[Line]:
    """Every line of a Prodigy JSONL file, as it is (manual and binary answers alike)."""
    return read_jsonl(path)


def write(path: Path, records: Iterable[Dict[str, Any]]) -> int:
    """Write records as Prodigy JSONL (atomically); return how many were written."""
    count = 0
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf8") as file_:
        for record in records:
            file_.write(json_line(record) + "\n")
            count += 1
    return count
