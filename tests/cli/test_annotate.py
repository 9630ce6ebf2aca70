# ruff: noqa: E402
"""The `annotate` command (the server itself is tested in app/test_server)."""

import pytest

# The app extra's server (pip install -e '.[app]'; .ci/run installs it).
pytest.importorskip("fastapi")

from typer.testing import CliRunner

from spacy_ner_plugin.cli import app

runner = CliRunner()


def test_annotate_reports_usage_errors_before_serving(tmp_path):
    source = tmp_path / "raw.txt"
    source.write_text("Osprey\n")
    db = str(tmp_path / "a.sqlite")
    result = runner.invoke(app, ["annotate", "ner.nope", "gear", str(source), "--db", db])
    assert result.exit_code == 2 and "Unknown recipe" in result.output
    args = ["annotate", "ner.manual", "gear", str(source), "--db", db]
    result = runner.invoke(app, [*args, "--model", "x", "--lang", "de"])
    assert result.exit_code == 2 and "not both" in result.output
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "needs labels" in result.output
    result = runner.invoke(app, [*args[:3], "missing.jsonl", "--label", "B", "--db", db])
    assert result.exit_code == 2 and "Source not found" in result.output
