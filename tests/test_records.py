import pytest

from spacy_ner_plugin.io.records import InvalidRecord, get_answer, get_text, read_jsonl


def test_read_jsonl_locates_every_bad_line(write_jsonl):
    path = write_jsonl(
        [{"text": "ok"}, "{not json", b"\xff\xfe bad bytes", "[1, 2]", "", {"text": "b"}]
    )
    lines = list(read_jsonl(path))
    assert [line.line for line in lines] == [1, 2, 3, 4, 6]
    assert [line.record["text"] for line in lines if line.record] == ["ok", "b"]
    rejects = [line.reject for line in lines if line.reject]
    assert [r.line for r in rejects] == [2, 3, 4]
    assert "malformed JSON" in rejects[0].reason
    assert "UTF-8" in rejects[1].reason
    assert "JSON object" in rejects[2].reason
    assert str(path) in str(rejects[0]) and ":2" in str(rejects[0])


def test_read_jsonl_handles_bom_and_crlf(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"text": "first"}\r\n{"text": "second"}\r\n')
    assert [line.record["text"] for line in read_jsonl(path)] == ["first", "second"]


@pytest.mark.parametrize(
    "record,field", [({}, "text"), ({"text": "  "}, "text"), ({"text": 3}, "text")]
)
def test_get_text_rejects_missing_or_empty(record, field):
    with pytest.raises(InvalidRecord) as err:
        get_text(record)
    assert err.value.field == field


def test_get_answer_defaults_to_accept_and_rejects_unknown():
    assert get_answer({"text": "x"}) == "accept"
    assert get_answer({"answer": "ignore"}) == "ignore"
    with pytest.raises(InvalidRecord, match="unknown answer"):
        get_answer({"answer": "maybe"})
