"""Streaming reader for annotation JSONL that turns every bad line into a located `Reject`.

Readers never raise on bad data: each line comes back either as a record or as a `Reject`
naming file, line, field and reason, so a step can report it and go on with the rest.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Union

from ..constants import ANSWERS


class InvalidRecord(ValueError):
    """A record that cannot be used, with the field at fault."""

    def __init__(self, field: Optional[str], reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass
class Reject:
    """A record that was not used, where it came from and why."""

    path: str
    line: int
    field: Optional[str]
    reason: str
    record: Any = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        return f"{where} [{self.field}] {self.reason}" if self.field else f"{where} {self.reason}"

    def to_json(self) -> Dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "field": self.field,
            "reason": self.reason,
            "record": self.record,
        }


@dataclass
class Line:
    """One non-blank line of an input file: a parsed record or the reason it could not be."""

    path: str
    line: int
    record: Optional[Dict[str, Any]] = None
    reject: Optional[Reject] = field(default=None)


def read_jsonl(path: Union[str, Path]) -> Iterator[Line]:
    """Yield every non-blank line of a JSONL file, parsed or rejected.

    Handles a UTF-8 BOM and CRLF line ends; undecodable bytes and malformed JSON reject
    only their own line.
    """
    path_str = str(path)
    with Path(path).open("rb") as file_:
        for line_no, raw in enumerate(file_, start=1):
            if line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            line = parse_jsonl_line(path_str, line_no, raw)
            if line is not None:
                yield line


def decode_line(path: str, line_no: int, raw: bytes) -> Union[str, Line]:
    """The stripped text of a raw line, or a `Line` rejecting it as undecodable."""
    try:
        return raw.decode("utf8").strip()
    except UnicodeDecodeError as err:
        reason = f"not valid UTF-8 (byte {err.start})"
        return Line(path, line_no, reject=Reject(path, line_no, None, reason))


def parse_jsonl_line(path: str, line_no: int, raw: bytes) -> Optional[Line]:
    """One JSONL line as a record or a located `Reject`; None for a blank line."""
    text = decode_line(path, line_no, raw)
    if isinstance(text, Line):
        return text
    if not text:
        return None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as err:
        reason = f"malformed JSON: {err.msg} (column {err.colno})"
        return Line(path, line_no, reject=Reject(path, line_no, None, reason, text))
    if not isinstance(record, dict):
        reason = f"expected a JSON object, got {type(record).__name__}"
        return Line(path, line_no, reject=Reject(path, line_no, None, reason, record))
    return Line(path, line_no, record=record)


def read_json_array(path: Union[str, Path]) -> Iterator[Line]:
    """Yield every item of a JSON array file (Label Studio, spaCy v2) with the line it starts on.

    A BOM is skipped and non-UTF-8 bytes are replaced (and reported on their item). Malformed
    JSON rejects the rest of the file from the line where parsing failed, since no later item
    can be located reliably after it.
    """
    path_str = str(path)
    raw = Path(path).read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    text = raw.decode("utf8", errors="replace")
    decoder = json.JSONDecoder()
    pos = _skip_space(text, 0)
    if pos == len(text):
        return
    if text[pos] != "[":
        yield Line(path_str, 1, reject=Reject(path_str, 1, None, "expected a JSON array"))
        return
    pos = _skip_space(text, pos + 1)
    line_no = 1 + text.count("\n", 0, pos)
    while pos < len(text) and text[pos] != "]":
        try:
            item, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as err:
            line_no = err.lineno
            reason = f"malformed JSON: {err.msg} (column {err.colno}); rest of file not read"
            yield Line(path_str, line_no, reject=Reject(path_str, line_no, None, reason))
            return
        if "\ufffd" in text[pos:end]:
            reason = "not valid UTF-8"
            yield Line(path_str, line_no, reject=Reject(path_str, line_no, None, reason, item))
        else:
            yield Line(path_str, line_no, record=item)
        line_no += text.count("\n", pos, end)
        next_pos = _skip_space(text, end)
        if next_pos < len(text) and text[next_pos] == ",":
            next_pos = _skip_space(text, next_pos + 1)
        line_no += text.count("\n", end, next_pos)
        pos = next_pos


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def json_line(record: Any) -> str:
    """One record as compact JSON (the stdlib: ujson mangles integers beyond 64 bits)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def get_answer(record: Dict[str, Any]) -> str:
    """The record's answer; records without one (plain exports) count as accepted."""
    answer = record.get("answer", "accept")
    if answer not in ANSWERS:
        raise InvalidRecord("answer", f"unknown answer {answer!r} (expected one of {ANSWERS})")
    return answer


def get_text(record: Dict[str, Any]) -> str:
    """The record's text, which must be a non-empty string."""
    text = record.get("text")
    if text is None:
        raise InvalidRecord("text", "missing 'text'")
    if not isinstance(text, str):
        raise InvalidRecord("text", f"'text' must be a string, got {type(text).__name__}")
    if not text.strip():
        raise InvalidRecord("text", "empty 'text'")
    return text


def convert_lines(
    lines: Iterable[Line], convert: Callable[[Any], List[Dict[str, Any]]]
) -> Iterator[Line]:
    """Turn each parsed item into records with `convert`; an `InvalidRecord` rejects its line."""
    for line in lines:
        if line.record is None:
            yield line
            continue
        try:
            records = convert(line.record)
        except InvalidRecord as err:
            reject = Reject(line.path, line.line, err.field, err.reason, line.record)
            yield Line(line.path, line.line, reject=reject)
            continue
        for record in records:
            yield Line(line.path, line.line, record=record)
