import subprocess
import sys

from spacy_ner_plugin.cli import app

from .conftest import ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "spacy_ner_plugin", *args], capture_output=True, text=True, cwd=ROOT
    )


def test_help_lists_every_step_with_a_description():
    out = run_cli("--help")
    assert out.returncode == 0
    for command in app.registered_commands:
        assert command.name in out.stdout
        first_line = command.callback.__doc__.strip().splitlines()[0]
        assert first_line.split()[0] in out.stdout


def test_bad_record_is_reported_with_file_and_line(write_jsonl, tmp_path):
    path = write_jsonl([{"text": "Good text"}, {"text": "Bad", "answer": "perhaps"}])
    out = run_cli("data-to-spacy", str(path), str(tmp_path / "out"), "--eval-split", "0")
    assert out.returncode == 0, out.stderr
    assert f"{path}:2 [answer] unknown answer" in out.stdout.replace("\n", " ")


def test_strict_mode_exits_with_the_location(write_jsonl, tmp_path):
    path = write_jsonl([{"text": "Good text"}, "{oops"])
    out = run_cli("data-to-spacy", str(path), str(tmp_path / "out"), "--strict")
    assert out.returncode == 1
    assert f"{path}:2" in out.stdout and not (tmp_path / "out").exists()
