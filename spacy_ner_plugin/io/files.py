"""Atomic file output: write to a temporary file beside the target, then rename."""

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, Union

from .records import json_line


@contextmanager
def atomic_path(path: Union[str, Path]) -> Iterator[Path]:
    """Yield a temporary path that replaces `path` only if the block finishes without error.

    An interrupted or failing step therefore never leaves a half-written output behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if tmp.is_file():  # mkstemp makes it private; give it the permissions open() would
            os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def replace_path(new: Union[str, Path], path: Union[str, Path]) -> None:
    """Put `new` (a finished file or directory) at `path`, replacing what is there.

    A file over a file (or onto nothing) is one atomic rename. Otherwise the old output is
    first renamed aside to `.NAME.old`, which is renamed back if moving `new` in fails, and
    removed only once `new` is in place: at every moment an output is complete somewhere.
    """
    new, path = Path(new), Path(path)
    if not path.is_dir() and not (new.is_dir() and path.exists()):
        os.replace(new, path)
        return
    old = path.with_name(f".{path.name}.old")
    remove_path(old)
    path.rename(old)
    try:
        os.replace(new, path)
    except BaseException:
        old.rename(path)
        raise
    remove_path(old)


def remove_path(path: Union[str, Path]) -> None:
    """Remove a file or a directory tree, if there is one."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def write_jsonl_atomic(path: Union[str, Path], records: Iterable[Dict[str, Any]]) -> int:
    """Stream records to a JSONL file atomically; return how many were written."""
    count = 0
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf8") as file_:
        for record in records:
            file_.write(json_line(record) + "\n")
            count += 1
    return count


def write_json_atomic(path: Union[str, Path], data: Any) -> None:
    """Write one JSON document atomically (valid JSON: NaN or Infinity raise `ValueError`)."""
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    with atomic_path(path) as tmp:
        tmp.write_text(text + "\n", encoding="utf8")


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
