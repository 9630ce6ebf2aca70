import json

import pytest
import srsly
from typer.testing import CliRunner

from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.teach import teach
from spacy_ner_plugin.errors import UsageError

from ..conftest import task

TEXTS = [
    {"text": f"I took my {brand} pack on trip {i}. It rained on day {i}.", "meta": {"i": i}}
    for i, brand in enumerate(["Deuter", "Osprey", "Gregory", "Arc'teryx"] * 3)
]


@pytest.fixture
def source(write_jsonl):
    return write_jsonl([*TEXTS, "{broken"], "raw.jsonl")


@pytest.mark.slow  # over half a second of CPU: two teach runs that update the model
def test_teach_writes_the_next_questions_and_skips_answered_ones(trained_model, source, tmp_path):
    output = tmp_path / "queue.jsonl"
    every = {"sorter.rate": 1.0}
    first = teach(
        str(trained_model), source, batch_size=4, output=output, sorter="random", overrides=every
    )
    written = list(srsly.read_jsonl(output))
    assert written == first.questions and len(written) == 4
    assert all(q["_view_id"] == "ner" and len(q["spans"]) == 1 for q in written)
    assert len(first.rejects) == 1 and first.rejects[0].line == len(TEXTS) + 1
    answers = tmp_path / "answers.jsonl"
    srsly.write_jsonl(answers, [{**q, "answer": "reject"} for q in written])
    done = tmp_path / "gold.jsonl"
    srsly.write_jsonl(done, [task(TEXTS[0]["text"], "Deuter")])
    second = teach(
        str(trained_model),
        source,
        batch_size=100,
        exclude=[answers, done],
        sorter="random",
        overrides=every,
    )
    hashes = {q["_task_hash"] for q in second.questions}
    assert not hashes & {q["_task_hash"] for q in written}
    assert second.counts.texts_excluded == 1
    assert TEXTS[0]["text"] not in {q["text"] for q in second.questions}


def test_cli_prints_questions_to_stdout_and_reads_config_overrides(trained_model, source):
    args = ["teach", str(trained_model), str(source), "-n", "2", "--sorter.bias", "0.5"]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == 2 and all("meta" in q for q in lines)


def test_cli_unsegmented_and_sorter_choice(trained_model, source, tmp_path):
    output = tmp_path / "q.jsonl"
    args = ["teach", str(trained_model), str(source), "-o", str(output), "--unsegmented"]
    out = CliRunner().invoke(app, [*args, "--sorter", "high", "-n", "3"])
    assert out.exit_code == 0, out.output
    assert "Saved 3 questions" in out.output
    assert {q["text"] for q in srsly.read_jsonl(output)} <= {t["text"] for t in TEXTS}
    bad = CliRunner().invoke(app, [*args, "--sorter", "loudest"])
    assert bad.exit_code == 2


def test_unknown_label_is_a_usage_error(trained_model, source):
    out = CliRunner().invoke(app, ["teach", str(trained_model), str(source), "-l", "PRODUCT"])
    assert out.exit_code == 2
    assert "unknown to the 'ner' component" in out.output
    with pytest.raises(UsageError):
        teach(str(trained_model), source, ["PRODUCT"])


def test_patterns_are_asked_about_too(trained_model, source, write_jsonl):
    patterns = write_jsonl([{"label": "BRAND", "pattern": "rained"}], "patterns.jsonl")
    every = {"sorter.rate": 1.0}
    result = teach(
        str(trained_model),
        source,
        patterns=patterns,
        batch_size=100,
        sorter="random",
        overrides=every,
    )
    from_patterns = [q for q in result.questions if q["spans"][0]["source"] == "patterns.jsonl"]
    assert from_patterns and all(q["spans"][0]["pattern_line"] == 1 for q in from_patterns)
