import subprocess
import sys

from spacy_ner_plugin.cli import app

from .conftest import ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "spacy_ner_plugin", *args], capture_output=True, text=True, cwd=ROOT
    )


def test_help_lists_every_step_with_a_description():
    from typer.testing import CliRunner

    out = CliRunner().invoke(app, ["--help"])
    assert out.exit_code == 0, out.output
    # rich draws a table and wraps long rows: compare the text with the frame and wrapping gone
    shown = " ".join(out.output.translate(str.maketrans("", "", "│╭╮╰╯─")).split())
    assert len(app.registered_commands) >= 12
    for command in app.registered_commands:
        summary = " ".join(command.callback.__doc__.strip().split("\n\n")[0].split())
        assert f"{command.name} {summary}" in shown, f"{command.name}: {summary!r} not in --help"


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
