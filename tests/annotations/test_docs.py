import pytest

from spacy_ner_plugin.annotations.docs import record_doc, record_to_doc
from spacy_ner_plugin.annotations.normalize import normalize_record
from spacy_ner_plugin.io.records import InvalidRecord

from ..conftest import WRONG_TYPE_RECORDS, task


def make(record, nlp):
    return record_to_doc(record, nlp.vocab, nlp.make_doc)


def test_spans_become_entities_and_other_tokens_are_outside(nlp):
    doc = make(task("I love my Osprey pack", "Osprey"), nlp)
    assert [(e.text, e.label_) for e in doc.ents] == [("Osprey", "BRAND")]
    assert [t.ent_iob_ for t in doc] == ["O", "O", "O", "B", "O"]


def test_text_without_spans_is_all_outside(nlp):
    doc = make({"text": "Nothing to see here."}, nlp)
    assert not doc.ents and all(t.ent_iob_ == "O" for t in doc)


def test_given_tokens_are_kept_exactly(nlp):
    text = "gore-tex  rocks"
    tokens = [
        {"text": "gore-tex", "start": 0, "end": 8},
        {"text": " ", "start": 9, "end": 10},
        {"text": "rocks", "start": 10, "end": 15},
    ]
    doc = make(
        {"text": text, "tokens": tokens, "spans": [{"start": 0, "end": 8, "label": "BRAND"}]}, nlp
    )
    assert [t.text for t in doc] == ["gore-tex", " ", "rocks"] and doc.text == text
    assert doc.ents[0].text == "gore-tex"


@pytest.mark.parametrize(
    "spans,reason",
    [
        ([{"start": 0, "end": 99, "label": "B"}], "out of range"),
        ([{"start": 4, "end": 4, "label": "B"}], "out of range"),
        ([{"start": 5, "end": 2, "label": "B"}], "out of range"),
        ([{"start": 1, "end": 4, "label": "B"}], "not on token boundaries"),
        ([{"start": 0, "end": 7, "label": "B"}, {"start": 0, "end": 13, "label": "C"}], "overlap"),
        ([{"start": 0, "end": 7}], "no label"),
        ([{"start": 0, "end": 7, "label": "MY LABEL"}], "whitespace"),
        ([{"start": "0", "end": 4, "label": "B"}], "integer"),
    ],
)
def test_bad_spans_raise_with_field(nlp, spans, reason):
    with pytest.raises(InvalidRecord, match=reason) as err:
        make({"text": "Salomon shoes", "spans": spans}, nlp)
    assert err.value.field == "spans"


@pytest.mark.parametrize(
    "tokens,reason",
    [
        (
            [{"text": "Salomon", "start": 0, "end": 7}, {"text": "boots", "start": 8, "end": 13}],
            "disagrees",
        ),
        ([{"text": "Salomon", "start": 0, "end": 7}], "not a single space"),
        ([{"text": "Salomon"}], "needs 'text', 'start' and 'end'"),
        ([], "non-empty list"),
    ],
)
def test_tokens_that_disagree_with_text_raise(nlp, tokens, reason):
    with pytest.raises(InvalidRecord, match=reason) as err:
        make({"text": "Salomon shoes", "tokens": tokens}, nlp)
    assert err.value.field == "tokens"


@pytest.mark.parametrize(
    "name", [n for n, (_, field) in WRONG_TYPE_RECORDS.items() if field == "tokens"]
)
def test_record_doc_raises_invalid_record_for_bad_tokens(nlp, name):
    record, _ = WRONG_TYPE_RECORDS[name]
    with pytest.raises(InvalidRecord) as err:
        record_to_doc(record, nlp.vocab, nlp.make_doc)
    assert err.value.field == "tokens"


@pytest.mark.parametrize(
    "record,field",
    [
        ({"text": "Osprey \ud800"}, "text"),
        ({"text": "Osprey", "spans": [{"start": 0, "end": 6, "label": "B\udfff"}]}, "spans"),
    ],
)
def test_lone_surrogates_from_python_are_invalid_records_not_encode_errors(nlp, record, field):
    for function in (record_to_doc, record_doc, normalize_record):
        if function is record_doc and field == "spans":
            continue
        args = (nlp.vocab,) if function is normalize_record else (nlp.vocab, nlp.make_doc)
        with pytest.raises(InvalidRecord) as err:
            function(dict(record), *args)
        assert err.value.field == field
