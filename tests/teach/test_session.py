from itertools import islice

import numpy
import pytest
import spacy
import srsly
from spacy.tokens import DocBin

from spacy_ner_plugin.annotations.partial import accepted_spans, rejected_spans
from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.io.hashing import text_hash
from spacy_ner_plugin.patterns.matcher import Pattern
from spacy_ner_plugin.teach import Exclusions, TeachSession
from spacy_ner_plugin.teach.config import read_config, resolve_config
from spacy_ner_plugin.teach.mixing import interleave
from spacy_ner_plugin.teach.sorters import create_random_sorter

from ..conftest import ROOT, task
from .models import BRANDS, train_tiny

# Each test trains or pretrains a model: left out of the quick `-m 'not slow'` run.
pytestmark = pytest.mark.slow

DEUTER = "I took my Deuter pack on trip 12."
RAIN = "It rained on day 3 of the hike."


def every(**kwargs):
    """A sorter that asks about every candidate, so tests see the whole stream."""
    return create_random_sorter(rate=1.0, **kwargs)


def span_text(task):
    span = task["spans"][0]
    return task["text"][span["start"] : span["end"]]


def deuter_score(session):
    found = {span_text(t): t["meta"]["score"] for _, t in session.candidates([DEUTER])}
    session.asked.clear()
    return found.get("Deuter", 0.0)


def test_update_changes_the_next_predictions_but_not_the_model_on_disk(trained_model):
    session = TeachSession.load(trained_model, sorter=every())
    before = deuter_score(session)
    assert before > 0.5
    (question,) = [t for t in session.questions([DEUTER]) if span_text(t) == "Deuter"]
    for _ in range(5):
        losses = session.update([{**question, "answer": "reject"}])
    assert losses["ner"] > 0
    assert deuter_score(session) < before - 0.2
    assert session.counts.updates == 5 and session.counts.answers == 5
    assert deuter_score(TeachSession.load(trained_model, sorter=every())) == before


def test_a_seed_makes_a_session_reproducible_and_leaves_the_callers_randomness_alone():
    nlp = train_tiny()
    texts = [
        f"I took my {brand} pack on trip {i}. It rained on day {i} with {brand} gear."
        for i in range(20)
        for brand in [*BRANDS, "Salomon"]
    ]

    def run(seed):
        session = TeachSession(nlp, seed=seed)
        questions = session.questions(texts)
        asked = []
        while batch := list(islice(questions, 5)):
            asked += [(t["text"], span_text(t), t["meta"]["score"]) for t in batch]
            answers = [(t, "accept" if span_text(t) in BRANDS else "reject") for t in batch]
            session.update([{**t, "answer": answer} for t, answer in answers])
        return asked

    state = numpy.random.get_state()[1].copy()
    first = run(seed=1)
    assert run(seed=1) == first and len(first) > 10
    assert (numpy.random.get_state()[1] == state).all()


def test_a_string_answered_n_times_with_a_label_is_not_asked_again(trained_model):
    texts = [f"I took my Deuter pack on trip {i}." for i in range(12)]

    def strings_asked(limit, exclude=None):
        session = TeachSession.load(
            trained_model, sorter=every(), max_answers_per_string=limit, exclude=exclude
        )
        asked = []
        for question in session.questions(texts):  # each answer before the next is read
            asked.append((span_text(question), question["spans"][0]["label"]))
            answer = "accept" if span_text(question) == "Deuter" else "reject"
            session.update([{**question, "answer": answer}])
        return asked, session

    unlimited, _ = strings_asked(limit=100)
    assert unlimited.count(("Deuter", "BRAND")) == 12
    asked, session = strings_asked(limit=2)
    assert asked.count(("Deuter", "BRAND")) == 2
    assert max(asked.count(string) for string in asked) == 2
    assert session.counts.candidates_string_answered >= 10
    # answers from before the session (the dataset, --exclude files) count too
    earlier = Exclusions()
    earlier.add_answers([{**task(t, "Deuter"), "answer": "accept", "_view_id": "ner"}
                         for t in texts[:2]])  # fmt: skip
    asked, _ = strings_asked(limit=2, exclude=earlier)
    assert ("Deuter", "BRAND") not in asked
    settings = resolve_config(read_config(overrides={"teach.max_answers_per_string": 5}))
    assert settings["max_answers_per_string"] == 5
    with pytest.raises(ValueError, match="max_answers_per_string"):
        resolve_config(read_config(overrides={"teach.max_answers_per_string": 0}))


def test_the_seed_also_seeds_the_sorter_so_seeds_differ_and_a_seed_repeats():
    nlp = train_tiny()
    texts = [f"I took my {brand} pack on trip {i}." for i in range(10) for brand in BRANDS]

    def asked(seed):
        overrides = {"teach.seed": seed, "sorter.algorithm": "probability"}
        settings = resolve_config(read_config(overrides=overrides))
        return [t["_task_hash"] for t in TeachSession(nlp, **settings).questions(texts)]

    assert asked(1) == asked(1) != asked(2)


def test_questions_read_after_an_update_are_scored_by_the_updated_model(trained_model):
    session = TeachSession.load(trained_model, sorter=every())  # one beam batch: 16 texts
    texts = [f"I took my Deuter pack on trip {i}." for i in range(10)]
    questions = session.questions(texts)
    first = next(questions)
    assert first["_model_version"] == 0
    session.update([{**first, "answer": "reject"}])
    later = list(questions)
    assert later and {t["_model_version"] for t in later} == {1}
    assert first["_task_hash"] not in {t["_task_hash"] for t in later}


def test_a_pipeline_object_is_copied_not_changed(trained_model):
    nlp = spacy.load(trained_model)
    weights = nlp.get_pipe("ner").model.to_bytes()
    session = TeachSession(nlp, sorter=every())
    question = next(t for t in session.questions([DEUTER]) if span_text(t) == "Deuter")
    session.update([{**question, "answer": "reject"}] * 3)
    assert nlp.get_pipe("ner").model.to_bytes() == weights
    assert session.nlp is not nlp


def test_rejects_are_negative_evidence_even_without_an_incorrect_spans_key(trained_model):
    nlp = spacy.load(trained_model)
    assert nlp.get_pipe("ner").cfg["incorrect_spans_key"] is None
    session = TeachSession(nlp)
    assert session.nlp.get_pipe("ner").moves.neg_key == "incorrect_spans"


def test_answer_docs_are_the_docs_fill_binary_trains_on(trained_model):
    session = TeachSession.load(trained_model, sorter=every())
    asked = list(session.questions([DEUTER]))
    deuter = next(t for t in asked if span_text(t) == "Deuter")
    other = next(t for t in asked if span_text(t) != "Deuter")
    answers = [{**deuter, "answer": "accept"}, {**other, "answer": "reject"}]
    answers.append({**other, "answer": "ignore"})
    (doc,) = session.answer_docs(answers)
    span = other["spans"][0]
    assert accepted_spans(doc) == {(3, 4, "BRAND")}
    assert rejected_spans(doc) == {(span["token_start"], span["token_end"] + 1, "BRAND")}
    assert [t.ent_iob_ for t in doc if t.i not in (3, span["token_start"])].count("") > 0


def test_answered_tasks_and_annotated_texts_are_excluded_by_hash(trained_model):
    session = TeachSession.load(trained_model, sorter=every())
    first = list(session.questions([DEUTER]))
    assert first
    exclude = Exclusions()
    exclude.add_answers([{**first[0], "answer": "accept"}])
    exclude.add_answers([task(RAIN, "hike")])  # a complete annotation: the text is done
    session = TeachSession.load(trained_model, sorter=every(), exclude=exclude)
    again = list(session.questions([DEUTER, RAIN, f"{DEUTER} {RAIN}"]))
    hashes = {t["_task_hash"] for t in again}
    assert first[0]["_task_hash"] not in hashes
    assert {t["_task_hash"] for t in first[1:]} <= hashes
    assert RAIN not in {t["text"] for t in again}  # its sentence in the third text too
    assert session.counts.texts_excluded == 1
    assert text_hash(RAIN) in exclude.inputs
    # nothing is asked twice within a session, and answers exclude their tasks
    assert list(session.questions([DEUTER])) == []


def test_binary_answers_do_not_exclude_their_text(trained_model):
    exclude = Exclusions()
    exclude.add_answers([{**task(DEUTER, "Deuter"), "answer": "reject", "_view_id": "ner"}])
    assert exclude.inputs == set() and len(exclude.tasks) == 1


def test_memory_stays_flat_on_an_unbounded_stream(trained_model):
    pulled = 0

    def million():
        nonlocal pulled
        for i in range(1_000_000):
            pulled += 1
            yield {"text": f"I took my Deuter pack on trip {i}.", "meta": {"i": i}}

    session = TeachSession.load(trained_model, score_batch_size=8)
    questions = list(islice(session.questions(million()), 3))
    assert len(questions) == 3
    assert pulled < 200
    assert len(session.asked) == 3


def test_patterns_are_interleaved_labelled_and_fade_when_rejected(trained_model):
    patterns = [Pattern("BRAND", "rained", line=1), Pattern("BRAND", [{"LOWER": "trip"}], line=2)]
    session = TeachSession.load(trained_model, sorter=every(), patterns=patterns)
    asked = list(session.questions([DEUTER, RAIN]))
    sources = [t["spans"][0]["source"] for t in asked]
    assert "patterns" in sources and "en_pipeline" in sources
    from_patterns = [t for t in asked if t["spans"][0]["source"] == "patterns"]
    assert {span_text(t) for t in from_patterns} == {"rained", "trip"}
    assert all(t["meta"]["score"] == 0.5 for t in from_patterns)
    # in each sentence, model and pattern candidates alternate
    deuter = [t["spans"][0]["source"] for t in asked if t["text"] == DEUTER]
    assert deuter[:2] == ["en_pipeline", "patterns"]
    rained = next(t for t in from_patterns if span_text(t) == "rained")
    session.update([{**rained, "answer": "reject"}] * 3)
    assert session.patterns.score(1) == pytest.approx(1 / 5)
    assert session.patterns.score(2) == 0.5


def test_interleave_takes_turns_then_the_rest():
    assert list(interleave([1, 2, 3], ["a"])) == [1, "a", 2, 3]
    assert list(interleave([], ["a", "b"])) == ["a", "b"]


def test_unknown_labels_fail_unless_added(trained_model):
    with pytest.raises(ValueError, match="unknown"):
        TeachSession.load(trained_model, ["PRODUCT"])
    session = TeachSession.load(trained_model, ["BRAND", "PRODUCT"], new_labels=True)
    assert session.added_labels == ["PRODUCT"]
    assert "PRODUCT" in session.nlp.get_pipe("ner").labels


def test_tasks_round_trip_through_data_to_spacy_as_binary_answers(trained_model, tmp_path):
    session = TeachSession.load(trained_model, sorter=every())
    asked = list(session.questions([DEUTER]))
    answers = [{**t, "answer": "accept" if span_text(t) == "Deuter" else "reject"} for t in asked]
    path = tmp_path / "answers.jsonl"
    srsly.write_jsonl(path, answers)
    result = data_to_spacy([path], tmp_path / "corpus", eval_split=0.0)
    (doc,) = (
        DocBin().from_disk(tmp_path / "corpus" / "train.spacy").get_docs(spacy.blank("en").vocab)
    )
    assert doc.text == DEUTER
    assert accepted_spans(doc) == {(3, 4, "BRAND")}
    rejected = {(t["spans"][0]["token_start"], t["spans"][0]["token_end"] + 1) for t in answers}
    rejected -= {(3, 4)}
    assert {(s, e) for s, e, _ in rejected_spans(doc)} == rejected
    assert any(token.ent_iob == 0 for token in doc)  # binary: the rest is unknown
    assert result.counts.rejected == 0
    # and the session builds the same doc from the answers
    (same,) = session.answer_docs(answers)
    assert accepted_spans(same) == accepted_spans(doc)
    assert rejected_spans(same) == rejected_spans(doc)
    assert [t.ent_iob for t in same] == [t.ent_iob for t in doc]


def test_the_default_config_is_configs_teach_cfg_and_resolves():
    assert read_config() == read_config(ROOT / "configs" / "teach.cfg")
    settings = resolve_config(read_config(overrides={"sorter.bias": 0.5}))
    assert settings["sorter"].priority(0.75) == 1.0
    assert settings["scorer"].beam_width == 16
    with pytest.raises(ValueError, match="unknown"):
        resolve_config(read_config(overrides={"teach.colour": "red"}))
