import io

import pytest

from spacy_ner_plugin.io.partitions import (
    Shard,
    Source,
    plan_shards,
    plan_source,
    read_raw,
    read_source,
)

RAW = b'\xef\xbb\xbf{"text": "a"}\r\n\n{"text": "b\xff"}\n[1]\n\n{"text": "cc"}\n{"text": "end"}'


def memory_source(data: bytes, name: str = "mem.jsonl") -> Source:
    return Source(name, lambda: io.BytesIO(data))


def rows(lines):
    return [
        (line.path, line.line, line.record, line.reject and line.reject.reason) for line in lines
    ]


def first_line(data: bytes, start: int) -> int:
    """The number of the first line that starts at or after byte `start`."""
    return 1 if start == 0 else 2 + data[: start - 1].count(b"\n")


@pytest.mark.parametrize("n", [1, 2, 3, 7, 50])
def test_shards_cover_every_line_once_with_its_number(write_jsonl, n):
    records = [{"text": f"text {i}" + "x" * (i % 13)} for i in range(40)]
    path = write_jsonl(records[:10] + [""] + records[10:])
    shards = plan_shards(path, n)
    assert 1 <= len(shards) <= n
    assert shards[0].start == 0 and shards[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in zip(shards, shards[1:]))
    lines = [line for shard in shards for line in read_raw(path, shard)]
    assert [line.line for line in lines] == list(range(1, 11)) + list(range(12, 42))
    assert [line.record["text"] for line in lines] == [r["text"] for r in records]


def test_plain_text_lines_bom_and_bad_bytes(tmp_path):
    path = tmp_path / "raw.txt"
    path.write_bytes(b"\xef\xbb\xbfFirst text\r\n\n  \ncaf\xe9\nLast\n")
    lines = list(read_raw(path))
    assert [(line.line, line.record) for line in lines if line.record] == [
        (1, {"text": "First text"}),
        (5, {"text": "Last"}),
    ]
    (bad,) = [line for line in lines if line.reject]
    assert bad.line == 4 and "not valid UTF-8" in bad.reject.reason


def test_jsonl_lines_are_parsed_or_rejected(write_jsonl):
    path = write_jsonl([{"text": "a"}, "[1, 2]", "{oops"])
    lines = list(read_raw(path))
    assert lines[0].record == {"text": "a"}
    assert "expected a JSON object" in lines[1].reject.reason
    assert "malformed JSON" in lines[2].reject.reason


def test_empty_file_is_one_empty_shard(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    (shard,) = plan_shards(path, 4)
    assert list(read_raw(path, shard)) == []


def test_a_shard_may_start_and_end_anywhere_and_reads_the_lines_that_start_in_it():
    """A worker given any byte range finds its line boundaries itself: cut anywhere, every
    line is read once, by the shard it starts in."""
    source = memory_source(RAW)
    whole = rows(read_source(source))
    assert [row[1] for row in whole] == [1, 3, 4, 6, 7]
    size = len(RAW)
    for cut in range(size + 1):
        for second in range(cut, size + 1, 7):
            cuts = [0, cut, second, size]
            shards = [Shard(a, b, first_line(RAW, a)) for a, b in zip(cuts, cuts[1:])]
            assert [row for shard in shards for row in rows(read_source(source, shard))] == whole


def test_a_wide_file_is_one_shard_read_by_the_shard_at_its_start(tmp_path):
    data = "\ufeff" + '{"text": "é"}\n{"text": "b"}\n'
    raw = data.encode("utf-16-le")
    source = memory_source(raw)
    assert plan_source(source, len(raw), 4) == [Shard(0, len(raw), 1)]
    whole = rows(read_source(source))
    assert [row[2] for row in whole] == [{"text": "é"}, {"text": "b"}]
    assert rows(read_source(source, Shard(0, 5, 1))) == whole
    assert rows(read_source(source, Shard(5, len(raw), 2))) == []
    path = tmp_path / "wide.jsonl"
    path.write_bytes(raw)
    assert rows(read_raw(path)) == [(str(path), *row[1:]) for row in whole]


def test_one_shard_is_planned_without_opening_the_file():
    def unopenable():
        raise AssertionError("opened")

    assert plan_source(Source("big.jsonl", unopenable), 10**12, 1) == [Shard(0, 10**12, 1)]


def test_any_binary_file_is_planned_and_read_as_a_local_file(tmp_path):
    path = tmp_path / "raw.jsonl"
    data = (RAW[3:] + b"\n") * 30
    path.write_bytes(data)
    source = memory_source(data, str(path))
    assert plan_source(source, path.stat().st_size, 5) == plan_shards(path, 5)
    assert [rows(read_source(source, s)) for s in plan_shards(path, 5)] == [
        rows(read_raw(path, s)) for s in plan_shards(path, 5)
    ]
