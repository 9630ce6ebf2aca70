"""Fuzz the steps end to end through the CLI: generated input files in, no traceback out.

Each example writes an input file of good records (valid, each with a distinct text), fuzzed
lines (every JSON type in every field, raw garbage, from `fuzz/test_readers`' strategies),
known-bad lines (also records that once crashed a step), binary answers that contradict
themselves and other versions of good texts (conflicts), after a stray UTF-16 BOM or not, or a
real file mutated byte by byte; runs the step in-process with typer's `CliRunner`; and checks
that it either exits 0 with valid outputs, every good record in the output, every known-bad
one in the rejects report with its line number, every conflict reported, and counts that
reconcile, or exits 1 with exactly one failure message naming the input file. The default
profile keeps this module to ~40 s; `FUZZ_EXAMPLES=200 pytest -m slow` runs a longer hunt
(the slow variants are skipped without FUZZ_EXAMPLES).
"""

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Tuple

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.tokens import DocBin
from typer.testing import CliRunner

from spacy_ner_plugin.cli import app

from ..conftest import ROOT
from .test_readers import (
    STRAY_BOM,
    fuzzed_records,
    jsonl_lines,
    mutated_docbins,
    mutated_files,
)

FAST = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
# FUZZ_EXAMPLES=200 pytest -m slow tests/fuzz/test_steps.py: a longer hunt. Each example runs
# a whole step, so the slow variants only run when FUZZ_EXAMPLES asks for them.
SLOW = settings(FAST, max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")))
slow = pytest.mark.skipif("FUZZ_EXAMPLES" not in os.environ, reason="set FUZZ_EXAMPLES")

SAMPLE = ROOT / "assets" / "sample"
PATTERNS = SAMPLE / "patterns.jsonl"
# A step end to end per example (~40 s in all): in CI's full run, not the quick one.
pytestmark = pytest.mark.slow

NLP = spacy.blank("en")
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# Lines every reader rejects (as records: preannotate's raw input too).
KNOWN_BAD = [b"{not json", b"[1, 2]", b'{"text": 5}', b"\xff\xfe\x00garbage{"]
TOKENS_PAST_THE_END = [{"text": "ab", "start": 0, "end": 2}, {"text": "x", "start": 3, "end": 4}]
# Records every annotation step rejects (as raw input they are fine).
KNOWN_BAD_ANSWERS = [
    {"text": "ab", "tokens": TOKENS_PAST_THE_END},  # tokens past the end of the text
    {"text": "ab cd", "tokens": TOKENS_PAST_THE_END[:1]},  # tokens short of it
    {"text": "Osprey pack", "spans": [{"start": 0, "end": 6, "label": "B", "answer": 7}]},
]
# Binary answers that contradict themselves: rejected wherever answers are merged into docs.
CONTRADICTING = [
    [(0, 13, "BRAND", "accept"), (6, 19, "GEAR", "accept")],  # overlapping accepted spans
    [(0, 5, "BRAND", "accept"), (0, 5, "BRAND", "reject")],  # one span accepted and rejected
]
SAFE_WORDS = ["Osprey", "pack", "the", "Pacific", "Crest", "Trail", "a", "Köln", "on"]


def fuzz(strategy: st.SearchStrategy) -> Callable:
    """A fast test and a `slow`-marked one with more examples, both from one check."""

    def tests(check: Callable) -> Tuple[Callable, Callable]:
        fast = FAST(given(data=strategy)(check))
        longer = pytest.mark.slow(slow(SLOW(given(data=strategy)(check))))
        return fast, longer

    return tests


# Input files


@st.composite
def valid_records(draw: Callable, n: int) -> dict:
    """A gold record every step accepts; its text is unique (`Good<n>` first)."""
    words = [f"Good{n}", *draw(st.lists(st.sampled_from(SAFE_WORDS), min_size=1, max_size=6))]
    text, spans, offset = "", [], 0
    for word in words:
        if word != words[0] and draw(st.booleans()):
            spans.append({"start": offset, "end": offset + len(word), "label": "BRAND"})
        text += word + " "
        offset += len(word) + 1
    record: dict = {"text": text.strip(), "spans": spans, "answer": "accept"}
    if draw(st.booleans()):
        record["meta"] = {"id": n}
    return record


def contradicting_answer(n: int, spans: List[Tuple[int, int, str, str]]) -> dict:
    """A binary answer about `Black Diamond poles <n>` whose spans contradict each other."""
    spans_ = [{"start": s, "end": e, "label": label, "answer": a} for s, e, label, a in spans]
    return {"text": f"Black Diamond poles {n}", "spans": spans_, "_view_id": "ner"}


def conflicting_version(record: dict) -> dict:
    """Another gold version of a `valid_records` text: a span on `Good<n>`, which it has not."""
    spans = [{"start": 0, "end": len(record["text"].split()[0]), "label": "BRAND"}]
    return {"text": record["text"], "spans": spans, "answer": "accept"}


def one_line(data: bytes) -> bytes:
    """A fuzzed line kept on its own line, so line numbers are known."""
    return data.replace(b"\n", b" ").replace(b"\r", b" ")


class InputFile(NamedTuple):
    """A generated input file and what every step must do with its lines."""

    name: str
    content: bytes
    good: Dict[int, str]  # line: text, in every step's output
    bad: List[int]  # in every step's rejects
    contradicting: List[int]  # rejected where answers merge into docs
    conflicts: Dict[str, List[int]]  # text: lines of answers that conflict


@st.composite
def mixed_files(draw: Callable, raw: bool = False) -> InputFile:
    """Good, fuzzed, known-bad and blank lines mixed; for annotation steps (not `raw`) also
    records that crashed steps once, self-contradicting binary answers and conflicting versions.

    `raw`: good lines are preannotate's raw input (`text` and `meta` only). The first line is
    always good, so a fuzzed line cannot make the file look like another encoding, also after a
    stray UTF-16 BOM.
    """
    kinds = ["good", "fuzz", "bad", "blank"]
    if not raw:
        kinds += ["bad answer", "contradicting", "conflict"]
    kinds = ["good", *draw(st.lists(st.sampled_from(kinds), max_size=8))]
    lines, good, bad, contradicting, conflicts = [], {}, [], [], {}
    records: Dict[int, dict] = {}
    for number, kind in enumerate(kinds, 1):
        if kind == "good":
            record = draw(valid_records(number))
            if raw:
                record = {"text": record["text"], "meta": record.get("meta", {})}
            good[number], records[number] = record["text"], record
            lines.append(json.dumps(record, ensure_ascii=draw(st.booleans())).encode("utf8"))
        elif kind == "bad":
            bad.append(number)
            lines.append(draw(st.sampled_from(KNOWN_BAD)))
        elif kind == "bad answer":
            bad.append(number)
            lines.append(json.dumps(draw(st.sampled_from(KNOWN_BAD_ANSWERS))).encode("utf8"))
        elif kind == "contradicting":
            contradicting.append(number)
            answer = contradicting_answer(number, draw(st.sampled_from(CONTRADICTING)))
            lines.append(json.dumps(answer).encode("utf8"))
        elif kind == "conflict":  # another version of a good text: no step may pick one
            original = draw(st.sampled_from(sorted(records)))
            text = records[original]["text"]
            good.pop(original, None)
            conflicts.setdefault(text, [original]).append(number)
            lines.append(json.dumps(conflicting_version(records[original])).encode("utf8"))
        elif kind == "blank":
            lines.append(b"")
        else:
            lines.append(one_line(draw(jsonl_lines)))
    end = draw(st.sampled_from([b"\n", b"\r\n"]))
    bom = draw(st.sampled_from([b"", b"\xef\xbb\xbf", STRAY_BOM]))
    content = bom + b"".join(line + end for line in lines)
    return InputFile("data.jsonl", content, good, bad, contradicting, conflicts)


@st.composite
def input_files(draw: Callable, raw: bool = False) -> InputFile:
    """A mixed file (with known good and bad lines) or a mutated real file (none known)."""
    if draw(st.integers(0, 3)):
        return draw(mixed_files(raw))
    source, content, _ = draw(mutated_files())
    return InputFile(source.name, content, {}, [], [], {})


# Checks


def invoke(args: List[Any]) -> Tuple[int, str]:
    """Run the CLI in-process; a traceback fails, the plain output is returned."""
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    output = ANSI.sub("", result.output)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: {result.exception!r}\n{output}") from result.exception
    assert "Traceback" not in output, output
    assert result.exit_code in (0, 1), (result.exit_code, output)
    if result.exit_code == 1:
        fails = [line for line in output.splitlines() if line.startswith("✘")]
        assert len(fails) == 1, output
    return result.exit_code, output


def failure_names(output: str, *paths: Path) -> None:
    """The one failure message names one of the inputs (wrapped lines joined)."""
    flat = output.replace("\n", " ")
    assert any(path.name in flat for path in paths), output


def jsonl(path: Path) -> List[Any]:
    """Every line of an output JSONL file parses."""
    with path.open(encoding="utf8") as file_:
        return [json.loads(line) for line in file_ if line.strip()]


def table(output: str, title: str) -> Dict[str, int]:
    """The rows `name   number` of wasabi table `title` in the printed output."""
    rows, inside = {}, False
    for line in output.splitlines():
        if line.startswith("==="):
            inside = f" {title} " in line
            continue
        match = re.match(r"^(\S.*?)\s{2,}(-?\d+)\s*$", line)
        if inside and match:
            rows[match.group(1)] = int(match.group(2))
    return rows


def reconciles(rows: Dict[str, int]) -> None:
    """read = written + rejected + skipped, as printed."""
    assert "read" in rows, rows
    rest = sum(n for name, n in rows.items() if name.startswith(("written", "skipped")))
    assert rows["read"] == rest + rows.get("rejected", 0), rows


def rejected_lines(path: Path, source: Path) -> set:
    rejects = jsonl(path)
    for reject in rejects:
        assert reject["path"] == str(source) and reject["line"] >= 1 and reject["reason"]
    return {reject["line"] for reject in rejects}


def docbin_texts(path: Path) -> List[str]:
    """The texts of a .spacy output (a file or a directory of shards)."""
    files = sorted(path.glob("*.spacy")) if path.is_dir() else [path]
    return [doc.text for f in files for doc in DocBin().from_disk(f).get_docs(NLP.vocab)]


# data-to-spacy


def check_data_to_spacy(data: InputFile) -> None:
    name, content, good, bad, contradicting, conflicts = data
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / name, Path(tmp) / "corpus"
        source.write_bytes(content)
        code, output = invoke(["data-to-spacy", source, "--output", out])
        if code:
            failure_names(output, source)
            if not good:
                return
            # Texts that make no doc (conflicts, answers rejected when merged) still count in
            # the train/dev split, which can leave train empty; without a dev share, every
            # good record makes a training doc.
            assert "No usable training records" in output, output
            args = ["data-to-spacy", source, "--output", out, "--eval-split", 0]
            code, output = invoke(args)
            assert code == 0, output
        texts = docbin_texts(out / "train.spacy") + docbin_texts(out / "dev.spacy")
        assert set(good.values()) <= set(texts)
        assert not set(conflicts) & set(texts)
        assert set(bad + contradicting) <= rejected_lines(out / "rejects.jsonl", source)
        reported = {
            c["text"]: {a["line"] for a in c["answers"]} for c in jsonl(out / "conflicts.jsonl")
        }
        assert all(set(lines) <= reported.get(text, set()) for text, lines in conflicts.items())
        jsonl(out / "span_changes.jsonl")
        json.loads((out / "labels.json").read_text(encoding="utf8"))
        rows = table(output, "Records")
        reconciles(rows)
        assert rows["rejected"] == len(jsonl(out / "rejects.jsonl"))
        assert rows.get("skipped: conflict", 0) >= sum(map(len, conflicts.values()))


test_data_to_spacy, test_data_to_spacy_slow = fuzz(input_files())(check_data_to_spacy)


# db-in, then db-out of the dataset


def check_db_in(data: InputFile) -> None:
    name, content, good, bad, *_ = data
    with tempfile.TemporaryDirectory() as tmp:
        source, db = Path(tmp) / name, Path(tmp) / "x.sqlite"
        source.write_bytes(content)
        code, output = invoke(["db-in", "fuzzed", source, "--db", db])
        if code:
            failure_names(output, source)
            assert not good, output
            return
        rows = table(output, "Records")
        reconciles(rows)
        rejects = source.with_name(f"{source.stem}.rejects.jsonl")
        if rows.get("rejected"):
            assert set(bad) <= rejected_lines(rejects, source)
            assert rows["rejected"] == len(jsonl(rejects))
        else:
            assert not bad
        exported = Path(tmp) / "exported.jsonl"
        code, output = invoke(["db-out", "fuzzed", exported, "--db", db])
        if code:  # nothing was imported: no dataset to export
            assert not rows.get("written: answers"), output
            return
        records = jsonl(exported)
        assert set(good.values()) <= {record["text"] for record in records}
        assert len(records) == rows.get("written: answers", 0)


test_db_in, test_db_in_slow = fuzz(input_files())(check_db_in)


# db-out of a file


@st.composite
def db_out_args(draw: Callable) -> Tuple[InputFile, str]:
    return draw(input_files()), draw(st.sampled_from(["out.jsonl", "out.jsonl", "out.spacy"]))


def check_db_out(data: Tuple[InputFile, str]) -> None:
    (name, content, good, bad, contradicting, _), out_name = data
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / name, Path(tmp) / out_name
        source.write_bytes(content)
        code, output = invoke(["db-out", source, out])
        if code:
            failure_names(output, source)
            return
        rows = table(output, "Records")
        reconciles(rows)
        if out.suffix == ".jsonl":
            texts = [record["text"] for record in jsonl(out)]
        else:
            texts = docbin_texts(out)
        assert len(texts) == sum(n for k, n in rows.items() if k.startswith("written"))
        assert set(good.values()) <= set(texts)
        rejects = out.with_name(f"{out.stem}.rejects.jsonl")
        merged = contradicting if out.suffix == ".spacy" else []  # docs are merged answers
        assert set(bad + merged) <= rejected_lines(rejects, source)
        assert rows["rejected"] == len(jsonl(rejects))


test_db_out, test_db_out_slow = fuzz(db_out_args())(check_db_out)


# stats


def check_stats(data: InputFile) -> None:
    name, content, good, bad, contradicting, conflicts = data
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / name
        source.write_bytes(content)
        code, printed = invoke(["stats", source])
        code_json, as_json = invoke(["stats", source, "--json"])
        assert code == code_json
        if code:
            failure_names(printed, source)
            failure_names(as_json, source)
            return
        numbers = json.loads(as_json)
        overview, answers = table(printed, "Overview"), table(printed, "Answers")
        assert overview["records"] == numbers["records"]
        assert overview["rejected"] == numbers["rejected"]
        assert overview["distinct texts"] == numbers["texts"]
        expected = {**numbers["answers"]}
        expected.update({f"kind: {k}": n for k, n in numbers["kinds"].items()})
        assert answers == {k: n for k, n in expected.items() if n}
        assert numbers["records"] - numbers["rejected"] >= len(good)
        assert numbers["rejected"] >= len(bad) + len(contradicting)
        assert numbers["conflicts"] >= len(conflicts)
        assert overview["conflicting texts"] == numbers["conflicts"]
        assert sum(numbers["sources"].values()) == numbers["records"]


test_stats, test_stats_slow = fuzz(input_files())(check_stats)


# evaluate-patterns


def check_evaluate_patterns(data: InputFile) -> None:
    name, content, good, *_ = data
    with tempfile.TemporaryDirectory() as tmp:
        source, scores = Path(tmp) / name, Path(tmp) / "scores.json"
        source.write_bytes(content)
        code, output = invoke(["evaluate-patterns", PATTERNS, source, "-o", scores])
        if code:
            failure_names(output, source)
            assert not good, output
            return
        json.loads(scores.read_text(encoding="utf8"))


test_evaluate_patterns, test_evaluate_patterns_slow = fuzz(input_files())(check_evaluate_patterns)


def test_annotation_steps_take_a_text_over_a_million_characters():
    """One fixed example (drawn at random it would slow every example down): a text over
    spaCy's max_length goes through every annotation step with a blank tokenizer."""
    long_text = "Good2 Osprey pack " + ("x" * 99 + " ") * 10_000  # long, in few tokens
    records = [
        {"text": "Good1 Osprey pack", "spans": [{"start": 6, "end": 12, "label": "BRAND"}]},
        {"text": long_text, "spans": [{"start": 6, "end": 12, "label": "BRAND"}]},
    ]
    content = b"".join(json.dumps(record).encode("utf8") + b"\n" for record in records)
    data = InputFile("data.jsonl", content, {1: records[0]["text"], 2: long_text}, [], [], {})
    assert len(long_text) > 1_000_000
    for check in (check_data_to_spacy, check_db_in, check_stats, check_evaluate_patterns):
        check(data)
    for out_name in ("out.jsonl", "out.spacy"):
        check_db_out((data, out_name))


# preannotate


def check_preannotate(data: InputFile) -> None:
    name, content, good, bad, *_ = data
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / name, Path(tmp) / "tasks.jsonl"
        source.write_bytes(content)
        args = ["preannotate", source, out, "-p", PATTERNS, "--unsegmented"]
        code, output = invoke(args)
        if code:
            failure_names(output, source)
            return
        tasks = jsonl(out)
        assert set(good.values()) <= {task["text"] for task in tasks}
        rejects = out.with_name(f"{out.stem}.rejects.jsonl")
        assert set(bad) <= rejected_lines(rejects, source)
        rows = table(output, "Texts")
        assert rows["read"] == rows["texts written"] + rows["rejected"], rows
        assert rows["rejected"] == len(jsonl(rejects))
        assert rows["tasks written"] == len(tasks)


test_preannotate, test_preannotate_slow = fuzz(input_files(raw=True))(check_preannotate)


# fill-binary


@st.composite
def spacy_inputs(draw: Callable) -> Tuple[str, Any]:
    """("records", binary records for data-to-spacy) or ("bytes", a mutated .spacy file)."""
    if draw(st.booleans()):
        return "bytes", draw(mutated_docbins())
    records = draw(st.lists(fuzzed_records(), max_size=4))
    n = draw(st.integers(1, 3))
    for i in range(n):  # at least one usable binary answer
        record = draw(valid_records(100 + i))
        start, end = 0, len(record["text"].split()[0])
        record["spans"] = [{"start": start, "end": end, "label": "BRAND"}]
        record["answer"] = draw(st.sampled_from(["accept", "reject"]))
        record["_view_id"] = "ner"
        records.append(record)
    return "records", draw(st.permutations(records))


def check_fill_binary(data: Tuple[str, Any]) -> None:
    kind, payload = data
    with tempfile.TemporaryDirectory() as tmp:
        source, filled = Path(tmp) / "train.spacy", Path(tmp) / "filled.spacy"
        if kind == "bytes":
            source.write_bytes(payload)
        else:
            records = Path(tmp) / "binary.jsonl"
            records.write_bytes(b"\n".join(json.dumps(r).encode("utf8", "surrogatepass")
                                           for r in payload))  # fmt: skip
            code, output = invoke(["data-to-spacy", records, "--output", Path(tmp) / "corpus"])
            if code:
                failure_names(output, records)
                return
            source = Path(tmp) / "corpus" / "train.spacy"
            if source.is_dir():
                return
        code, output = invoke(["fill-binary", source, filled, "-p", PATTERNS])
        if code:
            failure_names(output, source)
            assert kind == "bytes", output  # data-to-spacy's output is always good input
            assert not filled.exists()
            return
        assert len(docbin_texts(filled)) == len(docbin_texts(source))


test_fill_binary, test_fill_binary_slow = fuzz(spacy_inputs())(check_fill_binary)


# evaluate, with a tiny trained model


def check_evaluate(trained_model: Path, data: InputFile) -> None:
    name, content, good, *_ = data
    with tempfile.TemporaryDirectory() as tmp:
        source, scores = Path(tmp) / name, Path(tmp) / "scores.json"
        source.write_bytes(content)
        code, output = invoke(["evaluate", trained_model, source, "-o", scores, "--binary"])
        if code:
            failure_names(output, source)
            assert not good, output
            return
        json.loads(scores.read_text(encoding="utf8"))


@FAST
@given(data=input_files())
def test_evaluate(trained_model, data):
    check_evaluate(trained_model, data)


@pytest.mark.slow
@slow
@SLOW
@given(data=input_files())
def test_evaluate_slow(trained_model, data):
    check_evaluate(trained_model, data)
