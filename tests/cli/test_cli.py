import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner, Result

from spacy_ner_plugin.cli import app

from ..conftest import ROOT, task


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "spacy_ner_plugin", *args], capture_output=True, text=True, cwd=ROOT
    )


@pytest.mark.slow
def test_python_dash_m_runs_the_cli():
    out = run_cli("--help")
    assert out.returncode == 0 and "data-to-spacy" in out.stdout


def test_help_lists_every_step_with_a_description():
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
    out = invoke("data-to-spacy", str(path), "-o", str(tmp_path / "out"), "--eval-split", "0")
    assert out.exit_code == 0, out.output
    assert f"{path}:2 [answer] unknown answer" in out.output.replace("\n", " ")


def test_strict_mode_exits_with_the_location(write_jsonl, tmp_path):
    path = write_jsonl([{"text": "Good text"}, "{oops"])
    out = invoke("data-to-spacy", str(path), "-o", str(tmp_path / "out"), "--strict")
    assert out.exit_code == 1
    assert f"{path}:2" in out.output and not (tmp_path / "out").exists()


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_bad_choice_exits_2_with_typers_message(write_jsonl, tmp_path):
    path = write_jsonl([{"text": "Good text"}])
    out = invoke("data-to-spacy", str(path), "-o", str(tmp_path / "out"), "--align", "sideways")
    assert out.exit_code == 2
    assert "Invalid value for '--align'" in out.output and "sideways" in out.output
    out = invoke("db-in", "ds", str(path), "--kind", "silver")
    assert out.exit_code == 2 and "Invalid value for '--kind'" in out.output
    out = invoke("db-out", str(path), str(tmp_path / "o.txt"), "--output-format", "csv")
    assert out.exit_code == 2 and "Invalid value for '--output-format'" in out.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "o.txt").exists()


@pytest.mark.parametrize(
    "step,args",
    [
        ("data-to-spacy", ["{missing}", "-o", "{tmp}/OUT"]),
        ("db-in", ["ds", "{missing}", "--db", "{tmp}/a.sqlite"]),
        ("db-out", ["{missing}", "{tmp}/OUT.jsonl", "--db", "{tmp}/a.sqlite"]),
        ("stats", ["{missing}"]),
    ],
)
def test_missing_input_exits_1_with_one_message_naming_it(tmp_path, step, args):
    missing = tmp_path / "missing.jsonl"
    out = invoke(step, *(a.format(missing=missing, tmp=tmp_path) for a in args))
    assert out.exit_code == 1
    assert out.output.count("✘") == 1 and "Input not found" in out.output
    assert str(missing) in out.output and "Traceback" not in out.output


def test_renamed_options_label_and_input_format(write_jsonl, tmp_path):
    records = [task(f"Text {i} about Osprey", "Osprey") for i in range(4)]
    records.append(task("A typo label Osprey", "Osprey", label="BRNAD"))
    path = write_jsonl(records)
    options = ["-l", "BRAND,TRAIL", "--input-format", "prodigy", "--eval-split", "0"]
    out = invoke("data-to-spacy", str(path), "-o", str(tmp_path / "out"), *options)
    assert out.exit_code == 0, out.output
    assert "BRNAD" in (tmp_path / "out" / "rejects.jsonl").read_text()
    old = invoke("data-to-spacy", str(path), "-o", str(tmp_path / "old"), "--labels", "BRAND")
    assert old.exit_code == 2 and "No such option" in old.output


def test_db_out_output_format_and_input_format(write_jsonl, tmp_path):
    path = write_jsonl([task("I love Osprey packs", "Osprey")])
    out = invoke("db-out", str(path), str(tmp_path / "out.txt"), "--output-format", "conll")
    assert out.exit_code == 0, out.output
    assert "Osprey\tB-BRAND" in (tmp_path / "out.txt").read_text()
    back = tmp_path / "back.jsonl"
    out = invoke("db-out", str(tmp_path / "out.txt"), str(back), "--input-format", "conll")
    assert out.exit_code == 0, out.output
    assert "Saved" in out.output and json.loads(back.read_text())["text"] == "I love Osprey packs"
    out = invoke("stats", str(back), "--input-format", "prodigy", "--json")
    assert out.exit_code == 0 and json.loads(out.stdout)["records"] == 1
