import json
import os

import pytest

from spacy_ner_plugin.io.files import atomic_path, write_json_atomic, write_jsonl_atomic

from ..conftest import BIG, read_lines


def test_atomic_write_replaces_only_on_success(tmp_path):
    path = tmp_path / "out.jsonl"
    write_jsonl_atomic(path, [{"a": 1}])
    with pytest.raises(RuntimeError):
        with atomic_path(path) as tmp:
            tmp.write_text("half-written")
            raise RuntimeError("interrupted")
    assert path.read_text() == '{"a":1}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_atomic_output_gets_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        write_jsonl_atomic(tmp_path / "out.jsonl", [])
    finally:
        os.umask(old)
    assert oct((tmp_path / "out.jsonl").stat().st_mode & 0o777) == oct(0o644)


def test_write_jsonl_atomic_and_write_json_atomic_write_big_integers(tmp_path):
    write_jsonl_atomic(tmp_path / "a.jsonl", [{"meta": {"id": BIG}}])
    assert read_lines(tmp_path / "a.jsonl") == [{"meta": {"id": BIG}}]
    write_json_atomic(tmp_path / "a.json", {"id": BIG})
    assert json.loads((tmp_path / "a.json").read_text()) == {"id": BIG}
    with pytest.raises(ValueError):
        write_json_atomic(tmp_path / "b.json", {"x": float("nan")})
    assert not (tmp_path / "b.json").exists()
