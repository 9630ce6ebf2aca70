"""Ray for the Ray tests: one in-process Ray of two CPUs per module (`ray_cluster`), or a
cluster of a head and two worker nodes of one CPU each on this machine (`ray_nodes`).

Ray binds to the machine's network address, not to loopback, so the Ray tests run only in a
network namespace whose one interface is loopback (.ci/run: `unshare -n`, `ip link set lo up`),
where every Ray address is 127.0.0.1 (each fixture asserts it); elsewhere they skip, and say
how to run them.
"""

import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..conftest import ROOT

LOOPBACK_ONLY = (
    "run them in a network namespace of loopback only: "
    "unshare -n sh -c 'ip link set lo up && python -m pytest tests/cluster'"
)
# Workers import this checkout's package, whatever else is installed.
PYTHONPATH = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))


def require_loopback() -> Any:
    """The `ray` module, if installed and this process sees no interface but loopback."""
    ray = pytest.importorskip("ray")
    interfaces = sorted(name for _, name in socket.if_nameindex() if name != "lo")
    if interfaces:
        pytest.skip(f"Ray would bind to {', '.join(interfaces)}, not loopback; {LOOPBACK_ONLY}")
    return ray


@pytest.fixture(scope="module")
def ray_cluster():
    ray = require_loopback()
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        logging_level=logging.WARNING,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": PYTHONPATH}},
    )
    gcs = ray.get_runtime_context().gcs_address
    assert gcs.startswith("127.0.0.1:"), f"Ray's GCS is at {gcs}, not on loopback"
    yield ray
    ray.shutdown()


@dataclass
class Nodes:
    """A Ray cluster on this machine: its address, Ray's `Cluster`, and the working directory
    of every worker process (not the tests')."""

    address: str
    cluster: Any
    home: Path

    def add_worker_node(self) -> Any:
        """Start one more worker node of one CPU (its workers too in `home`)."""
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(self.home)
            patch.setenv("PYTHONPATH", PYTHONPATH)
            node = self.cluster.add_node(num_cpus=1)
            self.cluster.wait_for_nodes()
        return node


@pytest.fixture(scope="module")
def ray_nodes(tmp_path_factory):
    """A head with no CPU and two worker nodes of one CPU each, separate raylets and object
    stores, their workers started in a directory of their own; the driver is not connected."""
    require_loopback()
    from ray.cluster_utils import Cluster

    home = tmp_path_factory.mktemp("worker_home")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(home)  # the nodes' processes, hence their workers, start here
        patch.setenv("PYTHONPATH", PYTHONPATH)
        cluster = Cluster(
            initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False}
        )
    nodes = Nodes(cluster.address, cluster, home)
    try:
        for _ in range(2):
            nodes.add_worker_node()
        assert cluster.address.startswith("127.0.0.1:"), f"GCS at {cluster.address}"
        assert {node.node_ip_address for node in cluster.list_all_nodes()} == {"127.0.0.1"}
        yield nodes
    finally:
        cluster.shutdown()
