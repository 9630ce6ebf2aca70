"""`ls-backend`'s checks before it serves anything (the server itself: test_protocol.py)."""

import pytest
from typer.testing import CliRunner

from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.ls_backend import ls_backend
from spacy_ner_plugin.errors import PluginError, UsageError


def test_model_and_lang_together_exit_2():
    out = CliRunner().invoke(app, ["ls-backend", "--model", "x", "--lang", "de"])
    assert out.exit_code == 2
    assert "Give --model or --lang, not both" in out.output


def test_missing_patterns_are_named(tmp_path):
    with pytest.raises(PluginError, match="Input not found"):
        ls_backend(patterns=tmp_path / "nope.jsonl", db=str(tmp_path / "a.sqlite"))


def test_the_database_may_not_be_the_patterns_file(tmp_path):
    patterns = tmp_path / "patterns.jsonl"
    patterns.write_text("")
    with pytest.raises(UsageError):
        ls_backend(patterns=patterns, db=str(patterns))
