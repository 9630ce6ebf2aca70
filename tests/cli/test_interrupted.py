"""A step stopped while it writes leaves the previous outputs whole and no temporary file.

Each step runs in a subprocess whose `os.replace`/`os.rename` (the moment finished outputs
move into place) first sends the process a signal. SIGTERM unwinds like Ctrl-C, so the step's
own `finally` blocks remove its temporaries; SIGKILL leaves them, and the next run's write
sweeps them (`io.files.sweep_stale`).
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
from importlib import import_module
from pathlib import Path

import pytest

from spacy_ner_plugin.errors import PluginError
from spacy_ner_plugin.io.files import atomic_path, make_spool, make_temp, sweep_stale

from ..conftest import ROOT

SAMPLE = ROOT / "assets" / "sample"
PREVIOUS = b"previous output\n"
DRIVER = """
import os, signal, sys
from spacy_ner_plugin.__main__ import main

SIGNAL = getattr(signal, sys.argv[1])

def interrupt(*args, **kwargs):
    os.kill(os.getpid(), SIGNAL)
    raise RuntimeError("the signal should have ended the process")

os.replace = os.rename = interrupt
sys.argv = ["spacy_ner_plugin", *sys.argv[2:]]
main()
"""


def steps(tmp: Path):
    """(name, command line, outputs) of every step that writes files, on the sample."""
    corpus = tmp / "corpus"
    return [
        (
            "preannotate",
            [
                "preannotate",
                str(SAMPLE / "raw.jsonl"),
                str(tmp / "tasks.jsonl"),
                "--patterns",
                str(SAMPLE / "patterns.jsonl"),
            ],
            [tmp / "tasks.jsonl", tmp / "tasks.rejects.jsonl"],
        ),
        (
            "data-to-spacy",
            ["data-to-spacy", str(SAMPLE / "train.jsonl"), "--output", str(corpus)],
            [
                corpus / name
                for name in (
                    "train.spacy",
                    "dev.spacy",
                    "labels.json",
                    "rejects.jsonl",
                    "conflicts.jsonl",
                )
            ],
        ),
        (
            "db-out",
            ["db-out", str(SAMPLE / "train.jsonl"), str(tmp / "normalized.jsonl")],
            [tmp / "normalized.jsonl"],
        ),
        (
            "evaluate-patterns",
            [
                "evaluate-patterns",
                str(SAMPLE / "patterns.jsonl"),
                str(SAMPLE / "train.jsonl"),
                "--output",
                str(tmp / "patterns.json"),
            ],
            [tmp / "patterns.json"],
        ),
        (
            "review",
            [
                "review",
                str(SAMPLE / "train.jsonl"),
                str(SAMPLE / "annotator_b.jsonl"),
                "--output",
                str(tmp / "reviewed.jsonl"),
                "--conflicts",
                str(tmp / "conflicts.jsonl"),
            ],
            [tmp / "reviewed.jsonl", tmp / "conflicts.jsonl"],
        ),
    ]


def run(driver_signal: str, args, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", DRIVER, driver_signal, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def temporaries(folder: Path):
    return sorted(p.name for p in folder.rglob("*.tmp"))


@pytest.mark.slow
@pytest.mark.parametrize("name", [s[0] for s in steps(Path("."))])
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_an_interrupted_step_keeps_the_previous_outputs(name, how, tmp_path):
    _, args, outputs = next(s for s in steps(tmp_path) if s[0] == name)
    for output in outputs:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(PREVIOUS)
    out = run(how, args, tmp_path)
    expected = -signal.SIGKILL if how == "SIGKILL" else 128 + signal.SIGTERM
    assert out.returncode == expected, out.stdout + out.stderr
    assert all(o.read_bytes() == PREVIOUS for o in outputs), name
    if how == "SIGTERM":
        assert temporaries(tmp_path) == []
    else:  # nothing runs after SIGKILL; the next write beside the outputs sweeps them
        for output in outputs:
            sweep_stale(output)
        assert temporaries(tmp_path) == []


def test_a_killed_process_temporaries_are_swept_and_a_live_ones_kept(tmp_path):
    target = tmp_path / "out.jsonl"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stale = tmp_path / f".out.jsonl.{int(dead.stdout)}.abc.tmp"
    stale.write_text("half")
    (tmp_path / ".out.jsonl.old").write_text("the previous output, moved aside")
    live = make_temp(target)  # this process's: never swept
    with atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"
    assert not stale.exists() and live.exists()
    assert not (tmp_path / ".out.jsonl.old").exists()


def test_an_output_moved_aside_by_a_killed_replace_comes_back(tmp_path):
    target = tmp_path / "train.spacy"
    (tmp_path / ".train.spacy.old").write_bytes(b"the previous corpus")
    assert sweep_stale(target) == []
    assert target.read_bytes() == b"the previous corpus"


SPOOL_DRIVER = """
import json, os, signal, sys
from importlib import import_module

def kill(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

(where, attribute), (module, function), args, kwargs = json.loads(sys.argv[1])
owner = import_module(where)
*path, name = attribute.split(".")
for part in path:
    owner = getattr(owner, part)
setattr(owner, name, kill)
getattr(import_module(module), function)(*args, **kwargs)
"""


def spooling_steps(tmp: Path):
    """(name, where to kill it, plain function, args, kwargs, the output its spools lie
    beside: None for a step without an output) of every step that spools to disk."""
    train, other = str(SAMPLE / "train.jsonl"), str(SAMPLE / "annotator_b.jsonl")
    merging = ("spacy_ner_plugin.annotations.store", "AnswerStore.groups")
    vectors = {"dim": 16, "epochs": 1, "min_count": 1, "bucket": 2000, "threads": 1}
    return [
        (
            "data-to-spacy",
            merging,
            ("spacy_ner_plugin.cli.data_to_spacy", "data_to_spacy"),
            [[train], str(tmp / "corpus")],
            {},
            tmp / "corpus" / "train.spacy",
        ),
        (
            "review",
            merging,
            ("spacy_ner_plugin.cli.review", "review"),
            [[train, other], str(tmp / "reviewed.jsonl")],
            {},
            tmp / "reviewed.jsonl",
        ),
        (
            "db-out",
            ("os", "replace"),
            ("spacy_ner_plugin.cli.db_out", "db_out"),
            [train, str(tmp / "normalized.jsonl")],
            {},
            tmp / "normalized.jsonl",
        ),
        (
            "train-vectors",
            ("floret", "train_unsupervised"),
            ("spacy_ner_plugin.cli.train_vectors", "train_vectors"),
            [str(SAMPLE / "raw.jsonl"), str(tmp / "vectors")],
            vectors,
            tmp / "vectors",
        ),
        ("stats", merging, ("spacy_ner_plugin.cli.stats", "stats"), [[train]], {}, None),
    ]


@pytest.mark.slow
@pytest.mark.parametrize("name", [s[0] for s in spooling_steps(Path("."))])
def test_a_killed_step_leaves_its_spools_where_the_next_run_sweeps_them(
    name, tmp_path, monkeypatch
):
    """Spools lie beside the step's output, named like its other temporaries, never in the
    system temp directory; a step without an output spools to one folder there, swept alike."""
    if name == "train-vectors":
        pytest.importorskip("floret")
    _, kill_at, (module, function), args, kwargs, output = next(
        s for s in spooling_steps(tmp_path) if s[0] == name
    )
    system_tmp = tmp_path / "system_tmp"
    system_tmp.mkdir()
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            SPOOL_DRIVER,
            json.dumps([kill_at, [module, function], args, kwargs]),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(system_tmp)},
        timeout=300,
    )
    assert out.returncode == -signal.SIGKILL, out.stdout + out.stderr
    where = system_tmp if output is None else output.parent
    left = temporaries(where)
    assert left, "the killed step should have left its spools"
    if output is not None:
        assert all(n.startswith(f".{output.name}.") for n in left), left
        assert list(system_tmp.iterdir()) == []
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    getattr(import_module(module), function)(*args, **kwargs)  # the next run sweeps them
    assert temporaries(where) == [] and temporaries(system_tmp) == []
    if output is not None:
        assert list(system_tmp.iterdir()) == []


def test_steps_without_an_output_spool_to_a_private_folder_of_the_user(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    spool = make_spool()
    assert spool.parent.parent == tmp_path and spool.name.startswith(f".spool.{os.getpid()}.")
    assert spool.parent.stat().st_mode & 0o777 == 0o700
    spool.unlink()
    spool.parent.chmod(0o777)  # e.g. made by someone else first
    with pytest.raises(PluginError, match="private folder"):
        make_spool()
