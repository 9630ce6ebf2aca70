"""Tell a text file's encoding from its first bytes, and read it line by line, every line once.

Input is UTF-8 unless a byte order mark says otherwise. A UTF-8 BOM is skipped. A UTF-16 or
UTF-32 BOM is believed only when the bytes after it are that encoding (ASCII text in UTF-16
has a NUL in every other byte; UTF-8 text has none): a UTF-8 file that starts with a stray
UTF-16 BOM is read as UTF-8 without it, never decoded as UTF-16 into one line of garbage, even
when one of its lines holds a NUL or a byte that is not UTF-8.
Bytes that do not decode reject only their own line, with the reason.
"""

import codecs
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, Tuple, Union

from ..errors import PluginError

UTF8 = "utf-8"
UTF8_BOM = codecs.BOM_UTF8
# Longest first: the UTF-32-LE BOM starts with the UTF-16-LE one.
WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
SNIFF_BYTES = 4096
# Undecodable bytes of a wide encoding become lone surrogates, which no valid text holds.
MARK_ERRORS = "spacy_ner_plugin.mark"
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# What no line of a text file holds: C0 controls but tab and CR, or bytes that did not decode.
NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def _mark(err: UnicodeError) -> Tuple[str, int]:
    assert isinstance(err, UnicodeDecodeError)
    return "\udcff" * (err.end - err.start), err.end


codecs.register_error(MARK_ERRORS, _mark)


@dataclass(frozen=True)
class Encoding:
    """A file's encoding and the length of the byte order mark to skip."""

    name: str = UTF8
    bom: int = 0

    @property
    def label(self) -> str:
        """The encoding as people write it: `UTF-8`, `UTF-16-LE`."""
        return self.name.upper()


def sniff_encoding(head: bytes) -> Encoding:
    """The encoding of a file that starts with `head` (its first few KB)."""
    if head.startswith(UTF8_BOM):
        return Encoding(UTF8, len(UTF8_BOM))
    for bom, name in WIDE_BOMS:
        if head.startswith(bom):
            if _is_wide(head[len(bom) :]):
                return Encoding(name, len(bom))
            return Encoding(UTF8, len(bom))
    return Encoding()


def _is_wide(body: bytes) -> bool:
    """Whether bytes after a UTF-16/32 BOM are that encoding rather than UTF-8.

    UTF-8 without a NUL is UTF-8. Otherwise one line that reads as UTF-8 text (no NUL, no
    control or undecodable byte) decides for UTF-8: in UTF-16/32 every ASCII character and
    every line end holds a NUL, so its lines do not read as UTF-8 text. A UTF-8 file with a
    stray BOM and one bad line (a NUL, a latin-1 byte) is thus read as UTF-8, the bad line
    rejected, instead of decoding the whole file as UTF-16 garbage.
    """
    if not body:
        return True
    if b"\x00" not in body:
        try:
            codecs.getincrementaldecoder(UTF8)().decode(body, final=False)
            return False
        except UnicodeDecodeError:
            pass
    lines = body.decode(UTF8, errors="surrogateescape").split("\n")
    return not any(line.strip() and not NOT_TEXT.search(line) for line in lines)


def expect_file(path: Union[str, Path]) -> Path:
    """`path`, which must not be a directory (a missing file fails when it is opened)."""
    path = Path(path)
    if path.is_dir():
        raise PluginError(f"{path} is a directory, expected a file")
    return path


def file_encoding(path: Union[str, Path]) -> Encoding:
    """The encoding of the file at `path`."""
    with expect_file(path).open("rb") as file_:
        return read_encoding(file_)


def read_encoding(file_: BinaryIO) -> Encoding:
    """The encoding of an open binary file (local or remote), told from its first bytes."""
    file_.seek(0)
    return sniff_encoding(file_.read(SNIFF_BYTES))


def decode_text(raw: bytes, encoding: Encoding) -> Tuple[str, str | None]:
    """`raw` (without its BOM) as text, bad bytes as lone surrogates; and the first problem."""
    body = raw[encoding.bom :]
    errors = "surrogateescape" if encoding.name == UTF8 else MARK_ERRORS
    text = body.decode(encoding.name, errors=errors)
    return text, _problem(text, encoding)


def _problem(text: str, encoding: Encoding) -> str | None:
    bad = LONE_SURROGATE.search(text)
    if bad is None:
        return None
    return f"not valid {encoding.label} (character {bad.start()})"


def has_undecodable(text: str) -> bool:
    """Whether text from `decode_text` holds bytes that did not decode."""
    return LONE_SURROGATE.search(text) is not None


def text_lines(
    path: Union[str, Path], encoding: Encoding | None = None
) -> Iterator[Tuple[int, str, str | None]]:
    """`(line number, text, problem)` of every line, its line end removed.

    `problem` says why a line did not decode (its text then has U+FFFD for the bad bytes);
    None for a good line. Lines are split at `\\n` only, as in the raw bytes.
    """
    with expect_file(path).open("rb") as file_:
        yield from read_text_lines(file_, encoding)


def read_text_lines(
    file_: BinaryIO, encoding: Encoding | None = None
) -> Iterator[Tuple[int, str, str | None]]:
    """`text_lines` of an open binary file that can seek (local or remote), from its start."""
    encoding = encoding or read_encoding(file_)
    file_.seek(0)
    if encoding.name == UTF8:
        yield from _utf8_lines(file_, encoding.bom)
    else:
        yield from _wide_lines(file_, encoding)


def _utf8_lines(file_: BinaryIO, bom: int) -> Iterator[Tuple[int, str, str | None]]:
    for line_no, raw in enumerate(file_, start=1):
        if line_no == 1:
            raw = raw[bom:]
        try:
            yield line_no, raw.decode(UTF8).rstrip("\r\n"), None
        except UnicodeDecodeError as err:
            text = raw.decode(UTF8, errors="replace").rstrip("\r\n")
            yield line_no, text, f"not valid UTF-8 (byte {err.start})"


def _wide_lines(file_: BinaryIO, encoding: Encoding) -> Iterator[Tuple[int, str, str | None]]:
    file_.seek(encoding.bom)
    text_file = io.TextIOWrapper(file_, encoding=encoding.name, errors=MARK_ERRORS, newline="\n")
    for line_no, line in enumerate(text_file, start=1):
        line = line.rstrip("\r\n")
        problem = _problem(line, encoding)
        if problem is not None:
            line = LONE_SURROGATE.sub("\ufffd", line)
        yield line_no, line, problem
