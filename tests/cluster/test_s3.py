"""`preannotate --backend ray` against a real S3 endpoint (moto's server on 127.0.0.1): inputs
read from `s3://`, shards written there through pyarrow's S3 filesystem, and read back."""

import json
import os

import pytest
from typer.testing import CliRunner

from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.preannotate import preannotate
from spacy_ner_plugin.cluster.preannotate import MANIFEST, read_manifest, shard_lines

from ..conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("s3", "ray_cluster")]

SAMPLE = ROOT / "assets" / "sample" / "raw.jsonl"
PATTERNS = ROOT / "assets" / "sample" / "patterns.jsonl"
BUCKET = "corpus"


@pytest.fixture(scope="module")
def s3():
    """A moto S3 server on 127.0.0.1 with one bucket, found by pyarrow in this process and in
    Ray's workers (started after it) through the standard AWS variables; stopped at the end."""
    server_module = pytest.importorskip(
        "moto.server", reason='moto[server] is not installed: pip install "moto[server]"'
    )
    fs = pytest.importorskip("pyarrow.fs", reason="pyarrow comes with the ray extra")

    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    settings = {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    try:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in settings.items():
                patch.setenv(name, value)
            s3fs = fs.S3FileSystem(  # the plugin finds the endpoint by AWS_ENDPOINT_URL
                endpoint_override=f"{host}:{port}", scheme="http", allow_bucket_creation=True
            )
            s3fs.create_dir(BUCKET)
            assert s3fs.get_file_info(BUCKET).type == fs.FileType.Directory
            yield s3fs
    finally:
        server.stop()


def test_the_endpoint_is_loopback_and_workers_reach_it(ray_cluster):
    assert os.environ["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    env = ray_cluster.get(ray_cluster.remote(lambda: os.environ.get("AWS_ENDPOINT_URL")).remote())
    assert env == os.environ["AWS_ENDPOINT_URL"]


def test_inputs_from_s3_and_shards_written_there_are_the_local_output(s3, tmp_path):
    lines = SAMPLE.read_text(encoding="utf8").splitlines()
    for i in range(50, len(lines), 97):
        lines[i] = ["not json", '{"text": ""}', '{"meta": {}}'][i % 3]
    expected = {"tasks": b"", "rejects": b""}
    for i in range(2):
        data = "\n".join(lines[i * 400 : (i + 1) * 400]) + "\n"
        with s3.open_output_stream(f"{BUCKET}/in/{i}.jsonl") as file_:
            file_.write(data.encode("utf8"))
        local = tmp_path / f"{i}.jsonl"
        local.write_text(data, encoding="utf8")
        preannotate(
            local, tmp_path / f"local{i}.jsonl", overrides={"paths.patterns": str(PATTERNS)}
        )
        expected["tasks"] += (tmp_path / f"local{i}.jsonl").read_bytes()
        rejects = (tmp_path / f"local{i}.rejects.jsonl").read_text(encoding="utf8")
        rejects = rejects.replace(json.dumps(str(local)), json.dumps(f"s3://{BUCKET}/in/{i}.jsonl"))
        expected["rejects"] += rejects.encode("utf8")
    args = ["preannotate", f"s3://{BUCKET}/in", f"s3://{BUCKET}/out", "-p", str(PATTERNS),
            "--backend", "ray", "-n", "2", "--block-mb", "0.05"]  # fmt: skip
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    assert "2 input file(s), 0.2 MB in 4 block(s)" in " ".join(out.output.split())
    # Read back through pyarrow alone: every shard, its entry, and the manifest are there.
    names = sorted(info.base_name for info in s3.get_file_info(fs_selector(f"{BUCKET}/out")))
    assert names == [MANIFEST] + [
        f"part-{i:05d}{suffix}"
        for i in range(4)
        for suffix in (".json", ".jsonl", ".rejects.jsonl")
    ]
    shards = read_manifest(f"s3://{BUCKET}/out")["shards"]
    tasks = b""
    for shard in shards:
        with s3.open_input_stream(f"{BUCKET}/out/{shard['tasks']}") as file_:
            tasks += file_.read()
    assert tasks == expected["tasks"] == b"".join(shard_lines(f"s3://{BUCKET}/out"))
    assert b"".join(shard_lines(f"s3://{BUCKET}/out", "rejects")) == expected["rejects"]
    # A rerun finds every block complete on S3 and writes nothing.
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and "4 complete, 0 to write" in " ".join(again.output.split())


def fs_selector(path):
    fs = pytest.importorskip("pyarrow.fs", reason="pyarrow comes with the ray extra")

    return fs.FileSelector(path)
