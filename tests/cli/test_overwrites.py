"""No step ever writes over one of its inputs: a forgotten argument or an output named like an
input is a usage error (exit 2) before anything is read, and every input stays byte-identical."""

import os
import shutil
from pathlib import Path
from typing import Dict, List

import pytest
from typer.testing import CliRunner

from spacy_ner_plugin.cli import app
from spacy_ner_plugin.errors import UsageError
from spacy_ner_plugin.io.files import check_overwrites

from ..conftest import ROOT

SAMPLE = ROOT / "assets" / "sample"


@pytest.fixture
def files(tmp_path: Path) -> Dict[str, Path]:
    """Copies of the sample's inputs, a config and a folder, to check byte for byte."""
    names = {
        "A": "train.jsonl",
        "B": "annotator_b.jsonl",
        "RAW": "raw.jsonl",
        "P": "patterns.jsonl",
        "BIN": "binary.jsonl",
    }
    found = {key: shutil.copy(SAMPLE / name, tmp_path / name) for key, name in names.items()}
    found = {key: Path(path) for key, path in found.items()}
    found["CFG"] = Path(shutil.copy(ROOT / "configs" / "ner.cfg", tmp_path / "ner.cfg"))
    found["DIR"] = tmp_path / "folder"
    found["DIR"].mkdir()
    found["INNER"] = Path(shutil.copy(SAMPLE / "raw.jsonl", found["DIR"] / "inner.jsonl"))
    found["SPACY"] = found["DIR"] / "train.spacy"
    found["SPACY"].write_bytes(b"not really a DocBin, but an input all the same")
    # what `db-out ... DIR/out.jsonl` would write its rejects report to
    found["REJ"] = Path(shutil.copy(SAMPLE / "train.jsonl", found["DIR"] / "out.rejects.jsonl"))
    (found["DIR"] / "config.cfg").write_bytes(found["CFG"].read_bytes())
    return found


def snapshot(tmp_path: Path) -> Dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(tmp_path.rglob("*")) if p.is_file()}


def run(args: List[str], files: Dict[str, Path]):
    """Invoke the CLI with `{KEY}` placeholders filled from `files`."""
    filled = [arg.format(**{k: str(v) for k, v in files.items()}) for arg in args]
    return CliRunner().invoke(app, filled)


FORGOTTEN = {
    "preannotate": ["preannotate", "{RAW}", "--patterns", "{P}"],
    "review": ["review", "{A}", "{B}"],
    "data-to-spacy": ["data-to-spacy", "{A}", "{B}"],
    "db-in": ["db-in", "{A}"],
    "db-out": ["db-out", "{A}"],
    "fill-binary": ["fill-binary", "{SPACY}"],
    "evaluate": ["evaluate", "{DIR}"],
    "evaluate-patterns": ["evaluate-patterns", "{P}"],
    "teach": ["teach", "{DIR}"],
    "pretrain": ["pretrain", "{CFG}"],
    "train-vectors": ["train-vectors", "{RAW}"],
    "annotate": ["annotate", "ner.manual", "gear"],
    "init": ["init"],
}


@pytest.mark.parametrize("step", sorted(FORGOTTEN))
def test_a_forgotten_last_argument_is_a_usage_error_that_changes_nothing(step, files, tmp_path):
    before = snapshot(tmp_path)
    result = run(FORGOTTEN[step], files)
    assert result.exit_code == 2, result.output
    assert "Missing" in result.output
    assert snapshot(tmp_path) == before


# Each names an input again as an output (or puts one inside the other); {KEY}: `files`.
COLLISIONS = {
    "review output is an input": "review {A} {B} --output {B}",
    "review conflicts is an input": "review {A} {B} -o {DIR}/r.jsonl --conflicts {A}",
    "review report is an input": "review {A} {B} -o {DIR}/r.jsonl --report {B}",
    "db-out onto its source": "db-out {A} {A}",
    "db-out rejects onto its source": "db-out {REJ} {DIR}/out.jsonl",
    "preannotate onto its raw texts": "preannotate {RAW} {RAW} --patterns {P}",
    "preannotate onto its patterns": "preannotate {RAW} {P} --patterns {P}",
    "preannotate preview onto its input": "preannotate {RAW} {DIR}/t.jsonl --preview {RAW}",
    "preannotate into an input folder": "preannotate {INNER} {DIR} --patterns {P}",
    "data-to-spacy output is an input file": "data-to-spacy {A} {B} -o {B}",
    "data-to-spacy writes over an input in its folder": "data-to-spacy {A} {SPACY} -o {DIR}",
    "db-in rejects onto its input": "db-in gear {A} --rejects {A}",
    "db-in database onto its input": "db-in gear {A} --db {A}",
    "fill-binary onto its input": "fill-binary {SPACY} {SPACY}",
    "fill-binary onto its patterns": "fill-binary {SPACY} {P} --patterns {P}",
    "evaluate scores onto the data": "evaluate {DIR} {A} --output {A}",
    "evaluate errors page onto the data": "evaluate {DIR} {A} --errors {A}",
    "evaluate-patterns onto the patterns": "evaluate-patterns {P} {A} --output {P}",
    "teach onto its raw texts": "teach {DIR} {RAW} --output {RAW}",
    "teach onto an excluded file": "teach {DIR} {RAW} --exclude {A} --output {A}",
    "train-curve onto its config": "train-curve {CFG} --output {CFG}",
    "train-curve plot onto its data": "train-curve {CFG} --paths.train {A} --plot {A}",
    "pretrain config onto its config": "pretrain {DIR}/config.cfg {DIR}",
    "train-vectors replaces the folder holding its input": "train-vectors {INNER} {DIR}",
    "advise onto its annotations": "advise {A} --output {A}",
    "annotate database onto its source": "annotate ner.manual gear {RAW} --label B --db {RAW}",
}


@pytest.mark.parametrize("case", sorted(COLLISIONS))
def test_an_output_that_is_an_input_is_a_usage_error_naming_both(case, files, tmp_path):
    before = snapshot(tmp_path)
    result = run(COLLISIONS[case].split(), files)
    said = " ".join(result.output.split())
    assert result.exit_code == 2, said
    assert "give the output a path of its own: no step writes over its inputs" in said, said
    assert "Traceback" not in said
    assert snapshot(tmp_path) == before


def test_paths_are_compared_resolved(files, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    link = tmp_path / "link.jsonl"
    os.symlink(files["B"], link)
    before = snapshot(tmp_path)
    for output in ("./annotator_b.jsonl", "folder/../annotator_b.jsonl", str(link)):
        result = CliRunner().invoke(
            app, ["review", "train.jsonl", "annotator_b.jsonl", "-o", output]
        )
        assert result.exit_code == 2, result.output
    assert snapshot(tmp_path) == before


def test_check_overwrites_names_both_paths(tmp_path):
    data = tmp_path / "data.jsonl"
    with pytest.raises(UsageError, match=r"The output .*data\.jsonl is the input .*data\.jsonl"):
        check_overwrites([data], [tmp_path / "." / "data.jsonl"])
    with pytest.raises(UsageError, match="is inside the input"):
        check_overwrites([tmp_path], [data])
    with pytest.raises(UsageError, match="is inside the output"):
        check_overwrites([data], [tmp_path])
    # distinct paths, None, "" and URIs pass
    check_overwrites([data, None, "", "s3://bucket/data.jsonl"], [tmp_path / "out.jsonl", None])
    check_overwrites(["s3://bucket/x"], ["s3://bucket/x"])
