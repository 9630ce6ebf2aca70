# ruff: noqa: E402, F401, F811
"""The guidelines panel and the team progress page in a real browser (test_browser.py's
Chromium, server and helpers). SPACY_NER_PLUGIN_SCREENSHOTS=docs writes
docs/app_guidelines.png and docs/app_progress.png."""

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("playwright.sync_api")

from spacy_ner_plugin.db.database import Database

from ..review.team import TEXTS as TEAM_TEXTS
from ..review.team import answer
from .test_browser import (
    Served,
    browser,
    free_port,
    open_page,
    page,
    pytestmark,
    screenshot,
    write_texts,
)

GUIDELINES = """# Gear guidelines

Mark every outdoor **brand** and every named **trail**; see the [full rules](https://example.org/rules).
<script>window.hacked = 1</script> <img src=x onerror="window.hacked = 1">
[click me](javascript:window.hacked=1)

## BRAND

A company's name, not its products: *Osprey* yes, *Exos pack* no.

## TRAIL

A named route: *John Muir Trail*, including the word "Trail".
"""
START = 1_796_634_000  # 2026-12-07 09:00 UTC


def test_the_guidelines_panel_opens_with_g_and_runs_nothing(page, tmp_path):
    guidelines = tmp_path / "guidelines.md"
    guidelines.write_text(GUIDELINES)
    source = write_texts(tmp_path, ["We hiked the John Muir Trail with Osprey packs"])
    port = free_port()
    served = Served(port, "ner.manual", source, str(tmp_path / "db.sqlite"),
                    labels=["BRAND", "TRAIL"], guidelines=guidelines)  # fmt: skip
    try:
        open_page(page, port)
        page.wait_for_selector("body[data-guidelines=ready]")
        note = page.locator("#label-note")
        assert note.is_visible() and "not its products" in note.inner_text()  # BRAND chosen
        panel = page.locator("#guidelines")
        assert not panel.is_visible()
        page.keyboard.press("g")
        assert panel.is_visible()
        text = panel.inner_text()
        assert "Mark every outdoor brand" in text and "<script>window.hacked = 1</script>" in text
        assert "[click me](javascript:window.hacked=1)" in text  # shown, not a link
        assert page.locator("#guidelines a").evaluate_all("as => as.map(a => a.href)") == [
            "https://example.org/rules"
        ]
        page.keyboard.press("a")  # the annotation keys rest while the panel is open
        assert page.locator("#unsaved").inner_text() == "0"
        screenshot(page, "guidelines", tmp_path)
        page.keyboard.press("Escape")
        assert not panel.is_visible()
        page.keyboard.press("2")  # TRAIL: its own section under the labels
        page.wait_for_function(
            "document.getElementById('label-note').textContent.includes('route')"
        )
        page.locator("#guidelines-open").click()
        assert panel.is_visible()
        assert page.evaluate("window.hacked") is None
    finally:
        served.stop()


def busy_team(path):
    """Three annotators over two hours (alice and bob share the first texts)."""
    keys = list(TEAM_TEXTS)
    spans = {"A": [("Osprey", "BRAND")], "B": [("John Muir Trail", "TRAIL")],
             "F": [("Salomon", "BRAND")]}  # fmt: skip
    records = []
    for who, pace, n in (("alice", 70, 90), ("bob", 95, 60), ("carol", 120, 40)):
        for i in range(n):
            key = keys[i % len(keys)]
            at = START + (0 if who != "carol" else 1800) + i * pace + (900 if i > n // 2 else 0)
            given = spans.get(key, ())
            if who == "bob" and key == "B" and i % 4 == 1:  # "John Muir" without "Trail"
                given = [("John Muir", "TRAIL")]
            if who == "carol" and key == "F" and i % 3 == 2:  # Salomon missed
                given = []
            kind = {"D": "reject", "E": "ignore"}.get(key, "accept")
            record = answer(key, who, at, kind, given, f"{who}-{i}")
            record["text"] = f"{record['text']} ({i // len(keys)})"  # a new text per round
            records.append(record)
    with Database(str(path)) as db:
        db.add_answers("gear", records)
    return records


def test_the_progress_page_shows_each_annotator_and_the_plot(page, tmp_path):
    db = tmp_path / "db.sqlite"
    records = busy_team(db)
    port = free_port()
    served = Served(port, "ner.manual", write_texts(tmp_path), str(db), labels=["BRAND", "TRAIL"],
                    sessions=["alice", "bob", "carol"])  # fmt: skip
    try:
        page.goto(f"http://127.0.0.1:{port}/progress")
        page.wait_for_function("document.getElementById('status').textContent.includes('401')")
        token = next(iter(served.annotation.access.tokens))
        page.goto(f"http://127.0.0.1:{port}/progress?token={token}")
        page.wait_for_selector("body[data-ready=true]")
        rows = page.locator("#annotators tbody tr").evaluate_all(
            "rows => rows.map(r => Array.from(r.cells, c => c.textContent))"
        )
        for row, who in zip(rows, ("gear-alice", "gear-bob", "gear-carol"), strict=True):
            answers = [r["answer"] for r in records if r["_session_id"] == who]
            assert row[:4] == [
                who,
                str(len(answers)),
                *(str(answers.count(k)) for k in ("accept", "reject")),
            ]
        assert page.locator("#plot svg path").count() == 3
        assert "gear-alice / gear-bob" in page.locator("#agreement").inner_text()
        page.set_viewport_size({"width": 1000, "height": 1180})
        screenshot(page, "progress", tmp_path)
    finally:
        served.stop()
