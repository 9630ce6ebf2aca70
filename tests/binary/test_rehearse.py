"""Rehearsal adds base entities only where the user's annotation is silent about them."""

import subprocess
import sys
from collections import Counter

import pytest
import spacy
import srsly
from spacy.tokens import Doc, DocBin, Span, SpanGroup
from typer.testing import CliRunner

from spacy_ner_plugin.annotations.convert import ner_label_data
from spacy_ner_plugin.annotations.ingest import parse_input
from spacy_ner_plugin.annotations.merge import Merged
from spacy_ner_plugin.binary.rehearse import (
    annotated_labels,
    pipeline_labels,
    rehearsal_labels,
    rehearse_doc,
    rehearse_groups,
)
from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.constants import INCORRECT_SPANS_KEY

from ..conftest import ROOT, read_docs, task

WORDS = "Ann took her Osprey pack up the Pennine Way with Bob from Acme".split()
#        0   1    2   3      4    5  6   7       8   9    10  11   12


def _gold(nlp, ents, default="outside"):
    doc = Doc(nlp.vocab, words=WORDS)
    doc.set_ents([Span(doc, s, e, label) for s, e, label in ents], default=default)
    return doc


def _ents(doc):
    return [(e.start, e.end, e.label_) for e in doc.ents]


def test_base_entities_fill_only_tokens_the_user_left_silent_about(nlp):
    doc = _gold(nlp, [(7, 9, "TRAIL"), (3, 4, "BRAND")])
    predicted = [
        (0, 1, "PERSON"),  # on "O" tokens: added
        (3, 5, "PRODUCT"),  # overlaps the user's BRAND: never over an annotation
        (7, 8, "GPE"),  # inside the user's TRAIL: no
        (10, 11, "BRAND"),  # a label the user annotates: their "O" is an answer
        (12, 13, "ORG"),  # added
    ]
    rehearsed, added = rehearse_doc(doc, predicted, {"PERSON", "PRODUCT", "GPE", "ORG"})
    assert added == 2
    assert _ents(rehearsed) == [(0, 1, "PERSON"), (3, 4, "BRAND"), (7, 9, "TRAIL"), (12, 13, "ORG")]
    assert all(t.ent_iob_ == "O" for t in rehearsed[9:12])  # the rest of the gold stays "O"
    assert _ents(doc) == [(3, 4, "BRAND"), (7, 9, "TRAIL")]  # the input is not modified


def test_rejected_spans_block_rehearsal_and_unknown_tokens_stay_unknown(nlp):
    doc = _gold(nlp, [(3, 4, "BRAND")], default="missing")  # a binary answer: rest unknown
    doc.spans[INCORRECT_SPANS_KEY] = SpanGroup(doc, spans=[Span(doc, 12, 13, "BRAND")])
    predicted = [(0, 1, "PERSON"), (12, 13, "ORG"), (10, 11, "PERSON")]
    rehearsed, added = rehearse_doc(doc, predicted, {"PERSON", "ORG"})
    assert added == 2 and _ents(rehearsed) == [
        (0, 1, "PERSON"),
        (3, 4, "BRAND"),
        (10, 11, "PERSON"),
    ]
    assert rehearsed[12].ent_iob == 0 and rehearsed[5].ent_iob == 0  # still unknown
    assert [(s.start, s.end) for s in rehearsed.spans[INCORRECT_SPANS_KEY]] == [(12, 13)]


def test_rehearsed_labels_are_the_base_labels_the_data_never_uses(write_jsonl):
    path = write_jsonl(
        [
            task("Osprey pack", "Osprey", label="BRAND"),
            {
                "text": "Ann went",
                "spans": [{"start": 0, "end": 3, "label": "PERSON", "answer": "reject"}],
                "answer": "accept",
            },
        ]
    )
    used = annotated_labels([parse_input(str(path))])
    assert used == {"BRAND", "PERSON"}  # a rejected span's label is one the user annotates
    assert rehearsal_labels({"PERSON", "ORG", "BRAND"}, used) == {"ORG"}


def test_rehearse_groups_changes_training_texts_only(trained_model):
    base = spacy.load(trained_model)
    assert pipeline_labels(base) == {"BRAND"}
    words = "I took my Osprey pack on the Pennine Way".split()
    groups = []
    for is_dev in (False, True, False):
        doc = Doc(base.vocab, words=words)
        doc.set_ents([Span(doc, 7, 9, "TRAIL")], default="outside")
        groups.append((is_dev, Merged(doc=doc, labels=Counter({"TRAIL": 1}))))
    groups.append((False, Merged(doc=None)))
    out = list(rehearse_groups(iter(groups), base, {"BRAND"}, batch_size=2))
    assert [is_dev for is_dev, _ in out] == [False, True, False, False]
    train, dev = out[0][1], out[1][1]
    assert _ents(train.doc) == [(3, 4, "BRAND"), (7, 9, "TRAIL")]
    assert train.labels == {"TRAIL": 1, "BRAND": 1}
    assert _ents(dev.doc) == [(7, 9, "TRAIL")] and out[3][1].doc is None


def _train(config, output, train, *extra):
    cmd = [sys.executable, "-m", "spacy", "train", str(ROOT / "configs" / config), "-o", output]
    cmd += ["--paths.train", train, "--paths.dev", train, "--training.max_steps", "10"]
    cmd += ["--training.eval_frequency", "5", *extra]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]


def _corpus(path, labels):
    nlp = spacy.blank("en")
    docs = []
    for i in range(6):
        doc = nlp.make_doc(f"I took my Osprey pack on the Pennine Way {i}")
        spans = [Span(doc, 3, 4, "BRAND"), Span(doc, 7, 9, "TRAIL")]
        doc.set_ents([s for s in spans if s.label_ in labels], default="outside")
        docs.append(doc)
    DocBin(docs=docs).to_disk(path)
    return str(path)


@pytest.mark.slow  # trains a base pipeline, then the update config on top of it
def test_update_config_trains_a_new_type_on_top_of_a_base_pipeline(tmp_path):
    base = str(tmp_path / "base")
    labels = tmp_path / "labels.json"
    srsly.write_json(labels, ner_label_data(["BRAND"]))
    _train(
        "ner.cfg", base, _corpus(tmp_path / "base.spacy", {"BRAND"}), "--paths.labels", str(labels)
    )
    new = _corpus(tmp_path / "new.spacy", {"BRAND", "TRAIL"})
    _train("ner_update.cfg", str(tmp_path / "out"), new, "--paths.base_model", base + "/model-last")
    updated = spacy.load(tmp_path / "out" / "model-last")
    assert updated.pipe_names == ["tok2vec", "ner"]
    assert pipeline_labels(updated) == {"BRAND", "TRAIL"}


def _trail(text, start, end, answer="accept"):
    span = {"start": start, "end": end, "label": "TRAIL", "answer": answer}
    return {"text": text, "spans": [span], "answer": "accept"}


@pytest.mark.slow  # over half a second of CPU: a model's predictions
def test_data_to_spacy_rehearses_the_base_labels_in_training_texts_only(
    trained_model, write_jsonl, tmp_path, nlp
):
    text = "I took my Osprey pack on the Pennine Way"
    train = write_jsonl(
        [
            _trail(text, 29, 40),
            _trail("Osprey pack on the Pennine Way again", 0, 6, answer="reject"),
        ]
    )
    dev = write_jsonl([_trail(text + " twice", 29, 40)], name="dev.jsonl")
    out = tmp_path / "out"
    result = data_to_spacy(
        [str(train)], out, eval_path=str(dev), base_model=str(trained_model), rehearse=True
    )
    docs = {d.text: d for d in read_docs(out / "train.spacy", nlp)}
    assert _ents(docs[text]) == [(3, 4, "BRAND"), (7, 9, "TRAIL")]
    rejected = docs["Osprey pack on the Pennine Way again"]
    assert not rejected.ents  # the user rejected "Osprey" (as TRAIL): never rehearsed over
    assert [s.text for s in rejected.spans[INCORRECT_SPANS_KEY]] == ["Osprey"]
    (dev_doc,) = read_docs(out / "dev.spacy", nlp)
    assert _ents(dev_doc) == [(7, 9, "TRAIL")]  # evaluation data stays as annotated
    assert srsly.read_json(out / "labels.json") == ner_label_data(["BRAND", "TRAIL"])
    assert result.labels["train"]["BRAND"] == 1

    plain = tmp_path / "plain"
    data_to_spacy([str(train)], plain, eval_path=str(dev), base_model=str(trained_model))
    assert _ents({d.text: d for d in read_docs(plain / "train.spacy", nlp)}[text]) == [
        (7, 9, "TRAIL")
    ]


def test_rehearse_without_a_base_model_is_a_usage_error(write_jsonl, tmp_path):
    path = write_jsonl([_trail("On the Pennine Way", 7, 18)])
    out = CliRunner().invoke(
        app, ["data-to-spacy", str(path), "-o", str(tmp_path / "o"), "--rehearse"]
    )
    assert out.exit_code == 2 and "--rehearse needs --base-model" in out.output
    assert not (tmp_path / "o").exists() and "Traceback" not in out.output
