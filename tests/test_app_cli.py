# ruff: noqa: E402
"""The `annotate` and `datasets` commands (the server itself is tested in test_app_server)."""

import pytest

# The app extra (pip install -e '.[app]'; .ci/run installs it).
pytest.importorskip("sqlalchemy")
pytest.importorskip("fastapi")

import json

from typer.testing import CliRunner

from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.datasets import datasets
from spacy_ner_plugin.db.database import Database

runner = CliRunner()


def test_datasets_lists_prodigy_like_stats(tmp_path):
    db = str(tmp_path / "a.sqlite")
    with Database(db) as database:
        database.add_answers("gear", [
            {"text": "a", "answer": "accept", "_session_id": "gear-alice"},
            {"text": "b", "answer": "reject", "_session_id": "gear-bob"},
        ])  # fmt: skip
    (found,) = datasets(db)
    assert (found.name, found.answers, found.accept, found.reject) == ("gear", 2, 1, 1)
    result = runner.invoke(app, ["datasets", "--db", db])
    assert result.exit_code == 0 and "gear" in result.output and "1 datasets" in result.output
    result = runner.invoke(app, ["datasets", "--db", db, "--json"])
    assert json.loads(result.output)[0]["sessions"] == ["gear-alice", "gear-bob"]


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
