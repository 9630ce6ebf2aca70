from pathlib import Path

import pytest
from spacy import util
from typer.testing import CliRunner, Result

from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.check_config import check_config
from spacy_ner_plugin.errors import PluginError
from spacy_ner_plugin.training.config_checks import check_training_config

from ..conftest import ROOT

NER = ROOT / "configs" / "ner.cfg"
VECTORS = ROOT / "configs" / "ner_vectors.cfg"


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    path = tmp_path / "model-last.bin"
    path.write_bytes(b"weights")
    return path


@pytest.fixture
def no_pretraining_config(tmp_path: Path) -> Path:
    """configs/ner.cfg with an empty [pretraining] block, as `spacy init config` writes it."""
    config = util.load_config(NER)
    config["pretraining"] = {}
    path = tmp_path / "no_pretraining.cfg"
    config.to_disk(path)
    return path


def problems(path: Path, **overrides) -> list:
    config = util.load_config(path, overrides=overrides, interpolate=True)
    return check_training_config(config)


def run_check_config(*args: str) -> Result:
    return CliRunner().invoke(app, ["check-config", *args])


def test_shipped_configs_pass_without_pretrained_weights():
    assert problems(NER) == []
    assert problems(ROOT / "configs" / "ner_trf.cfg") == []


def test_init_tok2vec_with_a_pretraining_block_passes(weights):
    assert problems(NER, **{"paths.init_tok2vec": str(weights)}) == []


def test_init_tok2vec_with_an_empty_pretraining_block_fails(no_pretraining_config, weights):
    (problem,) = problems(no_pretraining_config, **{"paths.init_tok2vec": str(weights)})
    assert "[pretraining] block is empty" in problem and "silently ignore" in problem


def test_cli_exits_1_on_the_misconfigured_run_and_0_on_the_good_one(no_pretraining_config, weights):
    bad = run_check_config(str(no_pretraining_config), "--paths.init_tok2vec", str(weights))
    assert bad.exit_code == 1
    assert "[pretraining] block is empty" in bad.output.replace("\n", " ")
    good = run_check_config(str(NER), "--paths.init_tok2vec", str(weights))
    assert good.exit_code == 0, good.output


def test_missing_weights_file_is_named(tmp_path):
    missing = tmp_path / "nope.bin"
    (problem,) = problems(NER, **{"paths.init_tok2vec": str(missing)})
    assert "not found" in problem and str(missing) in problem


def test_static_vectors_and_vectors_objective_need_vectors(tmp_path):
    found = problems(VECTORS)
    assert len(found) == 2
    assert "include_static_vectors = true" in found[0] and "vectors is null" in found[0]
    assert "spacy.PretrainVectors.v1" in found[1]
    (missing,) = problems(VECTORS, **{"paths.vectors": str(tmp_path / "no_vectors")})
    assert "neither a directory nor an installed package" in missing
    assert problems(VECTORS, **{"paths.vectors": str(tmp_path)}) == []


def test_static_vectors_override_on_the_cnn_config_is_caught():
    overrides = {"components.tok2vec.model.embed.include_static_vectors": True}
    (problem,) = problems(NER, **overrides)
    assert problem.startswith("[components.tok2vec.model.embed] include_static_vectors")


@pytest.mark.parametrize(
    "overrides,expected",
    [
        ({"pretraining.component": "parser"}, "'parser' is not in the pipeline"),
        ({"pretraining.layer": "no_such_layer"}, "has no such layer"),
        ({"pretraining.corpus": "corpora.raw"}, "'corpora.raw': no such section"),
    ],
)
def test_pretraining_block_must_name_existing_parts(overrides, expected):
    (problem,) = problems(NER, **overrides)
    assert expected in problem


def test_pretraining_layer_that_exists_passes():
    assert problems(NER, **{"pretraining.layer": "embed"}) == []


def test_check_config_function_returns_problems(no_pretraining_config, weights, capsys):
    overrides = {"paths.init_tok2vec": str(weights)}
    assert len(check_config(no_pretraining_config, overrides)) == 1
    assert check_config(NER, overrides) == []
    assert capsys.readouterr() == ("", "")


def test_unreadable_config_raises_quietly(tmp_path, capsys):
    bad = tmp_path / "bad.cfg"
    bad.write_text("[nlp]\nlang = en\n[components\n")
    with pytest.raises(PluginError, match="Invalid config"):
        check_config(bad)
    with pytest.raises(PluginError, match="Input not found"):
        check_config(tmp_path / "missing.cfg")
    assert capsys.readouterr() == ("", "")


def test_cli_reports_a_bad_override_once_and_exits_1():
    out = run_check_config(str(NER), "--nope.x", "1")
    assert out.exit_code == 1
    assert out.output.count("Invalid config") == 1 and "nope -> x" in out.output
