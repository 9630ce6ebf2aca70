"""Sharded, atomic `.spacy` output: one file for small data, a directory of shards above that.

A `DocBin` holds every doc it is given until it is saved, so large conversions flush one
every `shard_size` docs. Output that fits in one shard stays a single `NAME.spacy` file (what
`spacy train` configs and small projects expect); larger output becomes a directory
`NAME.spacy/` of numbered shards, which `spacy.Corpus.v1` reads as one corpus.
"""

import os
import shutil
from pathlib import Path
from typing import Iterator, Union

from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

from ..errors import PluginError
from .files import current_umask, make_temp, remove_path, replace_path

DEFAULT_SHARD_SIZE = 10_000


class ShardedDocBinWriter:
    """Collect docs into `path`, flushing a shard every `shard_size` docs; atomic on `close`."""

    def __init__(
        self,
        path: Union[str, Path],
        shard_size: int = DEFAULT_SHARD_SIZE,
        store_user_data: bool = False,
    ) -> None:
        if shard_size < 1:
            raise ValueError(f"shard_size must be at least 1, got {shard_size}")
        self.path = Path(path)
        self.shard_size = shard_size
        self.store_user_data = store_user_data
        self.count = 0
        self.n_shards = 0
        self._bin = self._new_bin()
        self._tmp_dir: Path | None = None

    def _new_bin(self) -> DocBin:
        return DocBin(store_user_data=self.store_user_data)

    def add(self, doc: Doc) -> None:
        self._bin.add(doc)
        self.count += 1
        if len(self._bin) >= self.shard_size:
            self._flush()

    def _flush(self) -> None:
        if self._tmp_dir is None:
            self._tmp_dir = make_temp(self.path, directory=True)
        self._bin.to_disk(self._tmp_dir / f"{self.n_shards:06d}.spacy")
        self.n_shards += 1
        self._bin = self._new_bin()

    def close(self) -> None:
        """Move the finished output into place (a file, or a directory of shards).

        The previous output stays whole until the new one is complete (`files.replace_path`).
        """
        if self._tmp_dir is None:
            tmp = make_temp(self.path)
            try:
                self._bin.to_disk(tmp)
                os.chmod(tmp, 0o666 & ~current_umask())
                replace_path(tmp, self.path)
            finally:
                remove_path(tmp)
            return
        if len(self._bin):
            self._flush()
        try:
            replace_path(self._tmp_dir, self.path)
        except BaseException:
            self.discard()
            raise
        self._tmp_dir = None

    def discard(self) -> None:
        """Drop everything written so far, leaving any previous output untouched."""
        if self._tmp_dir is not None:
            shutil.rmtree(self._tmp_dir, ignore_errors=True)
            self._tmp_dir = None


def docbin_paths(path: Union[str, Path]) -> Iterator[Path]:
    """The `.spacy` files of a file or a directory of shards, in order."""
    path = Path(path)
    if path.is_dir():
        yield from sorted(path.rglob("*.spacy"))
    else:
        yield path


def read_docbin_docs(path: Union[str, Path], vocab: Vocab) -> Iterator[Doc]:
    """Every doc of a `.spacy` file or shard directory, one shard in memory at a time.

    A file that does not load (random bytes, truncated, empty, JSONL named `.spacy`) raises
    `PluginError("FILE: not a .spacy file (reason)")` naming the file, the shard for a
    directory, whichever step of loading fails.
    """
    for shard in docbin_paths(path):
        if shard.is_file() and shard.stat().st_size == 0:
            raise PluginError(f"{shard}: not a .spacy file (empty file)")
        try:
            docs = DocBin().from_disk(shard).get_docs(vocab)
        except Exception as err:  # msgpack, zlib and spaCy raise many kinds on a bad file
            raise _not_docbin(shard, err) from err
        while True:
            try:
                doc = next(docs)
            except StopIteration:
                break
            except Exception as err:
                raise _not_docbin(shard, err) from err
            yield doc


def _not_docbin(path: Path, err: Exception) -> PluginError:
    return PluginError(f"{path}: not a .spacy file ({_reason(err)})")


def _reason(err: Exception) -> str:
    """A short reason: spaCy's E1014 (not zlib-compressed msgpack) is a paragraph long."""
    text = str(err).strip()
    if "[E1014]" in text:
        return "not compressed DocBin data"
    text = text.splitlines()[0][:200] if text else ""
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
