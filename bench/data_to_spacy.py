"""data-to-spacy throughput and memory at scale (issue: annotation data layer).

Synthetic Prodigy records are made from annotated records with tokens (--records, default the
shipped sample assets/sample/train.jsonl) by prefixing two words from a fixed 100-word list, so
every text is distinct while the vocabulary stays bounded (memory then measures records held,
not vocabulary growth).
Each measurement runs in its own process and reports its own peak RSS (`ru_maxrss`):

- speed at `--speed-size` records: `data-to-spacy` (read, group by text in sqlite, merge,
  split, sharded DocBin) vs a bare loop that only reads the same lines, builds the same gold
  Docs and adds them to one DocBin, saved at the end. Goal: ratio >= 0.7.
- peak RSS of `data-to-spacy` at each of `--sizes`. Goal: largest / smallest <= 1.3.

    python -m bench.data_to_spacy --sizes 100000,1000000 --speed-size 100000 \
        --output bench/results/data_to_spacy.json
"""

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

import typer
from wasabi import msg

from .common import DATASETS, RESULTS, ROOT, run_info, write_results

CHILD = "import sys; from bench.data_to_spacy import child; child(*sys.argv[1:])"
PREFIX_WORDS = [f"w{i:02d}" for i in range(100)]

app = typer.Typer(add_completion=False)


def synthetic_record(base: Dict[str, Any], i: int) -> Dict[str, Any]:
    """The sample record `base` with two words prefixed, chosen from `i` (distinct texts)."""
    words = [PREFIX_WORDS[(i // 400) % 100], PREFIX_WORDS[(i // 40000) % 100]]
    prefix = " ".join(words) + " "
    shift = len(prefix)
    tokens = [{"text": w, "start": 4 * k, "end": 4 * k + 3, "id": k} for k, w in enumerate(words)]
    tokens += [
        {**t, "start": t["start"] + shift, "end": t["end"] + shift, "id": t["id"] + 2}
        for t in base["tokens"]
    ]
    spans = [
        {
            **s,
            "start": s["start"] + shift,
            "end": s["end"] + shift,
            "token_start": s["token_start"] + 2,
            "token_end": s["token_end"] + 2,
        }
        for s in base["spans"]
    ]
    return {
        "text": prefix + base["text"],
        "tokens": tokens,
        "spans": spans,
        "answer": "accept",
        "meta": {"id": i},
    }


def write_records(records: Path, path: Path, n: int) -> None:
    """`n` synthetic records made from `records`, written to `path`."""
    base = [json.loads(line) for line in records.open(encoding="utf8")]
    with path.open("w", encoding="utf8") as file_:
        for i in range(n):
            file_.write(json.dumps(synthetic_record(base[i % len(base)], i)) + "\n")


def run_ours(path: Path, out: Path) -> int:
    from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy

    result = data_to_spacy([path], out, eval_split=0.2)
    return result.counts.read


def run_bare(path: Path, out: Path) -> int:
    import spacy
    from spacy.tokens import DocBin

    from spacy_ner_plugin.annotations.docs import record_to_doc

    nlp = spacy.blank("en")
    docbin = DocBin(store_user_data=False)
    count = 0
    with path.open(encoding="utf8") as file_:
        for line in file_:
            docbin.add(record_to_doc(json.loads(line), nlp.vocab, nlp.make_doc))
            count += 1
    out.mkdir(parents=True, exist_ok=True)
    docbin.to_disk(out / "train.spacy")
    return count


def child(which: str, path: str, out: str) -> None:
    """Run one measurement in this process and print seconds, records and peak RSS as JSON."""
    import spacy_ner_plugin.cli  # noqa: F401  (imports are not part of the timing)

    start = time.perf_counter()
    n = (run_ours if which == "ours" else run_bare)(Path(path), Path(out))
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stderr.write("\n")
    print(json.dumps({"which": which, "records": n, "seconds": seconds, "peak_rss_mb": peak_mb}))


def measure(which: str, path: Path, tmp: Path) -> Dict[str, Any]:
    out = tmp / f"out-{which}-{path.stem}"
    cmd = [sys.executable, "-c", CHILD, which, str(path), str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["records_per_s"] = result["records"] / result["seconds"]
    msg.info(json.dumps(result))
    return result


@app.command()
def data_to_spacy_cli(
    records: Path = typer.Option(
        DATASETS["sample"].train, help="Annotated records with tokens to multiply"
    ),
    sizes: str = typer.Option("100000,1000000", help="Record counts for the peak-RSS runs"),
    speed_size: int = typer.Option(100000, help="Record count for the speed comparison"),
    output: Path = typer.Option(RESULTS / "data_to_spacy.json", help="Results JSON"),
    seed: int = typer.Option(0),
) -> None:
    """Measure data-to-spacy vs a bare DocBin loop, and peak RSS across sizes."""
    sizes_ = [int(s) for s in sizes.split(",")]
    results = measure_all(records, sizes_, speed_size, output, seed)
    speed = results["speed"]
    rows = [
        ("bare loop records/s", f"{speed['bare_records_per_s']:.0f}"),
        ("data-to-spacy records/s", f"{speed['ours_records_per_s']:.0f}"),
        ("speed ratio (goal >= 0.7)", f"{speed['ratio']:.2f}"),
    ]
    rows += [
        (f"peak RSS at {r['records']}", f"{r['peak_rss_mb']:.0f} MB") for r in results["memory"]
    ]
    rows += [("RSS ratio largest/smallest (goal <= 1.3)", f"{results['rss_ratio']:.2f}")]
    msg.table(rows, title="data-to-spacy at scale", aligns=("l", "r"))
    msg.good(f"Saved {output}")


def measure_all(
    records: Path, sizes: List[int], speed_size: int, output: Path, seed: int = 0
) -> Dict[str, Any]:
    """The speed comparison at `speed_size` records and the peak RSS at each of `sizes`."""
    random.seed(seed)
    results: Dict[str, Any] = {"memory": []}
    with tempfile.TemporaryDirectory(prefix="bench_d2s.") as tmp_name:
        tmp = Path(tmp_name)
        files = {}
        for n in sorted(set(sizes) | {speed_size}):
            files[n] = tmp / f"records_{n}.jsonl"
            write_records(records, files[n], n)
            msg.info(f"{n} records: {files[n].stat().st_size / 1e6:.0f} MB")
        bare = measure("bare", files[speed_size], tmp)
        ours = measure("ours", files[speed_size], tmp)
        results["speed"] = {
            "records": speed_size,
            "bare_records_per_s": bare["records_per_s"],
            "ours_records_per_s": ours["records_per_s"],
            "ratio": ours["records_per_s"] / bare["records_per_s"],
        }
        memory: List[Dict[str, Any]] = [ours]
        for n in sorted(set(sizes) - {speed_size}):
            memory.append(measure("ours", files[n], tmp))
            files[n].unlink()
        results["memory"] = sorted(memory, key=lambda r: r["records"])
    smallest, largest = results["memory"][0], results["memory"][-1]
    results["rss_ratio"] = largest["peak_rss_mb"] / smallest["peak_rss_mb"]
    results["run"] = run_info(records=records, sizes=sizes, speed_size=speed_size, seed=seed)
    write_results(output, results)
    return results


if __name__ == "__main__":
    app()
