"""The backend choice, and a clear error (not a traceback) where Ray is not installed."""

import sys

import pytest

from spacy_ner_plugin.cli.preannotate import preannotate
from spacy_ner_plugin.cli.train_curve import train_curve
from spacy_ner_plugin.cluster.backend import import_ray
from spacy_ner_plugin.errors import UsageError

from ..conftest import ROOT

SAMPLE = ROOT / "assets" / "sample"


@pytest.fixture
def no_ray(monkeypatch):
    """Imports of ray fail as if it were not installed."""
    monkeypatch.setitem(sys.modules, "ray", None)
    monkeypatch.setitem(sys.modules, "ray.data", None)


def test_without_ray_the_ray_backend_says_how_to_install_it(no_ray, tmp_path):
    with pytest.raises(UsageError, match=r"pip install \"spacy_ner_plugin\[ray\]\""):
        import_ray()
    with pytest.raises(UsageError, match="needs Ray Data"):
        preannotate(SAMPLE / "raw.jsonl", tmp_path / "out", backend="ray")
    assert not (tmp_path / "out").exists()


def test_the_local_backend_needs_no_ray(no_ray, tmp_path):
    result = preannotate(
        SAMPLE / "raw.jsonl",
        tmp_path / "out.jsonl",
        overrides={"paths.patterns": str(SAMPLE / "patterns.jsonl")},
    )
    assert result.counts.read == 1200


def test_unknown_backend_and_options_of_the_other_backend(tmp_path):
    with pytest.raises(UsageError, match="Unknown backend 'spark'"):
        preannotate(SAMPLE / "raw.jsonl", tmp_path / "out.jsonl", backend="spark")
    with pytest.raises(UsageError, match="Unknown backend 'spark'"):
        train_curve(ROOT / "configs" / "ner.cfg", backend="spark")
    with pytest.raises(UsageError, match="--rejects is for the local backend"):
        preannotate(SAMPLE / "raw.jsonl", tmp_path / "out", backend="ray", rejects_path="r.jsonl")
    with pytest.raises(UsageError, match="is not a file"):
        preannotate(SAMPLE, tmp_path / "out.jsonl")
