"""Configs one way: built-in defaults are package data equal to the project's copies, settings
sections are checked by their schemas, and a bad config is a `PluginError` from every plain
function that reads one (never a `SystemExit`)."""

import pytest

from spacy_ner_plugin.cli.check_config import check_config
from spacy_ner_plugin.cli.preannotate import preannotate
from spacy_ner_plugin.cli.pretrain import pretrain
from spacy_ner_plugin.cli.teach import teach
from spacy_ner_plugin.cli.train_curve import train_curve
from spacy_ner_plugin.configs import config_errors
from spacy_ner_plugin.errors import PluginError
from spacy_ner_plugin.preannotate import preannotator
from spacy_ner_plugin.teach import config as teach_config

from .conftest import ROOT

SAMPLE = ROOT / "assets" / "sample"


@pytest.mark.parametrize("module,name", [(preannotator, "preannotate"), (teach_config, "teach")])
def test_the_built_in_default_is_package_data_equal_to_the_projects_copy(module, name):
    assert module.DEFAULT_CONFIG_PATH.parent.name in ("preannotate", "teach")
    assert module.read_config() == module.read_config(ROOT / "configs" / f"{name}.cfg")


@pytest.mark.parametrize(
    "overrides,named",
    [
        ({"teach.colour": "red"}, "teach -> colour"),
        ({"teach.drop": 1.5}, "teach -> drop"),
        ({"teach.update_fill": "everything"}, "teach -> update_fill"),
    ],
)
def test_teach_settings_are_checked_by_their_schema(overrides, named):
    with pytest.raises(PluginError, match=named), config_errors("teach.cfg"):
        teach_config.resolve_config(teach_config.read_config(overrides=overrides))


@pytest.mark.parametrize(
    "overrides,named",
    [
        ({"preannotate.segmnt": False}, "preannotate -> segmnt"),
        ({"preannotate.batch_size": 0}, "preannotate -> batch_size"),
        ({"preannotate.segment": "perhaps"}, "preannotate -> segment"),
    ],
)
def test_preannotate_settings_are_checked_by_their_schema(overrides, named, tmp_path):
    with pytest.raises(PluginError, match=named):
        preannotate(SAMPLE / "raw.jsonl", tmp_path / "tasks.jsonl", overrides=overrides)
    assert not (tmp_path / "tasks.jsonl").exists()


BROKEN = "[training\nmax_steps = = 3\n"


@pytest.fixture
def broken_config(tmp_path):
    path = tmp_path / "broken.cfg"
    path.write_text(BROKEN)
    return path


def test_every_plain_function_raises_plugin_error_on_a_broken_config(
    broken_config, trained_model, tmp_path
):
    calls = {
        "preannotate": lambda: preannotate(
            SAMPLE / "raw.jsonl", tmp_path / "t.jsonl", config_path=broken_config
        ),
        "teach": lambda: teach(str(trained_model), SAMPLE / "raw.jsonl", config_path=broken_config),
        "train-curve": lambda: train_curve(broken_config, output=tmp_path / "c.json"),
        "pretrain": lambda: pretrain(broken_config, tmp_path / "pretrain"),
        "check-config": lambda: check_config(broken_config),
    }
    for name, call in calls.items():
        with pytest.raises(PluginError) as caught:
            call()
        assert "Traceback" not in str(caught.value), name
    assert not list(tmp_path.glob("t.jsonl")) and not (tmp_path / "c.json").exists()
