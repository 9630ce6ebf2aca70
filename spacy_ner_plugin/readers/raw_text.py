"""Registered raw-text reader for `spacy pretrain`: JSONL or plain text, deduplicated, by length.

Like spaCy's `spacy.JsonlCorpus.v1`, but it also reads plain text (one text per line), skips
repeated texts (by `text_hash`), can exclude texts (an eval set must never be pretrained on),
and reports bad lines with file and line instead of failing on the first.
"""

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, List, Set, Union

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from wasabi import msg

from ..constants import RAW_SUFFIXES, TEXT_SUFFIXES
from ..io.encoding import text_lines
from ..io.hashing import text_hash
from ..io.records import InvalidRecord, Reject, get_text, read_jsonl
from ..io.shards import read_docbin_docs


class BadLinesWarning(UserWarning):
    """Lines of raw text skipped as unreadable (the first few named with file and line)."""


@dataclass
class RawTextCounts:
    """What one pass over the raw text did with each line: read = used + skipped + rejected."""

    read: int = 0
    used: int = 0
    duplicate: int = 0
    excluded: int = 0
    too_short: int = 0
    too_long: int = 0
    rejects: List[Reject] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return self.duplicate + self.excluded + self.too_short + self.too_long

    def tables(self) -> List[tuple]:
        """What the pass used, and why it skipped the rest, as a table for the CLI to print:
        (title, header, rows, aligns), as `wasabi`'s `table` takes them."""
        rows = [
            ("read", self.read),
            ("used", self.used),
            ("duplicate", self.duplicate),
            ("excluded", self.excluded),
            ("too short", self.too_short),
            ("too long", self.too_long),
            ("rejected", len(self.rejects)),
        ]
        return [(None, ("raw texts", "count"), rows, ("l", "r"))]

    def summary(self) -> str:
        """The same in one line (without a minimum length, too short is empty)."""
        return (
            f"Raw texts: {self.read} read, {self.used} used, {self.duplicate} duplicate, "
            f"{self.excluded} excluded, {self.too_short} empty, {len(self.rejects)} rejected"
        )


def raw_text_files(path: Union[str, Path]) -> List[Path]:
    """The files behind `path`: the file itself, or a directory's `*.jsonl`/`*.txt`, sorted."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Raw text not found: {path}")
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in RAW_SUFFIXES)
    return [path]


def read_texts(path: Path, rejects: List[Reject]) -> Iterator[str]:
    """Yield the texts of one JSONL file (field "text") or plain text file (one per line)."""
    if path.suffix in TEXT_SUFFIXES:
        yield from _read_plain_text(path, rejects)
        return
    for line in read_jsonl(path):
        if line.reject is not None:
            rejects.append(line.reject)
            continue
        try:
            yield get_text(line.record)
        except InvalidRecord as err:
            rejects.append(Reject(line.path, line.line, err.field, err.reason, line.record))


def _read_plain_text(path: Path, rejects: List[Reject]) -> Iterator[str]:
    for line_no, text, problem in text_lines(path):
        if problem is not None:
            rejects.append(Reject(str(path), line_no, None, problem))
            continue
        text = text.strip()
        if text:
            yield text


def read_text_hashes(path: Union[str, Path]) -> Set[int]:
    """`text_hash` of every text in a `.spacy` file, or in raw-text/annotation files."""
    path = Path(path)
    if path.suffix == ".spacy":
        vocab = spacy.blank("xx").vocab
        return {text_hash(doc.text.strip()) for doc in read_docbin_docs(path, vocab)}
    rejects: List[Reject] = []
    return {
        text_hash(text.strip()) for p in raw_text_files(path) for text in read_texts(p, rejects)
    }


class RawTextCorpus:
    """Iterate unannotated Examples (reference = predicted tokens) for pretraining.

    Lengths are counted in tokens of `nlp`'s tokenizer; 0 means no limit. `counts` holds the
    tallies of the latest pass. Bad lines are reported once, in one message to `warn`: a step
    passes its printer's `warn` (so `silent` holds), the registered reader `warn_bad_lines`;
    by default it is printed.
    """

    def __init__(
        self,
        path: Union[str, Path],
        min_length: int = 0,
        max_length: int = 0,
        limit: int = 0,
        exclude: Union[str, Path] | None = None,
        warn: Callable[[str], None] = msg.warn,
    ) -> None:
        self.paths = raw_text_files(path)
        self.min_length = min_length
        self.max_length = max_length
        self.limit = limit
        self.excluded_hashes = read_text_hashes(exclude) if exclude else set()
        self.counts = RawTextCounts()
        self.warn = warn
        self._warned = False

    def __call__(self, nlp: Language) -> Iterator[Example]:
        counts = self.counts = RawTextCounts()
        seen: Set[int] = set()
        texts = (text for path in self.paths for text in read_texts(path, counts.rejects))
        for text in texts:
            if self.limit and counts.used >= self.limit:
                break
            counts.read += 1
            key = text_hash(text.strip())
            if key in self.excluded_hashes:
                counts.excluded += 1
                continue
            if key in seen:
                counts.duplicate += 1
                continue
            seen.add(key)
            doc = nlp.make_doc(text)
            if len(doc) < self.min_length:
                counts.too_short += 1
            elif self.max_length and len(doc) > self.max_length:
                counts.too_long += 1
            else:
                counts.used += 1
                words = [token.text for token in doc]
                spaces = [bool(token.whitespace_) for token in doc]
                yield Example(doc, Doc(nlp.vocab, words=words, spaces=spaces))
        counts.read += len(counts.rejects)
        if counts.rejects and not self._warned:
            self._warned = True
            shown = "; ".join(str(r) for r in counts.rejects[:3])
            self.warn(f"{len(counts.rejects)} bad lines skipped in raw text: {shown}")


def warn_bad_lines(message: str) -> None:
    """Report skipped lines as spaCy's own readers report problems, with `warnings.warn`.

    A reader that `spacy pretrain` builds from a config has no printer of a step to use; a
    warning is shown once by default and can be filtered, recorded or raised by the caller.
    """
    warnings.warn(message, BadLinesWarning, stacklevel=2)


@spacy.registry.readers("spacy_ner_plugin.RawTextCorpus.v1")
def create_raw_text_reader(
    path: Path | None,
    min_length: int = 0,
    max_length: int = 0,
    limit: int = 0,
    exclude: Path | None = None,
) -> Callable[[Language], Iterator[Example]]:
    """Raw text for pretraining: a JSONL/plain-text file or a directory of them.

    `exclude`: a `.spacy`, JSONL or text file whose texts are never read (e.g. the dev set).
    """
    if path is None:
        # `spacy train` resolves every corpus, so only fail once pretraining actually reads it
        def no_raw_text(nlp: Language) -> Iterator[Example]:
            raise ValueError(
                "spacy_ner_plugin.RawTextCorpus.v1 needs a path: set [paths] raw_text "
                "(e.g. --paths.raw_text assets/raw.jsonl)"
            )

        return no_raw_text
    return RawTextCorpus(
        path,
        min_length=min_length,
        max_length=max_length,
        limit=limit,
        exclude=exclude,
        warn=warn_bad_lines,
    )
