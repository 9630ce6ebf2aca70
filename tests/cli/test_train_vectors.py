import sys
from pathlib import Path

import numpy
import pytest
import spacy
import srsly
from typer.testing import CliRunner

from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.pretrain import pretrain
from spacy_ner_plugin.cli.train_vectors import train_vectors
from spacy_ner_plugin.errors import PluginError
from spacy_ner_plugin.training.config_checks import check_training_config

from ..conftest import ROOT

# Each test trains or pretrains a model: left out of the quick `-m 'not slow'` run.
pytestmark = pytest.mark.slow

RAW = ROOT / "assets" / "sample" / "raw.jsonl"
VECTORS_CFG = ROOT / "configs" / "ner_vectors.cfg"


@pytest.fixture(scope="module")
def vectors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny floret vectors trained on the sample's raw text."""
    pytest.importorskip("floret")
    output = tmp_path_factory.mktemp("vectors") / "floret"
    return train_vectors(RAW, output, dim=16, epochs=2, bucket=2000, min_count=1, threads=1)


def test_floret_vectors_cover_unseen_words(vectors):
    nlp = spacy.load(vectors)
    assert nlp.vocab.vectors.mode == "floret"
    assert nlp.vocab.vectors.shape == (2000, 16)
    unseen = nlp("Zzyzxosprey")[0]
    assert unseen.has_vector and numpy.abs(unseen.vector).sum() > 0


def test_vectors_config_checks_and_pretrains_with_the_vectors_objective(vectors, tmp_path):
    overrides = {"paths.vectors": str(vectors)}
    config = spacy.util.load_config(VECTORS_CFG, overrides=overrides, interpolate=True)
    assert check_training_config(config) == []
    raw = tmp_path / "raw.jsonl"
    srsly.write_jsonl(raw, list(srsly.read_jsonl(RAW))[:30])
    overrides.update({"paths.raw_text": str(raw), "pretraining.max_epochs": 1})
    last = pretrain(VECTORS_CFG, tmp_path / "pretrain", overrides)
    assert last.stat().st_size > 0


def test_excluded_texts_are_not_trained_on(tmp_path, capsys):
    pytest.importorskip("floret")
    raw = tmp_path / "raw.jsonl"
    srsly.write_jsonl(raw, [{"text": f"text number {i} here"} for i in range(20)])
    dev = tmp_path / "dev.jsonl"
    srsly.write_jsonl(dev, [{"text": "text number 3 here"}])
    train_vectors(raw, tmp_path / "vectors", exclude=dev, dim=8, epochs=1, bucket=100, silent=False)
    assert "20 read, 19 used" in capsys.readouterr().out.replace("\n", " ")


def test_missing_floret_fails_with_the_install_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "floret", None)
    with pytest.raises(PluginError) as err:
        train_vectors(RAW, tmp_path / "vectors")
    assert "spacy_ner_plugin[vectors]" in str(err.value)
    assert capsys.readouterr() == ("", "")
    assert not (tmp_path / "vectors").exists()


def test_cli_without_floret_exits_1_with_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "floret", None)
    out = CliRunner().invoke(app, ["train-vectors", str(RAW), str(tmp_path / "vectors")])
    assert out.exit_code == 1 and "spacy_ner_plugin[vectors]" in out.output
