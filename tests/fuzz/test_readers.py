"""Fuzz the readers: any bytes in, every line out as a record or a located reject, no crash.

Records put every JSON type in every field (huge integers, NaN, deep nesting, lone surrogates,
NUL, right-to-left and zero-width characters at span edges); files are real ones
(`assets/sample`, and `../shared/data` when present) mutated byte by byte (BOMs, truncation,
mixed line ends, latin-1 and UTF-16 re-encodings, gzip). The only exception a reader may raise
is `PluginError`, for a problem of the whole file; a record-level function may raise only
`InvalidRecord`. The default profile keeps this module to ~10 s; the `slow` variants run more.
"""

import gzip
import json
import os
import tempfile
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spacy_ner_plugin.annotations.docs import record_doc, record_to_doc
from spacy_ner_plugin.annotations.formats import READERS, read_records
from spacy_ner_plugin.annotations.formats.detect import detect_format
from spacy_ner_plugin.annotations.gold import read_gold_docs
from spacy_ner_plugin.annotations.merge import Answer, merge_answers
from spacy_ner_plugin.annotations.normalize import normalize_record
from spacy_ner_plugin.constants import ANSWERS, BINARY, GOLD
from spacy_ner_plugin.errors import PluginError
from spacy_ner_plugin.io.hashing import set_hashes
from spacy_ner_plugin.io.partitions import plan_shards, read_raw
from spacy_ner_plugin.io.records import (
    InvalidRecord,
    Line,
    is_json_array_file,
    json_line,
    read_jsonl,
)

from ..conftest import ROOT, SHARED_DATA

FAST = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
# FUZZ_EXAMPLES=5000 pytest -m slow tests/fuzz/test_readers.py: a longer hunt
SLOW = settings(FAST, max_examples=int(os.environ.get("FUZZ_EXAMPLES", "400")))

NLP = spacy.blank("en")

# Characters that break naive offset arithmetic or encoders, put at span edges.
TRICKY = [
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\u202e",  # right-to-left override
    "\u05d0\u05d1",  # Hebrew letters (RTL)
    "\ufeff",  # BOM / zero-width no-break space
    "\x00",
    "\u2028",  # line separator
    "\xa0",
    "\ud800",  # lone surrogate
    "\udfff",
    "\U0001f600",
    "é",
    "\r",
]
WORDS = ["Osprey", "pack", "the", "Pacific", "Crest", "Trail", "a", "Köln", *TRICKY]
STRAY_BOM = b"\xff\xfe"  # UTF-16-LE's, before UTF-8 text


def fuzz(strategy: st.SearchStrategy) -> Callable:
    """A fast test and a `slow`-marked one with more examples, both from one check."""

    def tests(check: Callable[[Any], None]) -> Tuple[Callable, Callable]:
        fast = FAST(given(strategy)(check))
        slow = pytest.mark.slow(SLOW(given(strategy)(check)))
        return fast, slow

    return tests


# Strategies

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.sampled_from([0, -1, 2**63, -(2**63) - 1, 2**64, 10**30])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
    | st.sampled_from(TRICKY)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=10,
)


@st.composite
def good_records(draw: Callable) -> dict:
    """A Prodigy-style record with tokens and spans at token edges, tricky characters included."""
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8))
    tokens, pieces, offset = [], [], 0
    for i, word in enumerate(words):
        space = draw(st.booleans()) and i < len(words) - 1
        tokens.append({"text": word, "start": offset, "end": offset + len(word), "id": i})
        pieces.append(word + (" " if space else ""))
        offset += len(word) + space
    record: dict = {"text": "".join(pieces)}
    if draw(st.booleans()):
        record["tokens"] = tokens
    spans = []
    i = 0
    while i < len(tokens):
        if draw(st.booleans()):
            j = draw(st.integers(i, len(tokens) - 1))
            label = draw(st.sampled_from(["BRAND", "TRAIL", "X\u200b", "\u05d0", "A\ud800"]))
            spans.append({"start": tokens[i]["start"], "end": tokens[j]["end"], "label": label})
            i = j + 1
        i += 1
    record["spans"] = spans
    record["answer"] = draw(st.sampled_from(["accept", "reject", "ignore"]))
    if draw(st.booleans()):
        record["meta"] = {"id": draw(st.integers(-(2**80), 2**80))}
    if draw(st.booleans()):
        record["_view_id"] = draw(st.sampled_from(["ner", "ner_manual", "text"]))
    return record


FIELDS = ["text", "spans", "tokens", "answer", "meta", "_input_hash", "_task_hash", "label"]


@st.composite
def fuzzed_records(draw: Callable) -> dict:
    """A good record with a few fields (or parts of them) replaced by any JSON value."""
    record = draw(good_records())
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True)):
        record[name] = draw(json_values)
    if record.get("spans") and isinstance(record["spans"], list) and draw(st.booleans()):
        i = draw(st.integers(0, len(record["spans"]) - 1))
        record["spans"][i] = draw(
            json_values
            | st.dictionaries(st.sampled_from(["start", "end", "label"]), json_values, max_size=3)
        )
    tokens = record.get("tokens")
    if isinstance(tokens, list) and tokens and draw(st.booleans()):
        i = draw(st.integers(0, len(tokens) - 1))
        key = draw(st.sampled_from(["start", "end", "id", "text"]))
        tokens[i] = {**tokens[i], key: draw(json_values)} if isinstance(tokens[i], dict) else None
    how = draw(st.sampled_from(["as is", "tokens off the text", "contradicting spans"]))
    if how == "tokens off the text":
        tokens_off_the_text(draw, record)
    elif how == "contradicting spans":
        contradicting_spans(draw, record)
    return record


def tokens_off_the_text(draw: Callable, record: dict) -> None:
    """Tokens that stop short of the text's end, or run past it."""
    if isinstance(record.get("text"), str) and isinstance(record.get("tokens"), list):
        if draw(st.booleans()):
            record["tokens"] = record["tokens"][:-1] or [{"text": "x", "start": 0, "end": 1}]
        else:
            cut = draw(st.integers(0, max(len(record["text"]) - 1, 0)))
            record["text"] = record["text"][:cut] or "x"


def contradicting_spans(draw: Callable, record: dict) -> None:
    """Spans with answers of their own (any value), overlapping or repeating each other."""
    spans = record.get("spans")
    if not isinstance(spans, list) or not spans or not isinstance(spans[0], dict):
        return
    answers = st.sampled_from(ANSWERS) | json_values
    twin = {**spans[0], "answer": draw(answers)}
    if draw(st.booleans()) and isinstance(twin.get("end"), int):
        twin["end"] += draw(st.integers(-2, 8))
    if draw(st.booleans()):
        twin["label"] = draw(st.sampled_from(["BRAND", "TRAIL"]))
    spans[0] = {**spans[0], "answer": draw(answers)}
    spans.insert(draw(st.integers(0, len(spans))), twin)
    record.setdefault("_view_id", "ner")


def dumps(record: Any, ensure_ascii: bool) -> bytes:
    """Python's json (NaN and lone surrogates allowed) as bytes, surrogates as invalid UTF-8."""
    text = json.dumps(record, ensure_ascii=ensure_ascii, allow_nan=True)
    return text.encode("utf8", "surrogatepass")


RAW_LINES = [
    b"",
    b"   ",
    b"[1, 2]",
    b'"just a string"',
    b"{not json",
    b'{"text": "x", "meta": {"v": NaN}}',
    b'{"text": "x", "meta": {"v": 1e999}}',
    b'{"text": "x\\ud800"}',
    b'{"text": "x", "meta": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"text": "x", "meta": ' + b"1" * 5000 + b"}",
    b"\x00\x00",
    b'{"text": "caf\xe9"}',
    b"\xef\xbb\xbf" + b'{"text": "bom in the middle"}',
]

jsonl_lines = st.one_of(
    st.builds(dumps, fuzzed_records(), st.booleans()),
    st.builds(dumps, json_values, st.booleans()),
    st.sampled_from(RAW_LINES),
    st.binary(max_size=20),
)


@st.composite
def jsonl_files(draw: Callable) -> bytes:
    lines = draw(st.lists(jsonl_lines, min_size=1, max_size=6))
    ends = draw(
        st.lists(st.sampled_from([b"\n", b"\r\n"]), min_size=len(lines), max_size=len(lines))
    )
    bom = draw(st.sampled_from([b"", b"\xef\xbb\xbf", STRAY_BOM]))
    if bom == STRAY_BOM:  # before a line of UTF-8 text: the BOM is stray, not UTF-16's
        lines[0] = dumps(draw(good_records()), ensure_ascii=True)
    # A line of random bytes may hold "\n" itself: the file's lines are what splitting finds.
    return bom + b"".join(line + end for line, end in zip(lines, ends))


# Checks


@contextmanager
def file_with(content: bytes, name: str = "data.jsonl") -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        yield path


def non_blank_utf8_lines(content: bytes) -> List[int]:
    """The numbers of the lines a UTF-8 (optionally BOM) file has that are not blank."""
    content = content.removeprefix(b"\xef\xbb\xbf").removeprefix(STRAY_BOM)
    lines = content.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [i for i, raw in enumerate(lines, 1) if raw.decode("utf8", "replace").strip()]


def check_lines(
    lines: List[Line], path: Path, one_per_line: bool = True, ordered: bool = True
) -> None:
    """Every line is a record or a located reject, in file order (unless records group lines)."""
    numbers = [line.line for line in lines]
    assert numbers == sorted(numbers) or not ordered
    if one_per_line:
        assert len(set(numbers)) == len(numbers)
    for line in lines:
        assert (line.record is None) != (line.reject is None), line
        assert line.line >= 1 and line.path == str(path)
        if line.reject is not None:
            assert line.reject.line == line.line and line.reject.reason
            json_line(line.reject.to_json())  # the rejects report can always be written
        else:
            assert isinstance(line.record, dict)


def check_record_functions(record: dict) -> None:
    """The record-level functions raise `InvalidRecord` or nothing; hashing never raises."""
    set_hashes(dict(record), overwrite=True)
    for function in (
        lambda: record_to_doc(dict(record), NLP.vocab, NLP.make_doc),
        lambda: record_doc(dict(record), NLP.vocab, NLP.make_doc),
        lambda: normalize_record(dict(record), NLP.vocab),
    ):
        try:
            function()
        except InvalidRecord as err:
            assert err.reason
    for kind in (GOLD, BINARY):  # merging raises nothing: every answer is accounted for
        merged = merge_answers([Answer("x.jsonl", 1, dict(record), kind)], NLP)
        assert merged.used + sum(merged.skipped.values()) + len(merged.rejects) == 1


def read_all(read: Callable[[], Any]) -> List[Line] | None:
    """The lines a reader yields, or None when it refuses the whole file with `PluginError`."""
    try:
        return list(read())
    except PluginError:
        return None


def check_gold(paths: List[Path], texts: set | None = None) -> None:
    """`read_gold_docs` accounts for every record and only yields texts that were read."""
    from spacy_ner_plugin.annotations.counts import ConversionCounts

    rejects: list = []
    counts = ConversionCounts()
    try:
        docs = list(read_gold_docs(paths, NLP, rejects, counts, binary=True))
    except PluginError:
        return
    assert counts.reconciles, counts
    assert counts.rejected == len(rejects)
    if texts is not None:
        assert all(doc.text in texts for doc in docs)


# Records: JSONL with every JSON type in every field


def check_jsonl(content: bytes) -> None:
    with file_with(content) as path:
        lines = list(read_jsonl(path))
        check_lines(lines, path)
        assert [line.line for line in lines] == non_blank_utf8_lines(content)
        lines = list(read_records(path, "doccano"))
        check_lines(lines, path)
        assert [line.line for line in lines] == non_blank_utf8_lines(content)
        lines = list(read_records(path, "prodigy"))
        # a file that is one JSON array (`[...]` alone on its line) is read as its items
        is_array = is_json_array_file(content.decode("utf8", "replace").lstrip("\ufeff"))
        check_lines(lines, path, one_per_line=not is_array)
        if not is_array:
            assert [line.line for line in lines] == non_blank_utf8_lines(content)
        for line in lines:
            if line.record is not None:
                assert json.loads(json_line(line.record)) == line.record
        for line in read_jsonl(path):
            if line.record is not None:
                check_record_functions(line.record)
        texts = {line.record["text"] for line in read_records(path) if line.record}
        check_gold([path], texts)


test_jsonl_records, test_jsonl_records_slow = fuzz(jsonl_files())(check_jsonl)


def check_python_records(record: dict) -> None:
    check_record_functions(record)


test_python_records, test_python_records_slow = fuzz(fuzzed_records())(check_python_records)


# JSON arrays: Label Studio (full and JSON-MIN) and spaCy v2


@st.composite
def label_studio_items(draw: Callable) -> Any:
    record = draw(good_records())
    regions = [
        {"start": s["start"], "end": s["end"], "labels": [s["label"]]} for s in record["spans"]
    ]
    full = {
        "id": draw(st.integers(-(2**70), 2**70)),
        "data": {"text": record["text"]},
        "annotations": [
            {"result": [{"type": "labels", "value": v} for v in regions], "was_cancelled": False}
        ],
    }
    minimal = {"text": record["text"], "label": regions}
    item = draw(st.sampled_from([full, minimal]))
    # then break one part of it
    where = draw(st.sampled_from(["none", "item", "data", "annotations", "result", "value"]))
    value = draw(json_values)
    if where == "item":
        return value
    if item is full and where == "data":
        full["data"] = value
    elif item is full and where == "annotations":
        full["annotations"] = value
    elif item is full and where == "result":
        full["annotations"][0]["result"] = value
    elif item is full and where == "value" and regions:
        full["annotations"][0]["result"][0]["value"] = value
    elif item is minimal and where != "none":
        minimal["label"] = value
    return item


@st.composite
def spacy_v2_items(draw: Callable) -> Any:
    record = draw(good_records())
    ents = [[s["start"], s["end"], s["label"]] for s in record["spans"]]
    item: Any = [record["text"], {"entities": ents}]
    where = draw(st.sampled_from(["none", "item", "text", "entities", "entity"]))
    value = draw(json_values)
    if where == "item":
        item = value
    elif where == "text":
        item[0] = value
    elif where == "entities":
        item[1]["entities"] = value
    elif where == "entity" and ents:
        ents[0] = value
    return item


# Items that are not JSON, one per line of an array file: each must reject only itself. (An
# unclosed list is left out: the items after it would complete it, `[1, 2,` + `3]`, and the
# array is then reported as not closed.)
BROKEN_ITEMS = [
    b'{"data": {"text": "x"}, "annotations": [}',
    b'{"id": 1,, "data": {"text": "x"}}',
    b'["x", {"entities": [}',
    b'{"text": "unterminated',
    b'{"text" "no colon"}',
    b'{"data": {"text": "truncated"',
    b"[1, 2}",
    b"{",
]


def array_file(items: List[Any], ensure_ascii: bool) -> bytes:
    """One item per line (bytes items as they are), so each item's line is known."""
    lines = (item if isinstance(item, bytes) else dumps(item, ensure_ascii) for item in items)
    return b"[\n" + b",\n".join(lines) + b"\n]\n"


def check_array(data: Tuple[str, List[Any], bool]) -> None:
    name, items, ensure_ascii = data
    with file_with(array_file(items, ensure_ascii), "data.json") as path:
        lines = list(read_records(path, name))
        check_lines(lines, path, one_per_line=False)
        # one item per line: each item is accounted for (records or a reject of its own),
        # also after an item that is not JSON; after the items, only a reject (an item that
        # took the array's "]" leaves it unclosed)
        assert set(range(2, len(items) + 2)) <= {line.line for line in lines}
        assert all(line.reject for line in lines if line.line > len(items) + 1)
        for line in lines:
            if line.record is not None:
                check_record_functions(line.record)
        check_gold([path])


broken_items = st.sampled_from(BROKEN_ITEMS)
arrays = st.tuples(
    st.just("label-studio"),
    st.lists(label_studio_items() | broken_items, max_size=4),
    st.booleans(),
) | st.tuples(
    st.just("spacy-v2"), st.lists(spacy_v2_items() | broken_items, max_size=4), st.booleans()
)
test_json_arrays, test_json_arrays_slow = fuzz(arrays)(check_array)


# One bad first record or item does not decide how the rest of a file is read


@st.composite
def plain_entities(draw: Callable) -> Tuple[str, List[Tuple[int, int, str]]]:
    """A text of plain words and some of them as entities `(start, end, label)`."""
    words = draw(st.lists(st.sampled_from(["Osprey", "pack", "Köln", "Trail"]), min_size=1))
    text, ents = "", []
    for word in words:
        if draw(st.booleans()):
            ents.append((len(text), len(text) + len(word), draw(st.sampled_from(["B", "T"]))))
        text += word + " "
    return text.strip(), ents


def as_format(name: str, text: str, ents: List[Tuple[int, int, str]]) -> Any:
    """One record or item of format `name` with `text` and `ents`."""
    if name == "doccano":
        return {"text": text, "label": [list(ent) for ent in ents]}
    if name == "spacy-v2":
        return [text, {"entities": [list(ent) for ent in ents]}]
    regions = [{"start": s, "end": e, "labels": [label]} for s, e, label in ents]
    result = [{"type": "labels", "value": region} for region in regions]
    return {"data": {"text": text}, "annotations": [{"result": result}]}


@st.composite
def files_with_a_bad_first_item(draw: Callable) -> Tuple[str, bytes, Dict[int, Any]]:
    """(format, content, {line: (text, ents)} of the good items): a bad first record or item
    (any JSON value, not JSON at all, or an item of another format), then good ones."""
    name = draw(st.sampled_from(["doccano", "label-studio", "spacy-v2"]))
    good = draw(st.lists(plain_entities(), min_size=2, max_size=5))
    other = draw(st.sampled_from(["doccano", "label-studio", "spacy-v2", "prodigy"]))
    text, ents = draw(plain_entities())
    prodigy = {"text": text, "spans": [{"start": s, "end": e, "label": x} for s, e, x in ents]}
    first = draw(
        json_values.map(lambda value: dumps(value, True))
        | broken_items.filter(lambda item: name != "doccano" or not item.startswith(b"["))
        | st.just(dumps(prodigy if other == "prodigy" else as_format(other, text, ents), True))
    )
    items = [first, *(dumps(as_format(name, t, e), False) for t, e in good)]
    if name == "doccano":
        return name, b"\n".join(items) + b"\n", {i: item for i, item in enumerate(good, 2)}
    return name, array_file(items, False), {i: item for i, item in enumerate(good, 3)}


def check_bad_first_item(data: Tuple[str, bytes, Dict[int, Any]]) -> None:
    name, content, good = data
    with file_with(content, "data.json") as path:
        assert detect_format(path) == name
        records = {line.line: line.record for line in read_records(path) if line.record}
        for line, (text, ents) in good.items():
            spans = [(s["start"], s["end"], s["label"]) for s in records[line]["spans"]]
            assert records[line]["text"] == text and spans == ents
        check_gold([path])


test_bad_first_item, test_bad_first_item_slow = fuzz(files_with_a_bad_first_item())(
    check_bad_first_item
)


def test_a_text_over_a_million_characters_is_read_and_merged(tmp_path):
    """One fixed example: spaCy's max_length does not apply to a tokenizer-only pipeline."""
    long_text = "Osprey pack on the Trail " + ("x" * 99 + " ") * 10_000  # in few tokens
    records = [{"text": long_text, "spans": [{"start": 0, "end": 6, "label": "B"}]}, {"text": "x"}]
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf8")
    assert [line.record["text"] for line in read_records(path)] == [long_text, "x"]
    rejects: list = []
    docs = list(read_gold_docs([path], NLP, rejects))
    assert [doc.text for doc in docs] == [long_text, "x"] and not rejects


# CoNLL

conll_tokens = st.sampled_from(WORDS + ["-DOCSTART-", "", " "])
conll_tags = st.sampled_from(["O", "B-X", "I-X", "L-X", "U-X", "E-Y", "S-Y", "B-", "I-Y", "Z"])
conll_lines = st.one_of(
    st.builds(
        lambda t, g, sep: f"{t}{sep}{g}", conll_tokens, conll_tags, st.sampled_from(["\t", " "])
    ),
    st.builds(lambda t, a, g: f"{t} {a} {g}", conll_tokens, conll_tokens, conll_tags),
    st.just(""),
    st.just("-DOCSTART- -X- O O"),
    st.text(max_size=10),
)


def check_conll(data: Tuple[List[str], int, str]) -> None:
    lines_in, n_sents, scheme = data
    content = "\n".join(lines_in).encode("utf8", "surrogatepass")
    with file_with(content, "data.conll") as path:
        lines = list(read_records(path, "conll", n_sents=n_sents, scheme=scheme))
        # sentences grouped into one record (n_sents != 1) come after the rejects among them
        check_lines(lines, path, one_per_line=n_sents == 1, ordered=n_sents == 1)
        for line in lines:
            if line.record is not None:
                check_record_functions(line.record)
                words = [token["text"] for token in line.record["tokens"]]
                assert " ".join(words) == line.record["text"]
        check_gold([path])


conll_files = st.tuples(
    st.lists(conll_lines, max_size=12),
    st.sampled_from([0, 1, 2]),
    st.sampled_from(["auto", "iob1", "iob2", "biluo"]),
)
test_conll, test_conll_slow = fuzz(conll_files)(check_conll)


# Byte-level mutations of real files


def real_files() -> List[Path]:
    files = sorted((ROOT / "assets" / "sample").glob("*.jsonl"))
    if SHARED_DATA.exists():
        files += sorted(p for p in SHARED_DATA.rglob("*") if p.suffix in (".jsonl", ".conll"))
    return files


@cache
def head_of(path: Path, n_lines: int = 12) -> bytes:
    """The first lines of a real file (whole files would make each example slow)."""
    with path.open("rb") as file_:
        return b"".join(file_.readline() for _ in range(n_lines))


def reencode(codec: str, bom: bytes = b"") -> Callable[[bytes], bytes]:
    return lambda data: bom + data.decode("utf8").encode(codec, "replace")


# Each mutation: (name, function, whether the non-blank lines stay the same)
MUTATIONS: List[Tuple[str, Callable[[bytes], bytes], bool]] = [
    ("none", lambda data: data, True),
    ("utf-8 BOM", lambda data: b"\xef\xbb\xbf" + data, True),
    ("stray UTF-16 BOM", lambda data: b"\xff\xfe" + data, True),
    ("UTF-16-LE", reencode("utf-16-le", b"\xff\xfe"), True),
    ("UTF-16-BE", reencode("utf-16-be", b"\xfe\xff"), True),
    ("UTF-32", reencode("utf-32"), True),
    ("latin-1", reencode("latin-1"), True),
    ("CRLF", lambda data: data.replace(b"\n", b"\r\n"), True),
    ("gzip", gzip.compress, False),
]


@st.composite
def mutated_files(draw: Callable) -> Tuple[Path, bytes, bool]:
    path = draw(st.sampled_from(real_files()))
    data = head_of(path)
    name, mutate, keeps_lines = draw(st.sampled_from(MUTATIONS))
    data = mutate(data)
    extra = draw(st.sampled_from(["none", "truncate", "flip", "lone CR", "NUL"]))
    if extra != "none" and data:
        at = draw(st.integers(0, len(data) - 1))
        keeps_lines = False
        if extra == "truncate":
            data = data[:at]
        elif extra == "flip":
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
        elif extra == "lone CR":
            data = data.replace(b"\n", b"\r", draw(st.integers(1, 3)))
        else:
            data = data[:at] + b"\x00" + data[at:]
    return path, data, keeps_lines


def check_mutated(data: Tuple[Path, bytes, bool]) -> None:
    source, content, keeps_lines = data
    with file_with(content, source.name) as path:
        expected = non_blank_utf8_lines(head_of(source))
        for read in (lambda: read_records(path), lambda: read_jsonl(path)):
            lines = read_all(read)
            if lines is None:
                continue
            check_lines(lines, path, one_per_line=False)
        if source.suffix == ".jsonl":
            lines = list(read_jsonl(path))
            check_lines(lines, path)
            if keeps_lines:  # same lines, whatever the encoding: each a record or a reject
                assert [line.line for line in lines] == expected
        for name in READERS:
            if name != "spacy":
                check_lines(list(read_records(path, name)), path, one_per_line=False)
        # raw input for preannotate: shards read each line once, as the whole file does
        whole = list(read_raw(path))
        check_lines(whole, path)
        by_shard = [line for shard in plan_shards(path, 3) for line in read_raw(path, shard)]
        assert [(x.line, x.record) for x in by_shard] == [(x.line, x.record) for x in whole]
        check_gold([path])


test_mutated_real_files, test_mutated_real_files_slow = fuzz(mutated_files())(check_mutated)


def test_real_files_read_unchanged_have_no_rejects_from_encoding():
    """The mutation baseline: every real file's head reads without encoding problems."""
    for path in real_files():
        with file_with(head_of(path), path.name) as copy:
            for line in read_records(copy):
                assert line.reject is None or "not valid" not in line.reject.reason, line.reject


@cache
def sample_docbin() -> bytes:
    """The gold sample as `.spacy` (with stored records), to mutate."""
    from spacy_ner_plugin.annotations.formats import docbin

    pairs = []
    for line in read_records(ROOT / "assets" / "sample" / "train.jsonl"):
        if line.record is not None:
            pairs.append((line.record, record_doc(line.record, NLP.vocab, NLP.make_doc)))
    with tempfile.TemporaryDirectory() as tmp:
        docbin.write(Path(tmp) / "sample.spacy", pairs[:5])
        return (Path(tmp) / "sample.spacy").read_bytes()


@st.composite
def mutated_docbins(draw: Callable) -> bytes:
    data = sample_docbin()
    how = draw(st.sampled_from(["truncate", "flip", "insert", "gzip", "zero"]))
    at = draw(st.integers(0, len(data) - 1))
    if how == "truncate":
        return data[:at]
    if how == "flip":
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    if how == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if how == "gzip":
        return gzip.compress(data)
    return bytes(len(data))


def check_docbin(content: bytes) -> None:
    with file_with(content, "data.spacy") as path:
        lines = read_all(lambda: read_records(path))
        if lines is not None:
            check_lines(lines, path, one_per_line=False)
        check_gold([path])


test_mutated_docbin, test_mutated_docbin_slow = fuzz(mutated_docbins())(check_docbin)


# Pattern files

token_attrs = st.sampled_from(["ORTH", "LOWER", "TEXT", "IS_TITLE", "OP", "LENGTH", "_", "regex"])
token_values = json_values | st.fixed_dictionaries(
    {}, optional={"REGEX": st.sampled_from(["(", "[a-", "a{2,1}", "\\", "ok", "(?P<x>a)"])}
)
pattern_lines = st.one_of(
    st.builds(
        lambda label, pattern, pid: {"label": label, "pattern": pattern, "id": pid},
        st.sampled_from(["BRAND", "", " A", "A\u200b"]) | json_values,
        st.lists(st.dictionaries(token_attrs, token_values, max_size=2), max_size=3)
        | st.sampled_from(WORDS)
        | json_values,
        json_values,
    ).map(lambda record: dumps(record, ensure_ascii=False)),
    st.sampled_from(RAW_LINES),
)


def check_patterns(lines: List[bytes]) -> None:
    from spacy_ner_plugin.patterns.matcher import PatternError, PatternMatcher, load_patterns

    with file_with(b"\n".join(lines), "patterns.jsonl") as path:
        try:
            patterns = load_patterns(path)
            matcher = PatternMatcher(NLP, patterns, str(path))
        except PatternError as err:
            assert err.problems and all(line >= 1 for line, _ in err.problems)
            return
        matcher(NLP.make_doc("Osprey pack on the Pacific Crest Trail in Köln"))


test_pattern_files, test_pattern_files_slow = fuzz(st.lists(pattern_lines, max_size=5))(
    check_patterns
)
