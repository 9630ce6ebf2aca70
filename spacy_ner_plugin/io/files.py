"""Atomic file output: write to a temporary file beside the target, then rename.

Temporary files and directories are named `.NAME.PID.RANDOM.tmp` after the output they will
become. A step stopped by SIGTERM or Ctrl-C removes its own (the `finally` blocks run); one
killed outright (SIGKILL, the OOM killer) cannot, so the next write beside the same output
sweeps the temporaries of processes that no longer exist, and puts back an output that a
killed `replace_path` had moved aside. What a step spools to disk while it runs (`make_spool`)
is one more such temporary, never a file of the system temp directory that a kill would leave.
"""

import glob
import json
import os
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Union

from ..errors import PluginError, UsageError
from .records import json_line

TMP_SUFFIX = ".tmp"


@contextmanager
def atomic_path(path: Union[str, Path]) -> Iterator[Path]:
    """Yield a temporary path that replaces `path` only if the block finishes without error.

    An interrupted or failing step therefore never leaves a half-written output behind.
    """
    path = Path(path)
    tmp = make_temp(path)
    try:
        yield tmp
        if tmp.is_file():  # mkstemp makes it private; give it the permissions open() would
            os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def make_temp(path: Union[str, Path], directory: bool = False) -> Path:
    """A new temporary file (or directory) beside `path`, after sweeping stale ones."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(path)
    prefix = f".{path.name}.{os.getpid()}."
    if directory:
        return Path(tempfile.mkdtemp(prefix=prefix, suffix=TMP_SUFFIX, dir=path.parent))
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=TMP_SUFFIX, dir=path.parent)
    os.close(fd)
    return Path(name)


def make_spool(beside: Union[str, Path] | None = None, directory: bool = False) -> Path:
    """A temporary file (or directory) for what a step streams to disk while it runs.

    Beside the step's output `beside` it is one of that output's temporaries (`make_temp`), so
    the next run writing there sweeps it if a kill left it; a step without an output spools to
    `spool_folder()`, where the next spool sweeps those of dead processes the same way.
    """
    return make_temp(beside if beside is not None else spool_folder() / "spool", directory)


def spool_folder() -> Path:
    """This user's folder in the system temp directory for the spools of steps without output.

    Its name is fixed, so that the next run finds what a killed one left; hence the check that
    it is a private folder of this user's and not something another user put there first.
    """
    folder = Path(tempfile.gettempdir()) / f"spacy_ner_plugin-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise PluginError("Unsafe spool folder", f"{folder} is not this user's private folder")
    return folder


@contextmanager
def temp_directory(path: Union[str, Path]) -> Iterator[Path]:
    """A temporary working directory beside `path` (see `make_temp`), removed at the end."""
    tmp = make_temp(path, directory=True)
    try:
        yield tmp
    finally:
        remove_path(tmp)


def sweep_stale(path: Union[str, Path]) -> List[Path]:
    """Remove the temporaries that dead processes left beside `path`; return what was removed.

    Also moves back `.NAME.old` (see `replace_path`) when a kill left no output at `path`.
    """
    path = Path(path)
    old = path.with_name(f".{path.name}.old")
    if old.exists() and not path.exists():
        old.rename(path)
    removed = []
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*{TMP_SUFFIX}"):
        pid = tmp.name[len(path.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            remove_path(tmp)
            removed.append(tmp)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


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


def ensure_inputs_exist(*paths: Union[str, Path, None]) -> None:
    """Fail with a clear message before any work if an input file is missing."""
    for path in paths:
        if path is not None and not Path(path).exists():
            raise PluginError("Input not found", str(path))


def check_overwrites(
    inputs: Iterable[Union[str, Path, None]], outputs: Iterable[Union[str, Path, None]]
) -> None:
    """Refuse (`UsageError`) outputs that would write over an input, before anything is read.

    Paths are compared resolved (`./a.jsonl` is `a.jsonl`, a link is its target): an output
    that is an input, lies inside an input folder (a shard or raw-text directory), or holds an
    input (a folder the step replaces). URIs (`s3://...`) are not compared.
    """
    given_inputs = [(str(p), _resolved(p)) for p in inputs if _is_local(p)]
    hint = "give the output a path of its own: no step writes over its inputs"
    for output in outputs:
        if not _is_local(output):
            continue
        out = _resolved(output)
        for name, path in given_inputs:
            if out == path:
                raise UsageError(f"The output {output} is the input {name}", hint)
            if path in out.parents:
                raise UsageError(f"The output {output} is inside the input {name}", hint)
            if out in path.parents:
                raise UsageError(f"The input {name} is inside the output {output}", hint)


def _is_local(path: Union[str, Path, None]) -> bool:
    return path is not None and str(path) != "" and "://" not in str(path)


def _resolved(path: Union[str, Path]) -> Path:
    return Path(path).expanduser().resolve()
