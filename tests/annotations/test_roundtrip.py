import json
import tempfile
from pathlib import Path

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.tokens import Doc, Span

from spacy_ner_plugin.annotations.formats import conll, docbin
from spacy_ner_plugin.annotations.transfer import record_to_output_doc
from spacy_ner_plugin.cli.db_out import db_out
from spacy_ner_plugin.io.hashing import set_hashes

WORDS = st.text(st.characters(whitelist_categories=("Lu", "Ll", "Nd")), min_size=1, max_size=8)
CONLL_WORDS = st.text(
    st.characters(whitelist_categories=("L", "N", "P", "S")), min_size=1, max_size=6
).filter(lambda w: w != conll.DOCSTART)
LABELS = st.sampled_from(["BRAND", "TRAIL", "GEAR_TYPE"])
NLP = spacy.blank("en")


@st.composite
def token_spans(draw, words_strategy=WORDS):
    """Words and non-overlapping `(first, last, label)` token ranges over them."""
    words = draw(st.lists(words_strategy, min_size=1, max_size=12))
    spans, i = [], 0
    while i < len(words):
        if draw(st.booleans()):
            last = draw(st.integers(i, min(i + 2, len(words) - 1)))
            spans.append((i, last, draw(LABELS)))
            i = last + 1
        i += 1
    return words, spans


@st.composite
def records(draw):
    words, spans = draw(token_spans())
    tokens, offset = [], 0
    for i, word in enumerate(words):
        tokens.append({"text": word, "start": offset, "end": offset + len(word), "id": i})
        offset += len(word) + 1
    record = {
        "text": " ".join(words),
        "spans": [
            {
                "start": tokens[a]["start"],
                "end": tokens[b]["end"],
                "token_start": a,
                "token_end": b,
                "label": label,
            }
            for a, b, label in spans
        ],
        "meta": draw(st.dictionaries(st.sampled_from(["source", "id"]), st.integers(), max_size=2)),
        "answer": "accept",
    }
    if draw(st.booleans()):
        record["tokens"] = tokens
    if record["spans"] and draw(st.booleans()):
        record["spans"] = record["spans"][:1]
        record["answer"] = draw(st.sampled_from(["accept", "reject", "ignore"]))
        record["_view_id"] = "ner"
    return set_hashes(record)


@pytest.mark.slow  # over half a second of CPU: 60 hypothesis examples
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records(), min_size=1, max_size=6))
def test_records_to_spacy_and_back_keep_everything(examples):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.spacy"
        docs = [record_to_output_doc("in", i, r, NLP, "strict") for i, r in enumerate(examples)]
        docbin.write(path, zip(examples, docs), shard_size=4)
        back = [line.record for line in docbin.read(path)]
    assert back == examples


def test_jsonl_to_spacy_to_jsonl_on_the_command_line(tmp_path):
    examples = [
        set_hashes({"text": "I love Osprey", "spans": [{"start": 7, "end": 13, "label": "B"}]}),
        set_hashes(
            {
                "text": "Not JMT",
                "spans": [{"start": 4, "end": 7, "label": "T"}],
                "answer": "reject",
                "_view_id": "ner",
                "meta": {"id": 2**70},
            }
        ),
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in examples), encoding="utf8")
    assert db_out(source, tmp_path / "out.spacy").written["spacy"] == len(examples)
    db_out(tmp_path / "out.spacy", tmp_path / "back.jsonl")
    back = [json.loads(line) for line in (tmp_path / "back.jsonl").read_text().splitlines()]
    assert back == examples


@pytest.mark.slow  # over half a second of CPU: 60 hypothesis examples
@settings(max_examples=60, deadline=None)
@given(token_spans(CONLL_WORDS))
def test_iob2_round_trip_keeps_tokens_and_spans(words_and_spans):
    words, spans = words_and_spans
    doc = Doc(NLP.vocab, words=words)
    doc.set_ents([Span(doc, a, b + 1, label=label) for a, b, label in spans], default="outside")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.conll"
        conll.write(path, [doc])
        (line,) = list(conll.read(path, scheme="iob2"))
    record = line.record
    assert [t["text"] for t in record["tokens"]] == words
    assert [(s["token_start"], s["token_end"], s["label"]) for s in record["spans"]] == spans


@settings(max_examples=60, deadline=None)
@given(token_spans())
def test_iob1_and_biluo_tags_give_the_same_spans(words_and_spans):
    words, spans = words_and_spans
    iob1, biluo = ["O"] * len(words), ["O"] * len(words)
    previous_end = {}
    for a, b, label in spans:
        starts_after_same = previous_end.get(a - 1) == label
        iob1[a : b + 1] = [f"I-{label}"] * (b - a + 1)
        if starts_after_same:
            iob1[a] = f"B-{label}"
        if a == b:
            biluo[a] = f"U-{label}"
        else:
            biluo[a : b + 1] = [f"B-{label}"] + [f"I-{label}"] * (b - a - 1) + [f"L-{label}"]
        previous_end[b] = label
    expected = [(label, a, b) for a, b, label in spans]
    assert conll.tags_to_entities(iob1, "iob1") == expected
    assert conll.tags_to_entities(biluo) == expected
