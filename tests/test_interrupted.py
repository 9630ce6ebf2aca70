"""A step stopped while it writes leaves the previous outputs whole and no temporary file.

Each step runs in a subprocess whose `os.replace`/`os.rename` (the moment finished outputs
move into place) first sends the process a signal. SIGTERM unwinds like Ctrl-C, so the step's
own `finally` blocks remove its temporaries; SIGKILL leaves them, and the next run's write
sweeps them (`io.files.sweep_stale`).
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from spacy_ner_plugin.io.files import atomic_path, make_temp, sweep_stale

from .conftest import ROOT

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
