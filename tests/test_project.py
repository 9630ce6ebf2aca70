"""End to end: the project template runs its `all` workflow from a fresh copy."""

import json
import shutil
import subprocess
import sys

from .conftest import ROOT

TEMPLATE = ["project.yml", "configs", "assets", "scripts"]
SHRUNK_VARS = {
    "max_steps": 20,
    "eval_frequency": 10,
    "curve_max_steps": 8,
    "curve_eval_frequency": 4,
    "pretrain_max_epochs": 1,
}


def test_all_workflow_runs_on_a_copy_of_the_template(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    for name in TEMPLATE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name)
        else:
            shutil.copy(source, project / name)
    overrides = [arg for key, value in SHRUNK_VARS.items() for arg in (f"--vars.{key}", str(value))]
    cmd = [sys.executable, "-m", "spacy", "project", "run", "all", str(project), *overrides]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=project)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert (project / "training" / "sample" / "model-best" / "meta.json").exists()
    assert (project / "training" / "sample" / "pretrain" / "model-last.bin").exists()
    assert "Pattern matches made entities" in out.stdout  # fill-binary used the sample's patterns
    scores = json.loads((project / "metrics" / "sample" / "scores.json").read_text())
    assert 0.0 <= scores["ents_f"] <= 1.0
    assert set(scores["ents_per_type"]) == {"GEAR_BRAND", "TRAIL"}
    curve = json.loads((project / "metrics" / "sample" / "train_curve.json").read_text())
    assert [row["fraction"] for row in curve["curve"]] == [0.25, 0.5, 0.75, 1.0]
    assert (project / "metrics" / "sample" / "errors.html").exists()
    advice = json.loads((project / "metrics" / "sample" / "advice.json").read_text())
    assert advice["flowchart"] == "NER flowchart v2.0" and advice["steps"][0]["node"] == "rules"
    assert advice["next_command"].startswith("python -m spacy_ner_plugin")
