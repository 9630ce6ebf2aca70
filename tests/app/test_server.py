# ruff: noqa: E402
"""The annotation server's routes, through FastAPI's TestClient (no network)."""

import pytest

# The app extra's server (pip install -e '.[app]'; .ci/run installs it).
pytest.importorskip("fastapi")


import json

import spacy
import srsly
from fastapi.testclient import TestClient

from spacy_ner_plugin.app.server import make_app
from spacy_ner_plugin.db.database import Database
from spacy_ner_plugin.io.hashing import set_hashes

HOSTILE = [
    "<script>alert(1)</script> Osprey",
    '"><img src=x onerror=alert(1)> Osprey',
    "\u202eOsprey gnik\u202c and more",
]
BASE = "http://127.0.0.1"


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "raw.jsonl"
    records = [{"text": f"I love my Osprey pack number {i}", "meta": {"i": i}} for i in range(6)]
    srsly.write_jsonl(path, records)
    return path


@pytest.fixture
def db_path(tmp_path):
    return str(tmp_path / "annotations.sqlite")


def client_for(source, db_path, host="127.0.0.1", **options):
    options.setdefault("labels", ["BRAND", "TRAIL"])
    app, annotation = make_app("ner.manual", "gear", str(source), db=db_path, host=host, **options)
    return TestClient(app, base_url=BASE), annotation


def span(task, first, last, label="BRAND"):
    tokens = task["tokens"]
    return {"start": tokens[first]["start"], "end": tokens[last]["end"], "token_start": first,
            "token_end": last, "label": label}  # fmt: skip


def answer(given, kind="accept", spans=(), answer_id=None, **extra):
    """What the page sends for an answer to task `given`."""
    return {
        "_answer_id": answer_id or f"id-{given['_task_hash']}",
        "_input_hash": given["_input_hash"],
        "_task_hash": given["_task_hash"],
        "answer": kind,
        "spans": list(spans),
        **extra,
    }


def saved(db_path):
    with Database(db_path) as db:
        return list(db.get_answers("gear")) if "gear" in db else []


def test_questions_answers_and_the_exact_records(source, db_path):
    client, _ = client_for(source, db_path)
    config = client.get("/api/config?session=alice").json()
    assert config["view"] == "ner_manual" and config["session"] == "gear-alice"
    assert config["max_ahead"] is None  # no model update: the page may ask ahead
    tasks = client.post("/api/questions", json={"session": "alice", "n": 2}).json()["tasks"]
    body = {"session": "alice", "answers": [answer(tasks[0], spans=[span(tasks[0], 3, 3)]),
                                            answer(tasks[1], "reject")]}  # fmt: skip
    result = client.post("/api/answers", json=body).json()
    assert result["saved"] == [a["_answer_id"] for a in body["answers"]]
    assert result["progress"] == {"session": 2, "total": 2, "left": None, "texts": 6,
                                  "texts_read": 2}  # fmt: skip
    first, second = saved(db_path)
    assert first["text"] == tasks[0]["text"] and first["meta"] == {"i": 0}
    assert first["spans"] == [{"start": 10, "end": 16, "token_start": 3, "token_end": 3,
                               "label": "BRAND"}]  # fmt: skip
    assert (first["answer"], second["answer"]) == ("accept", "reject")
    assert first["_session_id"] == first["_annotator_id"] == "gear-alice"
    assert first["_view_id"] == "ner_manual" and isinstance(first["_timestamp"], int)
    assert first["_task_hash"] == tasks[0]["_task_hash"]
    # A retried save adds nothing; nor does a second answer of the session to one task.
    assert client.post("/api/answers", json=body).status_code == 200
    again = answer(tasks[0], "ignore", answer_id="another-id")
    client.post("/api/answers", json={"session": "alice", "answers": [again]})
    assert len(saved(db_path)) == 2


def post_answers(client, session, *answers):
    return client.post("/api/answers", json={"session": session, "answers": list(answers)})


def test_a_restarted_app_keeps_each_sessions_tasks_and_takes_their_answers(source, db_path):
    client, _ = client_for(source, db_path)
    tasks = client.post("/api/questions", json={"session": "alice", "n": 3}).json()["tasks"]
    post_answers(client, "alice", answer(tasks[0]))
    client, _ = client_for(source, db_path)  # a new process over the same database
    nxt = client.post("/api/questions", json={"session": "bob", "n": 10}).json()["tasks"]
    assert [t["meta"]["i"] for t in nxt] == [3, 4, 5]  # alice's 1 and 2 stay hers
    late = answer(tasks[1], spans=[span(tasks[1], 3, 3)])
    assert post_answers(client, "alice", late).json()["saved"] == [late["_answer_id"]]
    back = client.post("/api/questions", json={"session": "alice", "n": 5, "fresh": True})
    assert [t["meta"]["i"] for t in back.json()["tasks"]] == [2]
    assert [r["meta"]["i"] for r in saved(db_path)] == [0, 1]
    assert saved(db_path)[1]["spans"][0]["label"] == "BRAND"


def test_an_answer_to_another_sessions_task_or_to_a_task_never_served_is_refused(source, db_path):
    client, _ = client_for(source, db_path)
    (task,) = client.post("/api/questions", json={"session": "alice", "n": 1}).json()["tasks"]
    response = post_answers(client, "bob", answer(task))
    assert response.status_code == 409 and "another session" in response.text
    client, _ = client_for(source, db_path)  # after a restart too
    assert post_answers(client, "bob", answer(task)).status_code == 409
    # A text the server never handed out: not stored, whatever the client claims.
    forged = {"text": "Buy cheap pills", "tokens": [{"text": "Buy", "start": 0, "end": 3}]}
    forged = {**answer({"_input_hash": 1, "_task_hash": 2}), "task": forged}
    assert post_answers(client, "bob", forged).status_code == 422
    never = answer({"_input_hash": 1, "_task_hash": 2}, answer_id="never-served-1")
    result = post_answers(client, "bob", never).json()
    assert result["saved"] == [] and result["unknown"] == ["never-served-1"]
    assert saved(db_path) == []


def test_annotations_per_task_hands_each_text_to_that_many_sessions(source, db_path):
    client, _ = client_for(source, db_path, annotations_per_task=2)
    got = {}
    for session in ("alice", "bob", "carol"):
        batch = client.post("/api/questions", json={"session": session, "n": 6}).json()["tasks"]
        got[session] = [t["meta"]["i"] for t in batch]
        given = [answer(t, answer_id=f"{session}-{t['_task_hash']}") for t in batch]
        assert post_answers(client, session, *given).status_code == 200
    assert got == {"alice": [0, 1, 2, 3, 4, 5], "bob": [0, 1, 2, 3, 4, 5], "carol": []}
    assert len(saved(db_path)) == 12


def test_a_superseding_answer_replaces_the_old_one_in_the_history_and_db_out(source, db_path):
    client, _ = client_for(source, db_path)
    tasks = client.post("/api/questions", json={"session": "alice", "n": 2}).json()["tasks"]
    post_answers(client, "alice", answer(tasks[0], answer_id="first-answer"), answer(tasks[1]))
    history = client.get("/api/history?session=alice&n=5").json()["answers"]
    assert [r["meta"]["i"] for r in history] == [1, 0] and history[1]["tokens"]
    fixed = answer(tasks[0], spans=[span(tasks[0], 3, 3)], answer_id="second-answer",
                   supersedes="first-answer")  # fmt: skip
    assert post_answers(client, "alice", fixed).json()["saved"] == ["second-answer"]
    assert post_answers(client, "alice", fixed).status_code == 200  # a retry changes nothing
    latest = client.get("/api/history?session=alice").json()["answers"]
    assert [r["_answer_id"] for r in latest] == ["second-answer", f"id-{tasks[1]['_task_hash']}"]
    assert [r["_answer_id"] for r in saved(db_path)] == [latest[1]["_answer_id"], "second-answer"]
    with Database(db_path) as db:
        kept = list(db.get_answers("gear", include_superseded=True))
    assert kept[0]["_answer_id"] == "first-answer" and kept[0]["_superseded_by"] == "second-answer"
    steal = answer(tasks[1], answer_id="third-answer", supersedes="second-answer")
    assert post_answers(client, "alice", steal).status_code == 422  # not that task's answer
    (bobs,) = client.post("/api/questions", json={"session": "bob", "n": 1}).json()["tasks"]
    other = answer(bobs, answer_id="bobs-answer", supersedes="second-answer")
    assert post_answers(client, "bob", other).status_code == 422  # not bob's answer
    assert client.get("/api/history?session=bob").json() == {"answers": []}


def test_pattern_spans_keep_the_fields_the_server_gave_them(tmp_path, db_path):
    path = tmp_path / "raw.jsonl"
    srsly.write_jsonl(path, [{"text": "I love my Osprey pack"}])
    patterns = tmp_path / "patterns.jsonl"
    srsly.write_jsonl(patterns, [{"label": "BRAND", "pattern": "Osprey", "id": "osprey"}])
    client, _ = client_for(path, db_path, patterns=str(patterns))
    (task,) = client.post("/api/questions", json={"n": 1}).json()["tasks"]
    (given,) = task["spans"]
    assert given["source"] and given["pattern_id"] == "osprey"
    sent = {**span(task, 3, 3), "source": "forged", "score": 0.5}
    assert client.post("/api/answers", json={"answers": [answer(task, spans=[sent])]}).json()
    (record,) = saved(db_path)
    assert record["spans"] == [{**sent, **given, "token_start": 3, "token_end": 3}]
    assert record["spans"][0]["source"] == given["source"]


def test_sessions_get_different_tasks_unless_the_feed_overlaps(source, db_path):
    client, _ = client_for(source, db_path)
    a = client.post("/api/questions", json={"session": "alice", "n": 3}).json()["tasks"]
    b = client.post("/api/questions", json={"session": "bob", "n": 3}).json()["tasks"]
    assert not {t["_input_hash"] for t in a} & {t["_input_hash"] for t in b}
    client, _ = client_for(source, db_path + ".overlap", feed_overlap=True)
    a = client.post("/api/questions", json={"session": "alice", "n": 3}).json()["tasks"]
    b = client.post("/api/questions", json={"session": "bob", "n": 3}).json()["tasks"]
    assert [t["text"] for t in a] == [t["text"] for t in b]


def test_bad_answers_get_a_4xx_with_the_reason_and_change_nothing(source, db_path):
    client, _ = client_for(source, db_path)
    (task,) = client.post("/api/questions", json={"session": "alice", "n": 1}).json()["tasks"]
    good = answer(task, answer_id="good-answer-1")
    off_boundary = {**span(task, 3, 3), "end": 14}
    cases = {
        "unknown answer": answer(task, "maybe"),
        "extra field": {**answer(task), "evil": 1},
        "span off tokens": answer(task, spans=[off_boundary]),
        "unknown label": answer(task, spans=[span(task, 3, 3, "NOPE")]),
        "overlap": answer(task, spans=[span(task, 3, 4), span(task, 4, 4)]),
        "out of range": answer(task, spans=[{**span(task, 3, 3), "token_end": 99}]),
        "bad id": answer(task, answer_id="<x>"),
    }
    for name, bad in cases.items():
        response = client.post("/api/answers", json={"session": "alice", "answers": [good, bad]})
        assert response.status_code == 422, name
        assert response.json()["detail"], name
    bodies = [b"{not json", b"[]", json.dumps({"session": "a b", "answers": []}).encode()]
    for body in bodies:
        response = client.post(
            "/api/answers", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422
    assert client.get("/api/config?session=<script>").status_code == 422
    assert client.post("/api/questions", json={"n": 10_000}).status_code == 422
    assert saved(db_path) == []


def test_spans_on_whitespace_are_refused(tmp_path, db_path):
    path = tmp_path / "raw.jsonl"
    srsly.write_jsonl(path, [{"text": "Osprey\n\nSalomon boots"}])
    client, _ = client_for(path, db_path, segment=False)
    (task,) = client.post("/api/questions", json={"n": 1}).json()["tasks"]
    assert task["tokens"][1]["text"] == "\n\n"
    ws = answer(task, spans=[span(task, 0, 1)])
    assert "whitespace" in client.post("/api/answers", json={"answers": [ws]}).text
    assert saved(db_path) == []


def test_request_sizes_are_bounded(source, db_path):
    client, _ = client_for(source, db_path, max_body=10_000)
    big = json.dumps({"answers": [], "session": "x" * 20_000}).encode()
    response = client.post(
        "/api/answers", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413 and "10000" in response.text

    def chunks():  # no content-length: the limit applies while the body streams in
        for _ in range(20):
            yield b" " * 1000

    response = client.post(
        "/api/answers", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    many = {"answers": [{"answer": "accept"}] * 201}
    assert client_for(source, db_path)[0].post("/api/answers", json=many).status_code == 422


def test_only_the_packaged_page_files_are_served(source, db_path):
    client, _ = client_for(source, db_path)
    page = client.get("/")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and "app.js" in page.text
    assert client.get("/static/app.js").headers["content-type"].startswith("text/javascript")
    for path in ("/static/server.py", "/static/..%2fserver.py", "/static/%2e%2e/recipes.py",
                 "/static/index.html", "/etc/passwd"):  # fmt: skip
        assert client.get(path).status_code == 404, path
    # textContent only: the page never parses data as HTML.
    script = client.get("/static/app.js").text
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "eval(" not in script and "document.write" not in script


def test_hostile_texts_come_back_as_data_and_huge_texts_are_skipped(tmp_path, db_path):
    path = tmp_path / "raw.jsonl"
    records = [{"text": "word " * 2_000_000}] + [{"text": t, "meta": {"note": t}} for t in HOSTILE]
    srsly.write_jsonl(path, records)
    client, _ = client_for(path, db_path, segment=False)
    tasks = client.post("/api/questions", json={"n": 10}).json()["tasks"]
    assert [t["text"] for t in tasks] == HOSTILE
    body = {"answers": [answer(t, spans=[span(t, len(t["tokens"]) - 1, len(t["tokens"]) - 1)])
                        for t in tasks[:2]]}  # fmt: skip
    assert client.post("/api/answers", json=body).status_code == 200
    assert [r["meta"]["note"] for r in saved(db_path)] == HOSTILE[:2]


def test_a_recipe_that_updates_a_model_never_gets_more_than_a_batch_ahead(db_path):
    updates = []

    @spacy.registry.misc("test_server.updating.v1")
    def updating(dataset, source, labels=None):
        stream = [set_hashes({"text": f"text {i}", "tokens": [{"text": "text", "start": 0,
                  "end": 4}], "spans": []}) for i in range(10)]  # fmt: skip
        return {"dataset": dataset, "stream": stream, "view_id": "ner_manual",
                "update": updates.append, "config": {"labels": ["X"], "batch_size": 3}}  # fmt: skip

    app, _ = make_app("test_server.updating.v1", "gear", "unused", db=db_path, model="unused")
    client = TestClient(app, base_url=BASE)
    assert client.get("/api/config").json()["max_ahead"] == 3
    batch = client.post("/api/questions", json={"n": 10}).json()["tasks"]
    assert len(batch) == 3 and client.post("/api/questions", json={"n": 10}).json()["tasks"] == []
    client.post("/api/answers", json={"answers": [answer(batch[0])]})
    assert len(client.post("/api/questions", json={"n": 10}).json()["tasks"]) == 1
    assert [len(u) for u in updates] == [1]
