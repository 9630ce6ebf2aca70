"""`init`: the project template written from package data (its run from a wheel: test_project)."""

import re

import pytest
from typer.testing import CliRunner

from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.init import init
from spacy_ner_plugin.errors import UsageError
from spacy_ner_plugin.project_template import TEMPLATE_FILES, template_files

from ..conftest import ROOT


def invoke(*args: str):
    return CliRunner().invoke(app, ["init", *map(str, args)])


def test_init_writes_the_repositorys_own_template(tmp_path):
    target = tmp_path / "project"
    result = invoke(target)
    assert result.exit_code == 0, result.output
    written = sorted(p.relative_to(target) for p in target.rglob("*") if p.is_file())
    assert written == template_files()
    expected = {"project.yml", "configs/ner.cfg", "assets/sample/train.jsonl", "assets/README.md"}
    assert expected <= {p.as_posix() for p in written}
    for rel in written:
        assert (target / rel).read_bytes() == (ROOT / rel).read_bytes(), rel
    assert "python -m spacy project run all" in result.output
    assert not list(tmp_path.glob(".*.tmp")), "the staging folder is left behind"


def test_init_fills_an_existing_empty_folder(tmp_path):
    assert init(tmp_path) == [tmp_path / rel for rel in template_files()]
    assert (tmp_path / "project.yml").is_file()


def test_a_folder_that_is_not_empty_is_refused_without_force(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "project.yml").write_text("my own project")
    result = invoke(tmp_path)
    said = " ".join(result.output.split())  # the message wraps at the terminal width
    assert result.exit_code == 2 and "is not empty" in said and "--force" in said
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "project.yml"]
    assert (tmp_path / "project.yml").read_text() == "my own project"
    result = invoke(tmp_path, "--force")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "project.yml").read_bytes() == (ROOT / "project.yml").read_bytes()
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_file_is_refused(tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(UsageError, match="is a file"):
        init(path, force=True)
    assert path.read_text() == "x"


def test_the_wheel_ships_what_init_copies():
    """pyproject.toml's package data lists the same globs as `TEMPLATE_FILES`."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf8")
    block = re.search(r'^"spacy_ner_plugin" = \[(.*?)\]', pyproject, flags=re.M | re.S)
    assert block, "no package data for spacy_ner_plugin in pyproject.toml"
    globs = re.findall(r'"template/([^"]+)"', block.group(1))
    assert sorted(globs) == sorted(TEMPLATE_FILES)
