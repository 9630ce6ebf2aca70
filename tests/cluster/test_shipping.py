"""The files a config names, packed on the driver and found by a worker anywhere else."""

from thinc.api import Config

from spacy_ner_plugin.cluster.shipping import local_paths, pack, relocate, unpack

CONFIG = """
[paths]
patterns = "patterns.jsonl"
model = "model"
other = "data/patterns.jsonl"
missing = "nowhere.jsonl"

[suggesters]

[suggesters.patterns]
path = ${paths.patterns}
names = ["x", "data/patterns.jsonl"]
source = "en_core_web_sm"
"""


def test_a_worker_elsewhere_gets_every_named_file_under_its_own_name(tmp_path, monkeypatch):
    driver, worker = tmp_path / "driver", tmp_path / "worker"
    (driver / "model" / "ner").mkdir(parents=True)
    (driver / "data").mkdir()
    (driver / "patterns.jsonl").write_text("first\n")
    (driver / "data" / "patterns.jsonl").write_text("second\n")
    (driver / "model" / "ner" / "model").write_bytes(b"\x00weights")
    monkeypatch.chdir(driver)
    config = Config().from_str(CONFIG, interpolate=False)
    assert local_paths(config) == ["data/patterns.jsonl", "model", "patterns.jsonl"]
    shipment = pack([config, config])
    assert shipment.paths == ["data/patterns.jsonl", "model", "patterns.jsonl"]

    worker.mkdir()
    monkeypatch.chdir(worker)
    copies = unpack(shipment, worker / "files")
    moved = relocate(config, copies)
    paths, suggester = moved["paths"], moved["suggesters"]["patterns"]
    assert open(paths["patterns"]).read() == open(suggester["path"]).read() == "first\n"
    assert open(paths["other"]).read() == open(suggester["names"][1]).read() == "second\n"
    assert open(f"{paths['model']}/ner/model", "rb").read() == b"\x00weights"
    names = [paths["patterns"], paths["other"], paths["model"]]
    assert [name.rsplit("/", 1)[1] for name in names] == ["patterns.jsonl"] * 2 + ["model"]
    assert all(name.startswith(str(worker / "files")) for name in names)
    assert paths["missing"] == "nowhere.jsonl" and suggester["source"] == "en_core_web_sm"
    assert suggester["names"][0] == "x"
