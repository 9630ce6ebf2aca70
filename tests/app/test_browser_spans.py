# ruff: noqa: E402
"""`spans.manual` in a real browser: overlapping and nested spans drawn as stacked bars.

Uses tests/app/test_browser.py's server, browser and page (Debian's Chromium through
Playwright); SPACY_NER_PLUGIN_SCREENSHOTS=docs writes docs/app_spans.png.
"""

import pytest

# The app extra's server (pip install -e '.[app]'; .ci/run installs it).
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("playwright.sync_api")

from . import test_browser
from .test_browser import (  # noqa: F401 (pytestmark: slow, and skipped without Chromium)
    Served,
    answers,
    drag,
    free_port,
    open_page,
    pytestmark,
    screenshot,
    spans_of,
    token,
    wait_for,
    write_texts,
)

browser, page = test_browser.browser, test_browser.page  # its fixtures

TEXT = "We hiked the John Muir Trail with Osprey Exos packs"
LABELS = ["TRAIL", "PERSON", "BRAND", "PRODUCT", "GEAR"]


def drawn(page):
    """{(text, label): row} of every span on the page; row: its bar's distance from the top
    of the text (spans on one row share it)."""
    script = """labels => labels.map(label => {
        const k = label.dataset.remove;
        const cells = document.querySelectorAll(`.cell:has(.bar[data-span="${k}"]) .tok`);
        const text = Array.from(cells, (t) => t.textContent).join(" ");
        const top = document.querySelector(".stacked").getBoundingClientRect().top;
        return [text, label.dataset.label, label.parentNode.getBoundingClientRect().top - top];
    })"""
    return {(t, label): row for t, label, row in page.locator(".span-label").evaluate_all(script)}


def label_span(page, key, first, last):
    page.keyboard.press(key)
    if first == last:
        token(page, first).dblclick()
    else:
        drag(page, first, last)


def test_overlapping_and_nested_spans_are_drawn_removed_and_saved(page, tmp_path):
    db = str(tmp_path / "annotations.sqlite")
    port = free_port()
    source = write_texts(tmp_path, [TEXT])
    served = Served(port, "spans.manual", source, db, labels=LABELS, segment=False)
    open_page(page, port)
    label_span(page, "1", "John", "Trail")
    label_span(page, "2", "John", "Muir")  # nested in the trail
    label_span(page, "4", "Osprey", "Exos")
    label_span(page, "5", "Exos", "packs")  # overlapping the product
    label_span(page, "3", "Osprey", "Osprey")  # nested in the product
    label_span(page, "3", "Osprey", "Osprey")  # the same span again: not added twice
    rows = drawn(page)
    assert sorted(rows) == [
        ("Exos packs", "GEAR"),
        ("John Muir", "PERSON"),
        ("John Muir Trail", "TRAIL"),
        ("Osprey", "BRAND"),
        ("Osprey Exos", "PRODUCT"),
    ]
    # Spans that share a token are on different rows; the longer one above at a shared start.
    assert rows[("John Muir Trail", "TRAIL")] < rows[("John Muir", "PERSON")]
    product = rows[("Osprey Exos", "PRODUCT")]
    assert product < rows[("Exos packs", "GEAR")] and product < rows[("Osprey", "BRAND")]
    page.mouse.move(0, 0)  # no hover in the screenshot
    screenshot(page, "spans", tmp_path)
    page.locator(".span-label[data-label=GEAR]").click()  # a click on a label removes its span
    page.locator(".bar[title^=PERSON]").last.click()  # and so does one on its bar
    assert sorted(drawn(page)) == [
        ("John Muir Trail", "TRAIL"),
        ("Osprey", "BRAND"),
        ("Osprey Exos", "PRODUCT"),
    ]
    page.keyboard.press("a")
    page.locator("#save").click()
    wait_for(lambda: len(answers(db)) == 1)
    served.stop()
    (record,) = answers(db)
    assert record["_view_id"] == "spans_manual" and record["answer"] == "accept"
    assert spans_of(record) == [
        ("John Muir Trail", "TRAIL"),
        ("Osprey", "BRAND"),
        ("Osprey Exos", "PRODUCT"),
    ]
    assert [(s["token_start"], s["token_end"]) for s in record["spans"]] == [(3, 5), (7, 7), (7, 8)]
