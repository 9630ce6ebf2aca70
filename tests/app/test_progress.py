# ruff: noqa: E402
"""The team progress page: /api/team's figures on a dataset two sessions answered (known
timestamps, overlapping texts), only with a token; the page and its script are served."""

import pytest

# The app extra's server (pip install -e '.[app]'; .ci/run installs it).
pytest.importorskip("fastapi")

import xml.etree.ElementTree as ET

import srsly
from fastapi.testclient import TestClient

from spacy_ner_plugin.app.progress_plot import progress_svg
from spacy_ner_plugin.app.server import make_app

from ..review.team import DATASET, check_figures, team_database


@pytest.fixture
def served(tmp_path):
    source = tmp_path / "raw.jsonl"
    srsly.write_jsonl(source, [{"text": "One more text"}])
    db_path = tmp_path / "db.sqlite"
    team_database(db_path)
    app, annotation = make_app(
        "ner.manual", DATASET, str(source), db=str(db_path), labels=["BRAND", "TRAIL"],
        sessions=["alice", "bob", "lead"],
    )  # fmt: skip
    yield TestClient(app, base_url="http://127.0.0.1"), annotation
    annotation.db.close()


def test_the_figures_need_a_token(served):
    client, _ = served
    assert client.get("/api/team").status_code == 401
    assert client.get("/api/team", headers={"X-Token": "n" * 30}).status_code == 401


def test_the_figures_of_two_sessions_on_overlapping_texts(served):
    client, annotation = served
    token = next(t for t, name in annotation.access.tokens.items() if name == "lead")
    figures = client.get("/api/team", headers={"X-Token": token}).json()
    check_figures(figures)
    svg = ET.fromstring(figures["svg"])
    lines = svg.findall("{http://www.w3.org/2000/svg}path")
    assert [line.find("{http://www.w3.org/2000/svg}title").text for line in lines] == [
        "gear-alice: 6 answers",
        "gear-bob: 3 answers",
    ]


def test_the_page_and_its_script_are_served_without_html_from_data(served):
    client, _ = served
    page = client.get("/progress")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert '<script type="module" src="/static/progress.js">' in page.text
    assert client.get("/static/progress.html").status_code == 404  # pages only by their path
    script = client.get("/static/progress.js").text
    assert "innerHTML" not in script and "eval(" not in script


def test_the_plot_escapes_names_and_draws_an_empty_dataset():
    timeline = {"start": 0, "series": {"<b>&": [[0.0, 1], [0.5, 2]]}}
    svg = ET.fromstring(progress_svg(timeline, "a <title>"))  # well-formed XML
    texts = [node.text for node in svg.iter() if node.text]
    assert "<b>&" in texts and "a <title>" in texts
    empty = ET.fromstring(progress_svg({"start": None, "series": {}}, "nothing yet"))
    assert not empty.findall("{http://www.w3.org/2000/svg}path")
