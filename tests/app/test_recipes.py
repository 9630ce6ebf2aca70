# ruff: noqa: E402
"""The app's recipes run the project's engines: `ner.teach` is `teach.TeachSession` and
`ner.correct --update` is `teach.CorrectSession` (over HTTP, question for question), `review` is
`review/`'s units, versions and agreement."""

from itertools import islice

import pytest

pytest.importorskip("fastapi")

import spacy
import srsly
from fastapi.testclient import TestClient

from spacy_ner_plugin.app.recipes import build_recipe
from spacy_ner_plugin.app.server import make_app
from spacy_ner_plugin.db.database import Database
from spacy_ner_plugin.errors import PluginError, UsageError
from spacy_ner_plugin.teach import CorrectSession, TeachSession
from spacy_ner_plugin.teach.config import teach_settings

from ..teach.models import train_tiny

# Each test trains a model or updates one in the loop: left out of the quick run.
pytestmark = pytest.mark.slow

BASE = "http://127.0.0.1"
BRANDS = ["Osprey", "Deuter", "Gregory", "Salomon", "Arcteryx", "Fjallraven"]
SPAN_FIELDS = ("start", "end", "token_start", "token_end", "label", "source", "pattern_id")
EVERY_CANDIDATE = """
[teach]
segment = true

[scorer]
@misc = "spacy_ner_plugin.beam_scorer.v1"

[sorter]
@misc = "spacy_ner_plugin.random_sorter.v1"
rate = 1.0
"""


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("teach_model") / "model"
    train_tiny().to_disk(path)
    return path


@pytest.fixture
def source(tmp_path):
    """Texts of two sentences with a brand in each (some brands unseen by the model): enough
    updates between scoring batches that unseeded runs differ."""
    records = [
        {"text": f"I took my {brand} pack on trip {i}. It rained on day {i} with {brand} gear."}
        for i in range(14)
        for brand in BRANDS
    ]
    path = tmp_path / "raw.jsonl"
    srsly.write_jsonl(path, records)
    return path


def oracle(task):
    """Accept iff the question's span is a gold entity: in these texts, exactly a brand."""
    (span,) = task["spans"]
    text = task["text"][span["start"] : span["end"]]
    return "accept" if text in BRANDS and span["label"] == "BRAND" else "reject"


def asked(task):
    (span,) = task["spans"]
    return task["text"], (span["start"], span["end"], span["label"]), task["meta"]["score"]


def page_answer(task, decision):
    """What the page sends for a binary answer: the task's span as it was handed out."""
    spans = [{k: s[k] for k in SPAN_FIELDS if k in s} for s in task["spans"]]
    return {
        "_answer_id": f"id-{task['_task_hash']}",
        "_input_hash": task["_input_hash"],
        "_task_hash": task["_task_hash"],
        "answer": decision,
        "spans": spans,
    }


def teach_client(source, tmp_path, model, **options):
    db = str(tmp_path / "annotations.sqlite")
    app, annotation = make_app(
        "ner.teach", "teach", str(source), db=db, model=str(model), **options
    )
    return TestClient(app, base_url=BASE), annotation


def test_ner_teach_over_http_asks_and_updates_exactly_as_a_teach_session(source, tmp_path, model):
    client, annotation = teach_client(source, tmp_path, model, seed=3)
    config = client.get("/api/config?session=alice").json()
    n = config["batch_size"]
    over_http = []
    while tasks := client.post("/api/questions", json={"session": "alice", "n": n}).json()["tasks"]:
        over_http.append([(asked(t), t["_model_version"]) for t in tasks])
        answers = [page_answer(t, oracle(t)) for t in tasks]
        saved = client.post("/api/answers", json={"session": "alice", "answers": answers})
        assert saved.status_code == 200 and saved.json()["update_error"] is None

    session = TeachSession(
        spacy.load(model), copy=False, **teach_settings(overrides={"teach.seed": 3})
    )
    questions = session.questions(srsly.read_jsonl(source))
    direct = []
    while batch := list(islice(questions, n)):
        direct.append([(asked(t), t["_model_version"]) for t in batch])
        session.update([{**t, "answer": oracle(t)} for t in batch])

    served = annotation.recipe.update.__self__
    assert over_http == direct and len(direct) >= 3
    assert served.counts.updates == session.counts.updates == len(direct)
    assert [version for batch in direct for _, version in batch][-1] >= 1


def gold_spans(task):
    """The complete annotation of a sentence: every brand in it (the oracle's correction)."""
    starts = {t["start"]: t["id"] for t in task["tokens"]}
    ends = {t["end"]: t["id"] for t in task["tokens"]}
    spans = []
    for brand in BRANDS:
        start = task["text"].find(brand)
        if start >= 0:
            end = start + len(brand)
            spans.append({"start": start, "end": end, "token_start": starts[start],
                          "token_end": ends[end], "label": "BRAND"})  # fmt: skip
    return spans


def suggested(task):
    return task["text"], [(s["start"], s["end"], s["label"]) for s in task["spans"]]


def test_ner_correct_update_over_http_asks_and_updates_exactly_as_a_correct_session(
    source, tmp_path, model
):
    db = str(tmp_path / "annotations.sqlite")
    app, annotation = make_app(
        "ner.correct", "correct", str(source), db=db, model=str(model), update=True, seed=3
    )
    client = TestClient(app, base_url=BASE)
    config = client.get("/api/config?session=alice").json()
    n = config["batch_size"]
    assert config["max_ahead"] == n == 5 and annotation.recipe.view == "ner_manual"
    over_http = []
    while tasks := client.post("/api/questions", json={"session": "alice", "n": n}).json()["tasks"]:
        over_http.append([(suggested(t), t["meta"]["score"], t["_model_version"]) for t in tasks])
        answers = [{**page_answer(t, "accept"), "spans": gold_spans(t)} for t in tasks]
        saved = client.post("/api/answers", json={"session": "alice", "answers": answers})
        assert saved.status_code == 200 and saved.json()["update_error"] is None

    session = CorrectSession(
        spacy.load(model), copy=False, **teach_settings(overrides={"teach.seed": 3})
    )
    questions = session.questions(srsly.read_jsonl(source))
    direct = []
    while batch := list(islice(questions, n)):
        direct.append([(suggested(t), t["meta"]["score"], t["_model_version"]) for t in batch])
        session.update([{**t, "spans": gold_spans(t), "answer": "accept"} for t in batch])

    served = annotation.recipe.update.__self__
    assert isinstance(served, CorrectSession)
    assert over_http == direct and len(direct) >= 3
    assert served.counts.updates == session.counts.updates == len(direct)
    versions = [version for batch in direct for _, _, version in batch]
    assert versions[0] == 0 and versions[-1] >= 1
    with Database(db) as database:
        saved = list(database.get_answers("correct"))
    assert len(saved) == sum(len(batch) for batch in direct)
    assert all(r["_view_id"] == "ner_manual" and r["answer"] == "accept" for r in saved)
    # the model in the loop is the session's, and it changed; the one on disk did not
    weights = served.nlp.get_pipe("ner").model.to_bytes()
    assert weights == session.nlp.get_pipe("ner").model.to_bytes()
    assert weights != spacy.load(model).get_pipe("ner").model.to_bytes()


def test_ner_correct_without_update_is_the_preannotated_stream(source, tmp_path, model):
    options = dict(dataset="c", source=str(source), model=str(model))
    options["db"] = str(tmp_path / "annotations.sqlite")
    recipe = build_recipe("ner.correct", **options)
    assert recipe.update is None and recipe.view == "ner_manual"
    looped = build_recipe("ner.correct", update=True, sorter="random", **options)
    assert looped.update is not None and looped.update.__self__.sorter.seed == 0
    with pytest.raises(UsageError, match="suggests the model's entities only"):
        build_recipe("ner.correct", update=True, patterns=str(source), **options)
    with pytest.raises(UsageError, match="needs --model"):
        build_recipe("ner.correct", update=True, **{**options, "model": None})
    with pytest.raises(UsageError, match="Unknown sorter"):
        build_recipe("ner.correct", update=True, sorter="best", **options)


def test_a_rejected_question_trains_the_model_as_an_incorrect_span(source, tmp_path, model):
    client, annotation = teach_client(source, tmp_path, model)
    session = annotation.recipe.update.__self__
    trained = []
    update = session.nlp.update
    session.nlp.update = lambda examples, **kwargs: (trained.extend(examples),
                                                     update(examples, **kwargs))  # fmt: skip
    (task,) = client.post("/api/questions", json={"session": "alice", "n": 1}).json()["tasks"]
    answers = [page_answer(task, "reject")]
    saved = client.post("/api/answers", json={"session": "alice", "answers": answers})
    assert saved.status_code == 200 and saved.json()["update_error"] is None
    (example,) = trained
    rejected = example.reference.spans[session.neg_key]
    (span,) = task["spans"]
    assert [(s.start_char, s.end_char, s.label_) for s in rejected] == [
        (span["start"], span["end"], span["label"])
    ]
    assert session.counts.updates == 1


def test_teach_asks_pattern_matches_and_skips_what_was_answered(source, tmp_path, model):
    config = tmp_path / "teach.cfg"
    config.write_text(EVERY_CANDIDATE)
    patterns = tmp_path / "patterns.jsonl"
    srsly.write_jsonl(patterns, [{"label": "BRAND", "pattern": "rained", "id": "rain"}])
    db = str(tmp_path / "annotations.sqlite")
    options = dict(dataset="teach", source=str(source), model=str(model), db=db)
    options.update(config=str(config), patterns=str(patterns))
    before = list(build_recipe("ner.teach", **options).stream)
    from_patterns = [t for t in before if t["spans"][0].get("pattern_id") == "rain"]
    assert from_patterns and from_patterns[0]["spans"][0]["source"] == "patterns.jsonl"
    texts = [record["text"] for record in srsly.read_jsonl(source)]
    assert all(t["text"] in texts[t["_line"] - 1] for t in before)
    model_questions = [t for t in before if "pattern_id" not in t["spans"][0]]
    in_dataset, in_excluded = model_questions[0], model_questions[-1]
    with Database(db) as database:
        database.add_answers("teach", [{**in_dataset, "answer": "accept"}])
        database.add_answers("old", [{**in_excluded, "answer": "reject"}])
    after = [t["_task_hash"] for t in build_recipe("ner.teach", **options).stream]
    assert in_dataset["_task_hash"] not in after and in_excluded["_task_hash"] in after
    recipe = build_recipe("ner.teach", exclude=["old"], **options)
    after = [t["_task_hash"] for t in recipe.stream]
    assert in_dataset["_task_hash"] not in after and in_excluded["_task_hash"] not in after
    assert len(after) == len(before) - 2
    assert recipe.total == 84 and recipe.exclude_by == "task" and recipe.batch_size == 5


def test_bad_teach_options_are_usage_errors(source, tmp_path, model):
    options = dict(dataset="teach", source=str(source), model=str(model))
    options["db"] = str(tmp_path / "annotations.sqlite")
    bad_patterns = tmp_path / "patterns.jsonl"
    bad_patterns.write_text('{"label": "BRAND"}\n')
    with pytest.raises(UsageError, match="Unknown sorter"):
        build_recipe("ner.teach", sorter="best", **options)
    with pytest.raises(UsageError, match="Dataset not found"):
        build_recipe("ner.teach", exclude=["nope"], **options)
    with pytest.raises(UsageError, match="Teach config not found"):
        build_recipe("ner.teach", config=str(tmp_path / "none.cfg"), **options)
    with pytest.raises(UsageError, match="Cannot teach"):
        build_recipe("ner.teach", labels=["TRAIL"], **options)
    with pytest.raises(PluginError, match="Invalid patterns"):
        build_recipe("ner.teach", patterns=str(bad_patterns), **options)
    with pytest.raises(PluginError, match="teach"):
        build_recipe("ner.teach", overrides={"teach.colour": "red"}, **options)


def test_file_tasks_carry_their_line_and_the_recipe_counts_the_texts(tmp_path):
    source = tmp_path / "raw.txt"
    source.write_text("Osprey packs. They last.\n\n  \nIt rained.\n")
    recipe = build_recipe("ner.manual", dataset="d", source=str(source), labels=["BRAND"])
    assert [(t["text"], t["_line"]) for t in recipe.stream] == [
        ("Osprey packs.", 1),
        ("They last.", 1),
        ("It rained.", 4),
    ]
    assert recipe.total == 2
    answers = tmp_path / "answers.jsonl"
    srsly.write_jsonl(answers, [manual("a", (10, 16)), binary("a", 0, 6, "accept"),
                                manual("b", (10, 16))])  # fmt: skip
    recipe = build_recipe("review", dataset="d", source=str(answers))
    assert sorted((t["text"], t["_line"]) for t in recipe.stream) == [
        ("I took my Deuter pack", 1),
        ("Osprey and Salomon packs", 2),
    ]
    assert recipe.total == 2


def binary(session, start, end, decision):
    text = "Osprey and Salomon packs"
    span = {"start": start, "end": end, "label": "BRAND"}
    return {"text": text, "spans": [span], "answer": decision, "_view_id": "ner",
            "_session_id": session}  # fmt: skip


def manual(session, *spans):
    text = "I took my Deuter pack"
    spans = [{"start": s, "end": e, "label": "BRAND"} for s, e in spans]
    return {"text": text, "spans": spans, "answer": "accept", "_view_id": "ner_manual",
            "_session_id": session}  # fmt: skip


def test_review_groups_binary_answers_by_question_and_carries_agreement(tmp_path):
    db = str(tmp_path / "annotations.sqlite")
    with Database(db) as database:
        database.add_answers("a", [binary("a", 0, 6, "accept"), binary("a", 11, 18, "accept")])
        database.add_answers("b", [binary("b", 0, 6, "accept"), binary("b", 11, 18, "reject")])
        database.add_answers("a", [manual("a", (10, 16))])
        database.add_answers("b", [manual("b", (10, 16))])
        database.add_answers("c", [manual("c"), manual("c", (10, 16))])  # c changed their mind
    app, annotation = make_app("review", "reviewed", "dataset:a,dataset:b,c", db=db)
    assert annotation.recipe.total == 3
    client = TestClient(app, base_url=BASE)
    tasks = client.post("/api/questions", json={"session": "r", "n": 10}).json()["tasks"]
    by_span = {(t["text"], tuple(s["start"] for s in t["spans"])): t for t in tasks}
    osprey = by_span[("Osprey and Salomon packs", (0,))]
    salomon = by_span[("Osprey and Salomon packs", (11,))]
    deuter = by_span[("I took my Deuter pack", (10,))]
    assert len(tasks) == 3
    assert [(v["answer"], v["sessions"]) for v in osprey["versions"]] == [("accept", ["a", "b"])]
    assert [(v["answer"], v["sessions"]) for v in salomon["versions"]] == [
        ("accept", ["a"]),
        ("reject", ["b"]),
    ]
    assert osprey["meta"]["agreement"] == 1.0 and salomon["meta"]["agreement"] == 0.0
    assert [v["sessions"] for v in deuter["versions"]] == [["a", "b", "c"], ["c"]]
    assert deuter["meta"]["agreement"] == 1.0  # each annotator's last answer agrees
    span = deuter["versions"][0]["spans"][0]
    assert (span["token_start"], span["token_end"], span["label"]) == (3, 3, "BRAND")


def test_a_reviewed_binary_question_stays_binary_and_a_reviewed_text_gold(tmp_path):
    """Training reads a reviewed answer by its kind: review keeps the reviewed interface's."""
    db = str(tmp_path / "annotations.sqlite")
    with Database(db) as database:
        database.add_answers("a", [binary("a", 0, 6, "accept"), manual("a", (10, 16))])
        database.add_answers("b", [binary("b", 0, 6, "reject"), manual("b", (10, 16))])
    app, _ = make_app("review", "reviewed", "a,b", db=db)
    client = TestClient(app, base_url=BASE)
    tasks = client.post("/api/questions", json={"session": "r", "n": 10}).json()["tasks"]
    answers = [page_answer(t, "accept") for t in tasks]
    saved = client.post("/api/answers", json={"session": "r", "answers": answers})
    assert saved.status_code == 200
    with Database(db) as database:
        kinds = {r["text"]: r["_is_binary"] for r in database.get_answers("reviewed")}
    assert kinds == {"Osprey and Salomon packs": True, "I took my Deuter pack": False}
