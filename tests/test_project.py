"""End to end: the project template runs its `all` workflow from a fresh copy."""

import json
import os
import shutil
import subprocess
import sys
from collections import Counter

import pytest

from .conftest import ROOT

TEMPLATE = ["project.yml", "configs", "assets", "scripts"]
# Enough training steps for a real model (about 0.87 F on the sample's dev set when measured),
# few enough that the whole workflow runs in a couple of minutes.
SHRUNK_VARS = {
    "max_steps": 200,
    "eval_frequency": 50,
    "curve_max_steps": 8,
    "curve_eval_frequency": 4,
    "pretrain_max_epochs": 1,
}


@pytest.mark.slow
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
    # the package of this checkout, whichever checkout `pip install -e` pointed at
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=project, env=env)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
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
    # evaluate: the dev set's 83 fully annotated texts (its binary-only texts are not scored)
    scores = json.loads((project / "metrics" / "sample" / "scores.json").read_text())
    assert (scores["n_examples"], scores["n_rejected"]) == (83, 0)
    assert scores["ents_f"] > 0.7, scores
    assert set(scores["ents_per_type"]) == {"GEAR_BRAND", "TRAIL"}
    assert all(label["f"] > 0.6 for label in scores["ents_per_type"].values()), scores
    curve = json.loads((project / "metrics" / "sample" / "train_curve.json").read_text())
    assert [row["fraction"] for row in curve["curve"]] == [0.25, 0.5, 0.75, 1.0]
    assert (project / "metrics" / "sample" / "errors.html").exists()
    advice = json.loads((project / "metrics" / "sample" / "advice.json").read_text())
    assert advice["flowchart"] == "NER flowchart v2.0" and advice["steps"][0]["node"] == "rules"
    assert advice["next_command"].startswith("python -m spacy_ner_plugin")
