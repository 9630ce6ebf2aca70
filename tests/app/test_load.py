# ruff: noqa: E402
"""A short run of bench/app.py: concurrent annotators, then kill -9 under load and a restart:
no acknowledged answer lost or saved twice, and no text handed to or answered by two sessions
(the assignments are in the database, so a restarted server keeps them)."""

import pytest

# The app extra's server (pip install -e '.[app]'; .ci/run installs it).
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("httpx")


import argparse
import os
import sys

from ..conftest import ROOT
from ..pg import fresh_database, postgres_url  # noqa: F401 (fixture)

sys.path.insert(0, str(ROOT))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_no_answer_is_lost_or_duplicated_and_no_text_goes_to_two_sessions(
    backend, tmp_path, request
):
    from bench import app as bench_app

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/bench.sqlite"
    else:
        url = fresh_database(request.getfixturevalue("postgres_url"))
    args = argparse.Namespace(duration=6.0, clients=6, texts=3000, kill_after=3.0)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    result = bench_app.run_backend(url, args, tmp_path)
    load, kill = result["load"], result["kill"]
    assert load["acknowledged"] > 0 and load["answers_in_db"] == load["acknowledged"]
    assert kill["acknowledged"] > kill["acknowledged_before_kill"] > 0
    for phase in (load, kill):
        assert phase["lost"] == phase["duplicated"] == phase["answers_refused"] == 0, phase
        assert phase["tasks_handed_to_two_sessions"] == 0, phase
        assert phase["texts_answered_by_two_sessions"] == 0, phase
        assert phase["texts_assigned_to_two_sessions"] == 0, phase
