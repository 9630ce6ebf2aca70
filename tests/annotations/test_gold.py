"""data-to-spacy, evaluate and the AnnotationCorpus reader read the same gold from one file."""

import pytest
import spacy
from spacy.tokens import DocBin

from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.cli.evaluate import evaluate
from spacy_ner_plugin.constants import INCORRECT_SPANS_KEY

from ..conftest import task

RECORDS = [
    task("Osprey packs are light", "Osprey"),
    task("Osprey packs are light", "Osprey"),  # exact duplicate: collapses
    task("Deuter tents are heavy", "Deuter"),
    task("Deuter tents are heavy", "tents"),  # a second gold version: a conflict, skipped
    {**task("I love my Osprey bag", "Osprey"), "_view_id": "ner", "answer": "accept"},
    {**task("Rain on the Deuter ridge", "Deuter"), "_view_id": "ner", "answer": "reject"},
    {**task("Osprey straps broke", "Osprey"), "_view_id": "ner", "answer": "accept"},
    {**task("Osprey straps broke", "straps"), "_view_id": "ner", "answer": "reject"},
    {"text": "We walked all day", "spans": [], "answer": "accept"},
]


def fingerprint(doc):
    """Everything gold about a doc: text, tokens, entity tags (missing stays missing), rejects."""
    rejected = doc.spans[INCORRECT_SPANS_KEY] if INCORRECT_SPANS_KEY in doc.spans else []
    return (
        doc.text,
        tuple((t.text, t.ent_iob_, t.ent_type_) for t in doc),
        tuple(sorted((s.start, s.end, s.label_) for s in rejected)),
    )


@pytest.mark.slow  # over half a second of CPU: three steps
def test_the_three_consumers_agree_on_duplicates_conflicts_and_binary_answers(
    write_jsonl, tmp_path, trained_model
):
    path = write_jsonl(RECORDS)
    nlp = spacy.blank("en")
    result = data_to_spacy([path], tmp_path / "corpus", eval_split=0.0)
    converted = list(DocBin().from_disk(result.paths["train"]).get_docs(nlp.vocab))
    reader = spacy.registry.readers.get("spacy_ner_plugin.AnnotationCorpus.v1")(path, binary=True)
    read = [eg.reference for eg in reader(nlp)]
    assert [fingerprint(d) for d in read] == [fingerprint(d) for d in converted]
    assert len(converted) == 5 and result.conflicts == 1
    assert "Deuter tents are heavy" not in {d.text for d in converted}
    partial = {d.text for d in converted if any(t.ent_iob == 0 for t in d)}
    assert partial == {"I love my Osprey bag", "Rain on the Deuter ridge", "Osprey straps broke"}
    from_jsonl = evaluate(str(trained_model), path, binary=True)
    from_spacy = evaluate(str(trained_model), result.paths["train"], binary=True)
    for key in ("n_examples", "ents_per_type", "ents_f", "binary_n", "binary_p", "binary_r"):
        assert from_jsonl[key] == from_spacy[key], key
    assert from_jsonl["binary_n"] == 4 and from_jsonl["n_examples"] == 5


def test_without_binary_the_reader_and_evaluate_keep_only_complete_annotations(
    write_jsonl, trained_model
):
    path = write_jsonl(RECORDS)
    reader = spacy.registry.readers.get("spacy_ner_plugin.AnnotationCorpus.v1")(path)
    texts = [eg.reference.text for eg in reader(spacy.blank("en"))]
    assert texts == ["Osprey packs are light", "We walked all day"]
    assert evaluate(str(trained_model), path)["n_examples"] == 2
