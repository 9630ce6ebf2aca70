"""One local Ray for every Ray test (starting one costs seconds): two CPUs, no dashboard."""

import logging
import os

import pytest

from ..conftest import ROOT


@pytest.fixture(scope="session")
def ray_cluster():
    ray = pytest.importorskip("ray")
    # Workers import this checkout's package, whatever else is installed.
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        logging_level=logging.WARNING,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": path}},
    )
    yield ray
    ray.shutdown()
