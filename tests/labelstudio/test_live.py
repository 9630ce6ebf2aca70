# ruff: noqa: E402
"""A real Label Studio against the backend, both on 127.0.0.1: a project is made through
Label Studio's REST API, the backend connected, tasks imported, and the predictions Label
Studio keeps are this project's; an annotation made in Label Studio reaches the backend by its
webhook and is stored, and Start Training gives predictions of a new model version.

Label Studio pins Django and many packages of its own, so it lives in a venv of its own:
LABEL_STUDIO_BIN names its `label-studio` executable (.ci/run makes one with
`pip install label-studio`). It runs offline: no version check, Sentry or analytics.
"""

import os

import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")
LABEL_STUDIO_BIN = os.environ.get("LABEL_STUDIO_BIN")
if not LABEL_STUDIO_BIN:
    pytest.skip(
        "LABEL_STUDIO_BIN is not set: the `label-studio` executable of a venv with "
        "`pip install label-studio` (.ci/run makes one)",
        allow_module_level=True,
    )

import json
import signal
import socket
import subprocess
import threading
import time

import httpx

from spacy_ner_plugin.db.database import Database
from spacy_ner_plugin.labelstudio.backend import (
    RETRAIN_EPOCHS,
    LabelStudioBackend,
    dataset_name,
)
from spacy_ner_plugin.labelstudio.server import create_app

pytestmark = pytest.mark.slow
TOKEN = "spacy-ner-plugin-test-token"
CONFIG = (
    '<View><Labels name="label" toName="text"><Label value="BRAND"/><Label value="GEAR"/>'
    '</Labels><Text name="text" value="$text"/></View>'
)
STARTUP_S = 400  # a fresh data directory: Label Studio's migrations run first


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"no {what} after {seconds} s")


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory):
    """A Label Studio on 127.0.0.1 with a user whose legacy API token is TOKEN."""
    data = tmp_path_factory.mktemp("label_studio")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "HOST"}  # HOST would be its URL
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(data), ML_BLOCK_LOCAL_IP="false",
        SSRF_PROTECTION_ENABLED="false", LATEST_VERSION_CHECK="false", SENTRY_DSN="",
        FRONTEND_SENTRY_DSN="", COLLECT_ANALYTICS="false",
    )  # fmt: skip
    log = (data / "label_studio.log").open("w")
    command = [
        LABEL_STUDIO_BIN, "start", "--no-browser", "--internal-host", "127.0.0.1",
        "--port", str(port), "--username", "test@example.com", "--password", "test-password",
        "--user-token", TOKEN, "--enable-legacy-api-token",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Token {TOKEN}"},
        timeout=60,
    )  # fmt: skip

    def up() -> bool:
        if process.poll() is not None:
            tail = (data / "label_studio.log").read_text()[-3000:]
            raise AssertionError(f"Label Studio exited with {process.returncode}:\n{tail}")
        try:
            return client.get("/api/projects").status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(up, STARTUP_S, "Label Studio")
        yield client
    finally:
        client.close()
        os.killpg(process.pid, signal.SIGTERM)  # its own session: the server and its children
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


@pytest.fixture
def backend(tmp_path):
    """The backend on 127.0.0.1 (patterns tagging "Osprey" as BRAND), served in a thread."""
    patterns = tmp_path / "patterns.jsonl"
    patterns.write_text(json.dumps({"label": "BRAND", "pattern": [{"LOWER": "osprey"}]}) + "\n")
    with Database(str(tmp_path / "answers.sqlite")) as db:
        backend = LabelStudioBackend.from_options(db, patterns=str(patterns))
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(backend), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        wait_for(lambda: server.started, 30, "backend")
        yield backend, f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(10)


def predictions(ls: httpx.Client, project: int) -> dict:
    """Ask Label Studio to fetch predictions for every task; those it keeps, by task text."""
    response = ls.post(
        "/api/dm/actions", params={"id": "retrieve_tasks_predictions", "project": project},
        json={"selectedItems": {"all": True, "excluded": []}},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    texts = {t["id"]: t["data"]["text"] for t in ls.get(f"/api/projects/{project}/tasks").json()}
    found: dict = {}
    for prediction in ls.get("/api/predictions", params={"project": project}).json():
        found.setdefault(texts[prediction["task"]], []).append(prediction)
    return found


def test_label_studio_shows_the_backends_predictions_and_its_annotations_train_it(
    label_studio, backend
):
    ls, (served, url) = label_studio, backend
    response = ls.post("/api/projects", json={"title": "Outdoor gear", "label_config": CONFIG})
    assert response.status_code == 201, response.text
    project = response.json()["id"]
    tasks = [{"text": "My Osprey pack is light"}, {"text": "It rained all day"}]
    assert ls.post(f"/api/projects/{project}/import", json=tasks).status_code == 201
    response = ls.post("/api/ml", json={"url": url, "project": project, "title": "spaCy"})
    assert response.status_code == 201, response.text
    ml_backend = response.json()
    assert ml_backend["readable_state"] == "Connected", ml_backend
    assert ml_backend["model_version"] == served.model_version

    shown = predictions(ls, project)
    (osprey,) = shown["My Osprey pack is light"]
    (region,) = osprey["result"]
    assert (region["from_name"], region["to_name"], region["type"]) == ("label", "text", "labels")
    assert region["value"] == {"start": 3, "end": 9, "text": "Osprey", "labels": ["BRAND"]}
    assert osprey["model_version"] == served.model_version
    assert [p["result"] for p in shown["It rained all day"]] == [[]]

    # An annotator labels the first text in Label Studio: the webhook brings it here.
    task_id = osprey["task"]
    result = [dict(region), {**region, "value": {"start": 10, "end": 14, "text": "pack",
                                                 "labels": ["GEAR"]}}]  # fmt: skip
    response = ls.post(f"/api/tasks/{task_id}/annotations", json={"result": result})
    assert response.status_code == 201, response.text
    dataset = dataset_name(project)
    stored = wait_for(lambda: list(served.db.get_answers(dataset)) if dataset in served.db
                      else None, 30, "stored answer")  # fmt: skip
    assert [(s["start"], s["end"], s["label"]) for s in stored[0]["spans"]] == [
        (3, 9, "BRAND"),
        (10, 14, "GEAR"),
    ]
    wait_for(lambda: served.model_version.endswith(":v1"), 30, "update")

    # Start Training (the model's page in Label Studio) trains on the stored answers.
    response = ls.post(f"/api/ml/{ml_backend['id']}/train", json={})
    assert response.status_code == 200, response.text
    # one answer: one update per pass over the stored answers
    done = f":v{1 + RETRAIN_EPOCHS}"
    retrained = wait_for(lambda: served.model_version.endswith(done) and served.model_version,
                         60, "training")  # fmt: skip
    versions = [p["model_version"] for p in predictions(ls, project)["It rained all day"]]
    assert versions[-1] == retrained and len(versions) == 2
