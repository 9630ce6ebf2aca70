import spacy

from .conftest import task


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
