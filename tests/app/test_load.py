# ruff: noqa: E402
"""A short run of bench/bench_app.py: concurrent annotators, then kill -9 under load."""

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
def test_no_acknowledged_answer_is_lost_or_duplicated(backend, tmp_path, request):
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
    assert load["lost"] == load["duplicated"] == 0
    assert load["tasks_handed_to_two_sessions"] == load["texts_answered_by_two_sessions"] == 0
    assert kill["acknowledged"] > kill["acknowledged_before_kill"] > 0
    assert kill["lost"] == kill["duplicated"] == 0
