"""`preannotate --backend ray --address` on a Ray cluster of 1 and of 2 nodes of one CPU each
on this machine: throughput, and the fixed cost of a job.

    flock /tmp/bench.lock unshare --net -- bash -c 'ip link set lo up && \
        python -m bench.nodes [--min-mb 4] [--block-mb 0.5] [--rounds 2] \
        [--output bench/results/scale_nodes.json]'

Ray binds to the machine's network address unless it has none but loopback, so the command
refuses to run outside a network namespace of loopback only (the line above makes one).

Input: the raw texts of --raw repeated until at least --min-mb MB, and the patterns of
--patterns (the fashion_brands ones); one task per sentence. In each of --rounds rounds, for 1
node and then 2 (`ray.cluster_utils.Cluster`: a head with no CPU and that many worker nodes of
one CPU, each its own raylet and object store, started fresh), each timed as a user runs a
job, connecting by --address and disconnecting:
- a one-block job on the first 25 KB (`job`): its time less the local backend's on the same
  lines is the fixed cost of a job (connecting, starting the workers, shipping the config's
  files, building the pipeline, scheduling);
- the whole input in blocks of --block-mb (`full`), one worker per CPU of the cluster: MB/s,
  and MB/s net of the fixed cost;
the outputs compared with the local backend's, byte for byte. Best of the rounds is kept.
"""

import shutil
import socket
import tempfile
from pathlib import Path
from typing import Any, Dict, List

import typer
from wasabi import msg

from spacy_ner_plugin.cli.preannotate import preannotate
from spacy_ner_plugin.cluster.preannotate import shard_lines

from .common import RAW_TEXT, best, run_info, timed, write_results
from .preannotate import (
    PATTERNS,
    OutputOption,
    PatternsOption,
    RawOption,
    digest,
    head,
    repeated_input,
)

NODES = (1, 2)
TINY_BYTES = 25_000

app = typer.Typer(add_completion=False)


@app.command()
def nodes_cli(
    raw: RawOption = RAW_TEXT,
    patterns: PatternsOption = PATTERNS,
    min_mb: float = typer.Option(4.0, help="Input size of the whole-input jobs, MB"),
    block_mb: float = typer.Option(0.5, help="Ray block size, MB"),
    rounds: int = typer.Option(2, help="Rounds (best is kept)"),
    output: OutputOption = None,
) -> None:
    """Ray on 1 and on 2 nodes of one CPU: throughput and fixed cost per job (see the module)."""
    interfaces = sorted(name for _, name in socket.if_nameindex() if name != "lo")
    if interfaces:
        msg.fail(
            f"Ray would bind to {', '.join(interfaces)}: run this in a network namespace of "
            "loopback only (unshare --net, ip link set lo up)",
            exits=1,
        )
    results = nodes(raw, patterns, min_mb, block_mb, rounds)
    print_nodes(results)
    if output is not None:
        write_results(output, results)
        msg.good(f"Saved {output}")


def start_cluster(n_nodes: int) -> Any:
    """A head with no CPU and `n_nodes` worker nodes of one CPU each."""
    from ray.cluster_utils import Cluster

    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False}
    )
    for _ in range(n_nodes):
        cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    return cluster


def nodes(raw: Path, patterns: Path, min_mb: float, block_mb: float, rounds: int) -> Dict:
    """The figures of the command (see the module's docstring)."""
    overrides = {"paths.patterns": str(patterns)}
    tmp = Path(tempfile.mkdtemp(prefix="bench_nodes."))
    try:
        input_path, found = repeated_input(raw, min_mb, tmp)
        tiny = head(input_path, TINY_BYTES, tmp / "tiny.jsonl")
        local = {
            "job": min(
                timed(lambda: preannotate(tiny, tmp / "tiny.jsonl.out", overrides=overrides))
                for _ in range(2)
            ),
            "full": timed(lambda: preannotate(input_path, tmp / "full.out", overrides=overrides)),
        }
        expected = {"job": (tmp / "tiny.jsonl.out").read_bytes(), "full": (tmp / "full.out")}
        expected["full"] = expected["full"].read_bytes()
        per_round: List[Dict[str, float]] = []
        identical = True
        for i in range(rounds):
            times: Dict[str, float] = {}
            for n in NODES:
                cluster = start_cluster(n)
                try:
                    for name, path in (("job", tiny), ("full", input_path)):
                        out = tmp / f"{name}_{n}_{i}"
                        times[f"{name}_{n}_node"] = timed(
                            lambda path=path, out=out, address=cluster.address: preannotate(
                                path, out, overrides=overrides, backend="ray",
                                address=address, block_mb=block_mb, n_process=0,
                            )
                        )  # fmt: skip
                        identical &= b"".join(shard_lines(str(out))) == expected[name]
                        shutil.rmtree(out)
                finally:
                    cluster.shutdown()
            per_round.append(times)
            msg.info(f"Round {i + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in times.items()))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    seconds = best(per_round)
    mb = found["input_mb"]
    results: Dict[str, Any] = {
        "input_mb": mb,
        "words": found["words"],
        "local_seconds": {key: round(value, 2) for key, value in local.items()},
        "seconds_per_round": [{k: round(v, 2) for k, v in t.items()} for t in per_round],
        "best_seconds": {key: round(value, 2) for key, value in seconds.items()},
        "outputs_identical": identical,
        "digest_local": digest(expected["full"]),
    }
    for n in NODES:
        fixed = seconds[f"job_{n}_node"] - local["job"]
        full = seconds[f"full_{n}_node"]
        results[f"{n}_node"] = {
            "fixed_cost_per_job_s": round(fixed, 2),
            "mb_per_s": round(mb / full, 3),
            "mb_per_s_net_of_fixed_cost": round(mb / (full - fixed), 3),
        }
    results["speedup_2_over_1"] = round(seconds["full_1_node"] / seconds["full_2_node"], 2)
    results["speedup_2_over_1_net"] = round(
        results["2_node"]["mb_per_s_net_of_fixed_cost"]
        / results["1_node"]["mb_per_s_net_of_fixed_cost"],
        2,
    )
    results["local_1_process_mb_per_s"] = round(mb / local["full"], 3)
    results["run"] = run_info(raw=raw, patterns=patterns, min_mb=min_mb, block_mb=block_mb)
    return results


def print_nodes(results: Dict[str, Any]) -> None:
    """The command's table."""
    msg.table(
        [
            (
                f"{n} node(s) x 1 CPU",
                results[f"{n}_node"]["fixed_cost_per_job_s"],
                results[f"{n}_node"]["mb_per_s"],
                results[f"{n}_node"]["mb_per_s_net_of_fixed_cost"],
            )
            for n in NODES
        ],
        header=("cluster", "fixed s/job", "MB/s", "MB/s net"),
        aligns=("l", "r", "r", "r"),
        title=f"preannotate --backend ray --address, {results['input_mb']} MB",
    )
    msg.info(
        f"2 nodes / 1 node: {results['speedup_2_over_1']}x "
        f"({results['speedup_2_over_1_net']}x net of the fixed cost); local, 1 process: "
        f"{results['local_1_process_mb_per_s']} MB/s; outputs identical: "
        f"{results['outputs_identical']}"
    )


if __name__ == "__main__":
    app()
