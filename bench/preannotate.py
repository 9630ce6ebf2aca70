"""Pre-annotation speed and memory, as ratios to tokenizer-only `nlp.pipe` on the same text.

    flock /tmp/bench.lock python bench/bench_preannotate.py [--min-mb 5] [--repeats 3] \
        [--output bench/preannotate.json]

Input: the 10k raw r/Cooking comments (shared data) repeated until at least --min-mb MB.
Measured in one run on the same texts in memory, best of --repeats rounds after a warm-up
round, each round running the tokenizer baseline and the runs compared with it in turn:
- tokenizer only (`nlp.pipe`, blank English): the baseline;
- our pattern suggester (matching + overlap resolution) with (a) the fashion patterns
  (100 token patterns, all PhraseMatcher-able) and (b) 1,000 string patterns (the corpus's
  most frequent words of 5+ letters), each with spaCy's `EntityRuler` on the same patterns
  alongside, and whether both find identical entities in every text;
then the whole `preannotate` step file to file (fashion patterns; JSON reading, tasks with
tokens and hashes written): default (one task per sentence) and --unsegmented, 1 worker and 2
(outputs compared byte for byte); peak RSS of one-worker runs on --rss-mb and 10 times as much
input (fresh processes); and the time for one very long text (N and 4N characters) to show it
is linear.

The writer comparison (`--writer-only` runs just this): the `preannotate` step file to file,
one worker, no patterns, against the floor of reading the same JSONL, tokenizing, and writing
each text's Prodigy `tokens` with stdlib `json` and no matching (`floor_file`), interleaved in
the same rounds: the step's ratio to the floor is what the shared, validated writer costs.
"""

import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import spacy
import srsly
import typer
from wasabi import msg

from spacy_ner_plugin.cli.preannotate import preannotate
from spacy_ner_plugin.io.records import Line
from spacy_ner_plugin.preannotate.preannotator import Preannotator
from spacy_ner_plugin.preannotate.suggesters import create_pattern_suggester

ROOT = Path(__file__).parent.parent
SHARED = ROOT.parent / "shared" / "data"
RAW = SHARED / "food_ingredients" / "reddit_r_cooking_sample.jsonl"
FASHION = SHARED / "fashion_brands" / "fashion_brands_patterns.jsonl"
RSS_CODE = """
import resource, sys
from spacy_ner_plugin.cli.preannotate import preannotate
preannotate(sys.argv[1], sys.argv[2], overrides={"paths.patterns": sys.argv[3]})
print("RSS_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def interleaved_best(
    runs: Dict[str, Callable[[], Any]], repeats: int
) -> Tuple[Dict[str, float], Dict[str, Any]]:
    """Best time of each run, and its output, over `repeats` rounds after a warm-up round.

    Every round runs each one in turn, so a slow phase of a shared machine hits the baseline
    and the runs compared with it alike.
    """
    outputs = {name: run() for name, run in runs.items()}
    best = {name: float("inf") for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best, outputs


def floor_file(nlp: spacy.language.Language, input_path: Path, output: Path) -> None:
    """Read JSONL, tokenize, write text + meta + Prodigy tokens per line (stdlib json, no match)."""
    with input_path.open(encoding="utf8") as file_:
        records = [json.loads(line) for line in file_]
    with output.open("w", encoding="utf8") as out:
        for record, doc in zip(records, nlp.pipe(r["text"] for r in records)):
            tokens = [
                {
                    "text": t.text,
                    "start": t.idx,
                    "end": t.idx + len(t),
                    "id": t.i,
                    "ws": bool(t.whitespace_),
                }
                for t in doc
            ]
            task = {
                "text": record["text"],
                "meta": record.get("meta", {}),
                "tokens": tokens,
                "spans": [],
            }
            out.write(json.dumps(task) + "\n")


def writer_ratios(
    nlp: spacy.language.Language,
    input_path: Path,
    patterns: Path,
    tmp: Path,
    repeats: int,
    n_words: int,
) -> Dict[str, Any]:
    """Words/s of the floor and of the step (with and without patterns), and each ratio to it."""
    no_patterns = tmp / "no_patterns.jsonl"
    no_patterns.write_text("")

    def step(segment: bool, pattern_file: Path) -> Callable[[], None]:
        overrides = {"paths.patterns": str(pattern_file), "preannotate.segment": segment}
        return lambda: preannotate(input_path, tmp / "step.jsonl", overrides=overrides)

    seconds, _ = interleaved_best(
        {
            "floor": lambda: floor_file(nlp, input_path, tmp / "floor.jsonl"),
            "step_unsegmented_no_patterns": step(False, no_patterns),
            "step_unsegmented_patterns": step(False, patterns),
            "step_segmented_patterns": step(True, patterns),
        },
        repeats,
    )
    return {
        "words_per_second": {key: round(n_words / value) for key, value in seconds.items()},
        "ratio_to_floor": {
            key: round(seconds["floor"] / value, 3) for key, value in seconds.items()
        },
    }


def make_input(raw: Path, min_bytes: int, path: Path, copies: int = 1) -> int:
    """Write `raw` repeated until at least `min_bytes` (times `copies`); return repetitions."""
    data = raw.read_bytes()
    if not data.endswith(b"\n"):
        data += b"\n"
    reps = -(-min_bytes // len(data)) * copies
    with path.open("wb") as file_:
        for _ in range(reps):
            file_.write(data)
    return reps


def string_patterns(texts: List[str], nlp: spacy.language.Language, n: int, path: Path) -> None:
    """`n` string patterns: the most frequent words of 5+ letters in the texts."""
    counts = Counter(t.text for doc in nlp.pipe(texts) for t in doc if t.is_alpha and len(t) >= 5)
    words = [word for word, _ in counts.most_common(n)]
    srsly.write_jsonl(path, [{"label": "TERM", "pattern": word} for word in words])


def ours(nlp: spacy.language.Language, patterns: Path) -> Callable[[List[str]], List[list]]:
    suggester = create_pattern_suggester(str(patterns))(nlp)
    preannotator = Preannotator(nlp, {"patterns": suggester}, segment=False)

    def run(texts: List[str]) -> List[list]:
        return [
            [(s.start, s.end, s.label) for s in preannotator.suggest(doc)]
            for doc in nlp.pipe(texts)
        ]

    return run


def ruler(patterns: Path) -> Callable[[List[str]], List[list]]:
    ruler_nlp = spacy.blank("en")
    ruler_nlp.add_pipe("entity_ruler").add_patterns(list(srsly.read_jsonl(patterns)))

    def run(texts: List[str]) -> List[list]:
        return [[(e.start, e.end, e.label_) for e in doc.ents] for doc in ruler_nlp.pipe(texts)]

    return run


def peak_rss_kb(input_path: Path, output: Path, patterns: Path) -> int:
    out = subprocess.run(
        [sys.executable, "-c", RSS_CODE, str(input_path), str(output), str(patterns)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.split("RSS_KB")[-1].split()[0])


app = typer.Typer(add_completion=False)


@app.command()
def main(
    # fmt: off
    raw: Path = typer.Option(RAW, help="Raw text JSONL to repeat"),
    patterns: Path = typer.Option(FASHION, help="Token patterns for (a) and the file runs"),
    min_mb: float = typer.Option(5.0, help="Minimum input size in MB"),
    n_strings: int = typer.Option(1000, help="String patterns for (b)"),
    repeats: int = typer.Option(3, help="Timed rounds per measurement (best is kept)"),
    rss_mb: float = typer.Option(1.0, help="Input size of the 1x memory run (10x: ten times)"),
    long_chars: int = typer.Option(1_000_000, help="Length N of the long-text check"),
    output: Path | None = typer.Option(None, help="Write the figures as JSON here"),
    writer_only: bool = typer.Option(False, help="Only the writer comparison with the floor"),
    # fmt: on
) -> None:
    """Measure pre-annotation speed and memory (see the module docstring)."""
    results: Dict[str, Any] = {"raw": str(raw), "patterns": str(patterns)}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        input_path = tmp / "input.jsonl"
        results["repetitions"] = make_input(raw, int(min_mb * 1e6), input_path)
        results["input_mb"] = round(input_path.stat().st_size / 1e6, 2)
        texts = [record["text"] for record in srsly.read_jsonl(input_path)]
        nlp = spacy.blank("en")
        n_words = sum(len(doc) for doc in nlp.pipe(texts))
        results.update(texts=len(texts), words=n_words)
        msg.info(f"{results['input_mb']} MB, {len(texts)} texts, {n_words} words")
        results["writer"] = writer_ratios(nlp, input_path, patterns, tmp, repeats, n_words)
        msg.table(
            [
                (k, v, results["writer"]["ratio_to_floor"][k])
                for k, v in results["writer"]["words_per_second"].items()
            ],
            header=("writer", "words/s", "x floor"),
            aligns=("l", "r", "r"),
        )
        if writer_only:
            if output is not None:
                output.write_text(json.dumps(results, indent=2) + "\n")
            return
        strings_path = tmp / "strings.jsonl"
        string_patterns(texts[:20000], nlp, n_strings, strings_path)

        speed: Dict[str, float] = {"tokenizer": 0.0}
        ratios: Dict[str, float] = {}
        for name, path in (("fashion", patterns), ("strings", strings_path)):
            our_run, ruler_run = ours(nlp, path), ruler(path)
            seconds, outputs = interleaved_best(
                {
                    "tokenizer": lambda: [0 for _ in nlp.pipe(texts)],
                    f"ours_{name}": lambda r=our_run: r(texts),
                    f"ruler_{name}": lambda r=ruler_run: r(texts),
                },
                repeats,
            )
            tokenizer = seconds.pop("tokenizer")
            speed["tokenizer"] = max(speed["tokenizer"], n_words / tokenizer)
            for key, value in seconds.items():
                speed[key] = n_words / value
                ratios[key] = round(tokenizer / value, 3)  # against its own rounds' baseline
            found, expected = outputs[f"ours_{name}"], outputs[f"ruler_{name}"]
            results[f"identical_to_ruler_{name}"] = found == expected
            results[f"entities_{name}"] = sum(map(len, found))
            del found, expected, outputs

        files = {}
        for name, segment, n_process in (
            ("file_1", True, 1),
            ("file_2", True, 2),
            ("file_unsegmented_1", False, 1),
            ("file_unsegmented_2", False, 2),
        ):
            out = tmp / f"{name}.jsonl"
            overrides = {"paths.patterns": str(patterns), "preannotate.segment": segment}
            start = time.perf_counter()
            preannotate(input_path, out, overrides=overrides, n_process=n_process)
            speed[name] = n_words / (time.perf_counter() - start)
            files[name] = hashlib.sha256(out.read_bytes()).hexdigest()
            out.unlink()
        results["workers_identical"] = (
            files["file_1"] == files["file_2"]
            and files["file_unsegmented_1"] == files["file_unsegmented_2"]
        )
        results["words_per_second"] = {key: round(value) for key, value in speed.items()}
        results["ratio_to_tokenizer"] = {
            key: ratios.get(key, round(value / speed["tokenizer"], 3))
            for key, value in speed.items()
        }
        results["speedup_2_workers"] = round(speed["file_2"] / speed["file_1"], 2)
        results["speedup_2_workers_unsegmented"] = round(
            speed["file_unsegmented_2"] / speed["file_unsegmented_1"], 2
        )

        small, big = tmp / "input_rss1.jsonl", tmp / "input_rss10.jsonl"
        make_input(raw, int(rss_mb * 1e6), small)
        make_input(raw, int(rss_mb * 1e6), big, copies=10)
        rss_1 = peak_rss_kb(small, tmp / "rss1.jsonl", patterns)
        rss_10 = peak_rss_kb(big, tmp / "rss10.jsonl", patterns)
        results["rss_input_mb"] = {
            "1x": round(small.stat().st_size / 1e6, 2),
            "10x": round(big.stat().st_size / 1e6, 2),
        }
        results["peak_rss_mb"] = {"1x": round(rss_1 / 1024), "10x": round(rss_10 / 1024)}
        results["rss_ratio_10x"] = round(rss_10 / rss_1, 3)

        results["long_text_seconds"] = long_text_times(texts, patterns, long_chars)
    results["self_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    msg.table(
        [
            (key, results["words_per_second"][key], results["ratio_to_tokenizer"][key])
            for key in speed
        ],
        header=("what", "words/s", "x tokenizer"),
        aligns=("l", "r", "r"),
    )
    for key, value in results.items():
        if key not in ("words_per_second", "ratio_to_tokenizer"):
            msg.text(f"{key}: {value}")
    if output is not None:
        output.write_text(json.dumps(results, indent=2) + "\n")
        msg.good(f"Saved {output}")


def long_text_times(texts: List[str], patterns: Path, n_chars: int) -> Dict[str, float]:
    """Seconds to pre-annotate one text of N and of 4N characters (sentences, blocks)."""
    joined = "\n".join(texts)
    times = {}
    for label, size in (("N", n_chars), ("4N", 4 * n_chars)):
        text = (joined * (size // len(joined) + 1))[:size]
        nlp = spacy.blank("en")
        suggester = create_pattern_suggester(str(patterns))(nlp)
        preannotator = Preannotator(nlp, {"patterns": suggester})
        line = Line("long", 1, record={"text": text})
        start = time.perf_counter()
        list(preannotator.process([line]))
        times[label] = round(time.perf_counter() - start, 2)
    return times


if __name__ == "__main__":
    app()
