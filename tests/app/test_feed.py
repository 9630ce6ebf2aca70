"""The app's plain-Python parts: feed, recipes, teach session and review tasks."""

import itertools

import pytest
import spacy
import srsly

from spacy_ner_plugin.app.feed import Feed
from spacy_ner_plugin.app.recipes import Recipe, build_recipe
from spacy_ner_plugin.app.review import review_tasks
from spacy_ner_plugin.app.teach import ModelTeachSession
from spacy_ner_plugin.errors import UsageError
from spacy_ner_plugin.io.hashing import set_hashes


def tasks(n, prefix="text"):
    return [set_hashes({"text": f"{prefix} {i}", "spans": []}) for i in range(n)]


def texts(batch):
    return [t["text"] for t in batch]


class Clock:
    now = 0.0

    def __call__(self):
        return self.now


def test_two_sessions_never_get_the_same_task():
    feed = Feed(tasks(5))
    a, b = feed.questions("alice", 2), feed.questions("bob", 2)
    assert texts(a) == ["text 0", "text 1"] and texts(b) == ["text 2", "text 3"]
    feed.answer("alice", a)
    assert texts(feed.questions("alice", 5)) == ["text 4"]
    assert feed.questions("bob", 5) == [] and feed.left("bob") == 0


def test_what_the_dataset_holds_is_skipped_and_a_reload_gets_its_tasks_back():
    done = {tasks(5)[1]["_input_hash"], tasks(5)[3]["_input_hash"]}
    feed = Feed(tasks(5), done=done)
    assert feed.left("alice") == 3
    assert texts(feed.questions("alice", 2)) == ["text 0", "text 2"]
    assert texts(feed.questions("alice", 3, fresh=True)) == ["text 0", "text 2", "text 4"]


def test_unanswered_tasks_go_to_another_session_after_the_timeout():
    clock = Clock()
    feed = Feed(tasks(3), timeout=60, clock=clock)
    feed.questions("alice", 2)
    clock.now = 30
    assert texts(feed.questions("bob", 2)) == ["text 2"]
    clock.now = 61
    assert texts(feed.questions("bob", 2)) == ["text 0", "text 1"]
    assert feed.task_of("alice", tasks(1)[0]["_input_hash"], tasks(1)[0]["_task_hash"]) is None


def test_feed_overlap_gives_every_session_every_task_once():
    answered = {("bob", tasks(3)[0]["_input_hash"])}
    feed = Feed(iter(tasks(3)), overlap=True, answered=answered)
    assert texts(feed.questions("alice", 5)) == ["text 0", "text 1", "text 2"]
    assert texts(feed.questions("bob", 5)) == ["text 1", "text 2"]
    feed.answer("alice", tasks(3)[:1])
    assert feed.answered_by("alice", tasks(1)[0]) and feed.left("alice") is None


def test_the_stream_is_pulled_only_when_asked():
    pulled = []

    def stream():
        for task in tasks(100):
            pulled.append(task)
            yield task

    feed = Feed(stream(), by="task")
    feed.questions("alice", 3)
    assert len(pulled) == 3


def test_manual_recipe_pre_highlights_patterns(tmp_path):
    source = tmp_path / "raw.jsonl"
    srsly.write_jsonl(source, [{"text": "I love my Osprey pack. It rained.", "meta": {"i": 1}}])
    patterns = tmp_path / "patterns.jsonl"
    srsly.write_jsonl(patterns, [{"label": "BRAND", "pattern": "Osprey"}])
    recipe = build_recipe("ner.manual", dataset="d", source=str(source), patterns=str(patterns))
    first, second = list(recipe.stream)
    assert recipe.labels == ["BRAND"] and recipe.view == "ner_manual"
    assert first["spans"][0]["label"] == "BRAND" and first["meta"] == {"i": 1}
    assert second["text"] == "It rained." and second["tokens"][0]["text"] == "It"
    with pytest.raises(UsageError, match="needs labels"):
        build_recipe("ner.manual", dataset="d", source=str(source))
    with pytest.raises(UsageError, match="Unknown recipe"):
        build_recipe("ner.nope", dataset="d", source=str(source))
    with pytest.raises(UsageError, match="needs --model"):
        build_recipe("ner.teach", dataset="d", source=str(source))


def test_a_users_recipe_is_a_registered_function(tmp_path):
    @spacy.registry.misc("test_app.my_recipe.v1")
    def my_recipe(dataset, source, labels=None):
        return {
            "dataset": dataset,
            "stream": tasks(2),
            "view_id": "ner",
            "config": {"labels": ["X"]},
        }

    recipe = build_recipe("test_app.my_recipe.v1", dataset="d", source="s", model="unused")
    assert isinstance(recipe, Recipe) and recipe.view == "ner" and recipe.labels == ["X"]
    assert recipe.meta == {"recipe": "test_app.my_recipe.v1", "view": "ner"}


def test_correct_recipe_suggests_the_models_entities(tmp_path, trained_model):
    source = tmp_path / "raw.txt"
    source.write_text("I took my Osprey pack on trip 9\n")
    recipe = build_recipe("ner.correct", dataset="d", source=str(source), model=str(trained_model))
    (task,) = recipe.stream
    assert [(s["label"], s["source"]) for s in task["spans"]] == [("BRAND", str(trained_model))]
    assert recipe.labels == ["BRAND"]


def test_teach_session_asks_the_updated_model():
    from spacy.training import Example

    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    seed = [Example.from_dict(nlp.make_doc("Osprey"), {"entities": ["U-BRAND"]})]
    nlp.initialize(lambda: seed)
    text = "I took my Osprey pack on trip 9"
    doc = nlp.make_doc(text)
    task = {"text": text, "tokens": [{"text": t.text, "start": t.idx, "end": t.idx + len(t),
                                      "ws": bool(t.whitespace_)} for t in doc]}  # fmt: skip
    session = ModelTeachSession(nlp, itertools.repeat(task, 2))
    questions = session.questions()
    first = next(questions)
    assert 0 < first["meta"]["score"] < 1 and first["_model_version"] == 0
    assert len(first["spans"]) == 1 and "label" in first["spans"][0]
    trip = {"start": 22, "end": 26, "token_start": 5, "token_end": 5, "label": "BRAND"}
    before = session.score(doc)
    accepted = {**first, "spans": [trip], "answer": "accept"}
    session.update([accepted] * 3 + [{**first, "answer": "reject"}])
    assert session.version == 1 and session.unused_rejects == 1
    assert session.score(doc) != before  # the next questions come from the new weights
    later = next(q for q in questions if q["_model_version"] == 1)
    assert later["text"] == text


def test_review_tasks_show_each_version_with_its_sessions():
    def answer(session, *spans, answer="accept"):
        spans = [{"start": s, "end": e, "label": "B"} for s, e in spans]
        return {"text": "Osprey and Salomon", "spans": spans, "answer": answer,
                "_session_id": session}  # fmt: skip

    tokenize = spacy.blank("en").make_doc
    records = [answer("a", (0, 6)), answer("b", (0, 6)), answer("c", (0, 6), (11, 18))]

    def tokens(text):
        return [{"text": t.text, "start": t.idx, "end": t.idx + len(t), "ws": bool(t.whitespace_)}
                for t in tokenize(text)]  # fmt: skip

    (task,) = review_tasks(records + [{"text": "x", "answer": "ignore"}], tokens)
    assert [v["sessions"] for v in task["versions"]] == [["a", "b"], ["c"]]
    assert task["versions"][0]["default"] and task["spans"][0]["token_start"] == 0
    assert task["versions"][1]["spans"][1] == {
        "start": 11, "end": 18, "label": "B", "token_start": 2, "token_end": 2
    }  # fmt: skip
