import pytest

from spacy_ner_plugin.io.partitions import plan_shards, read_raw


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
