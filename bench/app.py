"""Load and kill test of the annotation app, on SQLite and PostgreSQL (loopback only).

    flock /tmp/bench.lock python bench/bench_app.py [--duration 60] [--clients 20] \
        [--backends sqlite,postgresql] [--kill-after 10] [--output bench/results/app_load.json]

Per backend: the `annotate` command is started as a real server process (ner.manual on
generated texts, 127.0.0.1, a free port). `--clients` simulated annotators (one session each,
asyncio + httpx) loop for `--duration` seconds: ask for 5 tasks ("next task"), answer them
all in one request ("save"), retrying a failed save with the same answer ids (and the tasks,
when the server says it no longer holds them). Then the database is read back: every
acknowledged answer must be there exactly once, and no text may have gone to two sessions.
Reported: p50/p95 latency of both requests, answers per second.

Kill test: the same load, `kill -9` of the server after `--kill-after` seconds, a restart, the
clients go on (retrying what was not acknowledged) for as long again; then every answer the
server acknowledged before the kill or after must be in the database, none twice. The
PostgreSQL runs start a throwaway local cluster (tests/pg.py) unless
SPACY_NER_PLUGIN_TEST_PG_URL is set. Every request goes to 127.0.0.1; all loops are bounded.
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from statistics import quantiles
from typing import Any, Dict, List

import httpx

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT))

from spacy_ner_plugin.db.database import Database  # noqa: E402
from tests.pg import fresh_database, postgres_server  # noqa: E402

BATCH = 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_source(path: Path, n: int) -> None:
    with path.open("w") as file_:
        for i in range(n):
            file_.write(json.dumps({"text": f"Text number {i} about Osprey packs"}) + "\n")


class Server:
    """`python -m spacy_ner_plugin annotate` as a child process."""

    def __init__(self, source: Path, db: str, port: int) -> None:
        self.port = port
        cmd = [sys.executable, "-m", "spacy_ner_plugin", "annotate", "ner.manual", "bench",
               str(source), "--label", "BRAND", "--db", db, "--port", str(port),
               "--unsegmented"]  # fmt: skip
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/config", timeout=1).raise_for_status()
                return
            except httpx.HTTPError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()


class Annotator:
    """One simulated annotator: asks, answers, saves; remembers what was acknowledged."""

    def __init__(self, name: str, port: int, stats: "Stats") -> None:
        self.session = name
        self.url = f"http://127.0.0.1:{port}"
        self.stats = stats
        self.pending: List[Dict[str, Any]] = []  # answers not acknowledged yet, with tasks

    async def run(self, client: httpx.AsyncClient, until: float) -> None:
        while time.monotonic() < until:
            try:
                if not self.pending:
                    tasks = await self.timed(client, "next task", "/api/questions",
                                             {"session": self.session, "n": BATCH})  # fmt: skip
                    if not tasks["tasks"]:
                        return
                    for task in tasks["tasks"]:
                        self.stats.handed[task["_input_hash"]].add(self.session)
                    self.pending = [self.answer(t) for t in tasks["tasks"]]
                await self.save(client)
            except (httpx.HTTPError, OSError):
                self.stats.errors += 1
                await asyncio.sleep(0.2)  # the server is down: retry (bounded by `until`)

    def answer(self, task: Dict[str, Any]) -> Dict[str, Any]:
        return {
            "answer": {
                "_answer_id": uuid.uuid4().hex,
                "_input_hash": task["_input_hash"],
                "_task_hash": task["_task_hash"],
                "answer": "accept",
                "spans": [],
            },
            "task": task,
        }

    async def save(self, client: httpx.AsyncClient) -> None:
        body = {"session": self.session, "answers": [p["answer"] for p in self.pending]}
        result = await self.timed(client, "save", "/api/answers", body)
        if result["unknown"]:
            unknown = set(result["unknown"])
            again = [{**p["answer"], "task": p["task"]} for p in self.pending
                     if p["answer"]["_answer_id"] in unknown]  # fmt: skip
            second = await self.timed(client, "save", "/api/answers",
                                      {"session": self.session, "answers": again})  # fmt: skip
            result["saved"] += second["saved"]
        saved = set(result["saved"])
        self.stats.acknowledged.update(saved)
        self.pending = [p for p in self.pending if p["answer"]["_answer_id"] not in saved]

    async def timed(self, client: httpx.AsyncClient, name: str, path: str, body: Dict) -> Dict:
        start = time.perf_counter()
        response = await client.post(self.url + path, json=body, timeout=30)
        response.raise_for_status()
        self.stats.latency[name].append(time.perf_counter() - start)
        return response.json()


class Stats:
    def __init__(self) -> None:
        self.latency: Dict[str, List[float]] = defaultdict(list)
        self.acknowledged: set = set()
        self.handed: Dict[int, set] = defaultdict(set)
        self.errors = 0


async def load(annotators: List[Annotator], seconds: float) -> None:
    until = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=len(annotators) + 5)
    async with httpx.AsyncClient(limits=limits) as client:
        await asyncio.gather(*(a.run(client, until) for a in annotators))


def check(db_url: str, stats: Stats) -> Dict[str, Any]:
    with Database(db_url) as db:
        records = list(db.get_answers("bench"))
    ids = Counter(r["_answer_id"] for r in records)
    sessions_per_text = defaultdict(set)
    for record in records:
        sessions_per_text[record["_input_hash"]].add(record["_session_id"])
    return {
        "answers_in_db": len(records),
        "acknowledged": len(stats.acknowledged),
        "lost": len(stats.acknowledged - set(ids)),
        "duplicated": sum(n - 1 for n in ids.values()),
        "texts_answered_by_two_sessions": sum(len(s) > 1 for s in sessions_per_text.values()),
        "tasks_handed_to_two_sessions": sum(len(s) > 1 for s in stats.handed.values()),
        "client_errors": stats.errors,
    }


def percentiles(values: List[float]) -> Dict[str, float]:
    if len(values) < 2:
        return {"n": len(values)}
    cuts = quantiles(values, n=100)
    return {"n": len(values), "p50_ms": round(cuts[49] * 1000, 1),
            "p95_ms": round(cuts[94] * 1000, 1)}  # fmt: skip


def run_backend(db_url: str, args: argparse.Namespace, workdir: Path) -> Dict[str, Any]:
    source = workdir / "raw.jsonl"
    write_source(source, args.texts)
    port = free_port()
    # Load.
    server = Server(source, db_url, port)
    stats = Stats()
    annotators = [Annotator(f"ann{i}", port, stats) for i in range(args.clients)]
    started = time.monotonic()
    asyncio.run(load(annotators, args.duration))
    elapsed = time.monotonic() - started
    server.stop()
    result: Dict[str, Any] = {"load": check(db_url, stats)}
    result["load"]["seconds"] = round(elapsed, 1)
    result["load"]["answers_per_s"] = round(len(stats.acknowledged) / elapsed, 1)
    result["load"].update({name: percentiles(v) for name, v in stats.latency.items()})
    # Kill -9 under load, restart, go on.
    if args.kill_after > 0:
        kill_db = db_url.replace("bench.sqlite", "bench_kill.sqlite")
        if not kill_db.startswith("sqlite"):
            kill_db = fresh_database(db_url.rsplit("/", 1)[0] + "/postgres")
        server = Server(source, kill_db, port)
        stats = Stats()
        annotators = [Annotator(f"ann{i}", port, stats) for i in range(args.clients)]

        async def with_kill() -> None:
            task = asyncio.create_task(load(annotators, 2 * args.kill_after + 10))
            await asyncio.sleep(args.kill_after)
            nonlocal server
            server.kill()
            acked_at_kill = len(stats.acknowledged)
            server = await asyncio.to_thread(Server, source, kill_db, port)
            result["kill"] = {"acknowledged_before_kill": acked_at_kill}
            await task

        asyncio.run(with_kill())
        server.stop()
        result["kill"].update(check(kill_db, stats))
        result["kill"]["answers_left_unacknowledged"] = sum(len(a.pending) for a in annotators)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--texts", type=int, default=200_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--kill-after", type=float, default=10.0)
    parser.add_argument("--output", type=Path, default=ROOT / "bench/results/app_load.json")
    args = parser.parse_args()
    results = {"settings": {k: str(v) for k, v in vars(args).items()}}
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix="bench_app.") as tmp:
            workdir = Path(tmp)
            if backend == "sqlite":
                results[backend] = run_backend(f"sqlite:///{workdir}/bench.sqlite", args, workdir)
            else:
                with postgres_server() as server_url:
                    results[backend] = run_backend(fresh_database(server_url), args, workdir)
        print(backend, json.dumps(results[backend], indent=1), flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"saved {args.output}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
