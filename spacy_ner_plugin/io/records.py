"""Streaming reader for annotation JSONL that turns every bad line into a located `Reject`.

Readers never raise on bad data: each line comes back either as a record or as a `Reject`
naming file, line, field and reason, so a step can report it and go on with the rest.
"""

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Union

import orjson

from ..constants import ANSWERS
from .encoding import (
    LONE_SURROGATE,
    SNIFF_BYTES,
    decode_text,
    expect_file,
    has_undecodable,
    sniff_encoding,
    text_lines,
)

# Deeper JSON is rejected on reading: every later step (pickling, copying, writing) recurses
# over a record, and real annotation records nest a handful of levels.
MAX_JSON_DEPTH = 100
# A `\uD800`-`\uDFFF` escape: only a line with one can decode to a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


class InvalidRecord(ValueError):
    """A record that cannot be used, with the field at fault."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass
class Reject:
    """A record that was not used, where it came from and why."""

    path: str
    line: int
    field: str | None
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
    record: Dict[str, Any] | None = None
    reject: Reject | None = field(default=None)


def read_jsonl(path: Union[str, Path]) -> Iterator[Line]:
    """Yield every non-blank line of a JSONL file, parsed or rejected.

    Reads UTF-8 (a BOM skipped) and UTF-16/32 with a BOM (`encoding.text_lines`), and CRLF
    line ends; undecodable bytes and malformed JSON reject only their own line.
    """
    path_str = str(path)
    for line_no, text, problem in text_lines(path):
        if problem is not None:
            yield Line(path_str, line_no, reject=Reject(path_str, line_no, None, problem))
            continue
        line = parse_jsonl_line(path_str, line_no, text)
        if line is not None:
            yield line


def decode_line(path: str, line_no: int, raw: bytes) -> Union[str, Line]:
    """The stripped text of a raw line, or a `Line` rejecting it as undecodable."""
    try:
        return raw.decode("utf8").strip()
    except UnicodeDecodeError as err:
        reason = f"not valid UTF-8 (byte {err.start})"
        return Line(path, line_no, reject=Reject(path, line_no, None, reason))


def parse_jsonl_line(path: str, line_no: int, raw: Union[bytes, str]) -> Line | None:
    """One JSONL line (raw bytes, or text already decoded) as a record or a located `Reject`;
    None for a blank line."""
    if isinstance(raw, bytes):
        text = decode_line(path, line_no, raw)
        if isinstance(text, Line):
            return text
    else:
        text = raw.strip()
    if not text:
        return None
    try:
        record = parse_json(text)
    except InvalidRecord as err:
        return Line(path, line_no, reject=Reject(path, line_no, err.field, err.reason, text))
    if not isinstance(record, dict):
        reason = f"expected a JSON object, got {type(record).__name__}"
        return Line(path, line_no, reject=Reject(path, line_no, None, reason, record))
    return Line(path, line_no, record=record)


class _NotJson(ValueError):
    """A value that Python's `json` accepts but RFC 8259 JSON cannot hold."""


def _reject_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotJson(f"number {text[:20]} is out of range")
    return value


def parse_json(text: str) -> Any:
    """One JSON value, strictly (RFC 8259); raises `InvalidRecord` with the reason.

    Malformed JSON has no field (like undecodable bytes: the whole line is bad); a value that
    parses but JSON cannot hold is reported as field `json`.

    Python's `json` also accepts `NaN`/`Infinity`, numbers too large for a float, and
    `\\ud800`-style escapes of lone surrogates, none of which can be written back as valid
    JSON or UTF-8, so they are rejected here, as is nesting deeper than `MAX_JSON_DEPTH`.
    Integers of any size are valid JSON and kept exactly.
    """
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as err:
        raise InvalidRecord(None, f"malformed JSON: {err.msg} (column {err.colno})") from None
    except RecursionError:
        raise InvalidRecord("json", "nested too deeply") from None
    except _NotJson as err:
        raise InvalidRecord("json", str(err)) from None
    except ValueError as err:  # an integer of more digits than Python converts
        raise InvalidRecord("json", f"unreadable number: {str(err).partition(':')[0]}") from None
    check_parsed_json(text, value)
    return value


def check_parsed_json(text: str, value: Any) -> None:
    """What `json.loads` lets through but JSON cannot hold: too deep, or lone surrogates."""
    # A value nests at most as deep as its text has brackets: count before walking.
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _too_deep(value, MAX_JSON_DEPTH):
        raise InvalidRecord("json", f"nested too deeply (more than {MAX_JSON_DEPTH} levels)")
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise InvalidRecord("json", "lone surrogate escape (\\ud800-\\udfff): not valid Unicode")


def _too_deep(value: Any, limit: int) -> bool:
    level, depth = [value], 0
    while level:
        depth += 1
        if depth > limit:
            return True
        deeper = []
        for container in level:
            items = container.values() if type(container) is dict else container
            deeper += [v for v in items if type(v) is dict or type(v) is list]
        level = deeper
    return False


def _has_lone_surrogate(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf8")
    except UnicodeEncodeError:
        return True
    return False


def read_json_array(path: Union[str, Path]) -> Iterator[Line]:
    """Yield every item of a JSON array file (Label Studio, spaCy v2) with the line it starts on;
    a file of the same items one per line (JSONL) is read line by line.

    The encoding is told as for JSONL (`encoding.sniff_encoding`); the items are those of
    `json_array_lines`.
    """
    raw = expect_file(path).read_bytes()
    encoding = sniff_encoding(raw[:SNIFF_BYTES])
    text, _ = decode_text(raw, encoding)
    if text[_skip_space(text, 0) : _skip_space(text, 0) + 1] not in ("[", ""):
        yield from read_jsonl(path)  # the same items one per line (JSONL): each read or rejected
        return
    yield from json_array_lines(str(path), text, encoding.label)


def json_array_lines(path: str, text: str, encoding: str = "UTF-8") -> Iterator[Line]:
    """Every item of the JSON array `text` (decoded from `encoding`) as a located `Line`.

    An item with bytes that did not decode is rejected. A malformed item is rejected with its
    index in the array, and reading goes on at the next item (`_next_item_start`); only when
    no later item can be located is the rest of the file rejected, in one reject. Nothing after
    the array is lost silently either: a missing "]" or text after it is a reject too.
    """
    strict = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)
    lenient = json.JSONDecoder()
    pos = _skip_space(text, 0)
    if pos == len(text):
        return
    if text[pos] != "[":
        yield Line(path, 1, reject=Reject(path, 1, None, "expected a JSON array"))
        return
    pos = _skip_space(text, pos + 1)
    line_no = 1 + text.count("\n", 0, pos)
    index = 0
    while pos < len(text) and text[pos] != "]":
        field: str | None = "json"
        problem = end = None
        try:
            try:
                item, end = strict.raw_decode(text, pos)
                check_parsed_json(text[pos:end], item)
            except _NotJson as err:  # valid for Python's json: its end is known
                _, end = lenient.raw_decode(text, pos)
                problem = str(err)
            except InvalidRecord as err:
                problem = err.reason
        except json.JSONDecodeError as err:
            field = None
            problem = f"malformed JSON in array item {index}: {err.msg} "
            problem += f"(line {err.lineno}, column {err.colno})"
        except RecursionError:
            problem = f"array item {index} is nested too deeply"
        except ValueError as err:  # an integer of more digits than Python converts
            problem = f"array item {index}: unreadable number: {str(err).partition(':')[0]}"
        if end is None:
            resume = _next_item_start(text, pos)
            if resume is None:
                reason = f"{problem}; rest of file not read"
                yield Line(path, line_no, reject=Reject(path, line_no, field, reason))
                return
            yield Line(path, line_no, reject=Reject(path, line_no, field, problem))
            line_no += text.count("\n", pos, resume)
            pos = resume
            index += 1
            continue
        if problem is not None:
            yield Line(path, line_no, reject=Reject(path, line_no, field, problem))
        elif has_undecodable(text[pos:end]):
            reason = f"not valid {encoding}"
            yield Line(path, line_no, reject=Reject(path, line_no, None, reason))
        else:
            yield Line(path, line_no, record=item)
        line_no += text.count("\n", pos, end)
        pos = _next_item(text, end)
        line_no += text.count("\n", end, pos)
        index += 1
    # Nothing may be lost silently after the items: a missing "]" or text after it.
    if pos >= len(text):
        reason = "the JSON array is not closed with ']' (a truncated file?)"
        yield Line(path, line_no, reject=Reject(path, line_no, "json", reason))
        return
    after = _skip_space(text, pos + 1)
    if after < len(text):
        line_no += text.count("\n", pos, after)
        reason = "text after the end of the JSON array; not read"
        yield Line(path, line_no, reject=Reject(path, line_no, "json", reason))


# A line that starts a JSON value (or Python's NaN, Infinity): where pretty-printed and
# one-per-line arrays start their items.
_ITEM_LINE = re.compile(r'\n([ \t]*)[\[{"0-9tfnNI-]')
_STRUCTURE = re.compile(r'["\[\]{},]')
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"?')


def _next_item_start(text: str, pos: int) -> int | None:
    """Where reading goes on after the malformed item at `pos`: the next item's start, or the
    array's closing "]"; None when nothing tells.

    An item whose brackets balance ends at the first "," (or "]") outside them and outside
    strings. One that does not (a truncated item) ends where a later line starts a JSON value
    indented no deeper than the item's own line, as exports lay out their items; the earlier
    of the two is taken.
    """
    line = text[text.rfind("\n", 0, pos) + 1 : pos]
    indent = len(line) - len(line.lstrip(" \t"))
    candidates = (m for m in _ITEM_LINE.finditer(text, pos) if len(m.group(1)) <= indent)
    line_start = next((m.end() - 1 for m in candidates), None)
    end = _balanced_end(text, pos, len(text) if line_start is None else line_start)
    if end is None:
        return line_start
    return _skip_space(text, end + 1) if text[end] == "," else end


def _balanced_end(text: str, pos: int, limit: int) -> int | None:
    """The first "," or "]" after `pos` and before `limit` outside brackets and strings."""
    depth = 0
    match = _STRUCTURE.search(text, pos, limit)
    while match is not None:
        char, at = match.group(), match.start()
        if char == '"':
            at = _STRING.match(text, at).end() - 1
        elif char in "[{":
            depth += 1
        elif depth == 0:
            return at if char != "}" else None
        elif char != ",":
            depth -= 1
        match = _STRUCTURE.search(text, at + 1, limit)
    return None


def is_json_array_file(head: str) -> bool:
    """Whether a file that starts with `head` (decoded) is one JSON array, not JSON lines.

    It starts with `[`, and either its first line is not a whole JSON value by itself (a
    pretty-printed array) or it has no other line (a compact array). A JSONL file whose first
    line is an array is JSON lines, with that line rejected.
    """
    head = head.lstrip()
    if not head.startswith("["):
        return False
    first, _, rest = head.partition("\n")
    if not rest.strip():
        return True
    try:
        json.loads(first)
    except (ValueError, RecursionError):
        return True
    return False


def _next_item(text: str, end: int) -> int:
    """Where the next array item starts after one that ends at `end`."""
    pos = _skip_space(text, end)
    if pos < len(text) and text[pos] == ",":
        pos = _skip_space(text, pos + 1)
    return pos


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def json_line(record: Any) -> str:
    """One record as compact, valid JSON (RFC 8259): what every JSON output of ours is written by.

    Integers of any size are written exactly (ujson and orjson cannot); a value that JSON or
    UTF-8 cannot hold (NaN, Infinity, a lone surrogate) raises `InvalidRecord` naming the
    top-level field, instead of writing `NaN` or a broken line. orjson writes the common case
    fast and the stdlib everything else.
    """
    try:
        line = orjson.dumps(record).decode("utf8")
    except (TypeError, orjson.JSONEncodeError):
        return _strict_dumps(record)
    if "null" in line:  # orjson writes NaN and Infinity as null: let the stdlib decide
        return _strict_dumps(record)
    return line


NOT_JSON = (ValueError, TypeError, UnicodeEncodeError, RecursionError)


def _strict_dumps(record: Any) -> str:
    try:
        return _dumps(record)
    except NOT_JSON as err:
        field = None
        if isinstance(record, dict):
            field = next((str(k) for k, v in record.items() if not _is_json(v)), None)
        reason = f"value not representable in JSON ({_json_problem(err)})"
        raise InvalidRecord(field, reason) from None


def _dumps(value: Any) -> str:
    line = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    line.encode("utf8")  # a lone surrogate cannot be written as UTF-8
    return line


def _is_json(value: Any) -> bool:
    try:
        _dumps(value)
    except NOT_JSON:
        return False
    return True


def _json_problem(err: Exception) -> str:
    if isinstance(err, UnicodeEncodeError):
        return "lone surrogate"
    if isinstance(err, RecursionError):
        return "nested too deeply"
    if isinstance(err, ValueError) and "float" in str(err):
        return "NaN or Infinity"
    return str(err)


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
    if LONE_SURROGATE.search(text):  # from Python callers: the readers never yield one
        raise InvalidRecord("text", "lone surrogate in 'text': not valid Unicode")
    return text


def convert_lines(
    lines: Iterable[Line], convert: Callable[[Any], List[Dict[str, Any]]]
) -> Iterator[Line]:
    """Turn each parsed item into records with `convert`; an `InvalidRecord` rejects its line.

    An item is any JSON value (a JSON array's `null` too): only a reject is passed on as is.
    """
    for line in lines:
        if line.reject is not None:
            yield line
            continue
        try:
            records = convert(line.record)
            if not records:
                raise InvalidRecord(None, "no record in this item")
        except InvalidRecord as err:
            reject = Reject(line.path, line.line, err.field, err.reason, line.record)
            yield Line(line.path, line.line, reject=reject)
            continue
        for record in records:
            yield Line(line.path, line.line, record=record)
