import json
import re

from typer.testing import CliRunner

from spacy_ner_plugin.annotations.stats import CorpusStats
from spacy_ner_plugin.cli import app

from ..conftest import CRASHERS, ROOT

SAMPLE = ROOT / "assets" / "sample"


def test_json_counters_are_plain_label_to_count_maps():
    stats = CorpusStats(records=3)
    stats.answers.update({"accept": 2, "reject": 1})
    stats.kinds["binary"] += 3
    stats.sources["a.jsonl"] += 3
    data = stats.to_json()
    assert data["answers"] == {"accept": 2, "reject": 1}
    assert data["kinds"] == {"binary": 3} and data["sources"] == {"a.jsonl": 3}


def test_stats_json_numbers_equal_the_printed_ones():
    path = str(SAMPLE / "binary.jsonl")
    as_json = json.loads(CliRunner().invoke(app, ["stats", path, "--json"]).output)
    printed = CliRunner().invoke(app, ["stats", path]).output
    assert as_json["answers"] == {"accept": 135, "reject": 150, "ignore": 15}
    for answer, count in as_json["answers"].items():
        assert re.search(rf"^{answer}\s+{count}$", printed, re.M), answer
    assert re.search(rf"^records\s+{as_json['records']}$", printed, re.M)
    assert re.search(rf"^distinct texts\s+{as_json['texts']}$", printed, re.M)
    assert sum(as_json["sources"].values()) == as_json["records"] == 300


def test_stats_rejects_what_used_to_crash_it_and_counts_the_rest(tmp_path):
    from spacy_ner_plugin.cli.stats import stats

    good = [{"text": f"Good {i} Osprey", "spans": []} for i in range(3)]
    bad = [
        CRASHERS[name][0]
        for name in (
            "a span answer that is no answer",
            "tokens past the end of the text",
            "overlapping accepted spans of one binary answer",
        )
    ]
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in good + bad), encoding="utf8")
    result = stats([str(path)])
    assert (result.records, result.rejected, result.docs) == (6, 3, 3)
    fields = [example.split()[1] for example in result.reject_examples]
    assert fields == ["[spans.0.answer]", "[tokens]", "[spans]"]


def test_stats_reads_every_label_studio_task_after_a_first_item_that_is_not_one(tmp_path):
    from spacy_ner_plugin.cli.stats import stats

    region = {"type": "labels", "value": {"start": 0, "end": 6, "labels": ["BRAND"]}}
    tasks = [
        {"data": {"text": f"Osprey pack {i}"}, "annotations": [{"result": [region]}]}
        for i in range(10)
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps([["not", "a task"], *tasks], indent=2), encoding="utf8")
    result = stats([str(path)])
    assert (result.records, result.rejected, result.docs) == (11, 1, 10)
