from pathlib import Path

import pytest
import spacy
import srsly
from spacy import util
from spacy.tokens import DocBin
from spacy.training.initialize import init_nlp
from typer.testing import CliRunner

from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.pretrain import pretrain
from spacy_ner_plugin.errors import PluginError
from spacy_ner_plugin.training.pretraining import latest_checkpoint

from ..conftest import ROOT

# Each test trains or pretrains a model: left out of the quick `-m 'not slow'` run.
pytestmark = pytest.mark.slow

NER = ROOT / "configs" / "ner.cfg"
TEXTS = [
    f"Day {i}: hiked the Wonderland Trail with my Osprey pack and Petzl lamp." for i in range(40)
]


@pytest.fixture(scope="module")
def raw_text(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("raw") / "raw.jsonl"
    srsly.write_jsonl(path, [{"text": text} for text in TEXTS])
    return path


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory: pytest.TempPathFactory, raw_text: Path) -> Path:
    """One epoch of pretraining on 40 short texts."""
    output = tmp_path_factory.mktemp("pretrain")
    pretrain(NER, output, {"paths.raw_text": str(raw_text), "pretraining.max_epochs": 1})
    return output


@pytest.fixture(scope="module")
def training_paths(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A one-document train/dev corpus and labels file for `init_nlp`."""
    tmp = tmp_path_factory.mktemp("corpus")
    nlp = spacy.blank("en")
    doc = nlp("I love my Osprey pack")
    doc.ents = [doc.char_span(10, 16, label="BRAND")]
    DocBin(docs=[doc]).to_disk(tmp / "train.spacy")
    ner = nlp.add_pipe("ner")
    ner.add_label("BRAND")
    srsly.write_json(tmp / "labels.json", ner.label_data)
    return {
        "paths.train": str(tmp / "train.spacy"),
        "paths.dev": str(tmp / "train.spacy"),
        "paths.labels": str(tmp / "labels.json"),
    }


def test_pretraining_writes_epoch_weights_and_model_last(pretrained):
    assert latest_checkpoint(pretrained) == (0, pretrained / "model0.bin")
    last = pretrained / "model-last.bin"
    assert last.read_bytes() == (pretrained / "model0.bin").read_bytes()
    assert (pretrained / "config.cfg").exists()


def test_rerun_resumes_from_the_newest_checkpoint(pretrained, raw_text, tmp_path):
    output = tmp_path / "resumed"
    output.mkdir()
    for name in ("model0.bin", "config.cfg", "log.jsonl"):
        (output / name).write_bytes((pretrained / name).read_bytes())
    pretrain(NER, output, {"paths.raw_text": str(raw_text), "pretraining.max_epochs": 2})
    epochs = [entry["epoch"] for entry in srsly.read_jsonl(output / "log.jsonl")]
    assert epochs == [0, 1]  # epoch 0 was not trained again
    assert (output / "model0.bin").read_bytes() == (pretrained / "model0.bin").read_bytes()
    assert (output / "model-last.bin").read_bytes() == (output / "model1.bin").read_bytes()


def test_resuming_with_another_model_config_fails_and_fresh_starts_over(
    pretrained, raw_text, tmp_path, capsys
):
    output = tmp_path / "changed"
    output.mkdir()
    for name in ("model0.bin", "config.cfg"):
        (output / name).write_bytes((pretrained / name).read_bytes())
    overrides = {
        "paths.raw_text": str(raw_text),
        "pretraining.max_epochs": 1,
        "components.tok2vec.model.encode.width": 32,
    }
    with pytest.raises(PluginError) as err:
        pretrain(NER, output, overrides)
    assert "different model config" in str(err.value)
    assert capsys.readouterr().out == ""  # a plain call is quiet
    pretrain(NER, output, overrides, fresh=True)
    assert (output / "model0.bin").read_bytes() != (pretrained / "model0.bin").read_bytes()


def test_pretraining_on_no_usable_text_fails(tmp_path, capsys):
    raw = tmp_path / "raw.txt"
    raw.write_text("too short\n")
    with pytest.raises(PluginError) as err:
        pretrain(NER, tmp_path / "out", {"paths.raw_text": str(raw)})
    assert "yields no texts" in str(err.value)
    args = ["pretrain", str(NER), str(tmp_path / "out"), "--paths.raw_text", str(raw)]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 1 and "yields no texts" in out.output
    out = CliRunner().invoke(app, [*args, "--fresh", "--nonsense", "1"])
    assert out.exit_code == 2 and "No such option '--nonsense'" in out.output
    assert not (tmp_path / "out" / "model-last.bin").exists()


def tok2vec_bytes(config_path: Path, overrides: dict, pretraining_block: bool = True) -> bytes:
    config = util.load_config(config_path, overrides=overrides, interpolate=False)
    if not pretraining_block:
        config["pretraining"] = {}
    return init_nlp(config).get_pipe("tok2vec").model.to_bytes()


def test_init_tok2vec_loads_the_pretrained_weights_only_with_a_pretraining_block(
    pretrained, training_paths
):
    weights = (pretrained / "model-last.bin").read_bytes()
    with_weights = {**training_paths, "paths.init_tok2vec": str(pretrained / "model-last.bin")}
    assert tok2vec_bytes(NER, with_weights) == weights
    assert tok2vec_bytes(NER, training_paths) != weights
    # What check-config guards against: spaCy drops the weights without a word.
    assert tok2vec_bytes(NER, with_weights, pretraining_block=False) != weights
