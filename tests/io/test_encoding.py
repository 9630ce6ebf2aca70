import json

import pytest

from spacy_ner_plugin.annotations.formats import conll, detect_format, label_studio, read_records
from spacy_ner_plugin.errors import PluginError
from spacy_ner_plugin.io.partitions import plan_shards, read_raw
from spacy_ner_plugin.io.records import read_jsonl

from ..conftest import JSONL_TEXT, RECORDS, good_docbin_bytes


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_jsonl_with_a_bom_is_read_in_its_encoding(tmp_path, codec):
    path = tmp_path / "in.jsonl"
    data = JSONL_TEXT.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    for lines in (read_jsonl(path), read_records(path), read_raw(path)):
        assert [line.record["text"] for line in lines] == [r["text"] for r in RECORDS]
    assert len(plan_shards(path, 4)) == (3 if codec == "utf-8-sig" else 1)


def test_undecodable_utf16_rejects_only_its_line(tmp_path):
    path = tmp_path / "in.jsonl"
    lines = JSONL_TEXT.splitlines(keepends=True)
    lone = '{"text": "bad \ud800 unit"}\n'.encode("utf-16-le", "surrogatepass")
    good = [line.encode("utf-16-le") for line in lines[:2]]
    path.write_bytes(b"\xff\xfe" + good[0] + lone + good[1])
    got = list(read_jsonl(path))
    assert [line.line for line in got] == [1, 2, 3]
    assert got[1].reject is not None and "not valid UTF-16-LE" in got[1].reject.reason
    assert got[0].record["text"] == "Hello world" and got[2].record["text"] == "Grüße aus Köln"


def test_conll_and_json_arrays_in_utf16_and_a_real_replacement_character(tmp_path):
    conll = tmp_path / "in.conll"
    conll.write_bytes("Köln\tB-LOC\nist\tO\n\nZürich\tB-LOC\n".encode("utf-16"))
    assert [line.record["text"] for line in read_records(conll)] == ["Köln ist", "Zürich"]
    array = tmp_path / "in.json"
    items = [["Köln \ufffd ist", {"entities": [[0, 4, "LOC"]]}], ["Zürich", {"entities": []}]]
    for codec in ("utf-8", "utf-16"):
        array.write_bytes(json.dumps(items, ensure_ascii=False).encode(codec))
        got = list(read_records(array))
        assert [line.record["text"] for line in got] == ["Köln \ufffd ist", "Zürich"]


def test_json_array_item_with_bad_bytes_is_rejected_and_the_rest_read(tmp_path):
    array = tmp_path / "in.json"
    array.write_bytes(b'[["caf\xe9", {"entities": []}],\n["ok", {"entities": []}]]')
    bad, good = read_records(array)
    assert bad.reject is not None and bad.reject.reason == "not valid UTF-8"
    assert good.record["text"] == "ok" and good.line == 2


def test_a_directory_where_a_file_is_expected_is_a_plugin_error(tmp_path, nlp):
    folder = tmp_path / "data.jsonl"
    folder.mkdir()
    for read in (
        lambda: read_records(folder),
        lambda: read_records(folder, "prodigy"),
        lambda: list(read_jsonl(folder)),
        lambda: list(conll.read(folder)),
        lambda: list(label_studio.read(folder)),
        lambda: detect_format(folder),
        lambda: plan_shards(folder, 2),
        lambda: list(read_raw(folder)),
    ):
        with pytest.raises(PluginError, match="data.jsonl is a directory, expected a file"):
            read()
    shards = tmp_path / "train.spacy"
    shards.mkdir()
    (shards / "000000.spacy").write_bytes(good_docbin_bytes(nlp))
    assert [line.record["text"] for line in read_records(shards)] == ["hello world", "another one"]
