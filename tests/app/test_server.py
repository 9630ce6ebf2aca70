# ruff: noqa: E402
"""The annotation server's routes, through FastAPI's TestClient (no network)."""

import pytest

# The app extra's server (pip install -e '.[app]'; .ci/run installs it).
pytest.importorskip("fastapi")


import json

import srsly
from fastapi.testclient import TestClient

from spacy_ner_plugin.app.server import make_app
from spacy_ner_plugin.db.database import Database

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
    tasks = client.post("/api/questions", json={"session": "alice", "n": 2}).json()["tasks"]
    body = {"session": "alice", "answers": [answer(tasks[0], spans=[span(tasks[0], 3, 3)]),
                                            answer(tasks[1], "reject")]}  # fmt: skip
    result = client.post("/api/answers", json=body).json()
    assert result["saved"] == [a["_answer_id"] for a in body["answers"]]
    assert result["progress"] == {"session": 2, "total": 2, "left": None}
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


def test_a_restarted_app_resumes_and_takes_answers_to_tasks_it_handed_out_before(source, db_path):
    client, _ = client_for(source, db_path)
    tasks = client.post("/api/questions", json={"session": "alice", "n": 3}).json()["tasks"]
    client.post("/api/answers", json={"session": "alice", "answers": [answer(tasks[0])]})
    client, _ = client_for(source, db_path)  # a new process over the same database
    late = answer(tasks[1], spans=[span(tasks[1], 3, 3)])
    result = client.post("/api/answers", json={"session": "alice", "answers": [late]}).json()
    assert result["saved"] == [] and result["unknown"] == [late["_answer_id"]]
    late["task"] = tasks[1]
    result = client.post("/api/answers", json={"session": "alice", "answers": [late]}).json()
    assert result["saved"] == [late["_answer_id"]]
    nxt = client.post("/api/questions", json={"session": "bob", "n": 10}).json()["tasks"]
    assert [t["meta"]["i"] for t in nxt] == [2, 3, 4, 5]
    assert [r["meta"]["i"] for r in saved(db_path)] == [0, 1]


def test_sessions_get_different_tasks_unless_the_feed_overlaps(source, db_path):
    client, _ = client_for(source, db_path)
    a = client.post("/api/questions", json={"session": "alice", "n": 3}).json()["tasks"]
    b = client.post("/api/questions", json={"session": "bob", "n": 3}).json()["tasks"]
    assert not {t["_input_hash"] for t in a} & {t["_input_hash"] for t in b}
    client, _ = client_for(source, db_path, feed_overlap=True)
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


def test_whitespace_and_tampered_tasks_are_refused(tmp_path, db_path):
    path = tmp_path / "raw.jsonl"
    srsly.write_jsonl(path, [{"text": "Osprey\n\nSalomon boots"}])
    client, _ = client_for(path, db_path, segment=False)
    (task,) = client.post("/api/questions", json={"n": 1}).json()["tasks"]
    assert task["tokens"][1]["text"] == "\n\n"
    ws = answer(task, spans=[span(task, 0, 1)])
    assert "whitespace" in client.post("/api/answers", json={"answers": [ws]}).text
    client, _ = client_for(path, db_path, segment=False)  # restarted: the page sends the task
    tampered = answer(task, task={**task, "text": "Osprey\n\nSalomon boots!"})
    response = client.post("/api/answers", json={"answers": [tampered]})
    assert response.status_code == 422 and "_input_hash is not" in response.text
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
