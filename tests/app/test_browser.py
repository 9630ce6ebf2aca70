# ruff: noqa: E402
"""The annotation page in a real browser: Playwright driving Debian's Chromium.

Each test serves the app on 127.0.0.1 (uvicorn in a thread; a "restart" is a new app over the
same database), drives the page as a person would, then reads the database. Set
SPACY_NER_PLUGIN_SCREENSHOTS=docs to write the README's screenshots to docs/.
"""

import pytest

# The app extra's server (pip install -e '.[app]'; .ci/run installs it).
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")


import os
import shutil
import signal
import socket
import threading
import time
from pathlib import Path

import srsly

from spacy_ner_plugin.app.server import make_app
from spacy_ner_plugin.db.database import Database

from ..conftest import ROOT

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = [
    pytest.mark.slow,  # a real browser and server per test
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no /usr/bin/chromium"),
]
TEXTS = [
    "We hiked the John Muir Trail with Osprey packs",
    "My Salomon boots died.\nThe Osprey pack lived",
    "It rained all day",
    "Nothing to see here",
]
HOSTILE = [
    "<script>window.hacked=1</script> Osprey",
    '"><img src=x onerror="window.hacked=1"> Osprey',
    "\u202eOsprey gnik\u202c done",
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """An app served by uvicorn in a thread, stopped on `stop()`."""

    def __init__(self, port, recipe, source, db, **options):
        import uvicorn

        self.app, self.annotation = make_app(recipe, "gear", str(source), db=db, **options)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(10)
        self.annotation.db.close()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1000, "height": 640})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("dialog", lambda dialog: errors.append(f"dialog {dialog.message}"))
    yield page
    context.close()
    assert not errors


def screenshot(page, name, tmp_path):
    target = ROOT / "docs" if os.environ.get("SPACY_NER_PLUGIN_SCREENSHOTS") == "docs" else tmp_path
    page.screenshot(path=str(target / f"app_{name}.png"))


def open_page(page, port, session="alice"):
    page.goto(f"http://127.0.0.1:{port}/?session={session}")
    page.wait_for_selector("body[data-ready=true]")


def token(page, text):
    return page.locator(".tok", has_text=text).first


def drag(page, first, last):
    a, b = token(page, first).bounding_box(), token(page, last).bounding_box()
    page.mouse.move(a["x"] + 3, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=5)
    page.mouse.move(b["x"] + b["width"] - 2, b["y"] + b["height"] / 2)
    page.mouse.up()


def answers(db_path, include_superseded=False):
    with Database(db_path) as db:
        return list(db.get_answers("gear", include_superseded=include_superseded))


def wait_for(check, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def spans_of(record):
    return [(record["text"][s["start"] : s["end"]], s["label"]) for s in record["spans"]]


def write_texts(tmp_path, texts=TEXTS):
    source = tmp_path / "raw.jsonl"
    srsly.write_jsonl(source, [{"text": t} for t in texts])
    return source


def marked(page):
    """(text, label) of every span on the page."""
    script = "ms => ms.map(m => [Array.from(m.querySelectorAll('.tok'), t => t.textContent)"
    script += ".join(' '), m.dataset.label])"
    return [tuple(m) for m in page.locator("mark").evaluate_all(script)]


def traffic(page):
    """("ask", request) for each request for questions and ("got", response) for each answer
    to a POST, in the order the page saw them."""
    events = []

    def asked(request):
        if request.url.endswith("/api/questions"):
            events.append(("ask", request))

    def got(response):
        if response.request.method == "POST":
            events.append(("got", response))

    page.on("request", asked)
    page.on("response", got)
    return events


def posted_answers(page):
    """Every answer the page posts, as sent (filled in as the page posts them)."""
    sent = []

    def record(request):
        if request.method == "POST" and request.url.endswith("/api/answers"):
            sent.extend(request.post_data_json["answers"])

    page.on("request", record)
    return sent


def kill_processes_of(profile):
    """SIGKILL the browser that runs with user data dir `profile` and all its children."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            parents[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), cmdline)
    roots = {pid for pid, (_, cmd) in parents.items() if str(profile).encode() in cmd}
    doomed, grown = set(roots), True
    while grown:
        more = {pid for pid, (ppid, _) in parents.items() if ppid in doomed} - doomed
        doomed |= more
        grown = bool(more)
    assert roots, "browser process not found"
    for pid in doomed:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_manual_drag_doubleclick_keys_undo_reload_and_restart(page, tmp_path):
    source = tmp_path / "raw.jsonl"
    srsly.write_jsonl(source, [{"text": t} for t in TEXTS])
    db = str(tmp_path / "annotations.sqlite")
    port = free_port()
    # No idle sending here: the reload below is what sends the pending answers.
    options = {"labels": ["BRAND", "TRAIL"], "segment": False, "idle_submit_s": 60}
    served = Served(port, "ner.manual", source, db, **options)
    open_page(page, port)
    assert page.locator(".text").inner_text().startswith("We hiked")
    page.keyboard.press("2")  # TRAIL
    drag(page, "John", "Trail")
    page.keyboard.press("1")  # BRAND
    token(page, "Osprey").dblclick()
    marks = page.locator("mark")
    assert [marks.nth(i).get_attribute("data-label") for i in range(2)] == ["TRAIL", "BRAND"]
    page.keyboard.press("a")
    # Second text: the newline token cannot be selected, and a drag over it is trimmed.
    assert page.locator(".tok.nl").count() == 1
    token(page, "Salomon").dblclick()
    page.locator(".tok.nl").dblclick()
    assert page.locator("mark").count() == 1
    page.keyboard.press("x")
    page.keyboard.press("Backspace")  # undo the reject: the second text is back, span and all
    assert page.locator("mark").count() == 1 and "Salomon" in page.locator(".text").inner_text()
    page.locator("mark .remove").click()  # the × on a span removes it
    assert page.locator("mark").count() == 0
    drag(page, "died", "Osprey")  # across the newline: one span, ends on tokens
    screenshot(page, "manual", tmp_path)
    page.keyboard.press("a")
    assert page.locator("#unsaved").inner_text() == "2"
    page.reload()  # mid-batch: the page sends its unsaved answers as it goes
    page.wait_for_selector("body[data-ready=true]")
    wait_for(lambda: len(answers(db)) == 2)
    page.keyboard.press(" ")  # ignore the third text
    served.stop()
    page.locator("#save").click()
    page.wait_for_selector("#status.error")  # offline: it retries
    served = Served(port, "ner.manual", source, db, **options)  # restarted: same database
    wait_for(lambda: page.locator("#unsaved").inner_text() == "0", timeout=30)
    page.keyboard.press("a")
    page.locator("#save").click()
    wait_for(lambda: len(answers(db)) == 4)
    records = answers(db)
    served.stop()
    assert [(r["text"], r["answer"]) for r in records] == [
        (TEXTS[0], "accept"),
        (TEXTS[1], "accept"),
        (TEXTS[2], "ignore"),
        (TEXTS[3], "accept"),
    ]
    assert spans_of(records[0]) == [("John Muir Trail", "TRAIL"), ("Osprey", "BRAND")]
    assert spans_of(records[1]) == [("died.\nThe Osprey", "BRAND")]
    assert records[2]["spans"] == [] and records[3]["spans"] == []
    assert {r["_session_id"] for r in records} == {"gear-alice"}
    assert len({r["_answer_id"] for r in records}) == 4
    # Restarting resumes where the dataset left off: nothing is left to annotate.
    served = Served(port, "ner.manual", source, db, **options)
    open_page(page, port, "bob")
    assert page.locator(".done").inner_text() == "No tasks left."
    served.stop()


def test_hostile_texts_are_shown_as_text(page, tmp_path):
    source = tmp_path / "raw.jsonl"
    srsly.write_jsonl(source, [{"text": t, "meta": {"note": t}} for t in HOSTILE])
    db = str(tmp_path / "annotations.sqlite")
    port = free_port()
    served = Served(port, "ner.manual", source, db, labels=["<b>BRAND</b>"], segment=False)
    open_page(page, port)
    for text in HOSTILE:
        assert page.locator(".text").inner_text().replace("\n", "") == text
        assert page.locator(".meta").inner_text() == f"note: {text}"
        assert page.locator("img, script:not([src])").count() == 0
        assert page.evaluate("window.hacked") is None
        token(page, "Osprey").dblclick()
        assert page.locator("mark .label").inner_text().upper() == "<B>BRAND</B>"
        page.keyboard.press("a")
    page.locator("#save").click()
    wait_for(lambda: len(answers(db)) == 3)
    # The sidebar of recent answers shows them as text too.
    snippets = page.locator("#history-list:not(:has(.unsent)) .snippet")
    wait_for(lambda: snippets.count() == 3)
    assert snippets.all_inner_texts() == HOSTILE[::-1]
    assert page.locator("img, script:not([src])").count() == 0
    assert page.evaluate("window.hacked") is None
    served.stop()
    assert [r["text"] for r in answers(db)] == HOSTILE


def test_teach_answers_update_the_model_behind_the_next_questions(page, tmp_path):
    import spacy
    from spacy.training import Example

    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    nlp.initialize(lambda: [Example.from_dict(nlp.make_doc("Osprey"), {"entities": ["U-BRAND"]})])
    nlp.to_disk(tmp_path / "model")
    source = tmp_path / "raw.jsonl"
    srsly.write_jsonl(source, [{"text": f"I took my Osprey pack on trip {i}"} for i in range(30)])
    db = str(tmp_path / "annotations.sqlite")
    port = free_port()
    served = Served(port, "ner.teach", source, db, model=str(tmp_path / "model"))
    events = traffic(page)
    open_page(page, port)
    assert page.locator(".question strong").inner_text() == "BRAND"
    assert "score" in page.locator(".question .score").inner_text()
    for i in range(16):
        page.wait_for_selector(".question")  # after a batch: once the model is updated
        if i == 7:
            screenshot(page, "teach", tmp_path)
        page.keyboard.press("a" if i % 3 else "x")
    page.locator("#save").click()
    wait_for(lambda: len(answers(db)) == 16)
    records = answers(db)
    served.stop()
    # max_ahead: each batch of questions was asked for once every earlier one was answered.
    handed = saved = 0
    for kind, message in events:
        if kind == "ask" and handed:
            assert saved == handed, (saved, handed)
        elif kind == "got" and message.url.endswith("/api/questions"):
            handed += len(message.json()["tasks"])
        elif kind == "got":
            saved += len(message.json()["saved"])
    assert {r["_view_id"] for r in records} == {"ner"} and len(records[0]["spans"]) == 1
    versions = [r["_model_version"] for r in records]
    assert versions[0] == 0 and versions[-1] >= 1, versions  # questions of the updated model
    assert served.annotation.recipe.update.__self__.version >= 2


def test_correct_and_review_views(page, tmp_path, trained_model):
    source = tmp_path / "raw.jsonl"
    srsly.write_jsonl(source, [{"text": "I took my Osprey pack on trip 3"}])
    db = str(tmp_path / "annotations.sqlite")
    port = free_port()
    served = Served(port, "ner.correct", source, db, model=str(trained_model))
    open_page(page, port)
    assert page.locator("mark").get_attribute("data-label") == "BRAND"  # from the model
    page.keyboard.press("1")
    token(page, "trip").dblclick()
    screenshot(page, "correct", tmp_path)
    page.keyboard.press("a")
    page.locator("#save").click()
    wait_for(lambda: len(answers(db)) == 1)
    served.stop()
    assert spans_of(answers(db)[0]) == [("Osprey", "BRAND"), ("trip", "BRAND")]
    # Two annotators disagree; the reviewer picks the second version and accepts it.
    with Database(db) as database:
        text = "Osprey and Salomon"
        for session, spans in (("a", [(0, 6)]), ("b", [(0, 6), (11, 18)]), ("c", [(0, 6)])):
            record = {
                "text": text,
                "answer": "accept",
                "_session_id": f"ann-{session}",
                "spans": [{"start": s, "end": e, "label": "BRAND"} for s, e in spans],
            }
            database.add_answers("ann", [record])
    served = Served(port, "review", "dataset:ann", db)
    open_page(page, port)
    versions = page.locator(".version")
    assert versions.count() == 2
    assert "by ann-a, ann-c" in versions.nth(0).inner_text()
    # Where the versions differ is marked (in each version and in the answer), with a title.
    differ = page.locator(".tok.diff")
    assert {differ.nth(i).inner_text() for i in range(differ.count())} == {"Salomon"}
    assert differ.count() == 3 and differ.first.get_attribute("title")
    agreement = page.locator(".agreement").inner_text()
    assert agreement.startswith("agreement 0.") and 0 < float(agreement.split()[1]) < 1
    screenshot(page, "review", tmp_path)
    page.keyboard.press("2")  # keys 1-9 pick a version
    assert page.locator(".version.picked").get_attribute("data-version") == "1"
    page.keyboard.press("a")
    page.locator("#save").click()
    wait_for(lambda: any(r.get("_view_id") == "review" for r in answers(db)))
    served.stop()
    reviewed = answers(db)[-1]
    assert spans_of(reviewed) == [("Osprey", "BRAND"), ("Salomon", "BRAND")]
    assert reviewed["accept"] == [1] and reviewed["_is_binary"] is False


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium")
def test_the_page_works_without_a_session_name(page, tmp_path):
    source = tmp_path / "raw.txt"
    source.write_text("Osprey rocks\n")
    db = str(tmp_path / "annotations.sqlite")
    port = free_port()
    served = Served(port, "ner.manual", source, db, labels=["BRAND"])
    page.goto(f"http://127.0.0.1:{port}/")
    page.wait_for_selector("body[data-ready=true]")
    page.keyboard.press("a")
    page.locator("#save").click()
    wait_for(lambda: len(answers(db)) == 1)
    served.stop()
    assert answers(db)[0]["_session_id"].startswith("gear-20")


def test_answers_are_sent_before_the_browser_dies_and_unsent_ones_can_be_undone(browser, tmp_path):
    db = str(tmp_path / "annotations.sqlite")
    port = free_port()
    served = Served(port, "ner.manual", write_texts(tmp_path), db, labels=["BRAND"], segment=False)
    profile = tmp_path / "profile"
    context = browser.browser_type.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=FLAGS
    )
    page = context.pages[0] if context.pages else context.new_page()
    open_page(page, port)
    page.keyboard.press("a")
    page.keyboard.press("Backspace")  # not sent yet: undone, the first text is back
    assert page.locator(".text").inner_text().startswith("We hiked")
    assert page.locator("#unsaved").inner_text() == "0"
    for _ in range(3):
        page.keyboard.press("a")
    page.wait_for_timeout(3000 + 1500)  # the idle timer (idle_submit_s 3) has fired
    kill_processes_of(profile)  # no pagehide, no unload: the browser is gone
    try:
        context.close()
    except playwright_api.Error:
        pass
    wait_for(lambda: len(answers(db)) >= 3, timeout=5)
    records = answers(db)
    served.stop()
    assert [(r["text"], r["answer"]) for r in records] == [(t, "accept") for t in TEXTS[:3]]


def test_instant_submit_sends_each_answer_at_once(page, tmp_path):
    db = str(tmp_path / "annotations.sqlite")
    port = free_port()
    options = {"labels": ["BRAND"], "segment": False, "instant_submit": True, "idle_submit_s": 60}
    served = Served(port, "ner.manual", write_texts(tmp_path), db, **options)
    open_page(page, port)
    page.keyboard.press("a")
    wait_for(lambda: len(answers(db)) == 1, timeout=10)  # not after the 60 s idle timer
    page.keyboard.press("Backspace")  # sent: nothing to undo
    assert page.locator(".text").inner_text().startswith("My Salomon")
    served.stop()


def test_history_reopens_an_answer_and_the_new_one_supersedes_it(page, tmp_path):
    db = str(tmp_path / "annotations.sqlite")
    port = free_port()
    served = Served(port, "ner.manual", write_texts(tmp_path), db, labels=["BRAND"], segment=False)
    open_page(page, port)
    for key in ("a", "x", " "):
        page.keyboard.press(key)
    items = page.locator("#history-list button")
    assert items.count() == 3 and "unsent" in items.nth(0).get_attribute("class")
    page.locator("#save").click()
    wait_for(lambda: len(answers(db)) == 3)
    wait_for(lambda: page.locator("#history-list button.unsent").count() == 0)
    assert [items.nth(i).inner_text().split("\n")[0] for i in range(3)] == [
        "ignore",
        "reject",
        "accept",
    ]
    assert TEXTS[0] in items.nth(2).inner_text()
    items.nth(2).click()  # reopen the first text's answer
    assert page.locator(".reopened").count() == 1
    assert page.locator(".text").inner_text().startswith("We hiked")
    token(page, "Osprey").dblclick()
    page.keyboard.press("x")
    assert page.locator(".text").inner_text().startswith("Nothing to see")  # back where it was
    page.locator("#save").click()
    wait_for(lambda: len(answers(db, include_superseded=True)) == 4)
    latest = answers(db)
    every = answers(db, include_superseded=True)
    served.stop()
    assert [(r["text"], r["answer"]) for r in latest] == [
        (TEXTS[1], "reject"),
        (TEXTS[2], "ignore"),
        (TEXTS[0], "reject"),
    ]
    assert spans_of(latest[-1]) == [("Osprey", "BRAND")]
    old = next(r for r in every if r["text"] == TEXTS[0] and r["answer"] == "accept")
    assert old["_superseded_by"] == latest[-1]["_answer_id"] != old["_answer_id"]


def test_progress_bar_for_a_file_and_a_stream(page, tmp_path):
    db = str(tmp_path / "annotations.sqlite")
    port = free_port()
    source = write_texts(tmp_path)
    served = Served(port, "ner.manual", source, db, labels=["BRAND"], segment=False)
    open_page(page, port)
    bar = page.locator("#p-bar")
    value = lambda: float(bar.evaluate("b => b.value"))  # noqa: E731
    assert bar.is_visible() and value() == 0
    assert page.locator("#p-left").inner_text() == "4 left"
    page.keyboard.press("a")
    page.keyboard.press("x")
    page.locator("#save").click()
    wait_for(lambda: page.locator("#p-left").inner_text() == "2 left")
    assert value() == 0.5
    # A stream whose length is unknown, from a file: the texts read of those counted up front.
    unknown = ["left"]

    def as_stream(route):
        data = route.fetch().json()
        data["progress"].update({field: None for field in unknown})
        route.fulfill(json=data)

    page.route("**/api/config*", as_stream)
    page.route("**/api/questions", as_stream)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator("#p-left").inner_text() == "text 4 of 4" and value() == 1
    # A source whose size is unknown: the page says so and shows no bar.
    unknown.append("texts")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert not bar.is_visible()
    assert page.locator("#p-left").inner_text() == "a stream: total unknown"
    served.stop()


def test_the_chosen_label_survives_a_reload(page, tmp_path):
    db = str(tmp_path / "annotations.sqlite")
    port = free_port()
    options = {"labels": ["BRAND", "TRAIL"], "segment": False}
    served = Served(port, "ner.manual", write_texts(tmp_path), db, **options)
    open_page(page, port)
    page.keyboard.press("2")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    pressed = page.locator("#labels button[aria-pressed=true]")
    assert pressed.get_attribute("data-label") == "TRAIL"
    served.stop()


def test_clicks_inside_a_span_and_its_fields_pass_through(page, tmp_path):
    patterns = tmp_path / "patterns.jsonl"
    srsly.write_jsonl(patterns, [{"label": "BRAND", "pattern": "Osprey", "id": "osprey"}])
    db = str(tmp_path / "annotations.sqlite")
    port = free_port()
    options = {"labels": ["BRAND", "TRAIL"], "patterns": str(patterns), "segment": False}
    served = Served(port, "ner.manual", write_texts(tmp_path), db, **options)
    sent = posted_answers(page)
    open_page(page, port)
    assert page.locator("mark").get_attribute("data-label") == "BRAND"  # the pattern's match
    token(page, "Osprey").click()  # a single click inside a span leaves it alone
    page.wait_for_timeout(400)  # past a double-click
    assert page.locator("mark").count() == 1
    page.keyboard.press("2")
    drag(page, "John", "Trail")
    token(page, "Muir").dblclick()  # inside a span: labels just that token
    assert marked(page) == [("Muir", "TRAIL"), ("Osprey", "BRAND")]
    page.locator("mark .remove").first.click()  # the × removes a span
    assert marked(page) == [("Osprey", "BRAND")]
    page.keyboard.press("a")
    page.locator("#save").click()
    wait_for(lambda: len(answers(db)) == 1)
    served.stop()
    osprey = next(s for s in sent[0]["spans"] if s["label"] == "BRAND")
    assert osprey["source"] and (osprey["pattern_id"], osprey["pattern_line"]) == ("osprey", 1)


def test_an_answer_refused_for_a_text_taken_over_is_dropped_and_the_rest_saved(page, tmp_path):
    import json
    import urllib.request

    db = str(tmp_path / "annotations.sqlite")
    port = free_port()
    options = {"labels": ["BRAND"], "segment": False, "timeout": 1, "idle_submit_s": 60}
    served = Served(port, "ner.manual", write_texts(tmp_path), db, **options)
    open_page(page, port)  # alice holds the four texts
    page.keyboard.press("a")
    page.keyboard.press("x")
    time.sleep(1.5)  # past the timeout: bob takes the first text over
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/questions",
        data=json.dumps({"session": "bob", "n": 1}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        assert [t["text"] for t in json.load(response)["tasks"]] == [TEXTS[0]]
    page.locator("#save").click()
    wait_for(lambda: page.locator("#unsaved").inner_text() == "0")
    assert "1 answers not saved: 409" in page.locator("#status.error").inner_text()
    records = answers(db)
    served.stop()
    assert [(r["text"], r["answer"]) for r in records] == [(TEXTS[1], "reject")]
