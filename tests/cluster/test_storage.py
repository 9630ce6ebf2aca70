"""Inputs and outputs of cluster jobs: local paths and URIs are cut and read alike."""

import pytest

from spacy_ner_plugin.cluster.storage import (
    OutputDir,
    list_inputs,
    plan_blocks,
    read_block,
)
from spacy_ner_plugin.errors import PluginError, UsageError
from spacy_ner_plugin.io.partitions import plan_shards, read_raw

pytest.importorskip("pyarrow")

LINES = [
    '{"text": "A first text.", "meta": {"i": 0}}',
    "",
    "not json",
    '{"text": "Crlf line."}\r',
    '{"text": ""}',
    "[1, 2]",
    '{"text": "Gossamer Gear poles, again."}',
]


def write_input(path, n=12, bom=True, trailing_newline=True):
    data = "\n".join(LINES * n).encode("utf8")
    data = data.replace(b"again.", b"again \xff.", 1)  # one undecodable line
    data = (b"\xef\xbb\xbf" if bom else b"") + data + (b"\n" if trailing_newline else b"")
    path.write_bytes(data)
    return path


def lines(iterator, path=None):
    """Lines as comparable tuples, the file name replaced by `path` if given."""
    rows = []
    for line in iterator:
        reject = line.reject and (line.reject.field, line.reject.reason, line.reject.record)
        rows.append((path or line.path, line.line, line.record, reject))
    return rows


@pytest.mark.parametrize("suffix", [".jsonl", ".txt"])
@pytest.mark.parametrize("trailing_newline", [True, False])
def test_blocks_of_a_path_and_of_its_uri_are_the_local_shards(tmp_path, suffix, trailing_newline):
    path = write_input(tmp_path / f"raw{suffix}", trailing_newline=trailing_newline)
    block_bytes = 100
    local = plan_blocks(list_inputs(str(path)), block_bytes)
    uri = plan_blocks(list_inputs(f"file://{path}"), block_bytes)
    n = -(-path.stat().st_size // block_bytes)
    assert [b.shard for b in local] == plan_shards(path, n) == [b.shard for b in uri]
    assert len(local) > 5 and [b.index for b in uri] == list(range(len(uri)))
    whole = lines(read_raw(path))
    assert [row for block in local for row in lines(read_block(block))] == whole
    assert [row for b in uri for row in lines(read_block(b), str(path))] == whole
    assert {line.path for b in uri for line in read_block(b)} == {f"file://{path}"}


@pytest.mark.parametrize(
    "bom,codec",
    [
        (b"", "utf-16"),
        (b"", "utf-32"),
        (b"\xfe\xff", "utf-16-be"),
        (b"\xff\xfe", "utf-8"),  # a stray UTF-16 BOM on UTF-8: read as UTF-8 without it
        (b"", "utf-8-sig"),
    ],
)
def test_a_uri_is_read_in_its_encoding_as_the_local_file_is(tmp_path, bom, codec):
    path = tmp_path / "raw.jsonl"
    path.write_bytes(bom + "\n".join(LINES * 12).encode(codec))
    uri = plan_blocks(list_inputs(f"file://{path}"), 100)
    assert [b.shard for b in uri] == [b.shard for b in plan_blocks(list_inputs(str(path)), 100)]
    assert (len(uri) == 1) == codec.startswith(("utf-16", "utf-32"))  # a wide file is one block
    whole = lines(read_raw(path))
    assert [row for b in uri for row in lines(read_block(b), str(path))] == whole
    assert sum(row[2] is not None for row in whole) == 36


def test_inputs_are_a_file_a_directory_or_a_glob(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("b.jsonl", "a.txt", ".hidden.jsonl", "_SUCCESS", "c.jsonl"):
        (folder / name).write_text('{"text": "x"}\n')
    (folder / "sub").mkdir()
    names = ["a.txt", "b.jsonl", "c.jsonl"]
    paths = [str(folder / n) for n in names]
    assert [f.name for f in list_inputs(str(folder))] == paths
    assert [f.name for f in list_inputs(f"{folder}/*.jsonl")] == paths[1:]
    uri = f"file://{folder}"
    assert [f.name for f in list_inputs(uri)] == [f"{uri}/{n}" for n in names]
    assert [f.name for f in list_inputs(f"{uri}/*.jsonl")] == [f"{uri}/{n}" for n in names[1:]]
    assert list_inputs(str(folder / "a.txt"))[0].size == len('{"text": "x"}\n')
    for missing in (str(tmp_path / "nope.jsonl"), f"{folder}/*.csv", f"file://{tmp_path}/nope"):
        with pytest.raises(PluginError, match="Input not found"):
            list_inputs(missing)


def test_output_files_appear_whole_or_not_at_all(tmp_path):
    output = OutputDir(str(tmp_path / "out"))
    output.create()
    with output.atomic_text("part-00000.jsonl") as file_:
        file_.write("é\n")
        assert not output.exists("part-00000.jsonl")  # only under a temporary name yet
    with pytest.raises(RuntimeError), output.atomic_text("part-00001.jsonl") as file_:
        file_.write("half")
        raise RuntimeError("killed")
    assert output.names() == ["part-00000.jsonl"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["part-00000.jsonl"]
    assert list(output.read_lines("part-00000.jsonl")) == ["é\n".encode()]
    output.write_json("part-00000.json", {"a": 1})
    assert output.read_json("part-00000.json") == {"a": 1}
    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError, match="is a file"):
        OutputDir(str(tmp_path / "file")).create()
