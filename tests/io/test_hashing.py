import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spacy_ner_plugin.io.hashing import (
    _hash_json,
    input_hash,
    set_hashes,
    span_key,
    task_hash,
    text_hash,
)


def test_hashes_are_stable_across_processes():
    record = {
        "text": "Grüße from the Pacific Crest Trail",
        "spans": [{"start": 16, "end": 34, "label": "TRAIL"}],
    }
    code = (
        "from spacy_ner_plugin.io.hashing import input_hash, task_hash;"
        f"r = {record!r}; print(input_hash(r), task_hash(r))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(input_hash(record)), str(task_hash(record))]


@given(st.text(min_size=1), st.integers(0, 5), st.sampled_from(["A", "B"]))
def test_input_hash_ignores_spans_and_task_hash_does_not(text, start, label):
    plain = {"text": text}
    with_span = {"text": text, "spans": [{"start": start, "end": start + 1, "label": label}]}
    assert input_hash(plain) == input_hash(with_span) == text_hash(text)
    assert task_hash(plain) != task_hash(with_span)


def test_task_hash_ignores_span_order_and_extra_keys():
    a = {
        "text": "x y",
        "spans": [{"start": 0, "end": 1, "label": "A"}, {"start": 2, "end": 3, "label": "B"}],
    }
    b = {
        "text": "x y",
        "spans": [
            {"start": 2, "end": 3, "label": "B", "score": 0.3},
            {"start": 0, "end": 1, "label": "A"},
        ],
    }
    assert task_hash(a) == task_hash(b)


def test_set_hashes_keeps_existing_values_unless_overwritten():
    record = {"text": "x", "_input_hash": 1, "_task_hash": 2}
    assert set_hashes(dict(record)) == record
    fresh = set_hashes(dict(record), overwrite=True)
    assert fresh["_input_hash"] == input_hash({"text": "x"})


@pytest.mark.parametrize(
    "spans", ["0-5 X", [[0, 5, "X"]], [{"start": 0, "end": 5, "label": 7}], [{"start": 0}], 5]
)
def test_hashes_of_any_record_without_crashing(spans):
    record = set_hashes({"text": "Hello \ud800", "spans": spans})
    assert isinstance(record["_task_hash"], int)
    assert task_hash({"text": "a", "spans": [{"start": 0, "end": 1, "label": "X"}]}) != task_hash(
        {"text": "a", "spans": [{"start": 0, "end": 1, "label": 1}]}
    )


@given(
    st.text(),
    st.sampled_from([None, [], "", {}, [{"start": 0, "end": 1, "label": "A"}]]),
    st.sampled_from([None, "A", ""]),
    st.booleans(),
)
def test_the_fast_paths_hash_the_same_canonical_json(text, spans, label, with_image):
    """A text-only input and a question-less task are hashed without building their JSON
    through json.dumps; the hashes must equal those of the one canonical definition."""
    record = {"text": text, "spans": spans, "label": label}
    if with_image:
        record["image"] = "x.png"
    inputs = {k: record[k] for k in ("text", "image") if k in record}
    expected_input = _hash_json(inputs)
    question = span_key(spans) if isinstance(spans, list) else spans
    expected_task = _hash_json({"input": expected_input, "spans": question or [], "label": label})
    assert input_hash(record) == expected_input
    assert task_hash(record) == expected_task
    assert text_hash(text) == _hash_json({"text": text})
