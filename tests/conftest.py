"""Shared fixtures: inline annotation records written to temporary JSONL files; and the rule
that under `REQUIRE_ALL_TESTS=1` (CI's full run, with every extra and service) a skip fails."""

import functools
import gc
import json
import os
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple, Union

import pytest
import spacy
import typer.testing
from spacy.tokens import Doc, DocBin

ROOT = Path(__file__).parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"

requires_shared_data = pytest.mark.skipif(
    not SHARED_DATA.exists(), reason="../shared/data is not available"
)


def _skip_is_a_failure(report: pytest.TestReport | pytest.CollectReport) -> bool:
    """Whether a skipped report must fail: all tests are required (CI's full run sets
    FUZZ_EXAMPLES too, so a missing extra, browser, database, Ray or fuzz hunt fails)."""
    return bool(report.skipped and os.environ.get("REQUIRE_ALL_TESTS"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = (yield).get_result()
    if _skip_is_a_failure(report) and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped, but REQUIRE_ALL_TESTS is set: {report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    report = (yield).get_result()
    if _skip_is_a_failure(report):
        report.outcome = "failed"
        report.longrepr = f"skipped, but REQUIRE_ALL_TESTS is set: {report.longrepr}"


@pytest.fixture(autouse=True, scope="session")
def click_command_built_once():
    """typer's CliRunner turns the app into a click command on every invoke (11 ms for ours,
    about 3 s over the quick run): build each app's command once per session."""
    build = getattr(typer.testing, "_get_command", None)  # None: a typer that builds it elsewhere
    with pytest.MonkeyPatch.context() as patch:
        if build is not None:
            patch.setattr(typer.testing, "_get_command", functools.lru_cache(maxsize=None)(build))
        yield


def task(text: str, *ents: str, label: str = "BRAND", **extra: Any) -> Dict[str, Any]:
    """A gold record whose spans are the first occurrence of each string in `ents`."""
    spans = []
    for ent in ents:
        start = text.index(ent)
        spans.append({"start": start, "end": start + len(ent), "label": label})
    return {"text": text, "spans": spans, "answer": "accept", **extra}


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[..., Path]:
    """Write records (dicts, or raw strings/bytes taken as literal lines) to a JSONL file."""

    def write(lines: List[Union[Dict[str, Any], str, bytes]], name: str = "data.jsonl") -> Path:
        path = tmp_path / name
        with path.open("wb") as file_:
            for line in lines:
                if isinstance(line, dict):
                    line = json.dumps(line)
                if isinstance(line, str):
                    line = line.encode("utf8")
                file_.write(line + b"\n")
        return path

    return write


@pytest.fixture(scope="session")
def nlp() -> spacy.language.Language:
    return spacy.blank("en")


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny NER pipeline that has learned to tag "Osprey" as BRAND (trained in seconds)."""
    from spacy.training import Example

    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    records = [task(f"I took my Osprey pack on trip {i}", "Osprey") for i in range(6)]
    records += [{"text": f"It rained on day {i} of the hike", "spans": []} for i in range(6)]
    examples = [
        Example.from_dict(
            nlp.make_doc(r["text"]),
            {"entities": [(s["start"], s["end"], s["label"]) for s in r["spans"]]},
        )
        for r in records
    ]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(30):
        nlp.update(examples, sgd=optimizer)
    path = tmp_path_factory.mktemp("model") / "model"
    nlp.to_disk(path)
    return path


def read_docs(path: Path, nlp: spacy.language.Language) -> List[Doc]:
    """The docs of a .spacy file."""
    return list(DocBin().from_disk(path).get_docs(nlp.vocab))


def one_sentence_conll(path: Path, n_tokens: int) -> Path:
    """A CoNLL file of one sentence of `n_tokens` tokens (for linear-time checks)."""
    tags = ("B-X", "I-X", "O", "O", "B-Y", "O", "O", "O", "O", "O")
    lines = [f"w{i % 5000}\t{tags[i % len(tags)]}\n" for i in range(n_tokens)]
    path.write_text("".join(lines), encoding="utf8")
    return path


def cpu_timed(function: Callable, *args: Any) -> Tuple[float, Any]:
    """CPU seconds of `function(*args)` (no garbage collection: it counts the work) and result."""
    gc.disable()
    try:
        started = time.process_time()
        result = function(*args)
        return time.process_time() - started, result
    finally:
        gc.enable()


BIG = 2**80  # beyond 64 bits: ujson and orjson cannot write it


def read_lines(path: Path) -> List[Any]:
    """The values of a JSONL file, read by the standard library (so big integers are exact)."""
    return [json.loads(line) for line in path.read_text(encoding="utf8").splitlines()]


# A valid record, and records each with one field of the wrong type: name -> (record, field).
HELLO_RECORD = {"text": "Hello world", "spans": [{"start": 0, "end": 5, "label": "GREETING"}]}
HELLO_TOKENS = [
    {"text": "Hello", "start": 0, "end": 5, "id": 0},
    {"text": "world", "start": 6, "end": 11, "id": 1},
]


def tokens_with(i: int, **changes: Any) -> List[Dict[str, Any]]:
    """HELLO_TOKENS with token `i` changed (a change to None removes the key)."""
    tokens = [dict(t) for t in HELLO_TOKENS]
    tokens[i] = {k: v for k, v in {**tokens[i], **changes}.items() if v is not None}
    return tokens


WRONG_TYPE_RECORDS = {
    "token without start": ({**HELLO_RECORD, "tokens": tokens_with(1, start=None)}, "tokens"),
    "string start": ({**HELLO_RECORD, "tokens": tokens_with(1, start="6")}, "tokens"),
    "first token's start a string": (
        {**HELLO_RECORD, "tokens": tokens_with(0, start="0")},
        "tokens",
    ),
    "token a string": ({**HELLO_RECORD, "tokens": [HELLO_TOKENS[0], "world"]}, "tokens"),
    "duplicate token ids": ({**HELLO_RECORD, "tokens": tokens_with(1, id=0)}, "tokens"),
    "tokens going back": (
        {"text": "Hello", "tokens": [HELLO_TOKENS[0], HELLO_TOKENS[0]]},
        "tokens",
    ),
    "boolean offsets": ({**HELLO_RECORD, "tokens": tokens_with(0, start=False)}, "tokens"),
    "negative start": ({"text": "ab", "tokens": [{"text": "ab", "start": -2, "end": 2}]}, "tokens"),
    "spans a string": ({**HELLO_RECORD, "spans": "0-5 GREETING"}, "spans"),
    "span not an object": ({**HELLO_RECORD, "spans": [[0, 5, "GREETING"]]}, "spans"),
    "numeric label": ({**HELLO_RECORD, "spans": [{"start": 0, "end": 5, "label": 7}]}, "spans"),
    "meta a list": ({**HELLO_RECORD, "meta": [1]}, "meta"),
    "string hash": ({**HELLO_RECORD, "_input_hash": "12"}, "_input_hash"),
    "answer a list": ({**HELLO_RECORD, "answer": ["accept"]}, "answer"),
    "text a number": ({"text": 5}, "text"),
}

# Records with non-ASCII text, and their JSONL text (to write in other encodings).
RECORDS = [HELLO_RECORD, {"text": "Grüße aus Köln", "spans": []}, {"text": "naïve café"}]
JSONL_TEXT = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS)


def good_docbin_bytes(nlp: spacy.language.Language) -> bytes:
    """A .spacy file's bytes: two docs, every token outside an entity."""
    docs = [nlp("hello world"), nlp("another one")]
    for doc in docs:
        doc.set_ents([], default="outside")
    return DocBin(docs=docs).to_bytes()


# Records that once crashed the merge of every step (now each a reject of its line and field).
CRASHERS = {
    "tokens past the end of the text": (
        {
            "text": "ab",
            "tokens": [{"text": "ab", "start": 0, "end": 2}, {"text": "x", "start": 3, "end": 4}],
        },
        "tokens",
    ),
    "overlapping accepted spans of one binary answer": (
        {
            "text": "Black Diamond poles",
            "_view_id": "ner",
            "spans": [
                {"start": 0, "end": 13, "label": "BRAND", "answer": "accept"},
                {"start": 6, "end": 19, "label": "GEAR", "answer": "accept"},
            ],
        },
        "spans",
    ),
    "a span answer that is no answer": (
        {"text": "Osprey pack", "spans": [{"start": 0, "end": 6, "label": "B", "answer": 7}]},
        "spans.0.answer",
    ),
}
