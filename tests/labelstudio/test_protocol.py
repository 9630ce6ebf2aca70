# ruff: noqa: E402
"""The Label Studio ML backend's routes through FastAPI's TestClient, fed the requests Label
Studio sends. The fixtures are Label Studio 1.23.2's own requests to this backend, captured
(tasks' and projects' fields trimmed to the few that matter); their shapes are those of
`label_studio/ml/api_connector.py` (`/setup`, `/predict`) and the webhook payloads of
`webhooks/models.py` that `label-studio-ml-backend`'s `api.py` reads (`/webhook`)."""

import pytest

# The app extra's server (pip install -e '.[app]'; .ci/run installs it).
pytest.importorskip("fastapi")

import copy
import json
from pathlib import Path

from fastapi.testclient import TestClient

from spacy_ner_plugin.db.database import Database
from spacy_ner_plugin.labelstudio.backend import (
    RETRAIN_EPOCHS,
    LabelStudioBackend,
    dataset_name,
)
from spacy_ner_plugin.labelstudio.server import create_app

FIXTURES = Path(__file__).parent / "fixtures"
DATASET = dataset_name(3)  # the captured project's id


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf8"))


@pytest.fixture
def patterns(tmp_path):
    path = tmp_path / "patterns.jsonl"
    path.write_text(json.dumps({"label": "BRAND", "pattern": [{"LOWER": "osprey"}]}) + "\n")
    return path


@pytest.fixture
def db(tmp_path):
    with Database(str(tmp_path / "answers.sqlite")) as database:
        yield database


@pytest.fixture
def backend(db, patterns):
    return LabelStudioBackend.from_options(db, patterns=str(patterns))


@pytest.fixture
def client(backend):
    return TestClient(create_app(backend), base_url="http://127.0.0.1")


def renamed(request: dict) -> dict:
    """`request` under a config whose names differ from the fixture's (`ent` labels `body`,
    which shows the task field `content`), the tasks' data moved to match."""
    request = copy.deepcopy(request)
    request["label_config"] = (
        '<View><Text name="body" value="$content"/><Labels name="ent" toName="body">'
        '<Label value="BRAND"/></Labels></View>'
    )
    for task in request["tasks"]:
        task["data"] = {"content": task["data"]["text"]}
    return request


def test_health_says_up(client):
    for path in ("/health", "/"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.json()["status"] == "UP"


def test_setup_answers_the_model_version(client, backend):
    response = client.post("/setup", json=fixture("setup"))
    assert response.status_code == 200
    assert response.json() == {"model_version": backend.model_version}
    assert "patterns" in backend.model_version


@pytest.mark.parametrize(
    "schema, says",
    [
        ("<View><Labels", "no valid XML"),
        ('<View><Choices name="c" toName="t"/><Text name="t" value="$text"/></View>', "No <Lab"),
        ('<View><Labels name="l" toName="t"/><Text name="t" value="static"/></View>', "No <Lab"),
        (None, "no 'label_config'"),
    ],
    ids=["bad XML", "no Labels", "Text not bound to data", "no config"],
)
def test_setup_with_a_config_it_cannot_serve_is_a_422(client, schema, says):
    response = client.post("/setup", json={**fixture("setup"), "schema": schema})
    assert response.status_code == 422
    assert says in response.json()["detail"]


def test_predict_gives_one_prediction_per_task_at_the_text_offsets(client, backend):
    request = fixture("predict")
    response = client.post("/predict", json=request)
    assert response.status_code == 200
    first, second = response.json()["results"]
    text = request["tasks"][0]["data"]["text"]
    (region,) = first["result"]
    assert region["from_name"] == "label" and region["to_name"] == "text"
    assert region["type"] == "labels"
    value = region["value"]
    assert value["labels"] == ["BRAND"]
    assert text[value["start"] : value["end"]] == value["text"] == "Osprey"
    assert first["model_version"] == backend.model_version
    assert first["score"] is None  # pattern matches alone: nothing scored
    assert second["result"] == []


def test_predict_uses_the_names_and_field_of_the_projects_config(client):
    response = client.post("/predict", json=renamed(fixture("predict")))
    assert response.status_code == 200
    (region,) = response.json()["results"][0]["result"]
    assert (region["from_name"], region["to_name"]) == ("ent", "body")


def test_predict_leaves_out_labels_the_config_lacks(client):
    request = fixture("predict")
    request["label_config"] = request["label_config"].replace('value="BRAND"', 'value="ORG"')
    response = client.post("/predict", json=request)
    assert [r["result"] for r in response.json()["results"]] == [[], []]


@pytest.mark.parametrize(
    "tasks, says",
    [
        ([{"id": 9, "data": {"body": "Osprey"}}], "task 9: its data has no text field 'text'"),
        ([{"id": 9, "data": {"text": 5}}], "task 9: its data has no text field 'text'"),
        ([{"id": 9}], "task 9: a task is an object with a 'data' object"),
        (["My Osprey pack"], "task 0: a task is an object"),
        ({"id": 9}, "'tasks' must be a list"),
    ],
    ids=["other field", "text not a string", "no data", "task a string", "tasks an object"],
)
def test_predict_on_a_task_it_cannot_read_is_a_422(client, tasks, says):
    response = client.post("/predict", json={**fixture("predict"), "tasks": tasks})
    assert response.status_code == 422
    assert says in response.json()["detail"]


def test_predict_with_a_bad_config_is_a_422(client):
    response = client.post("/predict", json={**fixture("predict"), "label_config": "<View/>"})
    assert response.status_code == 422
    assert "No <Labels>" in response.json()["detail"]


@pytest.mark.slow
def test_predict_with_a_model_scores_its_entities(db, trained_model):
    backend = LabelStudioBackend.from_options(db, model=str(trained_model))
    client = TestClient(create_app(backend), base_url="http://127.0.0.1")
    request = fixture("predict")
    request["tasks"][0]["data"]["text"] = "I took my Osprey pack on trip 3"
    first = client.post("/predict", json=request).json()["results"][0]
    scores = [region["score"] for region in first["result"]]
    assert [r["value"]["text"] for r in first["result"]] == ["Osprey"]
    assert all(0.0 < score <= 1.0 for score in scores)
    assert first["score"] == min(scores)


def test_an_annotation_is_stored_and_the_next_prediction_has_a_new_model_version(
    client, backend, db
):
    before = client.post("/setup", json=fixture("setup")).json()["model_version"]
    response = client.post("/webhook", json=fixture("annotation_created"))
    assert response.status_code == 201
    assert response.json() == {"status": "ok", "dataset": DATASET, "stored": 1}
    (answer,) = db.get_answers(DATASET)
    assert answer["text"] == "My Osprey pack" and answer["answer"] == "accept"
    assert [(s["start"], s["end"], s["label"]) for s in answer["spans"]] == [
        (3, 9, "BRAND"),
        (10, 14, "GEAR"),
    ]
    assert answer["_annotator_id"] == 1 and answer["_session_id"] == f"{DATASET}-1"
    assert answer["meta"]["annotation_id"] == 2 and answer["meta"]["id"] == 5
    after = client.post("/predict", json=fixture("predict")).json()["results"][0]
    assert after["model_version"] == backend.model_version != before
    assert backend.model_version.endswith(":v1")
    assert "ner" in backend.nlp.pipe_names  # patterns alone: a fresh ner learns


def test_annotations_created_in_bulk_are_matched_to_their_tasks(client, db):
    one = fixture("annotation_created")
    other = copy.deepcopy(one)
    other["task"].update(id=6, data={"text": "Rain all day"})
    other["annotation"].update(id=3, task=6, result=[])
    event = {"action": "ANNOTATIONS_CREATED", "project": one["project"],
             "annotation": [one["annotation"], other["annotation"]],
             "task": [other["task"], one["task"]]}  # fmt: skip
    assert client.post("/webhook", json=event).json()["stored"] == 2
    stored = {a["text"]: len(a["spans"]) for a in db.get_answers(DATASET)}
    assert stored == {"My Osprey pack": 2, "Rain all day": 0}


def test_an_updated_annotation_supersedes_the_stored_one(client, db):
    client.post("/webhook", json=fixture("annotation_created"))
    response = client.post("/webhook", json=fixture("annotation_updated"))
    assert response.json()["stored"] == 1
    (standing,) = db.get_answers(DATASET)
    assert [s["label"] for s in standing["spans"]] == ["BRAND"]
    first, _ = db.get_answers(DATASET, include_superseded=True)
    assert first["_superseded_by"] == standing["_answer_id"]


def test_a_repeated_event_stores_and_learns_nothing_more(client, backend, db):
    client.post("/webhook", json=fixture("annotation_created"))
    version = backend.model_version
    response = client.post("/webhook", json=fixture("annotation_created"))
    assert response.json()["stored"] == 0
    assert backend.model_version == version
    assert db.count(DATASET) == 1


def test_a_cancelled_annotation_is_stored_as_ignore_and_teaches_nothing(client, backend, db):
    event = fixture("annotation_created")
    event["annotation"]["was_cancelled"] = True
    version = backend.model_version
    assert client.post("/webhook", json=event).status_code == 201
    assert [a["answer"] for a in db.get_answers(DATASET)] == ["ignore"]
    assert backend.model_version == version


def test_start_training_trains_on_the_projects_stored_answers(client, backend):
    client.post("/webhook", json=fixture("annotation_created"))
    response = client.post("/webhook", json=fixture("start_training"))
    assert response.status_code == 201
    assert response.json()["training_on"] == 1
    # one update per annotation, then one per batch and pass
    assert backend.model_version.endswith(f":v{1 + RETRAIN_EPOCHS}")


def test_an_unknown_event_is_acknowledged_and_ignored(client, db):
    response = client.post("/webhook", json={"action": "PROJECT_UPDATED", "project": {"id": 3}})
    assert response.status_code == 200
    assert response.json()["status"] == "Unknown event"
    assert DATASET not in db


@pytest.mark.parametrize(
    "change, says",
    [
        (lambda e: e["annotation"]["result"][0]["value"].update(start=2), "is not the task's text"),
        (lambda e: e["annotation"]["result"][0]["value"].update(end=99), "bad offsets"),
        (lambda e: e["annotation"]["result"][0].pop("value"), "no 'value' object"),
        (lambda e: e["annotation"]["result"][0]["value"].pop("labels"), "'labels' list"),
        (lambda e: e["annotation"].update(result={}), "'result' must be a list"),
        (lambda e: e["task"].update(data={"body": "x"}), "no text field 'text'"),
        (lambda e: e.pop("annotation"), "needs its 'task' and 'annotation'"),
        (lambda e: e.pop("project"), "no 'project' object"),
        (lambda e: e["project"].update(label_config="<View/>"), "No <Labels>"),
    ],
    ids=[
        "region text differs",
        "offsets past the end",
        "region without value",
        "region without labels",
        "result an object",
        "task without the text field",
        "no annotation",
        "no project",
        "config without Labels",
    ],
)
def test_an_event_it_cannot_read_is_a_422_and_stores_nothing(client, db, change, says):
    event = fixture("annotation_created")
    change(event)
    response = client.post("/webhook", json=event)
    assert response.status_code == 422
    assert says in response.json()["detail"]
    assert DATASET not in db


def test_an_event_that_is_no_object_is_a_422(client):
    response = client.post("/webhook", json=["ANNOTATION_CREATED"])
    assert response.status_code == 422
