"""One local Ray for every Ray test (starting one costs seconds): two CPUs, no dashboard.

Ray binds to the machine's network address, not to loopback, so the Ray tests run only in a
network namespace whose one interface is loopback (.ci/run: `unshare -n`, `ip link set lo up`),
where every Ray address is 127.0.0.1; elsewhere they skip, and say how to run them.
"""

import logging
import os
import socket

import pytest

from ..conftest import ROOT

LOOPBACK_ONLY = (
    "run them in a network namespace of loopback only: "
    "unshare -n sh -c 'ip link set lo up && python -m pytest tests/cluster'"
)


@pytest.fixture(scope="session")
def ray_cluster():
    ray = pytest.importorskip("ray")
    interfaces = sorted(name for _, name in socket.if_nameindex() if name != "lo")
    if interfaces:
        pytest.skip(f"Ray would bind to {', '.join(interfaces)}, not loopback; {LOOPBACK_ONLY}")
    # Workers import this checkout's package, whatever else is installed.
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        logging_level=logging.WARNING,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": path}},
    )
    gcs = ray.get_runtime_context().gcs_address
    assert gcs.startswith("127.0.0.1:"), f"Ray's GCS is at {gcs}, not on loopback"
    yield ray
    ray.shutdown()
