"""Inputs and outputs of cluster jobs: local paths and URIs are cut and read alike."""

from pathlib import Path

import pytest

from spacy_ner_plugin.cluster.storage import (
    Block,
    BlockLines,
    InputFile,
    OutputDir,
    list_inputs,
    plan_blocks,
)
from spacy_ner_plugin.errors import PluginError, UsageError
from spacy_ner_plugin.io.partitions import read_raw

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


def read_numbered(blocks, path=None):
    """The lines of consecutive blocks of one file, numbered as the file's (as the driver does:
    each block's numbers shifted by the lines of the blocks before it)."""
    rows, before = [], 0
    for block in blocks:
        reader = BlockLines(block)
        for row in lines(reader, path):
            rows.append((row[0], row[1] + before, *row[2:]))
        before += reader.count
    return rows


@pytest.mark.parametrize("suffix", [".jsonl", ".txt"])
@pytest.mark.parametrize("trailing_newline", [True, False])
@pytest.mark.parametrize("block_bytes", [7, 100, 1000])
def test_blocks_planned_from_sizes_read_as_the_whole_file(
    tmp_path, suffix, trailing_newline, block_bytes
):
    path = write_input(tmp_path / f"raw{suffix}", trailing_newline=trailing_newline)
    local = plan_blocks(list_inputs(str(path)), block_bytes)
    uri = plan_blocks(list_inputs(f"file://{path}"), block_bytes)
    size = path.stat().st_size
    assert [(b.start, b.end) for b in local] == [(b.start, b.end) for b in uri]
    assert local[0].start == 0 and local[-1].end == size
    assert all(b.end - b.start <= block_bytes for b in local)
    assert [b.start for b in local[1:]] == [b.end for b in local[:-1]]
    assert [b.index for b in uri] == list(range(len(uri))) == list(range(-(-size // block_bytes)))
    whole = lines(read_raw(path))
    assert read_numbered(local) == whole
    assert read_numbered(uri, str(path)) == whole
    assert {line.path for b in uri for line in BlockLines(b)} == {f"file://{path}"}


def test_blocks_are_planned_from_sizes_without_opening_a_file():
    files = [InputFile("s3://b/gone.jsonl", 250, 0), InputFile("absent.txt", 0, 0)]
    blocks = plan_blocks(files, 100)  # neither exists: nothing is read
    assert [(b.index, b.input, b.start, b.end) for b in blocks] == [
        (0, "s3://b/gone.jsonl", 0, 83),
        (1, "s3://b/gone.jsonl", 83, 166),
        (2, "s3://b/gone.jsonl", 166, 250),
        (3, "absent.txt", 0, 0),
    ]
    assert blocks[3].location == str(Path("absent.txt").absolute())


def test_a_block_counts_the_lines_that_start_in_it(tmp_path):
    path = tmp_path / "raw.txt"
    path.write_bytes(b"ab\n\ncd\nef")  # lines start at bytes 0, 3, 4, 7
    counts = []
    for start, end in [(0, 3), (3, 4), (4, 5), (5, 8), (8, 10), (0, 10), (1, 3)]:
        reader = BlockLines(Block(0, str(path), str(path), start, end))
        texts = [line.record["text"] for line in reader]
        counts.append((reader.count, texts))
    assert counts == [
        (1, ["ab"]),
        (1, []),  # the blank line
        (1, ["cd"]),
        (1, ["ef"]),
        (0, []),  # inside the last line
        (4, ["ab", "cd", "ef"]),
        (0, []),  # inside the first line
    ]


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
    assert len(uri) > 5
    whole = lines(read_raw(path))
    assert read_numbered(uri, str(path)) == whole
    if codec.startswith(("utf-16", "utf-32")):  # a wide file is read by its first block
        assert [len(list(BlockLines(b))) for b in uri[1:]] == [0] * (len(uri) - 1)
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
