# ruff: noqa: E402
"""`annotate --guidelines FILE.md`: the Markdown rendered safely, each label's section picked
out, served only with the token; a missing or unreadable file is a usage error at start."""

import pytest

# The app extra's server (pip install -e '.[app]'; .ci/run installs it).
pytest.importorskip("fastapi")
pytest.importorskip("markdown_it")

import srsly
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from spacy_ner_plugin.app.guidelines import render_guidelines, safe_link
from spacy_ner_plugin.app.server import make_app
from spacy_ner_plugin.cli import app as cli
from spacy_ner_plugin.errors import UsageError

GUIDELINES = """# Gear guidelines

Mark brands and trails. <script>window.hacked = 1</script>
<img src=x onerror="window.hacked=1">

[safe](https://example.org/rules) [bad](javascript:alert(1)) [BAD](JaVaScRiPt:alert(1))
[data](data:text/html;base64,PHNjcmlwdD4=) [vb](vbscript:msgbox) ![pixel](data:image/png;base64,AA)
<javascript:alert(2)>

## BRAND

A company's name, *not* its products.

### Examples

Osprey, Salomon.

## trail

A named trail.

# Appendix

Nothing per label.
"""


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "raw.jsonl"
    srsly.write_jsonl(path, [{"text": "I love my Osprey pack"}])
    return path


def serve(tmp_path, source, text=GUIDELINES, **options):
    path = tmp_path / "guidelines.md"
    path.write_text(text, encoding="utf8")
    app, annotation = make_app(
        "ner.manual", "gear", str(source), db=str(tmp_path / "db.sqlite"),
        labels=["BRAND", "TRAIL"], guidelines=path, **options,
    )  # fmt: skip
    return TestClient(app, base_url="http://127.0.0.1"), annotation


def test_the_guidelines_are_rendered_with_no_html_and_no_script_links(tmp_path, source):
    client, _ = serve(tmp_path, source)
    found = client.get("/api/guidelines").json()
    html = found["html"]
    assert "<h1>Gear guidelines</h1>" in html
    assert "&lt;script&gt;window.hacked = 1&lt;/script&gt;" in html
    assert "<script" not in html and "<img" not in html
    assert "&lt;img src=x onerror=&quot;window.hacked=1&quot;&gt;" in html  # as text
    assert '<a href="https://example.org/rules" target="_blank" rel="noopener noreferrer">' in html
    for scheme in ("javascript:", "JaVaScRiPt:", "data:", "vbscript:"):
        assert f'href="{scheme}' not in html and f'src="{scheme}' not in html
    assert "[bad](javascript:alert(1))" in html  # left as text
    assert "<a " not in html.split("safe</a>", 1)[1]  # no other link survived


def test_each_labels_section_is_picked_out_by_its_heading(tmp_path, source):
    client, _ = serve(tmp_path, source)
    labels = client.get("/api/guidelines").json()["labels"]
    assert set(labels) == {"BRAND", "TRAIL"}  # "## trail" names TRAIL, ignoring case
    assert labels["BRAND"] == (
        "<p>A company's name, <em>not</em> its products.</p>\n<h3>Examples</h3>\n"
        "<p>Osprey, Salomon.</p>\n"
    )
    assert labels["TRAIL"] == "<p>A named trail.</p>\n"  # up to the next h1


def test_without_guidelines_the_endpoint_says_so(tmp_path, source):
    app, _ = make_app("ner.manual", "gear", str(source), db=str(tmp_path / "db.sqlite"),
                      labels=["BRAND"])  # fmt: skip
    client = TestClient(app, base_url="http://127.0.0.1")
    assert client.get("/api/guidelines").json() == {"html": None, "labels": {}}


def test_the_guidelines_need_the_token(tmp_path, source):
    client, annotation = serve(tmp_path, source, sessions=["alice", "bob"])
    assert client.get("/api/guidelines").status_code == 401
    assert client.get("/api/guidelines", headers={"X-Token": "x" * 24}).status_code == 401
    token = next(iter(annotation.access.tokens))
    assert client.get("/api/guidelines", headers={"X-Token": token}).json()["html"]


def test_the_page_loads_the_panels_script_and_serves_it(tmp_path, source):
    client, _ = serve(tmp_path, source)
    page = client.get("/").text
    assert '<script type="module" src="/static/guidelines.js">' in page
    assert 'id="guidelines-open"' in page and 'id="label-note"' in page
    script = client.get("/static/guidelines.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "innerHTML" not in script.text and "eval(" not in script.text


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda p: None, "No such file"),
        (lambda p: p.mkdir(), "Is a directory"),
        (lambda p: p.write_bytes(b"# ok\n\xff\xfe bad"), "not UTF-8 text"),
        (lambda p: p.write_bytes(b"x" * 1_000_001), "too large"),
    ],
    ids=["missing", "directory", "not-utf8", "too-large"],
)
def test_an_unreadable_guidelines_file_is_a_usage_error_before_the_server_starts(
    tmp_path, source, make, reason
):
    path = tmp_path / "guidelines.md"
    make(path)
    with pytest.raises(UsageError, match=reason):
        make_app("ner.manual", "gear", str(source), db=str(tmp_path / "db.sqlite"),
                 labels=["BRAND"], guidelines=path)  # fmt: skip
    args = ["annotate", "ner.manual", "gear", str(source), "--label", "BRAND",
            "--db", str(tmp_path / "db.sqlite"), "--guidelines", str(path)]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "guidelines" in result.output and reason in result.output


def test_the_non_utf8_error_names_the_line(tmp_path, source):
    path = tmp_path / "guidelines.md"
    path.write_bytes(b"# ok\nfine\n\xff bad\n")
    with pytest.raises(UsageError, match="not UTF-8 text: line 3"):
        make_app("ner.manual", "gear", str(source), db=str(tmp_path / "db.sqlite"),
                 labels=["BRAND"], guidelines=path)  # fmt: skip


@pytest.mark.parametrize(
    "url, safe",
    [("https://a.b", True), ("rules.md#brand", True), ("mailto:x@y.z", True),
     ("javascript:alert(1)", False), (" JAVASCRIPT:alert(1)", False),
     ("data:text/html,x", False), ("file:///etc/passwd", False), ("vbscript:x", False)],
)  # fmt: skip
def test_safe_link(url, safe):
    assert safe_link(url) is safe


def test_render_guidelines_keeps_the_first_section_of_a_label():
    found = render_guidelines("## A\none\n## A\ntwo\n", ["A"])
    assert found.labels == {"A": "<p>one</p>\n"}
