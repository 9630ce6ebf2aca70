"""Read raw input (JSONL with `text` + optional `meta`, or plain text, one per line) by shard.

A shard is a byte range of the input that starts at a line start and knows its first line's
number, so parallel workers each read their own part of the file and still report exact lines.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, List, Union

from ..constants import TEXT_SUFFIXES
from .encoding import UTF8, file_encoding, text_lines
from .records import InvalidRecord, Line, Reject, decode_line, parse_jsonl_line
from .validation import check_raw_record

COUNT_CHUNK = 1 << 20


@dataclass
class Shard:
    """Bytes `start:end` of a file, beginning at line `first_line`."""

    start: int
    end: int
    first_line: int


def plan_shards(path: Union[str, Path], n: int) -> List[Shard]:
    """Split a file into at most `n` shards of about equal size, cut at line ends.

    A UTF-16/32 file is one shard: its line ends are not single newline bytes.
    """
    if file_encoding(path).name != UTF8:
        return [Shard(0, Path(path).stat().st_size, 1)]
    size = Path(path).stat().st_size
    cuts = [0]
    with Path(path).open("rb") as file_:
        for i in range(1, n):
            file_.seek(max(size * i // n, cuts[-1]))
            if file_.tell() > 0:
                file_.readline()
            if file_.tell() >= size:
                break
            cuts.append(file_.tell())
    cuts = sorted(set(cuts))
    shards = []
    line = 1
    with Path(path).open("rb") as file_:
        for start, end in zip(cuts, cuts[1:] + [size]):
            shards.append(Shard(start, end, line))
            line += _count_newlines(file_, start, end)
    return shards


def _count_newlines(file_: BinaryIO, start: int, end: int) -> int:
    file_.seek(start)
    count = 0
    remaining = end - start
    while remaining > 0:
        chunk = file_.read(min(COUNT_CHUNK, remaining))
        if not chunk:
            break
        count += chunk.count(b"\n")
        remaining -= len(chunk)
    return count


def is_plain_text(path: Union[str, Path]) -> bool:
    """Plain text input (one text per line) is told by its suffix; anything else is JSONL."""
    return Path(path).suffix.lower() in TEXT_SUFFIXES


def read_raw(path: Union[str, Path], shard: Shard | None = None) -> Iterator[Line]:
    """Every non-blank line of the shard (default: the whole file) as a record or a reject."""
    path_str = str(path)
    plain = is_plain_text(path)
    encoding = file_encoding(path)
    parse = plain_line if plain else parse_jsonl_line
    if encoding.name != UTF8:  # one shard (`plan_shards`), read as text
        for line_no, text, problem in text_lines(path, encoding):
            if problem is not None:
                yield Line(path_str, line_no, reject=Reject(path_str, line_no, None, problem))
                continue
            line = parse(path_str, line_no, text)
            if line is not None:
                yield checked_line(line)
        return
    with Path(path).open("rb") as file_:
        if shard is None:
            shard = Shard(0, Path(path).stat().st_size, 1)
        file_.seek(shard.start)
        position = shard.start
        line_no = shard.first_line
        while position < shard.end:
            raw = file_.readline()
            if not raw:
                break
            if position == 0:
                raw = raw[encoding.bom :]
            position = file_.tell()
            line = parse(path_str, line_no, raw)
            if line is not None:
                yield checked_line(line)
            line_no += 1


def checked_line(line: Line) -> Line:
    """The line, or a reject if its record has no usable text or a `meta` that is no object."""
    if line.record is None:
        return line
    try:
        check_raw_record(line.record)
    except InvalidRecord as err:
        reject = Reject(line.path, line.line, err.field, err.reason, line.record)
        return Line(line.path, line.line, reject=reject)
    return line


def plain_line(path: str, line_no: int, raw: Union[bytes, str]) -> Line | None:
    text = decode_line(path, line_no, raw) if isinstance(raw, bytes) else raw.strip()
    if isinstance(text, Line):
        return text
    return Line(path, line_no, record={"text": text}) if text else None
