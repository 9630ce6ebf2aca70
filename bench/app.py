"""Load and kill test of the annotation app, on SQLite and PostgreSQL (loopback only).

    flock /tmp/bench.lock python -m bench.app [--duration 60] [--clients 20] \
        [--backends sqlite,postgresql] [--kill-after 10] [--output bench/results/app_load.json]

Per backend: the `annotate` command is started as a real server process (ner.manual on
`--texts` generated texts, or on the raw texts of `--source`; 127.0.0.1, a free port).
`--clients` simulated annotators (one session each, asyncio + httpx) loop for `--duration`
seconds: ask for 5 tasks ("next task"), answer them all in one request ("save"), retrying a
failed save with the same answer ids. Then the database is read back: every acknowledged answer
must be there exactly once, and no text may have gone to two sessions (as the clients saw their
tasks, as the answers and as the assignment rows say: the double-assignment counts). Reported:
p50/p95 latency of both requests, answers per second.

Kill test: the same load, `kill -9` of the server after `--kill-after` seconds, a restart, the
clients go on (retrying what was not acknowledged) for as long again; then every answer the
server acknowledged before the kill or after must be in the database, none twice. The
PostgreSQL runs start a throwaway local cluster (tests/pg.py) unless
SPACY_NER_PLUGIN_TEST_PG_URL is set. Every request goes to 127.0.0.1; all loops are bounded.
Run from the repository root (it imports `tests.pg`).
"""

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
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import quantiles
from typing import Any, Dict, List

import httpx
import sqlalchemy as sa
import typer
from wasabi import msg

from spacy_ner_plugin.db.database import Database, assignments
from tests.pg import fresh_database, postgres_server

from .common import RESULTS, ROOT, run_info, write_results

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
        self.pending: List[Dict[str, Any]] = []  # answers not acknowledged yet

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
            except httpx.HTTPStatusError as err:
                if err.response.status_code != 409:
                    raise
                self.stats.refused += len(self.pending)  # another session's tasks: not saved
                self.pending = []
            except (httpx.HTTPError, OSError):
                self.stats.errors += 1
                await asyncio.sleep(0.2)  # the server is down: retry (bounded by `until`)

    def answer(self, task: Dict[str, Any]) -> Dict[str, Any]:
        return {
            "_answer_id": uuid.uuid4().hex,
            "_input_hash": task["_input_hash"],
            "_task_hash": task["_task_hash"],
            "answer": "accept",
            "spans": [],
        }

    async def save(self, client: httpx.AsyncClient) -> None:
        body = {"session": self.session, "answers": self.pending}
        result = await self.timed(client, "save", "/api/answers", body)
        saved, unknown = set(result["saved"]), set(result["unknown"])
        self.stats.acknowledged.update(saved)
        self.stats.refused += len(unknown)  # tasks the server never handed out: not saved
        self.pending = [p for p in self.pending if p["_answer_id"] not in saved | unknown]

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
        self.refused = 0


async def load(annotators: List[Annotator], seconds: float) -> None:
    until = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=len(annotators) + 5)
    async with httpx.AsyncClient(limits=limits) as client:
        await asyncio.gather(*(a.run(client, until) for a in annotators))


def check(db_url: str, stats: Stats) -> Dict[str, Any]:
    with Database(db_url) as db:
        records = list(db.get_answers("bench"))
        by_key = (
            sa.select(assignments.c.task_key)
            .group_by(assignments.c.task_key)
            .having(sa.func.count(sa.distinct(assignments.c.session_id)) > 1)
        )
        with db.engine.connect() as conn:
            assigned_twice = len(conn.execute(by_key).all())
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
        "texts_assigned_to_two_sessions": assigned_twice,
        "answers_refused": stats.refused,
        "client_errors": stats.errors,
    }


def percentiles(values: List[float]) -> Dict[str, float]:
    if len(values) < 2:
        return {"n": len(values)}
    cuts = quantiles(values, n=100)
    return {"n": len(values), "p50_ms": round(cuts[49] * 1000, 1),
            "p95_ms": round(cuts[94] * 1000, 1)}  # fmt: skip


@dataclass(frozen=True)
class Load:
    """How hard and how long the simulated annotators work, and when the server is killed."""

    duration: float = 60.0
    clients: int = 20
    texts: int = 200_000
    kill_after: float = 10.0


def run_backend(
    db_url: str, args: Load, workdir: Path, source: Path | None = None
) -> Dict[str, Any]:
    """The load and kill tests on one database; `source`: raw texts (default: generated)."""
    if source is None:
        source = workdir / "raw.jsonl"
        write_source(source, args.texts)
    port = free_port()
    result = {"load": load_test(source, db_url, port, args)}
    if args.kill_after > 0:
        kill_db = db_url.replace("bench.sqlite", "bench_kill.sqlite")
        if not kill_db.startswith("sqlite"):
            kill_db = fresh_database(db_url.rsplit("/", 1)[0] + "/postgres")
        result["kill"] = kill_test(source, kill_db, port, args)
    return result


def load_test(source: Path, db_url: str, port: int, args: Load) -> Dict[str, Any]:
    """The annotators' load for `args.duration` seconds: checks, latencies, answers/s."""
    server = Server(source, db_url, port)
    stats = Stats()
    annotators = [Annotator(f"ann{i}", port, stats) for i in range(args.clients)]
    started = time.monotonic()
    asyncio.run(load(annotators, args.duration))
    elapsed = time.monotonic() - started
    server.stop()
    result = check(db_url, stats)
    result["seconds"] = round(elapsed, 1)
    result["answers_per_s"] = round(len(stats.acknowledged) / elapsed, 1)
    result.update({name: percentiles(v) for name, v in stats.latency.items()})
    return result


def kill_test(source: Path, db_url: str, port: int, args: Load) -> Dict[str, Any]:
    """Kill -9 under load, restart, go on; then the checks."""
    server = Server(source, db_url, port)
    stats = Stats()
    annotators = [Annotator(f"ann{i}", port, stats) for i in range(args.clients)]
    result: Dict[str, Any] = {}

    async def with_kill() -> None:
        nonlocal server
        task = asyncio.create_task(load(annotators, 2 * args.kill_after + 10))
        await asyncio.sleep(args.kill_after)
        server.kill()
        result["acknowledged_before_kill"] = len(stats.acknowledged)
        server = await asyncio.to_thread(Server, source, db_url, port)
        await task

    asyncio.run(with_kill())
    server.stop()
    result.update(check(db_url, stats))
    result["answers_left_unacknowledged"] = sum(len(a.pending) for a in annotators)
    return result


app = typer.Typer(add_completion=False)


@app.command()
def app_load_cli(
    duration: float = typer.Option(60.0, help="Seconds of load per test"),
    clients: int = typer.Option(20, help="Simulated annotators"),
    texts: int = typer.Option(200_000, help="Generated texts (without --source)"),
    source: Path | None = typer.Option(None, help="Raw texts JSONL (default: generated)"),
    backends: str = typer.Option("sqlite,postgresql", help="Comma-separated databases"),
    kill_after: float = typer.Option(10.0, help="Seconds before kill -9 (0: no kill test)"),
    output: Path = typer.Option(RESULTS / "app_load.json", help="Results JSON"),
) -> None:
    """Load-test the annotation app and kill -9 it under load; check no answer is lost."""
    os.environ.setdefault("PYTHONHASHSEED", "0")
    app_load(backends.split(","), Load(duration, clients, texts, kill_after), output, source)


def app_load(
    backends: List[str], settings: Load, output: Path, source: Path | None = None
) -> Dict[str, Any]:
    """`run_backend` on each of `backends` (sqlite, postgresql); write `output`."""
    results: Dict[str, Any] = {
        "settings": {**{k: str(v) for k, v in asdict(settings).items()}, "source": str(source)}
    }
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix="bench_app.") as tmp:
            workdir = Path(tmp)
            if backend == "sqlite":
                url = f"sqlite:///{workdir}/bench.sqlite"
                results[backend] = run_backend(url, settings, workdir, source)
            else:
                with postgres_server() as server_url:
                    url = fresh_database(server_url)
                    results[backend] = run_backend(url, settings, workdir, source)
        msg.info(backend)
        typer.echo(json.dumps(results[backend], indent=1))
    results["run"] = run_info(backends=backends, source=source, **asdict(settings))
    write_results(output, results)
    msg.good(f"Saved {output}")
    return results


if __name__ == "__main__":
    app()
