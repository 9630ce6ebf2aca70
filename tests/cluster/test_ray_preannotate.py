"""`preannotate --backend ray` on a local Ray: the local backend's output, shard by shard."""

import json

import pytest
from typer.testing import CliRunner

from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.preannotate import preannotate
from spacy_ner_plugin.cluster.pool import MAX_RETRIES
from spacy_ner_plugin.cluster.preannotate import MANIFEST, read_manifest, shard_lines
from spacy_ner_plugin.preannotate.preannotator import DEFAULT_CONFIG_PATH

from ..conftest import ROOT

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.usefixtures("ray_cluster")

SAMPLE = ROOT / "assets" / "sample" / "raw.jsonl"
PATTERNS = ROOT / "assets" / "sample" / "patterns.jsonl"
OVERRIDES = {"paths.patterns": str(PATTERNS)}
BLOCK_MB = 0.05  # the 250 KB sample in 5 blocks
CRASH_CODE = '''
import os

import spacy


@spacy.registry.misc("test_crash_once.v1")
def create_crash_once(marker: str, trigger: str, times: int = 1):
    """A suggester that kills its worker process the first `times` times it sees `trigger`
    (each death appends a line to `marker`)."""

    def factory(nlp):
        def suggest(doc):
            deaths = len(open(marker).readlines()) if os.path.exists(marker) else 0
            if trigger in doc.text and deaths < times:
                with open(marker, "a") as file_:
                    print("died", file=file_)
                os._exit(1)
            return []

        return suggest

    return factory
'''


@pytest.fixture(scope="module")
def local_sample(tmp_path_factory):
    """The local backend's tasks for the sample, and its result."""
    output = tmp_path_factory.mktemp("local") / "tasks.jsonl"
    return output, preannotate(SAMPLE, output, overrides=OVERRIDES)


def run_ray(input_path, output, **kwargs):
    settings = {"overrides": OVERRIDES, "n_process": 2, "block_mb": BLOCK_MB, **kwargs}
    return preannotate(input_path, output, backend="ray", **settings)


def joined(output, kind="tasks"):
    return b"".join(shard_lines(str(output), kind))


def printed(capsys):
    return " ".join(capsys.readouterr().out.split())


def shard_mtimes(output):
    return {p.name: p.stat().st_mtime_ns for p in output.glob("part-*")}


def test_workers_import_this_checkout():
    import spacy_ner_plugin

    where = ray.get(ray.remote(lambda: __import__("spacy_ner_plugin").__file__).remote())
    assert where == spacy_ner_plugin.__file__


def test_the_sample_is_identical_through_both_backends(local_sample, tmp_path):
    local, local_result = local_sample
    result = run_ray(SAMPLE, tmp_path / "out")
    assert joined(tmp_path / "out") == local.read_bytes()
    assert result.counts == local_result.counts and result.counts.read == 1200
    manifest = read_manifest(str(tmp_path / "out"))
    shards = manifest["shards"]
    assert [s["tasks"] for s in shards] == [f"part-{i:05d}.jsonl" for i in range(5)]
    assert [s["rejects"] for s in shards] == [f"part-{i:05d}.rejects.jsonl" for i in range(5)]
    assert [s["block"]["start"] for s in shards[1:]] == [s["block"]["end"] for s in shards[:-1]]
    totals = manifest["counts"]
    assert totals["read"] == sum(s["counts"]["read"] for s in shards) == 1200
    assert totals["read"] == totals["texts"] + totals["rejected"]
    assert result.paths["manifest"] == tmp_path / "out" / MANIFEST


COUNT_BUILDS_CODE = """
import os

import ray
import spacy


@spacy.registry.misc("test_count_builds.v1")
def create_count_builds(marker: str):
    \"\"\"No suggestions; each pipeline a Ray worker builds appends its pid to the file
    `marker` names after "log:" (not a path, so the job does not ship it as a file).\"\"\"

    def factory(nlp):
        if ray.is_initialized() and ray.get_runtime_context().get_task_id():
            with open(marker.removeprefix("log:"), "a") as file_:
                print(os.getpid(), file=file_)
        return lambda doc: []

    return factory
"""


def test_a_worker_builds_its_pipeline_once_for_all_blocks_and_jobs_of_a_session(
    local_sample, tmp_path
):
    local, _ = local_sample
    code = tmp_path / "count.py"
    code.write_text(COUNT_BUILDS_CODE, encoding="utf8")
    marker = tmp_path / "builds"
    config = tmp_path / "count.cfg"
    config.write_text(
        DEFAULT_CONFIG_PATH.read_text(encoding="utf8")
        + '\n[suggesters.count]\n@misc = "test_count_builds.v1"\n'
        + f"marker = {json.dumps(f'log:{marker}')}\n",
        encoding="utf8",
    )
    builds = []
    for job in ("first", "second"):  # 5 blocks each on 2 workers, the same pipeline
        run_ray(SAMPLE, tmp_path / job, config_path=config, code_path=code)
        assert joined(tmp_path / job) == local.read_bytes()
        builds.append(marker.read_text().split() if marker.exists() else [])
    first, both = builds
    assert 1 <= len(first) <= 2  # a worker builds once for all its blocks
    assert len(both) == len(set(both)) and len(both) - len(first) < len(first)  # and keeps it


def test_rejects_keep_their_lines_in_a_file_and_in_a_directory_of_files(tmp_path):
    lines = SAMPLE.read_text(encoding="utf8").splitlines()
    for i in range(50, len(lines), 97):
        lines[i] = ["not json", '{"text": ""}', '{"meta": {}}'][i % 3]
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("\n".join(lines) + "\n", encoding="utf8")
    local = preannotate(mixed, tmp_path / "local.jsonl", overrides=OVERRIDES)
    assert local.counts.rejected == 12
    run_ray(mixed, tmp_path / "out")
    assert joined(tmp_path / "out") == (tmp_path / "local.jsonl").read_bytes()
    assert joined(tmp_path / "out", "rejects") == (tmp_path / "local.rejects.jsonl").read_bytes()
    # The same lines as three files: each file's rejects name it, with its own line numbers.
    folder = tmp_path / "corpus"
    folder.mkdir()
    expected = {"tasks": b"", "rejects": b""}
    for i in range(3):
        part = folder / f"{i}.jsonl"
        part.write_text("\n".join(lines[i * 400 : (i + 1) * 400]) + "\n", encoding="utf8")
        preannotate(part, tmp_path / f"local{i}.jsonl", overrides=OVERRIDES)
        expected["tasks"] += (tmp_path / f"local{i}.jsonl").read_bytes()
        expected["rejects"] += (tmp_path / f"local{i}.rejects.jsonl").read_bytes()
    result = run_ray(folder, tmp_path / "folder")
    assert joined(tmp_path / "folder") == expected["tasks"]
    assert joined(tmp_path / "folder", "rejects") == expected["rejects"]
    assert result.counts.rejected == 12
    assert len(read_manifest(str(tmp_path / "folder"))["shards"]) == 6  # 2 blocks per file


def crashing_config(tmp_path, times):
    """A `--code` file and a config whose suggester kills its worker the first `times` times
    it sees a text of block 3 of 5; and the file that counts the deaths."""
    code = tmp_path / "crash.py"
    code.write_text(CRASH_CODE, encoding="utf8")
    marker = tmp_path / "deaths"
    trigger = json.loads(SAMPLE.read_text(encoding="utf8").splitlines()[700])["text"]
    config = tmp_path / "crash.cfg"
    config.write_text(
        DEFAULT_CONFIG_PATH.read_text(encoding="utf8")
        + '\n[suggesters.crash]\n@misc = "test_crash_once.v1"\n'
        + f"marker = {json.dumps(str(marker))}\ntrigger = {json.dumps(trigger)}\n"
        + f"times = {times}\n",
        encoding="utf8",
    )
    return code, config, marker


@pytest.mark.slow
def test_a_killed_worker_is_retried_and_every_record_written_once(local_sample, tmp_path):
    local, local_result = local_sample
    code, config, marker = crashing_config(tmp_path, times=1)
    result = run_ray(SAMPLE, tmp_path / "out", config_path=config, code_path=code)
    assert marker.exists()  # a worker died mid-block ...
    assert joined(tmp_path / "out") == local.read_bytes()  # ... and nothing is lost or doubled
    assert result.counts == local_result.counts
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")) == []


@pytest.mark.slow
@pytest.mark.parametrize("max_retries", [MAX_RETRIES, 1])
def test_a_block_whose_worker_keeps_dying_fails_the_job_naming_the_block(tmp_path, max_retries):
    code, config, marker = crashing_config(tmp_path, times=100)  # dies on every try
    args = ["preannotate", SAMPLE, tmp_path / "out", "-p", PATTERNS, "--config", config,
            "--code", code, "--backend", "ray", "--block-mb", BLOCK_MB]  # fmt: skip
    if max_retries != MAX_RETRIES:
        args += ["--max-retries", max_retries]
    out = CliRunner().invoke(app, [str(arg) for arg in args])
    assert out.exit_code == 1, out.output
    assert len(marker.read_text().splitlines()) == 1 + max_retries  # retried, then given up
    assert (
        f"The Ray job failed on part-00002 (input {SAMPLE}, bytes 103786-155679): its worker "
        f"died {1 + max_retries} times (--max-retries {max_retries})"
    ) in " ".join(out.output.split())
    assert not (tmp_path / "out" / MANIFEST).exists()


WORKER_FAILS_CODE = """
import ray
import spacy


@spacy.registry.misc("test_worker_fails.v1")
def create_worker_fails():
    \"\"\"No suggester on the driver; on a Ray worker, a pipeline that cannot be built.\"\"\"

    def factory(nlp):
        if ray.is_initialized() and ray.get_runtime_context().get_task_id():
            raise OSError("no such model on this node")
        return None

    return factory
"""


@pytest.mark.slow
def test_workers_that_cannot_start_fail_the_job_instead_of_waiting(tmp_path):
    code = tmp_path / "fails.py"
    code.write_text(WORKER_FAILS_CODE, encoding="utf8")
    config = tmp_path / "fails.cfg"
    config.write_text(
        DEFAULT_CONFIG_PATH.read_text(encoding="utf8")
        + '\n[suggesters.fails]\n@misc = "test_worker_fails.v1"\n',
        encoding="utf8",
    )
    args = ["preannotate", SAMPLE, tmp_path / "out", "-p", PATTERNS, "--code", code,
            "--config", config, "--backend", "ray", "--block-mb", BLOCK_MB,
            "--max-retries", "1"]  # fmt: skip
    out = CliRunner().invoke(app, [str(arg) for arg in args])
    assert out.exit_code == 1, out.output
    printed = " ".join(out.output.split())
    assert "Ray workers failed to start 2 times" in printed
    assert "no such model on this node" in printed
    assert not (tmp_path / "out" / MANIFEST).exists()


@pytest.mark.slow
def test_a_rerun_skips_complete_shards(local_sample, tmp_path, capsys):
    local, _ = local_sample
    out = tmp_path / "out"
    run_ray(SAMPLE, out)
    # Interrupted before block 2 was complete: its entry and the manifest are missing, its
    # shard holds an earlier attempt and a killed worker's temporary file is left.
    (out / "part-00002.json").unlink()
    (out / MANIFEST).unlink()
    (out / "part-00002.jsonl").write_text("stale\n")
    (out / ".part-00002.jsonl.0123.tmp").write_text("half")
    before = shard_mtimes(out)
    run_ray(SAMPLE, out, silent=False)
    assert "5 block(s) of up to 0.05 MB: 4 complete, 1 to write" in printed(capsys)
    after = shard_mtimes(out)
    changed = sorted(name for name in after if after[name] != before.get(name))
    assert changed == ["part-00002.json", "part-00002.jsonl", "part-00002.rejects.jsonl"]
    assert joined(out) == local.read_bytes() and not list(out.glob(".*"))
    # Unchanged job: nothing to write, and Ray is not needed. Another config: all rewritten.
    run_ray(SAMPLE, out, silent=False)
    assert "5 complete, 0 to write" in printed(capsys)
    assert shard_mtimes(out) == after
    run_ray(SAMPLE, out, overrides={**OVERRIDES, "preannotate.labels": ["TRAIL"]}, silent=False)
    assert "0 complete, 5 to write" in printed(capsys)
    labels = {span["label"] for line in shard_lines(str(out)) for span in json.loads(line)["spans"]}
    assert labels == {"TRAIL"}


def test_cli_runs_on_ray_and_checks_its_options(tmp_path):
    small = tmp_path / "small.jsonl"
    small.write_text("".join(SAMPLE.read_text(encoding="utf8").splitlines(True)[:100]))
    args = ["preannotate", str(small), str(tmp_path / "out"), "-p", str(PATTERNS)]
    out = CliRunner().invoke(app, [*args, "--backend", "ray", "-n", "1"])
    assert out.exit_code == 0, out.output
    assert "1 block(s)" in out.output and (tmp_path / "out" / MANIFEST).exists()
    assert read_manifest(str(tmp_path / "out"))["counts"]["read"] == 100
    out = CliRunner().invoke(app, [*args, "--backend", "ray", "--rejects", "r.jsonl"])
    assert out.exit_code == 2 and "--rejects is for the local backend" in out.output
    out = CliRunner().invoke(app, [*args, "--backend", "spark"])
    assert out.exit_code == 2
