"""Tell an input's format from its content (the extension only for `.spacy`)."""

import json
from pathlib import Path
from typing import Any

from ...io.encoding import sniff_encoding

SAMPLE_BYTES = 65536


def detect_format(path: Path) -> str:
    """One of the reader names in `formats.READERS`, judged from the start of the file."""
    path = Path(path)
    if path.is_dir() or path.suffix == ".spacy":
        return "spacy"
    with path.open("rb") as file_:
        head = file_.read(SAMPLE_BYTES)
    encoding = sniff_encoding(head)
    text = head[encoding.bom :].decode(encoding.name, errors="replace").lstrip()
    if text.startswith("["):
        return _json_array_format(text)
    if text.startswith("{"):
        first = text.split("\n", 1)[0].strip()
        try:
            return _object_format(json.loads(first))
        except (ValueError, RecursionError):
            return "prodigy"
    if not text:
        return "prodigy"
    return "conll"


def _json_array_format(text: str) -> str:
    body = text[1:].lstrip()
    try:
        first, _ = json.JSONDecoder().raw_decode(body)
    except (ValueError, RecursionError):
        return "label-studio" if body.startswith("{") else "spacy-v2"
    if isinstance(first, list):
        return "spacy-v2"
    return "label-studio"


def _object_format(record: Any) -> str:
    if not isinstance(record, dict):
        return "prodigy"
    if "annotations" in record and "data" in record:
        return "label-studio"
    label = record.get("label")
    if isinstance(label, list) or isinstance(record.get("entities"), list):
        return "doccano"
    return "prodigy"
