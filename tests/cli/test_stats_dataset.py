"""`stats dataset:NAME`: the team progress figures the app's /progress page shows, printed and
in --json."""

import json
import re

import pytest
from typer.testing import CliRunner

from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.stats import team_stats
from spacy_ner_plugin.db.database import Database

from ..review.team import ALICE_PER_HOUR, BOB_PER_HOUR, DATASET, check_figures, team_database


@pytest.mark.slow  # over half a second of CPU: a team's database
def test_stats_of_a_dataset_prints_the_team_progress(tmp_path):
    db = str(tmp_path / "db.sqlite")
    team_database(db)
    args = ["stats", f"dataset:{DATASET}", "--db", db]
    printed = CliRunner().invoke(app, args)
    assert printed.exit_code == 0, printed.output
    out = printed.output
    assert re.search(rf"^gear-alice\s+6\s+4\s+1\s+1\s+3\s.*\s{ALICE_PER_HOUR:.0f}$", out, re.M)
    assert re.search(rf"^gear-bob\s+3\s+3\s+0\s+0\s+2\s.*\s{BOB_PER_HOUR:.0f}$", out, re.M)
    assert re.search(r"^BRAND\s+3$", out, re.M) and re.search(r"^TRAIL\s+2$", out, re.M)
    assert re.search(r"^gear-alice / gear-bob\s+3\s+0\.500\s+0\.810$", out, re.M)
    as_json = json.loads(CliRunner().invoke(app, [*args, "--json"]).output)
    check_figures(as_json["progress"][DATASET])
    assert as_json["records"] == 9  # the corpus statistics are still there


def test_files_have_no_progress_and_one_annotator_has_no_agreement(tmp_path, write_jsonl):
    path = write_jsonl([{"text": "Osprey", "spans": [], "answer": "accept"}])
    assert "progress" not in json.loads(
        CliRunner().invoke(app, ["stats", str(path), "--json"]).output
    )
    db = str(tmp_path / "db.sqlite")
    with Database(db) as database:
        database.add_answers("solo", [{"text": "Osprey", "answer": "accept", "_timestamp": 5}])
    (found,) = team_stats(["dataset:solo"], db=db)
    assert found.answers == 1 and found.agreement["texts"] == 0 and found.labels == {}
    assert found.annotators[0].annotator == "solo" and found.annotators[0].per_hour is None
    out = CliRunner().invoke(app, ["stats", "dataset:solo", "--db", db]).output
    assert "No text was answered by two annotators" in out


def test_an_unknown_dataset_names_itself(tmp_path):
    db = str(tmp_path / "db.sqlite")
    team_database(db)
    result = CliRunner().invoke(app, ["stats", "dataset:nope", "--db", db])
    assert result.exit_code != 0 and "nope" in result.output
