"""Tell an input's format from its content (the extension only for `.spacy`)."""

import json
from pathlib import Path
from typing import Any

from ...io.encoding import expect_file, sniff_encoding
from ...io.records import is_json_array_file

SAMPLE_BYTES = 65536
MAX_ITEMS = 100
PRODIGY_KEYS = ("spans", "tokens", "answer", "_input_hash", "_task_hash", "_view_id")


def detect_format(path: Path) -> str:
    """One of the reader names in `formats.READERS`, judged from the start of the file.

    A directory is only read as `.spacy` shards (named `NAME.spacy`); any other raises
    `PluginError`.
    """
    path = Path(path)
    if path.suffix == ".spacy":
        return "spacy"
    with expect_file(path).open("rb") as file_:
        head = file_.read(SAMPLE_BYTES)
    encoding = sniff_encoding(head)
    text = head[encoding.bom :].decode(encoding.name, errors="replace").lstrip()
    if is_json_array_file(text):
        return _json_array_format(text)
    if text.startswith(("{", "[")):
        first = text.split("\n", 1)[0].strip()
        try:
            return _object_format(json.loads(first))
        except (ValueError, RecursionError):
            return "prodigy"
    if not text:
        return "prodigy"
    return "conll"


def _json_array_format(text: str) -> str:
    """The format of a JSON array from the items in the sample: the first that tells decides.

    Lists are spaCy v2 `TRAIN_DATA`; objects with `annotations`/`data` or a list of labelled
    regions are Label Studio; objects with Prodigy's `spans`, `tokens`, `answer` or hashes are
    Prodigy records (exported as one array). Objects with only a text are Label Studio
    JSON-MIN, which reads them the same.
    """
    decoder = json.JSONDecoder()
    pos = _skip(text, 1)
    body_starts_with_object = text[pos : pos + 1] == "{"
    for _ in range(MAX_ITEMS):
        try:
            item, end = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError):
            break
        if isinstance(item, list):
            return "spacy-v2"
        if isinstance(item, dict):
            if "annotations" in item or "data" in item or any(map(_is_region_list, item.values())):
                return "label-studio"
            if any(key in item for key in PRODIGY_KEYS):
                return "prodigy"
        pos = _skip(text, end)
        if text[pos : pos + 1] != ",":
            break
        pos = _skip(text, pos + 1)
    return "label-studio" if body_starts_with_object else "spacy-v2"


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _is_region_list(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(v, dict) and "labels" in v for v in value)


def _object_format(record: Any) -> str:
    if not isinstance(record, dict):
        return "prodigy"
    if "annotations" in record and "data" in record:
        return "label-studio"
    label = record.get("label")
    if isinstance(label, list) or isinstance(record.get("entities"), list):
        return "doccano"
    return "prodigy"
