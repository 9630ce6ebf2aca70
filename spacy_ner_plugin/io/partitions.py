"""Read raw input (JSONL with `text` + optional `meta`, or plain text, one per line) by shard.

A shard is a byte range of the input, and its lines are those that start in it: parallel
workers each read their own part of the file and still report exact lines. The reader finds
the line boundaries itself, so a shard may start anywhere; `plan_source` cuts at line starts
and numbers the lines. Any seekable binary file is read the same way (a local file, pyarrow's
file on a remote filesystem): a `Source` names it and opens it, and its encoding is told from
its first bytes (`encoding.read_encoding`) wherever it is.
"""

import io
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Generator, Iterator, List, Union

from ..constants import TEXT_SUFFIXES
from .encoding import UTF8, Encoding, expect_file, read_encoding, read_text_lines
from .records import InvalidRecord, Line, Reject, decode_line, parse_jsonl_line
from .validation import check_raw_record

CHUNK = 1 << 20


@dataclass
class Shard:
    """Bytes `start:end` of a file: the lines that start there, the first numbered `first_line`.

    `first_line` is one more than the number of the line that holds byte `start - 1` (1 for a
    shard at the start of the file), so a shard need not start at a line start.
    """

    start: int
    end: int
    first_line: int


@dataclass(frozen=True)
class Source:
    """A raw input file: its name as Lines and Rejects report it, and how to open it.

    `open` returns a new seekable binary file object each time (`open(path, "rb")`, pyarrow's
    `fs.open_input_file(path)`), so each worker opens its own.
    """

    name: str
    open: Callable[[], BinaryIO]


def local_source(path: Union[str, Path]) -> Source:
    """The local file at `path` as a `Source`; a `PluginError` for a directory."""
    file_path = expect_file(path)
    return Source(str(path), lambda: file_path.open("rb", buffering=0))


@contextmanager
def _opened(source: Source) -> Iterator[BinaryIO]:
    """The source's file, behind a buffer: pyarrow's files read and seek but cannot `readline`."""
    with source.open() as file_:
        yield io.BufferedReader(file_, CHUNK)


def plan_shards(path: Union[str, Path], n: int) -> List[Shard]:
    """`plan_source` for the local file at `path`, of its size on disk."""
    source = local_source(path)
    return plan_source(source, Path(path).stat().st_size, n)


def plan_source(source: Source, size: int, n: int) -> List[Shard]:
    """Split a file of `size` bytes into at most `n` shards of about equal size, cut at line ends.

    One shard (the whole file) is planned without opening it. A UTF-16/32 file is one shard:
    its line ends are not single newline bytes.
    """
    if n <= 1:
        return [Shard(0, size, 1)]
    with _opened(source) as file_:
        if read_encoding(file_).name != UTF8:
            return [Shard(0, size, 1)]
        cuts = [0]
        for i in range(1, n):
            position = max(size * i // n, cuts[-1])
            cut = _line_end(file_, position) if position > 0 else 0
            if cut >= size:
                break
            cuts.append(cut)
        cuts = sorted(set(cuts))
        shards = []
        line = 1
        for start, end in zip(cuts, cuts[1:] + [size]):
            shards.append(Shard(start, end, line))
            if end < size:  # the last shard's lines number nothing after it
                line += _count_newlines(file_, start, end)
    return shards


def _line_end(file_: BinaryIO, position: int) -> int:
    """The position just after the first newline at or after `position` (or the file's end)."""
    file_.seek(position)
    file_.readline()
    return file_.tell()


def _count_newlines(file_: BinaryIO, start: int, end: int) -> int:
    file_.seek(start)
    count = 0
    remaining = end - start
    while remaining > 0:
        chunk = file_.read(min(CHUNK, remaining))
        if not chunk:
            break
        count += chunk.count(b"\n")
        remaining -= len(chunk)
    return count


def is_plain_text(path: Union[str, Path]) -> bool:
    """Plain text input (one text per line) is told by its suffix; anything else is JSONL."""
    return Path(path).suffix.lower() in TEXT_SUFFIXES


def read_raw(path: Union[str, Path], shard: Shard | None = None) -> Iterator[Line]:
    """`read_source` for the local file at `path`."""
    yield from read_source(local_source(path), shard)


def read_source(source: Source, shard: Shard | None = None) -> Generator[Line, None, int]:
    """Every non-blank line that starts in the shard (default: the whole file) as a record or a
    reject, with its line number; returns how many lines started there, blank ones included
    (so a shard cut by size alone can be numbered from 1 and its numbers shifted later).

    A UTF-16/32 file is read whole by the shard that starts at byte 0 (`plan_source` plans it
    as one shard); a shard that starts later holds none of its lines. Its count is 0: no
    later shard of the file has lines to number.
    """
    parse = plain_line if is_plain_text(source.name) else parse_jsonl_line
    with _opened(source) as file_:
        encoding = read_encoding(file_)
        if encoding.name != UTF8:
            if shard is None or shard.start == 0:
                yield from _wide_lines(source.name, file_, encoding, parse)
            return 0
        if shard is None:
            shard = Shard(0, file_.seek(0, io.SEEK_END), 1)
        position = _line_end(file_, shard.start - 1) if shard.start > 0 else 0
        file_.seek(position)
        line_no = shard.first_line
        while position < shard.end:
            raw = file_.readline()
            if not raw:
                break
            if position == 0:
                raw = raw[encoding.bom :]
            position = file_.tell()
            line = parse(source.name, line_no, raw)
            if line is not None:
                yield checked_line(line)
            line_no += 1
        return line_no - shard.first_line


def _wide_lines(
    name: str, file_: BinaryIO, encoding: Encoding, parse: Callable[[str, int, str], Line | None]
) -> Iterator[Line]:
    """Every non-blank line of a UTF-16/32 file, read as text."""
    for line_no, text, problem in read_text_lines(file_, encoding):
        if problem is not None:
            yield Line(name, line_no, reject=Reject(name, line_no, None, problem))
            continue
        line = parse(name, line_no, text)
        if line is not None:
            yield checked_line(line)


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
    """One line of plain text input as a record; None for a blank line."""
    text = decode_line(path, line_no, raw) if isinstance(raw, bytes) else raw.strip()
    if isinstance(text, Line):
        return text
    return Line(path, line_no, record={"text": text}) if text else None
