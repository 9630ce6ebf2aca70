"""Reproductions of the hardening issue: bad input is rejected with its location, never a crash.

Each test failed before its fix; the module under test is named in the test's name.
"""

import json

import pytest

from spacy_ner_plugin.cli.preannotate import preannotate
from spacy_ner_plugin.io.files import write_json_atomic, write_jsonl_atomic
from spacy_ner_plugin.io.records import InvalidRecord, json_line, parse_json, read_jsonl

BIG = 2**80  # beyond 64 bits: ujson and orjson cannot write it


def read_lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf8").splitlines()]


# 2. One JSON writer, and strict JSON in


def test_json_line_writes_big_integers_exactly_and_refuses_nan():
    assert json.loads(json_line({"meta": {"id": BIG}})) == {"meta": {"id": BIG}}
    assert json_line({"a": None, "b": [1.5]}) == '{"a":null,"b":[1.5]}'
    for bad in (float("nan"), float("inf"), "\ud800"):
        with pytest.raises(InvalidRecord) as err:
            json_line({"text": "x", "meta": {"v": bad}})
        assert err.value.field == "meta" and "not representable in JSON" in err.value.reason


def test_write_jsonl_atomic_and_write_json_atomic_write_big_integers(tmp_path):
    write_jsonl_atomic(tmp_path / "a.jsonl", [{"meta": {"id": BIG}}])
    assert read_lines(tmp_path / "a.jsonl") == [{"meta": {"id": BIG}}]
    write_json_atomic(tmp_path / "a.json", {"id": BIG})
    assert json.loads((tmp_path / "a.json").read_text()) == {"id": BIG}
    with pytest.raises(ValueError):
        write_json_atomic(tmp_path / "b.json", {"x": float("nan")})
    assert not (tmp_path / "b.json").exists()


def test_preannotate_writes_big_integer_meta_as_valid_json(write_jsonl, tmp_path):
    raw = tmp_path / "raw.jsonl"
    raw.write_text(f'{{"text": "Hello there.", "meta": {{"id": {BIG}}}}}\n', encoding="utf8")
    result = preannotate(raw, tmp_path / "out.jsonl", overrides={"paths.patterns": None})
    (task,) = read_lines(tmp_path / "out.jsonl")
    assert task["meta"] == {"id": BIG}
    assert result.counts.texts == 1


@pytest.mark.parametrize(
    "line,reason",
    [
        ('{"text": "x", "meta": {"v": NaN}}', "NaN is not valid JSON"),
        ('{"text": "x", "meta": {"v": -Infinity}}', "-Infinity is not valid JSON"),
        ('{"text": "x", "meta": {"v": 1e400}}', "out of range"),
        ('{"text": "x\\ud800"}', "lone surrogate"),
        ('{"text": "x", "meta": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
        ('{"text": "x", "meta": ' + "[" * 200 + "]" * 200 + "}", "nested too deeply"),
        ('{"text": "x", "meta": ' + "1" * 5000 + "}", "unreadable number"),
    ],
)
def test_read_jsonl_rejects_what_json_cannot_hold(write_jsonl, line, reason):
    path = write_jsonl([line, {"text": "ok", "meta": {"id": BIG}}])
    bad, good = read_jsonl(path)
    assert bad.reject is not None and bad.line == 1 and bad.reject.field == "json"
    assert reason in bad.reject.reason
    assert good.record == {"text": "ok", "meta": {"id": BIG}}
    json_line(bad.reject.to_json())  # the rejects report can hold it


def test_parse_json_keeps_surrogate_pairs_and_moderate_nesting():
    assert parse_json('{"t": "\\ud83d\\ude00"}') == {"t": "\U0001f600"}
    nested = "[" * 50 + "]" * 50
    assert parse_json(nested) == json.loads(nested)
