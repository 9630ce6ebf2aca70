# ruff: noqa: E402
"""`spans.manual`: overlapping and nested spans through the app's API (FastAPI's TestClient)."""

import pytest

# The app extra's server (pip install -e '.[app]'; .ci/run installs it).
pytest.importorskip("fastapi")

import srsly
from fastapi.testclient import TestClient

from spacy_ner_plugin.app.recipes import build_recipe
from spacy_ner_plugin.app.server import make_app
from spacy_ner_plugin.errors import UsageError

from .test_server import BASE, answer, saved, span


def client_for(recipe, source, db_path, **options):
    options.setdefault("labels", ["BRAND", "PRODUCT"])
    app, _ = make_app(recipe, "gear", str(source), db=db_path, **options)
    return TestClient(app, base_url=BASE)


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "raw.jsonl"
    srsly.write_jsonl(path, [{"text": f"I love my Osprey Exos pack number {i}"} for i in range(3)])
    return path


@pytest.fixture
def db_path(tmp_path):
    return str(tmp_path / "annotations.sqlite")


def first_task(client):
    return client.post("/api/questions", json={"session": "alice", "n": 1}).json()["tasks"][0]


def test_overlapping_and_nested_spans_are_saved_as_sent(source, db_path):
    client = client_for("spans.manual", source, db_path)
    assert client.get("/api/config?session=alice").json()["view"] == "spans_manual"
    task = first_task(client)
    spans = [
        span(task, 3, 5, "PRODUCT"),  # Osprey Exos pack
        span(task, 3, 3, "BRAND"),  # nested at its start
        span(task, 4, 6, "BRAND"),  # overlapping its end: Exos pack number
        span(task, 3, 5, "BRAND"),  # the same tokens, another label
    ]
    body = {"session": "alice", "answers": [answer(task, spans=spans)]}
    response = client.post("/api/answers", json=body)
    assert response.status_code == 200, response.text
    (record,) = saved(db_path)
    assert record["_view_id"] == "spans_manual" and record["answer"] == "accept"
    by_place = sorted(spans, key=lambda s: (s["token_start"], s["token_end"]))
    assert record["spans"] == by_place


@pytest.mark.parametrize("recipe,status", [("spans.manual", 200), ("ner.manual", 422)])
def test_overlaps_are_refused_by_ner_manual_only(source, db_path, recipe, status):
    client = client_for(recipe, source, db_path)
    task = first_task(client)
    overlapping = answer(task, spans=[span(task, 3, 4), span(task, 4, 5, "PRODUCT")])
    response = client.post("/api/answers", json={"session": "alice", "answers": [overlapping]})
    assert response.status_code == status
    if status == 422:
        assert "spans overlap" in response.json()["detail"] and saved(db_path) == []
    else:
        assert len(saved(db_path)[0]["spans"]) == 2


def test_bad_spans_get_a_4xx_with_the_reason_and_change_nothing(source, db_path):
    client = client_for("spans.manual", source, db_path)
    task = first_task(client)
    good = span(task, 3, 3)
    cases = {
        "offsets are not its tokens'": [good, {**span(task, 4, 4), "end": 15}],
        "token range out of the text": [good, {**span(task, 4, 4), "token_end": 99}],
        "unknown label 'NOPE'": [good, span(task, 4, 4, "NOPE")],
        "given twice": [good, span(task, 3, 5), dict(good)],
    }
    for reason, spans in cases.items():
        body = {"session": "alice", "answers": [answer(task, spans=spans)]}
        response = client.post("/api/answers", json=body)
        assert response.status_code == 422, reason
        detail = response.json()["detail"]
        assert detail.startswith("answer 0: ") and reason in detail, detail
    negative = {**good, "start": -1}
    response = client.post("/api/answers", json={"answers": [answer(task, spans=[negative])]})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "start"
    assert saved(db_path) == []


def test_patterns_pre_highlight_every_match_overlaps_kept(source, tmp_path):
    patterns = tmp_path / "patterns.jsonl"
    srsly.write_jsonl(patterns, [
        {"label": "BRAND", "pattern": "Osprey"},
        {"label": "PRODUCT", "pattern": [{"LOWER": "osprey"}, {"LOWER": "exos"}]},
        {"label": "PRODUCT", "pattern": [{"LOWER": "exos"}, {"LOWER": "pack"}]},
    ])  # fmt: skip

    def spans_of(recipe):
        task = next(iter(build_recipe(recipe, dataset="gear", source=str(source),
                                      patterns=str(patterns)).stream))  # fmt: skip
        return [(s["token_start"], s["token_end"], s["label"]) for s in task["spans"]]

    assert spans_of("spans.manual") == [(3, 3, "BRAND"), (3, 4, "PRODUCT"), (4, 5, "PRODUCT")]
    assert spans_of("ner.manual") == [(3, 4, "PRODUCT")]


def test_spans_manual_needs_labels(source):
    with pytest.raises(UsageError, match="spans.manual needs labels"):
        build_recipe("spans.manual", dataset="gear", source=str(source))
