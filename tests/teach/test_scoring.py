import pytest
import spacy

from spacy_ner_plugin.binary.beam import beam_parses, find_ner, span_probabilities
from spacy_ner_plugin.binary.fill import beam_parses as fill_beam_parses
from spacy_ner_plugin.io.hashing import input_hash, task_hash
from spacy_ner_plugin.teach.scoring import create_beam_scorer, score_texts

from .models import train_tiny

TEXT = "I took my Deuter pack on trip 12. It rained on day 3 of the hike."


@pytest.fixture(scope="module")
def listener_model():
    """tok2vec shared by listening ner: scoring must run the tok2vec first."""
    return train_tiny(("tok2vec", "ner"), n_iter=20)


@pytest.fixture(scope="module")
def parser_model():
    """A parser (which has a beam too) before the ner."""
    return train_tiny(("tok2vec", "parser", "ner"), n_iter=20)


def test_every_candidate_is_a_prodigy_ner_task_with_its_score(trained_model):
    nlp = spacy.load(trained_model)
    found = list(score_texts(nlp, [{"text": TEXT, "meta": {"id": 7}}]))
    assert found
    for score, task in found:
        assert 0.0 <= score <= 1.0 + 1e-6
        assert task["meta"] == {"id": 7, "score": round(score, 4)}
        assert task["_view_id"] == "ner"
        assert task["_input_hash"] == input_hash(task) and task["_task_hash"] == task_hash(task)
        (span,) = task["spans"]
        first, last = task["tokens"][span["token_start"]], task["tokens"][span["token_end"]]
        assert (first["start"], last["end"]) == (span["start"], span["end"])
    texts = {task["text"] for _, task in found}
    assert texts <= {"I took my Deuter pack on trip 12.", "It rained on day 3 of the hike."}
    brand = [
        s for s, t in found if t["text"][t["spans"][0]["start"] : t["spans"][0]["end"]] == "Deuter"
    ]
    assert brand and brand[0] > 0.5


def test_unsegmented_keeps_texts_whole_and_labels_filter(trained_model):
    nlp = spacy.load(trained_model)
    whole = list(score_texts(nlp, [{"text": TEXT}], segment=False))
    assert {task["text"] for _, task in whole} == {TEXT}
    assert list(score_texts(nlp, [{"text": TEXT}], labels=["OTHER"])) == []


def test_span_score_is_the_beam_mass_of_the_parses_containing_it(trained_model):
    nlp = spacy.load(trained_model)
    doc = nlp.make_doc("I took my Deuter pack on trip 12.")
    (parses,) = beam_parses(nlp, [doc], beam_width=16)
    scores = span_probabilities(parses)
    assert scores[(3, 4, "BRAND")] == pytest.approx(
        sum(p for p, ents in parses if (3, 4, "BRAND") in ents)
    )
    ner = nlp.get_pipe("ner")
    (expected,) = ner.scored_ents(ner.beam_parse([nlp.make_doc(doc.text)], beam_width=16))
    assert scores == pytest.approx(dict(expected))


@pytest.mark.slow  # over half a second of CPU: trains
def test_a_shared_tok2vec_runs_before_the_beam(listener_model):
    found = {
        task["text"][task["spans"][0]["start"] : task["spans"][0]["end"]]: score
        for score, task in score_texts(
            listener_model, [{"text": "I took my Osprey pack on trip 4."}]
        )
    }
    predicted = [ent.text for ent in listener_model("I took my Osprey pack on trip 4.").ents]
    assert predicted == ["Osprey"]
    assert found["Osprey"] > 0.5  # with an all-zero tensor the listener would see nothing


@pytest.mark.slow  # over half a second of CPU: trains
def test_a_parser_before_the_ner_is_not_mistaken_for_it(parser_model):
    assert parser_model.pipe_names == ["tok2vec", "parser", "ner"]
    assert find_ner(parser_model) == "ner"
    found = list(score_texts(parser_model, [{"text": "I took my Gregory pack on trip 2."}]))
    assert found and {task["spans"][0]["label"] for _, task in found} == {"BRAND"}
    # fill-binary's old import path scores with the ner as well
    (parses,) = fill_beam_parses(parser_model, [parser_model.make_doc("My Gregory pack.")], 4)
    assert all(label == "BRAND" for _, ents in parses for _, _, label in ents)


def test_find_ner_needs_an_entity_recognizer():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    with pytest.raises(ValueError, match="no entity recognizer"):
        find_ner(nlp)
    with pytest.raises(ValueError, match="no beam"):
        find_ner(nlp, "sentencizer")


def test_beam_scorer_is_registered_with_prodigy_defaults():
    scorer = spacy.registry.misc.get("spacy_ner_plugin.beam_scorer.v1")()
    assert (scorer.beam_width, scorer.beam_density) == (16, 1e-4)
    with pytest.raises(ValueError):
        create_beam_scorer(beam_width=0)
