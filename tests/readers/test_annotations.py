import warnings

import pytest
import spacy

from spacy_ner_plugin.readers.raw_text import BadLinesWarning

from ..conftest import task


def test_jsonl_corpus_reader_yields_gold_examples_and_skips_bad_records(write_jsonl, nlp):
    path = write_jsonl([task("Fresh Osprey straps", "Osprey"), {"text": ""}, {"text": "Plain day"}])
    reader = spacy.registry.readers.get("spacy_ner_plugin.JsonlCorpus.v1")(path)
    examples = list(reader(nlp))
    assert [ex.reference.text for ex in examples] == ["Fresh Osprey straps", "Plain day"]
    assert [e.text for e in examples[0].reference.ents] == ["Osprey"]
    assert all(t.ent_iob_ == "O" for t in examples[1].reference)


def test_jsonl_corpus_reader_reads_a_directory_with_limit(write_jsonl, nlp):
    write_jsonl([task(f"Osprey {i}", "Osprey") for i in range(3)], "a.jsonl")
    path = write_jsonl([task(f"More Osprey {i}", "Osprey") for i in range(3)], "b.jsonl")
    reader = spacy.registry.readers.get("spacy_ner_plugin.JsonlCorpus.v1")(path.parent, limit=4)
    assert len(list(reader(nlp))) == 4


def test_jsonl_corpus_reader_skips_yes_no_answers_instead_of_reading_them_as_gold(write_jsonl, nlp):
    teach = [
        {**task(f"Answer {i} on Osprey", "Osprey"), "answer": "reject" if i % 2 else "accept"}
        for i in range(4)
    ]
    declared = {**task("Gold Osprey text", "Osprey"), "_view_id": "ner_manual"}
    flagged = task("Flagged Osprey", "Osprey", _is_binary=True)
    path = write_jsonl([*teach, declared, flagged])
    reader = spacy.registry.readers.get("spacy_ner_plugin.JsonlCorpus.v1")(path)
    assert [ex.reference.text for ex in reader(nlp)] == ["Gold Osprey text"]


def test_bad_records_are_a_warning_of_the_reader_once_never_printed(write_jsonl, nlp, capsys):
    path = write_jsonl([task("Fresh Osprey straps", "Osprey"), "{oops"])
    reader = spacy.registry.readers.get("spacy_ner_plugin.AnnotationCorpus.v1")(path)
    with pytest.warns(BadLinesWarning, match=r"1 bad records skipped .*data.jsonl:2"):
        assert len(list(reader(nlp))) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second epoch does not warn again
        assert len(list(reader(nlp))) == 1
    assert capsys.readouterr().out == ""
