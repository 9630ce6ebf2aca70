"""Reproductions of the hardening issue: bad input is rejected with its location, never a crash.

Each test failed before its fix; the module under test is named in the test's name.
"""

import json
from pathlib import Path

import pytest
import spacy

from spacy_ner_plugin.cli.preannotate import preannotate
from spacy_ner_plugin.io.files import write_json_atomic, write_jsonl_atomic
from spacy_ner_plugin.io.records import InvalidRecord, json_line, parse_json, read_jsonl

from .conftest import cpu_timed, one_sentence_conll

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


# 1. One validation layer for every reader's records

GOOD = {"text": "Hello world", "spans": [{"start": 0, "end": 5, "label": "GREETING"}]}
HELLO_TOKENS = [
    {"text": "Hello", "start": 0, "end": 5, "id": 0},
    {"text": "world", "start": 6, "end": 11, "id": 1},
]


def tokens_with(i, **changes):
    tokens = [dict(t) for t in HELLO_TOKENS]
    tokens[i] = {k: v for k, v in {**tokens[i], **changes}.items() if v is not None}
    return tokens


BAD_RECORDS = {
    "token without start": ({**GOOD, "tokens": tokens_with(1, start=None)}, "tokens"),
    "string start": ({**GOOD, "tokens": tokens_with(1, start="6")}, "tokens"),
    "first token's start a string": ({**GOOD, "tokens": tokens_with(0, start="0")}, "tokens"),
    "token a string": ({**GOOD, "tokens": [HELLO_TOKENS[0], "world"]}, "tokens"),
    "duplicate token ids": ({**GOOD, "tokens": tokens_with(1, id=0)}, "tokens"),
    "tokens going back": (
        {"text": "Hello", "tokens": [HELLO_TOKENS[0], HELLO_TOKENS[0]]},
        "tokens",
    ),
    "boolean offsets": ({**GOOD, "tokens": tokens_with(0, start=False)}, "tokens"),
    "negative start": ({"text": "ab", "tokens": [{"text": "ab", "start": -2, "end": 2}]}, "tokens"),
    "spans a string": ({**GOOD, "spans": "0-5 GREETING"}, "spans"),
    "span not an object": ({**GOOD, "spans": [[0, 5, "GREETING"]]}, "spans"),
    "numeric label": ({**GOOD, "spans": [{"start": 0, "end": 5, "label": 7}]}, "spans"),
    "meta a list": ({**GOOD, "meta": [1]}, "meta"),
    "string hash": ({**GOOD, "_input_hash": "12"}, "_input_hash"),
    "answer a list": ({**GOOD, "answer": ["accept"]}, "answer"),
    "text a number": ({"text": 5}, "text"),
}


@pytest.mark.parametrize("name", list(BAD_RECORDS))
def test_read_records_rejects_records_whose_fields_have_the_wrong_type(write_jsonl, name):
    from spacy_ner_plugin.annotations.formats import read_records

    record, field = BAD_RECORDS[name]
    lines = list(read_records(write_jsonl([GOOD, record, GOOD])))
    assert [line.line for line in lines] == [1, 2, 3]
    assert lines[0].record is not None and lines[2].record is not None
    assert lines[1].reject is not None and lines[1].reject.field == field


@pytest.mark.parametrize("name", [n for n, (_, field) in BAD_RECORDS.items() if field == "tokens"])
def test_record_doc_raises_invalid_record_for_bad_tokens(nlp, name):
    from spacy_ner_plugin.annotations.docs import record_to_doc

    record, _ = BAD_RECORDS[name]
    with pytest.raises(InvalidRecord) as err:
        record_to_doc(record, nlp.vocab, nlp.make_doc)
    assert err.value.field == "tokens"


def test_data_to_spacy_never_writes_a_text_that_is_in_no_record(write_jsonl, tmp_path, nlp):
    from spacy.tokens import DocBin

    from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy

    bad = [record for name, (record, _) in BAD_RECORDS.items()]
    path = write_jsonl([GOOD, *bad])
    result = data_to_spacy([path], tmp_path / "out", eval_split=0)
    docs = list(DocBin().from_disk(tmp_path / "out" / "train.spacy").get_docs(nlp.vocab))
    assert [doc.text for doc in docs] == ["Hello world"]
    rejects = read_lines(tmp_path / "out" / "rejects.jsonl")
    assert sorted(r["line"] for r in rejects) == list(range(2, len(bad) + 2))
    assert result.counts.reconciles


@pytest.mark.parametrize(
    "spans", ["0-5 X", [[0, 5, "X"]], [{"start": 0, "end": 5, "label": 7}], [{"start": 0}], 5]
)
def test_hashes_of_any_record_without_crashing(spans):
    from spacy_ner_plugin.io.hashing import set_hashes, task_hash

    record = set_hashes({"text": "Hello \ud800", "spans": spans})
    assert isinstance(record["_task_hash"], int)
    assert task_hash({"text": "a", "spans": [{"start": 0, "end": 1, "label": "X"}]}) != task_hash(
        {"text": "a", "spans": [{"start": 0, "end": 1, "label": 1}]}
    )


def test_preannotate_rejects_raw_records_whose_meta_is_not_an_object(tmp_path):
    raw = tmp_path / "raw.jsonl"
    raw.write_text('{"text": "Hi.", "meta": 5}\n{"text": "Ok."}\n', encoding="utf8")
    result = preannotate(raw, tmp_path / "out.jsonl", overrides={"paths.patterns": None})
    (reject,) = read_lines(tmp_path / "out.rejects.jsonl")
    assert (reject["line"], reject["field"]) == (1, "meta")
    assert result.counts.texts == 1 and result.counts.reconciles


# 3. Label Studio tasks of the wrong shape

LS_GOOD = {
    "id": 1,
    "data": {"text": "Hello world"},
    "annotations": [
        {"id": 7, "result": [{"type": "labels", "value": {"start": 0, "end": 5, "labels": ["G"]}}]}
    ],
}


def ls_task(value):
    return {**LS_GOOD, "annotations": [{"result": [{"type": "labels", "value": value}]}]}


LS_BAD = {
    "annotations an object": ({**LS_GOOD, "annotations": {"result": []}}, "annotations"),
    "annotations a string": ({**LS_GOOD, "annotations": "done"}, "annotations"),
    "annotation a list": ({**LS_GOOD, "annotations": [[1]]}, "annotations"),
    "result an object": ({**LS_GOOD, "annotations": [{"result": {"value": {}}}]}, "result"),
    "result item a string": ({**LS_GOOD, "annotations": [{"result": ["x"]}]}, "result"),
    "value missing": ({**LS_GOOD, "annotations": [{"result": [{"type": "labels"}]}]}, "result"),
    "value a list": ({**LS_GOOD, "annotations": [{"result": [{"value": [1]}]}]}, "result"),
    "labels a string": (ls_task({"start": 0, "end": 5, "labels": "G"}), "result"),
    "label a number": (ls_task({"start": 0, "end": 5, "labels": [1]}), "spans"),
    "data a list": ({**LS_GOOD, "data": ["Hello"]}, "data"),
    "text a number": ({**LS_GOOD, "data": {"text": 5}}, "text"),
    "min region without labels": (
        {"text": "Hello world", "label": [{"start": 0, "end": 5, "labels": ["G"]}, {"start": 6}]},
        "label",
    ),
}


@pytest.mark.parametrize("name", list(LS_BAD))
def test_label_studio_tasks_of_the_wrong_shape_are_rejects_with_their_line(tmp_path, name):
    from spacy_ner_plugin.annotations.formats import read_records

    task, field = LS_BAD[name]
    path = tmp_path / "export.json"
    path.write_text(json.dumps([LS_GOOD, task, LS_GOOD], indent=1), encoding="utf8")
    lines = list(read_records(path, "label-studio"))
    assert len(lines) == 3 and lines[0].record is not None and lines[2].record is not None
    assert lines[1].reject is not None and lines[1].reject.field == field
    assert lines[1].line == lines[1].reject.line > lines[0].line


# 4. One DocBin reader: a bad .spacy file is a PluginError naming it


def good_docbin_bytes(nlp):
    from spacy.tokens import DocBin

    docs = [nlp("hello world"), nlp("another one")]
    for doc in docs:
        doc.set_ents([], default="outside")
    return DocBin(docs=docs).to_bytes()


def bad_docbins(nlp):
    import zlib

    import srsly

    good = good_docbin_bytes(nlp)
    return {
        "random bytes": bytes(range(256)) * 3,
        "truncated": good[: len(good) // 2],
        "jsonl": b'{"text": "x"}\n',
        "empty": b"",
        "msgpack of something else": zlib.compress(srsly.msgpack_dumps({"tokens": 5})),
        "not msgpack": zlib.compress(b"not msgpack at all"),
    }


@pytest.mark.parametrize(
    "name",
    ["random bytes", "truncated", "jsonl", "empty", "msgpack of something else", "not msgpack"],
)
def test_read_docbin_docs_raises_plugin_error_naming_a_bad_file(tmp_path, nlp, name):
    from spacy_ner_plugin.annotations.formats import read_records
    from spacy_ner_plugin.errors import PluginError
    from spacy_ner_plugin.io.shards import read_docbin_docs
    from spacy_ner_plugin.readers.raw_text import read_text_hashes

    path = tmp_path / "bad.spacy"
    path.write_bytes(bad_docbins(nlp)[name])
    for read in (
        lambda: list(read_docbin_docs(path, nlp.vocab)),
        lambda: list(read_records(path)),
        lambda: read_text_hashes(path),
    ):
        with pytest.raises(PluginError, match=r"bad\.spacy: not a \.spacy file \(.+\)"):
            read()


def test_a_bad_shard_in_a_directory_is_named(tmp_path, nlp):
    from spacy_ner_plugin.errors import PluginError
    from spacy_ner_plugin.io.shards import read_docbin_docs

    corpus = tmp_path / "train.spacy"
    corpus.mkdir()
    (corpus / "000000.spacy").write_bytes(good_docbin_bytes(nlp))
    (corpus / "000001.spacy").write_bytes(b"garbage")
    docs = read_docbin_docs(corpus, nlp.vocab)
    assert [doc.text for doc in [next(docs), next(docs)]] == ["hello world", "another one"]
    with pytest.raises(PluginError, match=r"000001\.spacy: not a \.spacy file"):
        next(docs)


# 5. Patterns: lone surrogates and regexes that do not compile are pattern errors at load


def test_pattern_errors_for_lone_surrogates_and_bad_regexes(write_jsonl, nlp):
    from spacy_ner_plugin.patterns.matcher import PatternError, PatternMatcher, load_patterns

    path = write_jsonl(
        [
            '{"label": "X", "pattern": "a\\ud800"}',
            {"label": "X", "pattern": [{"TEXT": {"REGEX": "("}}]},
            {"label": "X", "pattern": [{"LOWER": "ok"}, {"_": {"ext": {"regex": "[a-"}}}]},
            {"label": "X", "pattern": "fine"},
        ],
        name="patterns.jsonl",
    )
    with pytest.raises(PatternError) as err:
        load_patterns(path)
    lines = err.value.text.splitlines()
    assert lines[0].startswith(f"{path}:1 [json] lone surrogate")
    assert lines[1].startswith(f"{path}:2 [pattern] token 0: REGEX '(' does not compile")
    assert lines[2].startswith(f"{path}:3 [pattern] token 1: REGEX '[a-' does not compile")
    assert [line for line, _ in err.value.problems] == [1, 2, 3]
    (fine,) = load_patterns(write_jsonl([{"label": "X", "pattern": "fine"}]))
    PatternMatcher(nlp, [fine])


def test_parse_pattern_refuses_a_lone_surrogate_from_python():
    from spacy_ner_plugin.patterns.matcher import parse_pattern

    with pytest.raises(ValueError, match=r"\[pattern\] lone surrogate"):
        parse_pattern({"label": "X", "pattern": [{"ORTH": "\udc80"}]}, 1)


# 6. Encodings: never UTF-8 as UTF-16; genuine UTF-16 read; every line accounted for

RECORDS = [GOOD, {"text": "Grüße aus Köln", "spans": []}, {"text": "naïve café"}]
JSONL_TEXT = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS)


def test_db_in_reads_a_utf8_file_with_a_stray_utf16_bom(tmp_path):
    from spacy_ner_plugin.cli.db_in import db_in
    from spacy_ner_plugin.cli.db_out import db_out

    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\xff\xfe" + JSONL_TEXT.encode("utf8"))
    db = str(tmp_path / "answers.sqlite")
    counts = db_in("bom", path, db=db)
    assert counts.read == 3 and counts.rejected == 0
    db_out("bom", tmp_path / "out.jsonl", db=db)
    assert [r["text"] for r in read_lines(tmp_path / "out.jsonl")] == [r["text"] for r in RECORDS]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_jsonl_with_a_bom_is_read_in_its_encoding(tmp_path, codec):
    from spacy_ner_plugin.annotations.formats import read_records
    from spacy_ner_plugin.io.partitions import plan_shards, read_raw

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
    from spacy_ner_plugin.annotations.formats import read_records

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
    from spacy_ner_plugin.annotations.formats import read_records

    array = tmp_path / "in.json"
    array.write_bytes(b'[["caf\xe9", {"entities": []}],\n["ok", {"entities": []}]]')
    bad, good = read_records(array)
    assert bad.reject is not None and bad.reject.reason == "not valid UTF-8"
    assert good.record["text"] == "ok" and good.line == 2


# 7. JSON arrays keep every entity


def test_data_to_spacy_keeps_the_entities_of_a_json_array_of_prodigy_records(tmp_path, nlp):
    from spacy.tokens import DocBin

    from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy

    records = [
        {"text": "I like Osprey packs", "spans": [{"start": 7, "end": 13, "label": "BRAND"}]},
        {"text": "Salomon shoes", "spans": [{"start": 0, "end": 7, "label": "BRAND"}]},
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(records, indent=2), encoding="utf8")
    data_to_spacy([path], tmp_path / "out", eval_split=0)
    docs = DocBin().from_disk(tmp_path / "out" / "train.spacy").get_docs(nlp.vocab)
    assert [[e.text for e in doc.ents] for doc in docs] == [["Osprey"], ["Salomon"]]


def test_json_array_format_is_told_by_the_first_item_that_shows_it(tmp_path):
    from spacy_ner_plugin.annotations.formats.detect import detect_format

    path = tmp_path / "a.json"
    plain = {"text": "no spans yet"}
    region = {"start": 0, "end": 1, "labels": ["X"]}
    for items, expected in [
        ([plain, {"text": "x", "spans": []}], "prodigy"),
        ([plain, {"text": "x", "label": [region]}], "label-studio"),
        ([plain], "label-studio"),
        ([["x", {"entities": []}]], "spacy-v2"),
    ]:
        path.write_text(json.dumps(items), encoding="utf8")
        assert detect_format(path) == expected


def test_label_studio_min_reads_every_labelling_control_and_never_hides_spans(tmp_path):
    from spacy_ner_plugin.annotations.formats import read_records

    region = {"start": 0, "end": 5, "labels": ["G"]}
    items = [
        {"text": "Hello world", "ner": [region], "places": [{**region, "start": 6, "end": 11}]},
        {"text": "Hello world", "spans": [{"start": 0, "end": 5, "label": "G"}]},
    ]
    path = tmp_path / "a.json"
    path.write_text(json.dumps(items), encoding="utf8")
    two, prodigy_like = read_records(path, "label-studio")
    assert [(s["start"], s["label"]) for s in two.record["spans"]] == [(0, "G"), (6, "G")]
    assert prodigy_like.reject is not None and prodigy_like.reject.field == "spans"


# 8. A directory where a file is expected


def test_a_directory_where_a_file_is_expected_is_a_plugin_error(tmp_path, nlp):
    from spacy_ner_plugin.annotations.formats import (
        conll,
        detect_format,
        label_studio,
        read_records,
    )
    from spacy_ner_plugin.errors import PluginError
    from spacy_ner_plugin.io.partitions import plan_shards, read_raw

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


def test_a_doc_without_any_entity_annotation_is_a_reject_not_lost(tmp_path, nlp):
    from spacy.tokens import DocBin

    from spacy_ner_plugin.annotations.formats import read_records

    path = tmp_path / "plain.spacy"
    DocBin(docs=[nlp("no annotation here")]).to_disk(path)
    (line,) = read_records(path)
    assert line.reject is not None and line.line == 1
    assert "without entity annotation" in line.reject.reason


# 9. CoNLL: one huge sentence is read and converted in linear time


def read_one(path):
    from spacy_ner_plugin.annotations.formats import read_records

    (line,) = read_records(path)
    return line.record


@pytest.mark.slow
def test_a_conll_sentence_of_200k_tokens_converts_in_linear_time(tmp_path, nlp):
    from spacy_ner_plugin.annotations.docs import record_to_doc
    from spacy_ner_plugin.annotations.formats import conll
    from spacy_ner_plugin.annotations.normalize import normalize_record

    small = one_sentence_conll(tmp_path / "small.conll", 50_000)
    large = one_sentence_conll(tmp_path / "large.conll", 200_000)
    read_one(small)  # warm up
    t_small = min(cpu_timed(read_one, small)[0] for _ in range(2))
    t_large, record = cpu_timed(read_one, large)
    # 4x the tokens: linear reading takes ~4x; with spaCy's quadratic iob_to_biluo it was ~16x.
    assert t_large < 8 * t_small + 0.2, (t_small, t_large)
    # and the rest of db-out's path to CoNLL: normalize, build the doc, write
    t_convert, doc = cpu_timed(
        lambda: record_to_doc(normalize_record(record, nlp.vocab), nlp.vocab, nlp.make_doc)
    )
    conll.write(tmp_path / "out.conll", [doc])
    assert len(doc.ents) == 40_000 and t_convert < 30
    written = (tmp_path / "out.conll").read_text(encoding="utf8")
    assert written == large.read_text(encoding="utf8") + "\n"  # IOB2 in, IOB2 out


# 10. ShardedDocBinWriter.close keeps the previous output until the new one is in place


def write_corpus(path, texts, nlp, shard_size=10):
    from spacy_ner_plugin.io.shards import ShardedDocBinWriter

    writer = ShardedDocBinWriter(path, shard_size=shard_size)
    for text in texts:
        writer.add(nlp(text))
    writer.close()


def corpus_texts(path, nlp):
    from spacy_ner_plugin.io.shards import read_docbin_docs

    return [doc.text for doc in read_docbin_docs(path, nlp.vocab)]


@pytest.mark.parametrize("old_size,new_size", [(1, 1), (3, 1), (1, 3), (3, 3)])
def test_an_interrupted_close_leaves_the_previous_output_intact(
    tmp_path, nlp, monkeypatch, old_size, new_size
):
    """Sizes in shards of 2 docs: 1 is a single NAME.spacy file, 3 a directory of shards."""
    import os

    path = tmp_path / "train.spacy"
    old = [f"old text {i}" for i in range(old_size * 2 - 1)]
    write_corpus(path, old, nlp, shard_size=2)
    assert path.is_dir() == (old_size > 1)

    def interrupt_moving_the_new_output_in(real):
        def move(src, dst, *args, **kwargs):
            name = Path(src).name
            if name.startswith(".train.spacy.") and not name.endswith(".old"):
                raise KeyboardInterrupt
            return real(src, dst, *args, **kwargs)

        return move

    monkeypatch.setattr(os, "replace", interrupt_moving_the_new_output_in(os.replace))
    monkeypatch.setattr(os, "rename", interrupt_moving_the_new_output_in(os.rename))
    with pytest.raises(KeyboardInterrupt):
        write_corpus(path, [f"new {i}" for i in range(new_size * 2 - 1)], nlp, shard_size=2)
    monkeypatch.undo()
    assert corpus_texts(path, nlp) == old
    assert [p.name for p in tmp_path.iterdir()] == ["train.spacy"]
    write_corpus(path, ["new"], nlp)
    assert corpus_texts(path, nlp) == ["new"] and path.is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["train.spacy"]


# Found by fuzzing (tests/test_fuzz_readers.py)


@pytest.mark.parametrize(
    "record,field",
    [
        ({"text": "Osprey \ud800"}, "text"),
        ({"text": "Osprey", "spans": [{"start": 0, "end": 6, "label": "B\udfff"}]}, "spans"),
    ],
)
def test_lone_surrogates_from_python_are_invalid_records_not_encode_errors(nlp, record, field):
    from spacy_ner_plugin.annotations.docs import record_doc, record_to_doc
    from spacy_ner_plugin.annotations.normalize import normalize_record

    for function in (record_to_doc, record_doc, normalize_record):
        if function is record_doc and field == "spans":
            continue
        args = (nlp.vocab,) if function is normalize_record else (nlp.vocab, nlp.make_doc)
        with pytest.raises(InvalidRecord) as err:
            function(dict(record), *args)
        assert err.value.field == field


@pytest.mark.parametrize("name", ["label-studio", "spacy-v2", "prodigy"])
def test_a_null_item_in_a_json_array_is_a_reject_not_a_crash(tmp_path, name):
    from spacy_ner_plugin.annotations.counts import ConversionCounts
    from spacy_ner_plugin.annotations.formats import read_records
    from spacy_ner_plugin.annotations.gold import read_gold_docs

    path = tmp_path / "data.json"
    path.write_text("[\nnull\n]\n", encoding="utf8")
    (line,) = read_records(path, name)
    assert line.reject is not None and line.line == 2
    counts = ConversionCounts()
    rejects: list = []
    assert list(read_gold_docs([path], spacy.blank("en"), rejects, counts)) == []
    assert counts.read == counts.rejected == 1 and counts.reconciles


def test_nothing_after_or_missing_from_a_json_array_is_lost_silently(tmp_path):
    from spacy_ner_plugin.annotations.formats import read_records

    path = tmp_path / "data.json"
    item = '["Osprey", {"entities": []}]'
    path.write_text(f"[\n{item}\n]\n{item}\n", encoding="utf8")
    good, after = read_records(path)
    assert good.record is not None and after.reject is not None and after.line == 4
    path.write_text(f"[\n{item},\n{item}\n", encoding="utf8")  # truncated: no "]"
    *goods, unclosed = read_records(path)
    assert len(goods) == 2 and "not closed" in unclosed.reject.reason


def test_jsonl_whose_first_line_is_an_array_is_still_jsonl(write_jsonl):
    from spacy_ner_plugin.annotations.formats import read_records

    path = write_jsonl(["[1, 2]", GOOD, GOOD])
    for lines in (read_records(path), read_records(path, "prodigy")):
        assert [(line.line, line.record is not None) for line in lines] == [
            (1, False),
            (2, True),
            (3, True),
        ]
