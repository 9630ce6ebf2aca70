"""The app's plain-Python parts: the feed (assignments in the database) and the recipes."""

import threading

import pytest
import spacy
import srsly

from spacy_ner_plugin.app.feed import Feed, NotYours
from spacy_ner_plugin.app.recipes import Recipe, build_recipe
from spacy_ner_plugin.db.assignments import Assignments
from spacy_ner_plugin.db.database import Database, NotAssigned
from spacy_ner_plugin.errors import UsageError
from spacy_ner_plugin.io.hashing import set_hashes

from .. import pg

db_url, postgres_url = pg.db_url, pg.postgres_url  # fixtures: SQLite, and PostgreSQL (slow)


def tasks(n, prefix="text"):
    return [set_hashes({"text": f"{prefix} {i}", "spans": []}) for i in range(n)]


def texts(batch):
    return [t["text"] for t in batch]


class Clock:
    now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def db(db_url):
    with Database(db_url) as database:
        database.add_dataset("d")
        yield database


def feed_of(db, stream, **options):
    """A feed as a (re)started server builds it over dataset `d` of `db`."""
    options.setdefault("answered", db.answered(["d"]))
    return Feed(stream, Assignments(db, "d"), **options)


def save(db, feed, session, batch):
    """What the server does with answers: save them (assignments marked), tell the feed."""
    records = [{**t, "answer": "accept", "_session_id": session} for t in batch]
    db.add_answers("d", records, assigned_by="input")
    feed.answer(session, records)


def test_two_sessions_never_get_the_same_task(db):
    feed = feed_of(db, tasks(5))
    a, b = feed.questions("alice", 2), feed.questions("bob", 2)
    assert texts(a) == ["text 0", "text 1"] and texts(b) == ["text 2", "text 3"]
    save(db, feed, "alice", a)
    assert texts(feed.questions("alice", 5)) == ["text 4"]
    assert feed.questions("bob", 5) == [] and feed.left("bob") == 0


def test_what_the_dataset_holds_is_skipped_and_a_reload_gets_its_tasks_back(db):
    db.add_answers("d", [{**tasks(5)[1], "answer": "accept"}])  # imported: no session
    feed = feed_of(db, tasks(5), excluded={tasks(5)[3]["_input_hash"]})
    assert feed.left("alice") == 3
    assert texts(feed.questions("alice", 2)) == ["text 0", "text 2"]
    assert texts(feed.questions("alice", 3, fresh=True)) == ["text 0", "text 2", "text 4"]


def test_a_restarted_feed_keeps_every_sessions_tasks(db):
    first = feed_of(db, tasks(6))
    held = first.questions("alice", 2)
    save(db, first, "alice", held[:1])
    again = feed_of(db, tasks(6))  # a new server process over the same database
    assert texts(again.questions("bob", 2)) == ["text 2", "text 3"]
    assert texts(again.questions("alice", 5, fresh=True)) == ["text 1", "text 4", "text 5"]
    text1 = held[1]
    assert again.task_of("alice", text1["_input_hash"], text1["_task_hash"]) == text1
    with pytest.raises(NotYours):
        again.task_of("bob", text1["_input_hash"], text1["_task_hash"])
    never = set_hashes({"text": "never handed out", "spans": []})
    assert again.task_of("bob", never["_input_hash"], never["_task_hash"]) is None


def test_unanswered_tasks_go_to_another_session_after_the_timeout(db):
    clock = Clock()
    feed = feed_of(db, tasks(3), timeout=60, clock=clock)
    feed.questions("alice", 2)
    clock.now += 30
    assert texts(feed.questions("bob", 2)) == ["text 2"]
    clock.now += 31
    restarted = feed_of(db, tasks(3), timeout=60, clock=clock)
    assert texts(restarted.questions("carol", 2)) == ["text 0", "text 1"]
    first = tasks(1)[0]
    with pytest.raises(NotYours):
        restarted.task_of("alice", first["_input_hash"], first["_task_hash"])
    assert restarted.task_of("carol", first["_input_hash"], first["_task_hash"]) == first
    with pytest.raises(NotAssigned):  # alice's late answer, checked as it is saved
        save(db, feed, "alice", [first])
    save(db, restarted, "carol", [first])
    assert [r["_session_id"] for r in db.get_answers("d")] == ["carol"]


def test_annotations_per_task_gives_each_text_to_exactly_n_sessions(db):
    feed = feed_of(db, tasks(10), per_task=2)
    sessions = ["alice", "bob", "carol"]
    got = {s: [] for s in sessions}
    for _ in range(10):
        for session in sessions:
            batch = feed.questions(session, 2)
            got[session] += texts(batch)
            save(db, feed, session, batch)
    per_text = {t: [s for s in sessions if t in got[s]] for t in texts(tasks(10))}
    assert all(len(holders) == 2 for holders in per_text.values()), per_text
    assert all(len(set(g)) == len(g) for g in got.values())
    assert not feed_of(db, tasks(10), per_task=2).questions("dave", 5)


def test_feed_overlap_gives_every_session_every_task_once(db):
    db.add_answers("d", [{**tasks(3)[0], "answer": "accept", "_session_id": "bob"}])
    feed = feed_of(db, iter(tasks(3)), per_task=None)
    assert texts(feed.questions("alice", 5)) == ["text 0", "text 1", "text 2"]
    assert texts(feed.questions("bob", 5)) == ["text 1", "text 2"]
    save(db, feed, "alice", tasks(3)[:1])
    assert feed.answered_by("alice", tasks(1)[0]) and feed.left("alice") == 0


def test_a_session_never_holds_more_than_max_ahead_tasks(db):
    feed = feed_of(db, tasks(10), max_ahead=3)
    first = feed.questions("alice", 10)
    assert len(first) == 3 and feed.questions("alice", 10) == []
    assert texts(feed.questions("alice", 10, fresh=True)) == texts(first)
    save(db, feed, "alice", first[:2])
    assert texts(feed.questions("alice", 10)) == ["text 3", "text 4"]


def test_two_servers_over_one_database_never_hand_a_text_to_two_sessions(db, db_url):
    servers = [db, Database(db_url)]
    feeds = [feed_of(db, tasks(200)) for db in servers]
    got, errors = [], []

    def annotate(feed, db, session):
        try:
            while batch := feed.questions(session, 3):
                got.extend((session, t["_input_hash"]) for t in batch)
                save(db, feed, session, batch)
        except Exception as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=annotate, args=(feeds[i % 2], servers[i % 2], f"s{i}"))
               for i in range(6)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    keys = [key for _, key in got]
    assert len(keys) == len(set(keys)) == 200
    assert sorted(r["_input_hash"] for r in servers[0].get_answers("d")) == sorted(keys)
    servers[1].close()


def test_the_stream_is_pulled_only_when_asked(db):
    pulled = []

    def stream():
        for task in tasks(100):
            pulled.append(task)
            yield task

    feed = feed_of(db, stream(), by="task")
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
