import json

import pytest

from spacy_ner_plugin.io.records import (
    InvalidRecord,
    get_answer,
    get_text,
    json_line,
    parse_json,
    read_jsonl,
)

from ..conftest import BIG


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


TOKENS_PAST_THE_END = [{"text": "ab", "start": 0, "end": 2}, {"text": "x", "start": 3, "end": 4}]


def test_tokens_past_the_end_of_the_text_reject_their_line_naming_tokens(write_jsonl):
    from spacy_ner_plugin.annotations.formats import read_records

    beyond = {"text": "ab", "tokens": TOKENS_PAST_THE_END}
    lines = list(read_records(write_jsonl([{"text": "ok"}, beyond, {"text": "fine"}])))
    assert [line.line for line in lines] == [1, 2, 3]
    reject = lines[1].reject
    assert reject is not None and reject.field == "tokens" and "out of range" in reject.reason
    assert lines[0].record is not None and lines[2].record is not None


def test_tokens_short_of_the_end_of_the_text_say_where_they_stop():
    from spacy_ner_plugin.io.validation import check_tokens

    with pytest.raises(InvalidRecord, match="tokens end at 2, before the end of the text") as err:
        check_tokens("ab cd", [{"text": "ab", "start": 0, "end": 2}])
    assert err.value.field == "tokens"


@pytest.mark.parametrize("answer", [7, None, "maybe", ["accept"]])
def test_a_span_answer_that_is_no_answer_rejects_its_line_naming_the_span(write_jsonl, answer):
    from spacy_ner_plugin.annotations.formats import read_records

    odd = {"text": "Osprey pack", "spans": [{"start": 0, "end": 6, "label": "B", "answer": answer}]}
    good = {"text": "Osprey pack", "spans": [{"start": 0, "end": 6, "label": "B"}]}
    _, bad = read_records(write_jsonl([good, odd]))
    assert bad.reject is not None and bad.reject.field == "spans.0.answer" and bad.line == 2
    assert "unknown answer" in bad.reject.reason


@pytest.mark.parametrize("bad", [b'{"text": "caf\xe9"}', b"\x00\x00", b"\xff\xfe\x00garbage{"])
def test_one_bad_line_after_a_stray_utf16_bom_does_not_turn_the_file_into_utf16(tmp_path, bad):
    good = [json.dumps({"text": f"Good {i} K\u00f6ln"}).encode("utf8") for i in range(3)]
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\xff\xfe" + b"\n".join([b'{"text": "Osprey"}', good[0], bad, *good[1:]]))
    lines = list(read_jsonl(path))
    assert [line.line for line in lines] == [1, 2, 3, 4, 5]
    texts = [line.record["text"] for line in lines if line.record is not None]
    assert texts == ["Osprey", "Good 0 K\u00f6ln", "Good 1 K\u00f6ln", "Good 2 K\u00f6ln"]
    assert lines[2].reject is not None and lines[2].reject.line == 3


def test_json_line_writes_big_integers_exactly_and_refuses_nan():
    assert json.loads(json_line({"meta": {"id": BIG}})) == {"meta": {"id": BIG}}
    assert json_line({"a": None, "b": [1.5]}) == '{"a":null,"b":[1.5]}'
    for bad in (float("nan"), float("inf"), "\ud800"):
        with pytest.raises(InvalidRecord) as err:
            json_line({"text": "x", "meta": {"v": bad}})
        assert err.value.field == "meta" and "not representable in JSON" in err.value.reason


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
