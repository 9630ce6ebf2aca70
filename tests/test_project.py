"""End to end as a user who installs the wheel: a fresh venv, a core install (no extras), `init`,
then the template's `all` workflow."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from spacy_ner_plugin.project_template import template_files

from .conftest import ROOT

# What building the wheel reads: the package, and the files its template/ links to.
SOURCE = [
    "pyproject.toml",
    "README.md",
    "spacy_ner_plugin",
    "project.yml",
    "configs",
    "scripts",
    "assets",
]
# Enough training steps for a real model (about 0.87 F on the sample's dev set when measured),
# few enough that the whole workflow runs in a couple of minutes.
SHRUNK_VARS = {
    "max_steps": 200,
    "eval_frequency": 50,
    "curve_max_steps": 8,
    "curve_eval_frequency": 4,
    "pretrain_max_epochs": 1,
}
pytestmark = pytest.mark.slow  # builds a wheel, installs it with spaCy into a new venv


def run(*args: object, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    """Run a command outside this checkout's environment; fail with its output."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    out = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, **kwargs
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built the standard way (pip, in an isolated build environment), from a copy of
    the source so that no earlier build/ folder of this checkout leaks into it."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCE:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(ROOT / name, source / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, source, cwd=dist)
    (path,) = dist.glob("*.whl")
    return path


@pytest.fixture(scope="module")
def python(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """The Python of a new venv with the wheel installed, and its dependencies, no extras."""
    venv = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", venv, cwd=venv)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel, cwd=venv)
    return python


def test_the_wheel_ships_the_template_the_app_and_the_default_configs(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for package in ("preannotate", "teach"):
        assert f"spacy_ner_plugin/{package}/default_config.cfg" in names
    for page in ("index.html", "app.js", "style.css"):
        assert f"spacy_ner_plugin/app/static/{page}" in names
    shipped = {n.removeprefix("spacy_ner_plugin/template/") for n in names if "/template/" in n}
    assert shipped == {rel.as_posix() for rel in template_files()}


def test_a_core_install_resolves_every_name_and_keeps_datasets(python, tmp_path):
    code = (
        "import importlib.util, spacy\n"
        "from importlib.metadata import distribution\n"
        "assert importlib.util.find_spec('fastapi') is None, 'a core install has no server'\n"
        "for ep in distribution('spacy_ner_plugin').entry_points:\n"
        "    if ep.group.startswith('spacy_'):\n"
        "        getattr(spacy.registry, ep.group[6:]).get(ep.name)\n"
        "        print(ep.name)\n"
    )
    out = run(python, "-c", code, cwd=tmp_path)
    assert "spacy_ner_plugin.ner.teach.v1" in out.stdout.split()
    db = tmp_path / "answers.sqlite"
    step = [python, "-m", "spacy_ner_plugin"]
    sample = ROOT / "assets" / "sample" / "train.jsonl"
    run(*step, "db-in", "hikes", sample, "--db", db, cwd=tmp_path)
    out = run(*step, "datasets", "--db", db, "--json", cwd=tmp_path)
    (found,) = json.loads(out.stdout)
    assert (found["name"], found["answers"]) == ("hikes", 400)


def test_init_writes_a_project_whose_all_workflow_runs(python, tmp_path):
    project = tmp_path / "project"
    run(python, "-m", "spacy_ner_plugin", "init", project, cwd=tmp_path)
    overrides = [arg for key, value in SHRUNK_VARS.items() for arg in (f"--vars.{key}", str(value))]
    out = run(python, "-m", "spacy", "project", "run", "all", project, *overrides, cwd=project)
    assert (project / "training" / "sample" / "model-best" / "meta.json").exists()
    assert (project / "training" / "sample" / "pretrain" / "model-last.bin").exists()
    # preannotate: one task per sentence of the 1,200 raw texts, with the patterns' matches
    tasks = [
        json.loads(line) for line in (project / "corpus" / "sample" / "preannotated.jsonl").open()
    ]
    assert len(tasks) == 3748
    spans = Counter(span["label"] for t in tasks for span in t["spans"])
    assert spans == {"GEAR_BRAND": 468, "TRAIL": 280}
    assert "Pattern matches made entities" in out.stdout  # fill-binary used the sample's patterns
    labels = json.loads((project / "corpus" / "sample" / "labels.json").read_text())
    assert set(labels["1"]) == {"GEAR_BRAND", "TRAIL"}
    # data-to-spacy trained on review's output: the conflicts nobody settled yet (answer
    # "ignore" in reviewed.conflicts.jsonl) train nothing
    assert "reviewed.conflicts.jsonl" in out.stdout and "answer ignore" in out.stdout
    # evaluate: the dev set's 72 fully annotated texts (its binary-only texts are not scored)
    scores = json.loads((project / "metrics" / "sample" / "scores.json").read_text())
    assert (scores["n_examples"], scores["n_rejected"]) == (72, 0)
    assert scores["ents_f"] > 0.7, scores
    assert set(scores["ents_per_type"]) == {"GEAR_BRAND", "TRAIL"}
    assert all(label["f"] > 0.6 for label in scores["ents_per_type"].values()), scores
    curve = json.loads((project / "metrics" / "sample" / "train_curve.json").read_text())
    assert [row["fraction"] for row in curve["curve"]] == [0.25, 0.5, 0.75, 1.0]
    assert (project / "metrics" / "sample" / "errors.html").exists()
    advice = json.loads((project / "metrics" / "sample" / "advice.json").read_text())
    assert advice["flowchart"] == "NER flowchart v2.0"
    assert advice["steps"][0]["node"] == "model_available"
    assert advice["next_command"].startswith("python -m spacy_ner_plugin")
