"""Inputs and outputs of a cluster job on any filesystem pyarrow reads: local paths or URIs.

Blocks are planned from the files' sizes alone (nothing is read on the driver), and each is
read by `io.partitions.read_source`, exactly as the local backend reads a file: a local path as
a local file, a URI (`s3://`, `gs://`, `hdfs://`, `file://`) as pyarrow's file on its
filesystem, with the same line boundaries (found by the block's reader) and encoding
detection. A block's lines are numbered from 1; its reader counts them, so that the numbers
can be shifted by the lines of the blocks before it. Output files are written under a
temporary name and moved into place, so a reader (or a retried writer) never sees half a file.
"""

import fnmatch
import glob
import io
import os
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, TextIO, Tuple, Union

import srsly

from ..errors import PluginError, UsageError
from ..io.partitions import Shard, Source, local_source, read_source
from ..io.records import Line

CHUNK = 1 << 20
GLOB_CHARS = "*?["


def is_uri(spec: str) -> bool:
    """`s3://bucket/key` and `file:///path` are URIs; anything else is a local path."""
    return "://" in spec


def display_path(spec: str) -> Union[str, Path]:
    """A local path as a `Path`; a URI as it is (`Path` would fold its `//`)."""
    return spec if is_uri(spec) else Path(spec)


def filesystem(spec: str) -> Tuple[Any, str]:
    """pyarrow's filesystem for `spec` and the path on it (absolute for a local path)."""
    from pyarrow import fs

    if is_uri(spec):
        try:
            return fs.FileSystem.from_uri(spec)
        except (ValueError, OSError) as err:
            raise PluginError(f"Cannot open {spec}", str(err)) from err
    return fs.LocalFileSystem(), os.path.abspath(spec)


@dataclass
class InputFile:
    """One input file: its name as rejects report it (the path as given, or the URI)."""

    name: str
    size: int
    mtime_ns: int


def list_inputs(spec: str) -> List[InputFile]:
    """The files of an input: a file, a directory (its files, sorted, hidden ones skipped) or a
    glob (in the last part of a URI); raises `PluginError` when there are none."""
    if is_uri(spec):
        files = _list_uri(spec)
    else:
        if any(char in spec for char in GLOB_CHARS):
            names = sorted(glob.glob(spec))
        elif Path(spec).is_dir():
            names = sorted(str(p) for p in Path(spec).iterdir() if not _hidden(p.name))
        else:
            names = [str(Path(spec))] if Path(spec).exists() else []
        names = [name for name in names if Path(name).is_file()]
        files = [InputFile(n, os.stat(n).st_size, os.stat(n).st_mtime_ns) for n in names]
    if not files:
        raise PluginError("Input not found", f"no input files in {spec}")
    return files


def _hidden(name: str) -> bool:
    return name.startswith((".", "_"))


def _list_uri(spec: str) -> List[InputFile]:
    from pyarrow import fs as pafs

    base, _, last = spec.rpartition("/")
    pattern = last if any(char in last for char in GLOB_CHARS) else None
    fs, path = filesystem(base if pattern else spec)
    info = fs.get_file_info(path)
    if pattern is None and info.type == pafs.FileType.File:
        return [InputFile(spec, info.size, info.mtime_ns or 0)]
    if info.type != pafs.FileType.Directory:
        return []
    infos = sorted(fs.get_file_info(pafs.FileSelector(path)), key=lambda i: i.base_name)
    infos = [i for i in infos if i.type == pafs.FileType.File and not _hidden(i.base_name)]
    if pattern is not None:
        infos = [i for i in infos if fnmatch.fnmatchcase(i.base_name, pattern)]
    # Names keep the spec's own prefix (scheme, bucket or host) rather than pyarrow's path.
    folder = base if pattern else spec.rstrip("/")
    return [InputFile(f"{folder}/{i.base_name}", i.size, i.mtime_ns or 0) for i in infos]


@dataclass
class Block:
    """Bytes `start:end` of one input file (the lines that start there): one output shard.

    `input` is the file's name as rejects report it; `location` where a worker opens it (a
    local path made absolute, since workers run in a directory of their own; a URI as it is).
    """

    index: int
    input: str
    location: str
    start: int
    end: int

    @property
    def name(self) -> str:
        return f"part-{self.index:05d}"

    @property
    def shard(self) -> Shard:
        """The block as a shard whose first line is numbered 1."""
        return Shard(self.start, self.end, 1)

    def to_json(self) -> Dict[str, Any]:
        return asdict(self)


def plan_blocks(inputs: List[InputFile], block_bytes: int) -> List[Block]:
    """Cut every input file into equal blocks of at most `block_bytes`, in order, from its size.

    The plan depends only on the files' sizes and the block size (not on the number of
    workers), so a rerun finds the blocks, and the shards, of the run before it.
    """
    blocks: List[Block] = []
    for file_ in inputs:
        n = max(1, -(-file_.size // block_bytes))
        cuts = [file_.size * i // n for i in range(n + 1)]
        for start, end in zip(cuts, cuts[1:]):
            blocks.append(Block(len(blocks), file_.name, location(file_.name), start, end))
    return blocks


def location(spec: str) -> str:
    """Where any process finds a file or directory: a local path made absolute, a URI as it is."""
    return spec if is_uri(spec) else os.path.abspath(spec)


def input_source(block: Block) -> Source:
    """A block's file (a local path, or a URI opened through pyarrow) for `io.partitions`,
    named as given."""
    if not is_uri(block.location):
        local = local_source(block.location)
        return Source(block.input, local.open)
    fs, path = filesystem(block.location)
    return Source(block.input, lambda: fs.open_input_file(path))


class BlockLines:
    """The non-blank lines of a block as records or rejects, numbered from 1 at its first line;
    once read, `count` is how many lines started in it (blank ones included)."""

    def __init__(self, block: Block) -> None:
        self.block = block
        self.count = 0

    def __iter__(self) -> Iterator[Line]:
        self.count = yield from read_source(input_source(self.block), self.block.shard)


class OutputDir:
    """A directory of output files on any pyarrow filesystem, each written atomically."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.fs, self.root = filesystem(spec)

    def create(self) -> None:
        """Create the directory; a `UsageError` if a file has its name."""
        from pyarrow import fs as pafs

        if self.fs.get_file_info(self.root).type == pafs.FileType.File:
            raise UsageError(
                f"{self.spec} is a file", "with --backend ray the output is a directory of shards"
            )
        self.fs.create_dir(self.root, recursive=True)

    def path(self, name: str) -> str:
        return f"{self.root.rstrip('/')}/{name}"

    def local_path(self, name: str) -> Path | None:
        """The file as a local `Path`, or None on a remote filesystem."""
        return None if is_uri(self.spec) else Path(self.path(name))

    def names(self) -> List[str]:
        """The names of the files in the directory."""
        from pyarrow import fs as pafs

        infos = self.fs.get_file_info(pafs.FileSelector(self.root, allow_not_found=True))
        return sorted(i.base_name for i in infos if i.type == pafs.FileType.File)

    def exists(self, name: str) -> bool:
        from pyarrow import fs as pafs

        return self.fs.get_file_info(self.path(name)).type == pafs.FileType.File

    def read_json(self, name: str) -> Any:
        with self.fs.open_input_stream(self.path(name), compression=None) as file_:
            return srsly.json_loads(file_.read().decode("utf8"))

    def read_lines(self, name: str) -> Iterator[bytes]:
        """The lines of a file, newline included, read in chunks."""
        with self.fs.open_input_stream(self.path(name), compression=None) as file_:
            pending = b""
            while True:
                chunk = file_.read(CHUNK)
                if not chunk:
                    break
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    yield line + b"\n"
            if pending:
                yield pending

    def remove(self, name: str) -> None:
        self.fs.delete_file(self.path(name))

    @contextmanager
    def atomic_text(self, name: str) -> Iterator[TextIO]:
        """A text file that appears under `name` only once the block has finished."""
        tmp = self.path(f".{name}.{uuid.uuid4().hex}.tmp")
        try:
            with self.fs.open_output_stream(tmp, compression=None, buffer_size=CHUNK) as raw:
                text = io.TextIOWrapper(raw, encoding="utf8")
                yield text
                text.flush()
                text.detach()  # the stream closes (and uploads) when the `with` ends
            self.fs.move(tmp, self.path(name))
        except BaseException:
            try:
                self.fs.delete_file(tmp)
            except OSError:
                pass
            raise

    def write_json(self, name: str, data: Any) -> None:
        with self.atomic_text(name) as file_:
            file_.write(srsly.json_dumps(data, indent=2) + "\n")
