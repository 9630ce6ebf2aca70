from itertools import islice

import pytest

from spacy_ner_plugin.teach import CorrectSession
from spacy_ner_plugin.teach.sorters import create_random_sorter

from .models import train_tiny

# Each test trains a model: left out of the quick `-m 'not slow'` run.
pytestmark = pytest.mark.slow

# Sentences the tiny model is sure of, and ones it is not (an adjective where brands go).
SURE = ["I took my Deuter pack on trip {}.", "It rained on day {} of the hike."]
UNSURE = ["I took my red pack on trip {}.", "I took my old pack on trip {}."]


@pytest.fixture(scope="module")
def nlp():
    return train_tiny()


def every():
    """A sorter that asks about every sentence, so tests see the whole stream."""
    return create_random_sorter(rate=1.0)


def span_texts(task):
    return [task["text"][s["start"] : s["end"]] for s in task["spans"]]


def suggested(session, text):
    """The model's entities in `text` as the session would suggest them now (asked or not)."""
    asked, session.asked = session.asked, set()
    try:
        ((_, task),) = session.candidates([text])
    finally:
        session.asked = asked
    return span_texts(task)


def corrected(task, *entities):
    """The task answered with `entities` (strings of it) as its complete annotation."""
    spans = []
    for entity in entities:
        start = task["text"].index(entity)
        first = next(t["id"] for t in task["tokens"] if t["start"] == start)
        last = next(t["id"] for t in task["tokens"] if t["end"] == start + len(entity))
        spans.append({"start": start, "end": start + len(entity), "token_start": first,
                      "token_end": last, "label": "BRAND"})  # fmt: skip
    return {**task, "spans": spans, "answer": "accept"}


def test_a_question_is_a_sentence_with_the_models_entities_in_the_manual_view(nlp):
    session = CorrectSession(nlp, sorter=every())
    two = "I took my Deuter pack on trip 1. It rained on day 2 of the hike."
    deuter, rain = session.questions([{"text": two, "meta": {"id": 7}, "_line": 3}])
    assert deuter["text"] == "I took my Deuter pack on trip 1." and rain["text"].startswith("It")
    assert span_texts(deuter) == ["Deuter"] and rain["spans"] == []
    (span,) = deuter["spans"]
    assert (span["token_start"], span["token_end"], span["source"]) == (3, 3, "en_pipeline")
    assert deuter["_view_id"] == "ner_manual" and deuter["meta"]["id"] == 7
    assert deuter["meta"]["score"] > 0.9 and rain["meta"]["score"] == 0.0  # nothing to find
    assert deuter["_line"] == 3 and deuter["_model_version"] == 0
    assert deuter["_input_hash"] != rain["_input_hash"]


def test_the_sentences_the_model_is_least_sure_of_are_asked(nlp):
    texts = [form.format(i) for i in range(40) for form in SURE]
    for i in range(0, 40, 5):
        texts[i * 2 + 1 : i * 2 + 1] = [form.format(i) for form in UNSURE]
    session = CorrectSession(nlp)  # prefer_uncertain
    asked = [task["text"] for task in session.questions(texts)]
    unsure = {text for text in texts if "red" in text or "old" in text}
    assert unsure <= set(asked)  # every uncertain sentence...
    assert len(set(asked) - unsure) < 0.2 * (len(texts) - len(unsure))  # ...few sure ones
    scores = {t["text"]: t["meta"]["score"] for _, t in CorrectSession(nlp).candidates(texts)}
    assert all(0.5 < scores[text] < 0.9 for text in unsure)


def test_corrections_train_the_model_as_gold_and_later_sentences_see_it(nlp):
    weights = nlp.get_pipe("ner").model.to_bytes()
    session = CorrectSession(nlp, sorter=every())
    assert suggested(session, "I took my red pack on trip 99.") == ["red"]
    questions = session.questions([UNSURE[0].format(i) for i in range(40)])
    first = list(islice(questions, 5))
    losses = session.update([corrected(task) for task in first])  # "red" is no brand
    assert losses["ner"] > 0 and session.counts.updates == 1
    for _ in range(3):
        session.update([corrected(task) for task in list(islice(questions, 5))])
    assert suggested(session, "I took my red pack on trip 99.") == []
    assert next(questions)["_model_version"] == 4
    assert nlp.get_pipe("ner").model.to_bytes() == weights  # the caller's pipeline is a copy's
    (doc,) = session.answer_docs([corrected(first[0], "red")])
    assert [(e.text, e.label_) for e in doc.ents] == [("red", "BRAND")]
    assert {t.ent_iob_ for t in doc if t.text != "red"} == {"O"}  # complete: the rest is O
    rejected = [{**corrected(first[1]), "answer": answer} for answer in ("reject", "ignore")]
    assert session.answer_docs(rejected) == []


def test_a_sentence_is_asked_once_though_an_update_changes_its_suggestion(nlp):
    session = CorrectSession(nlp, sorter=every())
    texts = [f"I took my red pack on trip {i}. I took my old pack on trip {i}." for i in range(6)]
    questions = session.questions(texts)
    first = next(questions)  # not answered: it stays unannotated, and must not come again
    others = list(CorrectSession(nlp, sorter=every()).questions([UNSURE[0].format(99)]))
    for _ in range(4):
        session.update([corrected(task) for task in others])
    rest = list(questions)
    asked = [first["text"], *(task["text"] for task in rest)]
    assert len(asked) == len(set(asked)) == 12
    assert {task["_model_version"] for task in rest} == {4}
    # its record was scored again after the update: the suggestion in it changed
    assert span_texts(first) == ["red"] and suggested(session, first["text"]) == []


def test_a_seed_makes_a_correct_session_reproducible(nlp):
    texts = [form.format(i) for i in range(10) for form in [*SURE, *UNSURE]]

    def run(seed):
        session = CorrectSession(nlp, seed=seed, sorter=every())
        questions = session.questions(texts)
        asked = []
        while batch := list(islice(questions, 5)):
            asked += [(t["text"], span_texts(t), t["meta"]["score"]) for t in batch]
            session.update(
                [corrected(t, *(["Deuter"] if "Deuter" in t["text"] else [])) for t in batch]
            )
        return asked

    assert run(1) == run(1)


def test_suggestions_are_the_models_only(nlp):
    with pytest.raises(ValueError, match="patterns"):
        CorrectSession(nlp, patterns=[])
