"""Jobs on a Ray cluster of a head and two worker nodes (`--address`): the local backend's
output, the job's files shipped to workers that run in another directory, a lost node."""

import json
import shutil
import subprocess
import sys
import time

import pytest
import srsly
from typer.testing import CliRunner

from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cluster.preannotate import read_manifest, shard_lines
from spacy_ner_plugin.preannotate.preannotator import DEFAULT_CONFIG_PATH

from ..cli.test_train_curve import DEV, TRAIN, write_docs, write_labels
from ..conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("ray_nodes")]

SAMPLE = ROOT / "assets" / "sample"
BLOCK_MB = "0.05"  # the 250 KB sample in 5 blocks
# A `--code` file the config names: without it on the workers, the config cannot be resolved.
CODE = '''
import os
import time

import spacy


@spacy.registry.misc("test_nodes_stall.v1")
def create_stall(marker: str = "", trigger: str = ""):
    """No suggestions; with a marker, the first worker to see `trigger` writes its node id
    there and stalls (until its node is removed)."""

    def factory(nlp):
        def suggest(doc):
            if marker and trigger in doc.text and not os.path.exists(marker):
                import ray

                with open(marker, "w") as file_:
                    file_.write(ray.get_runtime_context().get_node_id())
                time.sleep(300)
            return []

        return suggest

    return factory
'''


def run(*args):
    """The CLI's result; its exit code must be 0."""
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def job_files(tmp_path, monkeypatch, trained_model):
    """A driver directory with the job's files under relative names (none of them exists in
    the workers' directory): raw texts with bad lines, patterns, a base model, a config with a
    suggester from a `--code` file; the driver works there."""
    driver = tmp_path / "driver"
    driver.mkdir()
    lines = (SAMPLE / "raw.jsonl").read_text(encoding="utf8").splitlines()
    for i in range(50, len(lines), 97):
        lines[i] = ["not json", '{"text": ""}', '{"meta": {}}'][i % 3]
    (driver / "raw.jsonl").write_text("\n".join(lines) + "\n", encoding="utf8")
    shutil.copy(SAMPLE / "patterns.jsonl", driver / "patterns.jsonl")
    shutil.copytree(trained_model, driver / "model")
    (driver / "code.py").write_text(CODE, encoding="utf8")
    (driver / "preannotate.cfg").write_text(
        DEFAULT_CONFIG_PATH.read_text(encoding="utf8")
        + '\n[suggesters.stall]\n@misc = "test_nodes_stall.v1"\n',
        encoding="utf8",
    )
    monkeypatch.chdir(driver)
    return driver


def job_args(output, *more):
    return [
        "preannotate", "raw.jsonl", output, "-p", "patterns.jsonl", "-b", "model",
        "--config", "preannotate.cfg", "--code", "code.py", *more,
    ]  # fmt: skip


def joined(output, kind="tasks"):
    return b"".join(shard_lines(str(output), kind))


def test_workers_run_elsewhere_and_get_the_job_files_with_the_job(ray_nodes, job_files):
    import ray

    ray.init(address=ray_nodes.address, log_to_driver=False, logging_level="WARNING")
    try:
        assert ray.get_runtime_context().gcs_address.startswith("127.0.0.1:")
        where = ray.remote(num_cpus=1)(lambda: __import__("os").getcwd())
        assert {ray.get(where.remote()) for _ in range(4)} == {str(ray_nodes.home)}
    finally:
        ray.shutdown()
    for name in ("raw.jsonl", "patterns.jsonl", "model", "code.py", "preannotate.cfg"):
        assert not (ray_nodes.home / name).exists()


def test_preannotate_on_two_nodes_writes_the_local_output(ray_nodes, job_files):
    run(*job_args("local.jsonl"))
    sources = {s["source"] for t in srsly.read_jsonl("local.jsonl") for s in t["spans"]}
    assert len(sources) == 2 and "patterns.jsonl" in sources  # the model suggests too
    out = run(*job_args("out", "--backend", "ray", "--address", ray_nodes.address,
                        "--block-mb", BLOCK_MB))  # fmt: skip
    assert "on 2 Ray worker(s)" in out.output
    assert joined("out") == (job_files / "local.jsonl").read_bytes()
    assert joined("out", "rejects") == (job_files / "local.rejects.jsonl").read_bytes()
    rejects = [json.loads(line) for line in shard_lines("out", "rejects")]
    assert [r["line"] for r in rejects] == list(range(51, 1201, 97))  # as in the file
    shards = read_manifest("out")["shards"]
    assert len(shards) == 5 and len({shard["node"] for shard in shards}) == 2
    assert [s["first_line"] for s in shards[1:]] == [
        s["first_line"] + s["lines"] for s in shards[:-1]
    ]


def test_train_curve_on_two_nodes_gives_the_local_points(ray_nodes, nlp, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_docs(nlp, tmp_path / "train.spacy", TRAIN)
    write_docs(nlp, tmp_path / "dev.spacy", DEV)
    write_labels(tmp_path / "labels.json", ["BRAND", "TRAIL"])
    shutil.copy(ROOT / "configs" / "ner.cfg", tmp_path / "ner.cfg")
    args = [
        "train-curve", "ner.cfg", "--n-samples", "2", "--paths.train", "train.spacy",
        "--paths.dev", "dev.spacy", "--paths.labels", "labels.json",
        "--training.max_steps", "20", "--training.eval_frequency", "10",
    ]  # fmt: skip
    run(*args, "--output", "local.json", "--training-dir", "local", "--n-workers", "2")
    run(*args, "--output", "ray.json", "--training-dir", "ray", "--backend", "ray",
        "--address", ray_nodes.address)  # fmt: skip
    local, on_ray = srsly.read_json("local.json"), srsly.read_json("ray.json")
    for curve in (local, on_ray):
        for point in curve["points"]:
            assert point.pop("seconds") > 0
    assert on_ray["points"] == local["points"] and len(local["points"]) == 2
    assert on_ray["curve"] == local["curve"] and on_ray["projection"] == local["projection"]
    for point in on_ray["points"]:
        assert (tmp_path / "ray" / point["key"] / "train.log").stat().st_size > 0


def test_a_node_lost_mid_job_has_its_block_redone_on_the_other(ray_nodes, job_files):
    run(*job_args("local.jsonl"))
    marker = job_files / "stalled"
    trigger = json.loads((job_files / "raw.jsonl").read_text().splitlines()[700])["text"]
    args = job_args(
        "out", "--backend", "ray", "--address", ray_nodes.address, "--block-mb", BLOCK_MB,
        "--suggesters.stall.marker", str(marker), "--suggesters.stall.trigger", trigger,
    )  # fmt: skip
    job = subprocess.Popen([sys.executable, "-m", "spacy_ner_plugin", *args], text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not (marker.exists() and marker.read_text()):
            if job.poll() is not None or time.monotonic() > deadline:
                job.kill()
                pytest.fail(f"the job did not stall: {job.communicate()[0]}")
            time.sleep(0.2)
        stalled = marker.read_text()
        (node,) = [n for n in ray_nodes.cluster.list_all_nodes() if n.node_id == stalled]
        ray_nodes.cluster.remove_node(node)
        output, _ = job.communicate(timeout=180)
    finally:
        if job.poll() is None:
            job.kill()
        ray_nodes.add_worker_node()
    assert job.returncode == 0, output
    assert joined("out") == (job_files / "local.jsonl").read_bytes()  # each record once
    assert joined("out", "rejects") == (job_files / "local.rejects.jsonl").read_bytes()
    (redone,) = [
        s
        for s in read_manifest("out")["shards"]
        if s["first_line"] <= 701 < s["first_line"] + s["lines"]
    ]
    assert redone["node"] != stalled  # the trigger's block, redone on the other node
