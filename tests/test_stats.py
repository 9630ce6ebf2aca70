import json
import re

from typer.testing import CliRunner

from spacy_ner_plugin.annotations.stats import CorpusStats
from spacy_ner_plugin.cli import app

from .conftest import ROOT

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
