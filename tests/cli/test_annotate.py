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


@pytest.fixture
def built(monkeypatch):
    """The options each `annotate` run passed to `make_app` (which serves ner.manual instead;
    nothing is served)."""
    import uvicorn

    from spacy_ner_plugin.app import server

    built, real_make_app = [], server.make_app

    def fake_make_app(recipe, dataset, source, **options):
        built.append(options)
        return real_make_app("ner.manual", dataset, source, db=options["db"], labels=["B"])

    monkeypatch.setattr(server, "make_app", fake_make_app)
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: None)
    return built


def test_annotate_passes_teach_and_review_options_and_config_overrides(tmp_path, built):
    source = tmp_path / "raw.txt"
    source.write_text("Osprey\n")
    db = str(tmp_path / "a.sqlite")
    args = ["annotate", "ner.teach", "gear", str(source), "--model", "m", "--db", db]
    extra = ["--seed", "3", "--sorter", "high", "--teach.batch_size", "8"]
    extra += ["--annotations-per-task", "2"]
    result = runner.invoke(app, [*args, *extra, "--policy", "longest"])
    assert result.exit_code == 0, result.output
    (options,) = built
    assert options["seed"] == 3 and options["sorter"] == "high"
    assert options["overrides"] == {"teach.batch_size": 8} and options["policy"] == "longest"
    assert options["lang"] == "en" and "labels" not in options  # unset options stay unset
    assert options["annotations_per_task"] == 2
    result = runner.invoke(app, [*args, "--annotations-per-task", "0"])
    assert result.exit_code == 2
    result = runner.invoke(app, [*args, "--nope"])
    assert result.exit_code == 2 and "--section.key value" in result.output


def test_annotate_passes_ner_correct_update_and_its_sorter(tmp_path, built):
    source = tmp_path / "raw.txt"
    source.write_text("Osprey\n")
    db = str(tmp_path / "a.sqlite")
    args = ["annotate", "ner.correct", "gear", str(source), "--model", "m", "--db", db]
    result = runner.invoke(app, [*args, "--update", "--sorter", "random", "--seed", "2"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    looped, plain = built
    assert looped["update"] is True and looped["sorter"] == "random" and looped["seed"] == 2
    assert "update" not in plain and "sorter" not in plain
