import json

import pytest
import spacy
from spacy.tokens import DocBin

from spacy_ner_plugin.annotations.counts import ConversionCounts
from spacy_ner_plugin.annotations.docs import record_to_doc
from spacy_ner_plugin.annotations.formats import READERS, InputFormat, conll, read_records
from spacy_ner_plugin.annotations.formats.conll import Scheme, tags_to_entities
from spacy_ner_plugin.annotations.formats.detect import detect_format
from spacy_ner_plugin.annotations.gold import read_gold_docs
from spacy_ner_plugin.annotations.normalize import normalize_record
from spacy_ner_plugin.errors import UsageError
from spacy_ner_plugin.io.records import InvalidRecord

from ..conftest import HELLO_RECORD, WRONG_TYPE_RECORDS, cpu_timed, one_sentence_conll


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf8"))
    return path


def records(path, **options):
    lines = list(read_records(path, **options))
    return [line.record for line in lines if line.record], [
        line.reject for line in lines if line.reject
    ]


def ents(record):
    return [(record["text"][s["start"] : s["end"]], s["label"]) for s in record["spans"]]


DOCCANO = '{"id": 1, "text": "Osprey and Deuter", "label": [[0, 6, "BRAND"], [11, 17, "BRAND"]]}\n'
DOCCANO_ENTITIES = (
    '{"text": "Osprey packs", "entities": '
    '[{"id": 3, "label": "BRAND", "start_offset": 0, "end_offset": 6}]}\n'
)
LABEL_STUDIO = json.dumps(
    [
        {
            "id": 7,
            "data": {"text": "Hiked the JMT with Osprey"},
            "annotations": [
                {
                    "id": 1,
                    "completed_by": 2,
                    "was_cancelled": False,
                    "result": [
                        {"type": "labels", "value": {"start": 10, "end": 13, "labels": ["TRAIL"]}},
                        {"type": "labels", "value": {"start": 19, "end": 25, "labels": ["BRAND"]}},
                    ],
                },
                {"id": 2, "completed_by": 3, "was_cancelled": True, "result": []},
            ],
        }
    ],
    indent=2,
)
LABEL_STUDIO_MIN = json.dumps(
    [
        {
            "id": 7,
            "text": "Hiked the JMT",
            "annotator": 2,
            "label": [{"start": 10, "end": 13, "text": "JMT", "labels": ["TRAIL"]}],
        },
        {"id": 8, "text": "Nothing here"},
    ]
)
SPACY_V2 = json.dumps(
    [["Osprey rules", {"entities": [[0, 6, "BRAND"]]}], ["No ents", {"entities": []}]]
)
CONLL_2COL = "Osprey\tB-BRAND\npacks\tO\n\nthe\tO\nJohn\tB-TRAIL\nMuir\tI-TRAIL\n"
CONLL_4COL = (
    "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\n"
    "-DOCSTART- -X- O O\n\nPeter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\n"
)


@pytest.mark.parametrize(
    "name,content,expected",
    [
        ("a.jsonl", '{"text": "x", "spans": []}\n', "prodigy"),
        ("a.jsonl", DOCCANO, "doccano"),
        ("a.jsonl", DOCCANO_ENTITIES, "doccano"),
        ("a.json", LABEL_STUDIO, "label-studio"),
        ("a.json", LABEL_STUDIO_MIN, "label-studio"),
        ("a.json", SPACY_V2, "spacy-v2"),
        ("a.txt", CONLL_2COL, "conll"),
        ("a.iob", "\ufeff" + CONLL_4COL, "conll"),
    ],
)
def test_format_is_detected_from_content(tmp_path, name, content, expected):
    assert detect_format(write(tmp_path, name, content)) == expected


def test_doccano_both_forms(tmp_path):
    (a,), _ = records(write(tmp_path, "a.jsonl", DOCCANO))
    assert ents(a) == [("Osprey", "BRAND"), ("Deuter", "BRAND")] and a["meta"] == {"id": 1}
    (b,), _ = records(write(tmp_path, "b.jsonl", DOCCANO_ENTITIES))
    assert ents(b) == [("Osprey", "BRAND")]


def test_label_studio_full_export_gives_one_record_per_annotation(tmp_path):
    (done, cancelled), rejects = records(write(tmp_path, "a.json", LABEL_STUDIO))
    assert not rejects
    assert ents(done) == [("JMT", "TRAIL"), ("Osprey", "BRAND")]
    assert done["meta"]["annotator"] == 2 and cancelled["answer"] == "ignore"


def test_label_studio_text_field_with_another_name(tmp_path):
    content = LABEL_STUDIO.replace('"text": "Hiked', '"sentence": "Hiked')
    (done, _), rejects = records(write(tmp_path, "a.json", content))
    assert not rejects and ents(done) == [("JMT", "TRAIL"), ("Osprey", "BRAND")]


def test_label_studio_json_min(tmp_path):
    (a, b), _ = records(write(tmp_path, "a.json", LABEL_STUDIO_MIN))
    assert ents(a) == [("JMT", "TRAIL")] and b["spans"] == [] and a["meta"]["annotator"] == 2


def test_label_studio_task_without_annotations_is_rejected_on_its_line(tmp_path):
    content = '[\n  {"data": {"text": "a"}, "annotations": []},\n  {"data": {"text": "b"}}\n]'
    recs, rejects = records(write(tmp_path, "a.json", content))
    assert not recs and [r.line for r in rejects] == [2, 3]
    assert all("no annotations" in r.reason for r in rejects)


def test_spacy_v2_train_data(tmp_path):
    (a, b), _ = records(write(tmp_path, "a.json", SPACY_V2))
    assert ents(a) == [("Osprey", "BRAND")] and b["spans"] == []


def test_conll_two_columns_tab(tmp_path):
    (a, b), rejects = records(write(tmp_path, "a.conll", CONLL_2COL))
    assert not rejects and a["text"] == "Osprey packs" and ents(a) == [("Osprey", "BRAND")]
    assert ents(b) == [("John Muir", "TRAIL")] and b["meta"]["line"] == 4
    assert [t["text"] for t in b["tokens"]] == ["the", "John", "Muir"]


def test_conll_docstart_variants_are_never_tokens(tmp_path):
    recs, rejects = records(write(tmp_path, "a.conll", CONLL_4COL))
    assert not rejects and [r["text"] for r in recs] == ["EU rejects", "Peter Blackburn"]
    assert ents(recs[1]) == [("Peter Blackburn", "PER")]


def test_conll_sentences_group_into_documents(tmp_path):
    path = write(
        tmp_path,
        "a.conll",
        CONLL_4COL.replace("rejects VBZ B-VP O\n", "rejects VBZ B-VP O\n\nit PRP B-NP O\n"),
    )
    recs, _ = records(path, n_sents=0)
    assert [r["text"] for r in recs] == ["EU rejects it", "Peter Blackburn"]
    assert recs[0]["meta"]["sentences"] == 2 and ents(recs[0]) == [("EU", "ORG")]


@pytest.mark.parametrize(
    "tags,scheme,expected",
    [
        (["B-A", "I-A", "O", "B-B"], "auto", [("A", 0, 1), ("B", 3, 3)]),
        (["I-A", "I-A", "O", "I-B", "B-B"], "auto", [("A", 0, 1), ("B", 3, 3), ("B", 4, 4)]),
        (["I-A", "O"], "iob1", [("A", 0, 0)]),
        (["U-A", "B-B", "L-B", "O"], "auto", [("A", 0, 0), ("B", 1, 2)]),
        (["S-A", "B-B", "E-B"], "auto", [("A", 0, 0), ("B", 1, 2)]),
    ],
)
def test_tag_schemes(tags, scheme, expected):
    assert tags_to_entities(tags, scheme) == expected


@pytest.mark.parametrize(
    "tags,scheme,reason",
    [
        (["O", "I-A"], "iob2", "not valid IOB2"),
        (["B-A", "I-B"], "iob2", "not valid IOB2"),
        (["O", "L-A"], "biluo", "without a preceding"),
        (["B-A", "O", "L-A"], "biluo", "inside an open"),
        (["B-A", "I-A"], "biluo", "never ends"),
        (["B-"], "auto", "empty label"),
        (["X-A"], "auto", "is not O or"),
        (["B-my label"], "auto", "whitespace"),
    ],
)
def test_bad_tag_sequences_raise(tags, scheme, reason):
    with pytest.raises(InvalidRecord, match=reason):
        tags_to_entities(tags, scheme)


def test_conll_bad_sentences_reject_only_themselves_with_their_line(tmp_path):
    content = (
        b"ok\tO\n\n"
        b"bad\tO\tX\n\n"  # 3 columns where the file has 2
        b"x\tB-\n\n"  # empty label
        b"caf\xe9\tO\n\n"  # not UTF-8
        b"y\tB-two words\n\n"  # label with a space
        b"z\r\n\n"  # one column
        b"last\tO\r\n"
    )
    recs, rejects = records(write(tmp_path, "a.conll", content))
    assert [r["text"] for r in recs] == ["ok", "last"]
    assert [r.line for r in rejects] == [3, 5, 7, 9, 11]
    reasons = [r.reason for r in rejects]
    assert "3 columns" in reasons[0] and "empty label" in reasons[1] and "UTF-8" in reasons[2]
    assert "whitespace" in reasons[3] and "token and a tag" in reasons[4]


def test_conll_iob2_scheme_rejects_i_after_o(tmp_path):
    path = write(tmp_path, "a.conll", "a\tO\nb\tI-X\n")
    assert records(path, scheme="iob2")[1][0].line == 1
    assert ents(records(path, scheme="iob1")[0][0]) == [("b", "X")]
    assert records(path, scheme=Scheme.iob2)[1][0].line == 1
    with pytest.raises(UsageError, match="Unknown tag scheme 'iob3'"):
        records(path, scheme="iob3")


def test_every_input_format_has_a_reader_and_is_forced_by_name_or_member(tmp_path):
    assert set(READERS) == {member.value for member in InputFormat}
    path = write(tmp_path, "a.txt", DOCCANO)
    assert ents(records(path, format=InputFormat.doccano)[0][0])[0] == ("Osprey", "BRAND")
    assert ents(records(path, format="doccano")[0][0])[0] == ("Osprey", "BRAND")
    with pytest.raises(UsageError, match="Unknown input format 'xml'"):
        read_records(path, "xml")


@pytest.mark.parametrize("fmt", ["a.jsonl", "a.json", "a.conll"])
def test_empty_files_give_nothing(tmp_path, fmt):
    assert records(write(tmp_path, fmt, b"")) == ([], [])


@pytest.mark.parametrize(
    "content",
    [
        "\ufeff" + DOCCANO.replace("\n", "\r\n"),
        "\ufeff" + LABEL_STUDIO_MIN.replace("\n", "\r\n"),
        "\ufeff" + SPACY_V2,
        "\ufeff" + CONLL_2COL.replace("\n", "\r\n"),
    ],
)
def test_bom_and_crlf_are_handled_in_every_format(tmp_path, content):
    recs, rejects = records(write(tmp_path, "a.txt", content))
    assert recs and not rejects
    assert all("\r" not in r["text"] and not r["text"].startswith("\ufeff") for r in recs)


def test_malformed_json_array_rejects_the_rest_at_its_line(tmp_path):
    content = '[\n["ok", {"entities": []}],\n["broken", {"entities": [}\n]'
    recs, rejects = records(write(tmp_path, "a.json", content))
    assert len(recs) == 1 and rejects[0].line == 3 and "malformed JSON" in rejects[0].reason


def test_non_utf8_item_in_json_array_is_rejected(tmp_path):
    content = b'[["ok", {"entities": []}],\n["caf\xe9", {"entities": []}]]'
    recs, rejects = records(write(tmp_path, "a.json", content))
    assert len(recs) == 1 and rejects[0].line == 2 and "UTF-8" in rejects[0].reason


@pytest.mark.parametrize(
    "name,content,field",
    [
        ("doccano", '{"text": "a b", "label": [[0, 1]]}', "label"),
        ("doccano", '{"text": "a b", "label": "X"}', "label"),
        ("spacy-v2", '[["a b"]]', None),
        ("spacy-v2", '[["a b", {"entities": [[0, 1]]}]]', "entities"),
        (
            "label-studio",
            '[{"data": {"text": "a"}, "annotations": [{"result": [{"value": {"start": 0}}]}]}]',
            "result",
        ),
        ("label-studio", '[{"annotations": [{"result": []}]}]', "data"),
    ],
)
def test_missing_keys_reject_with_the_field(tmp_path, name, content, field):
    _, (reject,) = records(write(tmp_path, "a.txt", content), format=name)
    assert reject.field == field and reject.line == 1


def test_docbin_without_stored_records_is_read_from_annotations(tmp_path):
    nlp = spacy.blank("en")
    gold = nlp("Osprey packs")
    gold.set_ents([gold.char_span(0, 6, "BRAND")], default="outside")
    binary = nlp("Deuter and Osprey")
    binary.set_ents([binary.char_span(0, 6, "BRAND")], default="missing")
    binary.spans["incorrect_spans"] = [binary.char_span(11, 17, "TRAIL")]
    DocBin(docs=[gold, binary]).to_disk(tmp_path / "a.spacy")
    recs, _ = records(tmp_path / "a.spacy")
    assert [(r["_view_id"], r["answer"], ents(r)) for r in recs] == [
        ("ner_manual", "accept", [("Osprey", "BRAND")]),
        ("ner", "accept", [("Deuter", "BRAND")]),
        ("ner", "reject", [("Osprey", "TRAIL")]),
    ]


def ls_tasks(n):
    """`n` Label Studio tasks, each with one BRAND region on "Osprey"."""
    region = {"type": "labels", "value": {"start": 0, "end": 6, "labels": ["BRAND"]}}
    return [
        {"id": i, "data": {"text": f"Osprey pack {i}"}, "annotations": [{"result": [region]}]}
        for i in range(n)
    ]


BROKEN_ITEM = {
    "double comma": ('"id": 5,', '"id": 5,,'),
    "unclosed bracket": ('"id": 5,', '"id": [5,'),
    "missing colon": ('"id": 5,', '"id" 5,'),
}


LAYOUTS = {  # how the array's items are written: (opening, separator, closing, indent)
    "pretty": ("[\n  ", ",\n  ", "\n]\n", 2),
    "one per line": ("[\n", ",\n", "\n]\n", None),
    "compact": ("[", ", ", "]", None),
}


@pytest.mark.parametrize(
    "layout,broken",
    [
        (layout, broken)
        for layout in LAYOUTS
        for broken in BROKEN_ITEM
        # one line and an unclosed bracket: nothing tells where the next item starts
        if (layout, broken) != ("compact", "unclosed bracket")
    ],
)
def test_a_malformed_item_mid_array_is_a_reject_with_its_index_and_reading_goes_on(
    tmp_path, layout, broken
):
    opening, separator, closing, indent = LAYOUTS[layout]
    items = [json.dumps(t, indent=indent).replace("\n", "\n  ") for t in ls_tasks(10)]
    old, new = BROKEN_ITEM[broken]
    items[5] = items[5].replace(old, new)
    content = opening + separator.join(items) + closing
    recs, rejects = records(write(tmp_path, "export.json", content))
    assert [r["meta"]["id"] for r in recs] == [0, 1, 2, 3, 4, 6, 7, 8, 9]
    (reject,) = rejects
    assert "malformed JSON" in reject.reason and "item 5" in reject.reason
    assert "rest of file" not in reject.reason
    assert reject.line == 1 + (opening + separator.join(items[:5]) + separator).count("\n")


@pytest.mark.parametrize(
    "first", [["not", "a task"], {"text": "x", "spans": [{"start": 0, "end": 1, "label": "B"}]}]
)
def test_one_bad_first_item_does_not_decide_a_json_arrays_format(tmp_path, first):
    path = write(tmp_path, "export.json", json.dumps([first, *ls_tasks(10)], indent=2))
    assert detect_format(path) == "label-studio"
    recs, rejects = records(path)
    assert len(recs) == 10 and all(ents(r) == [("Osprey", "BRAND")] for r in recs)
    assert [reject.line for reject in rejects] == [2]


@pytest.mark.parametrize(
    "first", ['{"text": "bad", "label": "X"}', "{broken", '{"text": "x", "spans": []}']
)
def test_one_bad_first_record_does_not_decide_a_jsonl_files_format(tmp_path, first):
    good = [json.dumps({"text": f"Osprey {i}", "label": [[0, 6, "BRAND"]]}) for i in range(5)]
    path = write(tmp_path, "a.jsonl", "\n".join([first, *good]) + "\n")
    assert detect_format(path) == "doccano"
    recs, rejects = records(path)
    assert [ents(r) for r in recs if r["text"] != "x"] == [[("Osprey", "BRAND")]] * 5
    assert [reject.line for reject in rejects] == ([] if "spans" in first else [1])


@pytest.mark.parametrize("name", list(WRONG_TYPE_RECORDS))
def test_read_records_rejects_records_whose_fields_have_the_wrong_type(write_jsonl, name):
    record, field = WRONG_TYPE_RECORDS[name]
    lines = list(read_records(write_jsonl([HELLO_RECORD, record, HELLO_RECORD])))
    assert [line.line for line in lines] == [1, 2, 3]
    assert lines[0].record is not None and lines[2].record is not None
    assert lines[1].reject is not None and lines[1].reject.field == field


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
    task, field = LS_BAD[name]
    path = tmp_path / "export.json"
    path.write_text(json.dumps([LS_GOOD, task, LS_GOOD], indent=1), encoding="utf8")
    lines = list(read_records(path, "label-studio"))
    assert len(lines) == 3 and lines[0].record is not None and lines[2].record is not None
    assert lines[1].reject is not None and lines[1].reject.field == field
    assert lines[1].line == lines[1].reject.line > lines[0].line


def test_json_array_format_is_told_by_the_first_item_that_shows_it(tmp_path):
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


def test_a_doc_without_any_entity_annotation_is_a_reject_not_lost(tmp_path, nlp):
    path = tmp_path / "plain.spacy"
    DocBin(docs=[nlp("no annotation here")]).to_disk(path)
    (line,) = read_records(path)
    assert line.reject is not None and line.line == 1
    assert "without entity annotation" in line.reject.reason


def read_one(path):
    (line,) = read_records(path)
    return line.record


@pytest.mark.slow
def test_a_conll_sentence_of_200k_tokens_converts_in_linear_time(tmp_path, nlp):
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


@pytest.mark.parametrize("name", ["label-studio", "spacy-v2", "prodigy"])
def test_a_null_item_in_a_json_array_is_a_reject_not_a_crash(tmp_path, name):
    path = tmp_path / "data.json"
    path.write_text("[\nnull\n]\n", encoding="utf8")
    (line,) = read_records(path, name)
    assert line.reject is not None and line.line == 2
    counts = ConversionCounts()
    rejects: list = []
    assert list(read_gold_docs([path], spacy.blank("en"), rejects, counts)) == []
    assert counts.read == counts.rejected == 1 and counts.reconciles


def test_nothing_after_or_missing_from_a_json_array_is_lost_silently(tmp_path):
    path = tmp_path / "data.json"
    item = '["Osprey", {"entities": []}]'
    path.write_text(f"[\n{item}\n]\n{item}\n", encoding="utf8")
    good, after = read_records(path)
    assert good.record is not None and after.reject is not None and after.line == 4
    path.write_text(f"[\n{item},\n{item}\n", encoding="utf8")  # truncated: no "]"
    *goods, unclosed = read_records(path)
    assert len(goods) == 2 and "not closed" in unclosed.reject.reason


def test_jsonl_whose_first_line_is_an_array_is_still_jsonl(write_jsonl):
    path = write_jsonl(["[1, 2]", HELLO_RECORD, HELLO_RECORD])
    for lines in (read_records(path), read_records(path, "prodigy")):
        assert [(line.line, line.record is not None) for line in lines] == [
            (1, False),
            (2, True),
            (3, True),
        ]


def test_label_studio_tasks_one_per_line_are_each_read_or_rejected(tmp_path):
    """A Label Studio export saved as JSON lines (one task a line), not an array: every task
    is read, and a bad line is a reject of its own (it was one reject for the whole file)."""
    region = {"type": "labels", "value": {"start": 0, "end": 6, "labels": ["BRAND"]}}
    tasks = [
        {"data": {"text": f"Osprey pack {i}"}, "annotations": [{"result": [region]}]}
        for i in range(3)
    ]
    path = tmp_path / "tasks.jsonl"
    lines = [json.dumps(tasks[0]), "{oops", *map(json.dumps, tasks[1:])]
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    read = list(read_records(path, "label-studio"))
    assert [line.line for line in read] == [1, 2, 3, 4]
    assert [line.record["text"] for line in read if line.record] == [
        "Osprey pack 0",
        "Osprey pack 1",
        "Osprey pack 2",
    ]
    (bad,) = [line for line in read if line.reject]
    assert bad.line == 2 and "malformed JSON" in bad.reject.reason
    assert [line.line for line in read_records(path) if line.record] == [1, 3, 4]  # detected
