# ruff: noqa: E402
"""Who may use a running app and as which session: tokens, per-annotator sessions, no schema."""

import pytest

# The app extra's server (pip install -e '.[app]'; .ci/run installs it).
pytest.importorskip("fastapi")

import srsly
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from spacy_ner_plugin.app.access import Access, AccessDenied, page_url
from spacy_ner_plugin.app.server import make_app
from spacy_ner_plugin.cli import app as cli
from spacy_ner_plugin.errors import UsageError

BASE = "http://127.0.0.1"


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "raw.jsonl"
    srsly.write_jsonl(path, [{"text": f"I love my Osprey pack number {i}"} for i in range(6)])
    return path


def client_for(source, tmp_path, host="127.0.0.1", **options):
    app, annotation = make_app(
        "ner.manual", "gear", str(source), db=str(tmp_path / "a.sqlite"), host=host,
        labels=["BRAND"], **options,
    )  # fmt: skip
    return TestClient(app, base_url=BASE), annotation


def token_of(annotation, name):
    return next(t for t, n in annotation.access.tokens.items() if n == name)


@pytest.mark.parametrize("token", ["", " ", "short", "with space in it ok?", "x" * 201])
def test_an_empty_or_weak_token_is_a_usage_error(source, tmp_path, token):
    with pytest.raises(UsageError, match="token"):
        client_for(source, tmp_path, token=token)


def test_an_empty_token_on_the_command_line_exits_2(source, tmp_path):
    args = ["annotate", "ner.manual", "gear", str(source), "--label", "B", "--token", ""]
    result = CliRunner().invoke(cli, [*args, "--db", str(tmp_path / "a.sqlite")])
    assert result.exit_code == 2 and "Bad --token" in result.output


def test_an_empty_token_header_is_not_a_token(source, tmp_path):
    client, _ = client_for(source, tmp_path, host="0.0.0.0")
    assert client.get("/api/config", headers={"X-Token": ""}).status_code == 401
    assert client.get("/api/config").status_code == 401


def test_a_non_loopback_host_needs_the_token(source, tmp_path):
    client, annotation = client_for(source, tmp_path, host="0.0.0.0")
    ((token, name),) = annotation.access.tokens.items()
    assert name is None and len(token) >= 24
    assert client.get("/api/config", headers={"X-Token": "wrong"}).status_code == 401
    assert client.get("/api/config", headers={"X-Token": token}).status_code == 200
    assert client.get("/").status_code == 200  # the page itself holds no data
    loopback, annotation = client_for(source, tmp_path)
    assert annotation.access.open and loopback.get("/api/config").status_code == 200
    # Bound to loopback, only loopback host names are served (no DNS rebinding).
    assert loopback.get("/api/config", headers={"host": "evil.example"}).status_code == 400


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_no_schema_or_docs_are_served_even_with_the_token(source, tmp_path, host):
    client, annotation = client_for(source, tmp_path, host=host)
    headers = {"X-Token": next(iter(annotation.access.tokens), "")}
    for path in ("/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"):
        assert client.get(path, headers=headers).status_code == 404, path


def test_each_annotator_of_sessions_acts_through_their_own_token(source, tmp_path):
    client, annotation = client_for(source, tmp_path, sessions=["alice", "bob"])
    alice, bob = token_of(annotation, "alice"), token_of(annotation, "bob")
    assert alice != bob
    config = client.get("/api/config", headers={"X-Token": alice}).json()
    assert config["session"] == "gear-alice"
    # The name in the query or body cannot change who a token is.
    assert client.get("/api/config?session=bob", headers={"X-Token": alice}).status_code == 403
    body = {"session": "bob", "n": 1}
    assert client.post("/api/questions", json=body, headers={"X-Token": alice}).status_code == 403
    assert client.get("/api/config?session=alice").status_code == 401
    tasks = client.post("/api/questions", json={"n": 2}, headers={"X-Token": bob}).json()
    assert len(tasks["tasks"]) == 2
    progress = client.get("/api/progress", headers={"X-Token": bob}).json()
    assert progress["session"] == 0


def test_a_shared_token_on_a_reachable_host_names_no_sessions(source, tmp_path):
    client, annotation = client_for(source, tmp_path, host="0.0.0.0")
    headers = {"X-Token": token_of(annotation, None)}
    assert client.get("/api/config?session=mallory", headers=headers).status_code == 403
    assert client.get("/api/config", headers=headers).status_code == 200
    # On loopback the shared token may still be combined with ?session= (nobody else connects).
    client, annotation = client_for(source, tmp_path, token="a-long-enough-token-1234")
    headers = {"X-Token": "a-long-enough-token-1234"}
    config = client.get("/api/config?session=carol", headers=headers).json()
    assert config["session"] == "gear-carol"


def test_access_rules():
    with pytest.raises(UsageError, match="not both"):
        Access.make("127.0.0.1", "a-long-enough-token-1234", ["alice"])
    with pytest.raises(UsageError, match="twice"):
        Access.make("127.0.0.1", None, ["alice", "alice"])
    with pytest.raises(UsageError, match="session name"):
        Access.make("127.0.0.1", None, ["a b"])
    open_access = Access.make("localhost")
    assert open_access.open and open_access.session(None, "zoe") == "zoe"
    named = Access.make("::1", None, ["zoe"])
    with pytest.raises(AccessDenied) as denied:
        named.session("not-a-token-of-the-app", None)
    assert denied.value.status == 401


@pytest.mark.parametrize("host", ["0.0.0.0", "::", ""])
def test_urls_printed_for_every_interface_use_an_address_annotators_can_open(host):
    url = page_url(host, 8080, "tok")
    assert "0.0.0.0" not in url and "[::]" not in url and "//:" not in url
    assert url.startswith("http://") and url.endswith(":8080/?token=tok")
    urls = Access.make("0.0.0.0", None, ["alice", "bob"]).urls(host, 8080)
    assert [name for name, _ in urls] == ["alice", "bob"]
    assert all("?token=" in url and "0.0.0.0" not in url for _, url in urls)


def test_the_command_prints_one_url_per_annotator(source, tmp_path, monkeypatch):
    import uvicorn

    served = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append(kw))
    args = ["annotate", "ner.manual", "gear", str(source), "--label", "B", "--port", "8123"]
    result = CliRunner().invoke(
        cli, [*args, "--sessions", "alice,bob", "--db", str(tmp_path / "a.sqlite")]
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "?token=" in line]
    assert [line.split(":")[0].strip() for line in lines] == ["alice", "bob"]
    assert served == [{"host": "127.0.0.1", "port": 8123, "log_level": "warning"}]
