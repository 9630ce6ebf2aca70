"""Tell an input's format from its content (the extension only for `.spacy`)."""

import json
from collections import Counter
from itertools import islice
from pathlib import Path
from typing import Any, Iterable

from ...io.encoding import expect_file, sniff_encoding
from ...io.records import is_json_array_file, json_array_lines

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
    if _is_jsonl(text):
        return _vote(map(_object_format, islice(_jsonl_values(text), MAX_ITEMS))) or "prodigy"
    if not text:
        return "prodigy"
    return "conll"


def _json_array_format(text: str) -> str:
    """The format of a JSON array, by a vote of the items in the sample that tell.

    Lists `[text, {...}]` are spaCy v2 `TRAIN_DATA`; objects with `annotations`/`data` or a
    list of labelled regions are Label Studio; objects with Prodigy's `spans`, `tokens`,
    `answer` or hashes are Prodigy records (exported as one array). The most votes win (a tie:
    the first seen), so one bad item, even the first, cannot decide how the others are read.
    Without a vote, mostly objects are Label Studio JSON-MIN (which reads a bare text the
    same), mostly lists spaCy v2; on a tie, the first item's type decides.
    """
    items = [line.record for line in islice(json_array_lines("", text), MAX_ITEMS)]
    found = _vote(map(_item_format, items))
    if found is not None:
        return found
    objects = sum(isinstance(item, dict) for item in items)
    lists = sum(isinstance(item, list) for item in items)
    if objects == lists:
        first = _skip(text, 1)
        return "label-studio" if text[first : first + 1] == "{" else "spacy-v2"
    return "label-studio" if objects > lists else "spacy-v2"


def _item_format(item: Any) -> str | None:
    """The format one JSON array item shows, if any."""
    if isinstance(item, list):
        is_pair = len(item) == 2 and isinstance(item[0], str) and isinstance(item[1], dict)
        return "spacy-v2" if is_pair else None
    if not isinstance(item, dict):
        return None
    if "annotations" in item or "data" in item or any(map(_is_region_list, item.values())):
        return "label-studio"
    if any(key in item for key in PRODIGY_KEYS):
        return "prodigy"
    return None


def _vote(formats: Iterable[str | None]) -> str | None:
    """The format most items show (the first seen of a tie); None if none shows one."""
    votes = Counter(found for found in formats if found is not None)
    return votes.most_common(1)[0][0] if votes else None


def _is_jsonl(text: str) -> bool:
    """Whether a sample is JSON lines: it starts with "{" or "[", or most of its first lines
    are objects (a first line that is not one, `null` say, does not make it CoNLL)."""
    if text.startswith(("{", "[")):
        return True
    lines = [line for line in text.split("\n", MAX_ITEMS)[:MAX_ITEMS] if line.strip()]
    return 2 * sum(line.lstrip().startswith("{") for line in lines) > len(lines)


def _jsonl_values(text: str) -> Iterable[Any]:
    """The JSON value of each line of `text` that holds one (a cut last line does not)."""
    for line in text.split("\n"):
        try:
            yield json.loads(line)
        except (ValueError, RecursionError):
            continue


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _is_region_list(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(v, dict) and "labels" in v for v in value)


def _object_format(record: Any) -> str | None:
    """The format one JSON line shows, if any: the most lines decide (`_vote`)."""
    if not isinstance(record, dict):
        return None
    if "annotations" in record and "data" in record:
        return "label-studio"
    label = record.get("label")
    if isinstance(label, list) or isinstance(record.get("entities"), list):
        return "doccano"
    if any(key in record for key in PRODIGY_KEYS):
        return "prodigy"
    return None
