"""Pre-annotation at speed and at scale: two commands on the same input.

    flock /tmp/bench.lock python -m bench.preannotate speed [--min-mb 5] [--repeats 3] \
        [--output bench/results/preannotate.json]
    flock /tmp/bench.lock python -m bench.preannotate scale [--min-mb 4] [--rounds 2] \
        [--output bench/results/scale.json]

Input of both: the raw texts of --raw (default: the 10k raw r/Cooking comments of the shared
data) repeated until at least --min-mb MB, and the patterns of --patterns (default: the
fashion_brands patterns, 100 token patterns).

`speed`: ratios to tokenizer-only `nlp.pipe` on the same text. Measured in one run on the same
texts in memory, best of --repeats rounds after a warm-up round, each round running the
tokenizer baseline and the runs compared with it in turn:
- tokenizer only (`nlp.pipe`, blank English): the baseline;
- our pattern suggester (matching + overlap resolution) with (a) --patterns (the fashion ones
  are all PhraseMatcher-able) and (b) 1,000 string patterns (the corpus's most frequent words
  of 5+ letters), each with spaCy's `EntityRuler` on the same patterns alongside, and whether
  both find identical entities in every text;
then the whole `preannotate` step file to file (JSON reading, tasks with tokens and hashes
written): default (one task per sentence) and unsegmented, 1 worker and 2 (outputs compared
byte for byte); peak RSS of one-worker runs on --rss-mb and 10 times as much input (fresh
processes); and the time for one very long text (N and 4N characters) to show it is linear.
The writer comparison (`--writer-only` runs just this): the `preannotate` step file to file,
one worker, no patterns, against the floor of reading the same JSONL, tokenizing, and writing
each text's Prodigy `tokens` with stdlib `json` and no matching (`floor_file`), interleaved in
the same rounds: the step's ratio to the floor is what the shared, validated writer costs.

`scale`: the local backend against Ray on this machine, and a plan for 100 GB; one task per
sentence. All in one run:
- per-core stages on a --stage-mb slice, each including the ones before it: reading and
  parsing the JSONL (`read_raw`), + tokenizing (blank English), + sentencizer and pattern
  matching, + building and writing the tasks (the whole step, one process), and the whole step
  with a CNN NER model suggesting instead of the patterns (an initialized, untrained
  `ner`: the speed of a trained one) on a --model-mb slice; and how fast the driver plans
  blocks, which it does alone (from the files' sizes: it reads none of the input);
- the whole step on the full input: local backend with 1 and 2 processes, Ray with 1 and 2
  workers (blocks of --block-mb), in --rounds interleaved rounds, best kept, outputs compared;
  each Ray job twice: cold (`ray_N_cold`: in a Ray started afresh, untimed, so every worker
  starts, imports and builds its pipeline, as in each CLI run) and warm (`ray_N`: the next job
  in the same session, whose workers kept their pipeline);
- Ray's fixed costs: `import ray`, starting a local Ray (`ray.init`), and a one-block job on
  100 lines, twice: cold (worker process start, imports, pipeline build, scheduling) and warm
  (the same pipeline's next job in the same Ray session, whose worker processes keep it: the
  backend runs after it are warm, but for the second worker's first round);
and the environment (venv, whether torch and spacy-transformers are importable, which slow a
cold worker down);
then the hours for 100 GB on the --plan clusters (nodes x cores) from the per-core figures.
"""

import hashlib
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Callable, Dict, List, Tuple

import spacy
import srsly
import typer
from spacy.language import Language
from wasabi import msg

from spacy_ner_plugin.cli.preannotate import preannotate
from spacy_ner_plugin.cluster.preannotate import read_manifest, shard_lines
from spacy_ner_plugin.cluster.storage import list_inputs, plan_blocks
from spacy_ner_plugin.io.partitions import read_raw
from spacy_ner_plugin.io.records import Line
from spacy_ner_plugin.preannotate.preannotator import Preannotator, read_config
from spacy_ner_plugin.preannotate.sentences import sentence_starts
from spacy_ner_plugin.preannotate.suggesters import create_pattern_suggester

from .common import DATASETS, RAW_TEXT, best, interleaved, run_info, timed, write_results

PATTERNS = DATASETS["fashion_brands"].patterns
CORPUS_MB = 100_000  # 100 GB
RSS_CODE = """
import resource, sys
from spacy_ner_plugin.cli.preannotate import preannotate
preannotate(sys.argv[1], sys.argv[2], overrides={"paths.patterns": sys.argv[3]})
print("RSS_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

# The options of both commands
RawOption = Annotated[Path, typer.Option(help="Raw text JSONL, repeated to the input's size")]
PatternsOption = Annotated[Path, typer.Option(help="Patterns of the step (and of (a) in speed)")]
OutputOption = Annotated[Path | None, typer.Option(help="Write the figures as JSON here")]

app = typer.Typer(
    add_completion=False, help="Pre-annotation at speed and at scale (`speed`, `scale`)."
)


@app.command("speed")
def speed_cli(
    raw: RawOption = RAW_TEXT,
    patterns: PatternsOption = PATTERNS,
    min_mb: float = typer.Option(5.0, help="Minimum input size in MB"),
    n_strings: int = typer.Option(1000, help="String patterns for (b)"),
    repeats: int = typer.Option(3, help="Timed rounds per measurement (best is kept)"),
    rss_mb: float = typer.Option(1.0, help="Input size of the 1x memory run (10x: ten times)"),
    long_chars: int = typer.Option(1_000_000, help="Length N of the long-text check"),
    output: OutputOption = None,
    writer_only: bool = typer.Option(False, help="Only the writer comparison with the floor"),
) -> None:
    """Pre-annotation speed and memory as ratios to the tokenizer alone (see the docstring)."""
    results = speed(raw, patterns, min_mb, n_strings, repeats, rss_mb, long_chars, writer_only)
    writer = results["writer"]
    msg.table(
        [(k, v, writer["ratio_to_floor"][k]) for k, v in writer["words_per_second"].items()],
        header=("writer", "words/s", "x floor"),
        aligns=("l", "r", "r"),
    )
    if not writer_only:
        msg.table(
            [
                (key, value, results["ratio_to_tokenizer"][key])
                for key, value in results["words_per_second"].items()
            ],
            header=("what", "words/s", "x tokenizer"),
            aligns=("l", "r", "r"),
        )
        for key, value in results.items():
            if key not in ("words_per_second", "ratio_to_tokenizer", "writer", "run"):
                msg.text(f"{key}: {value}")
    save(results, output)


@app.command("scale")
def scale_cli(
    raw: RawOption = RAW_TEXT,
    patterns: PatternsOption = PATTERNS,
    min_mb: float = typer.Option(4.0, help="Input size of the backend runs, MB"),
    block_mb: float = typer.Option(0.5, help="Ray block size, MB"),
    stage_mb: float = typer.Option(1.0, help="Slice for the per-core stages, MB"),
    model_mb: float = typer.Option(0.25, help="Slice for the model suggester, MB"),
    rounds: int = typer.Option(2, help="Interleaved rounds of the backend runs (best is kept)"),
    plan: str = typer.Option("1x2,4x16,8x32,32x32", help="Clusters for the plan: NODESxCORES"),
    output: OutputOption = None,
) -> None:
    """Local vs Ray throughput and Ray's fixed costs; a plan for 100 GB (see the docstring)."""
    results = scale(raw, patterns, min_mb, block_mb, stage_mb, model_mb, rounds, plan)
    print_scale(results)
    save(results, output)


def save(results: Dict[str, Any], output: Path | None) -> None:
    if output is not None:
        write_results(output, results)
        msg.good(f"Saved {output}")


# What both commands share: the input, its words, the step's settings.


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


def repeated_input(raw: Path, min_mb: float, tmp: Path) -> Tuple[Path, Dict[str, Any]]:
    """The input file in `tmp`, and its repetitions of `raw`, size, texts and words."""
    path = tmp / "input.jsonl"
    found: Dict[str, Any] = {"repetitions": make_input(raw, int(min_mb * 1e6), path)}
    texts = read_texts(path)
    found["input_mb"] = round(path.stat().st_size / 1e6, 2)
    found["texts"] = len(texts)
    found["words"] = sum(len(doc) for doc in spacy.blank("en").pipe(texts))
    msg.info(f"{found['input_mb']} MB, {len(texts)} texts, {found['words']} words; in {tmp}")
    return path, found


def read_texts(path: Path) -> List[str]:
    return [record["text"] for record in srsly.read_jsonl(path)]


def head(path: Path, n_bytes: int, out: Path) -> Path:
    """The first whole lines of `path` up to about `n_bytes`."""
    with path.open("rb") as file_:
        data = file_.read(n_bytes)
    out.write_bytes(data[: data.rfind(b"\n") + 1])
    return out


def step_overrides(patterns: Path, segment: bool = True) -> Dict[str, Any]:
    """The `preannotate` step's settings: the pattern file, one task per sentence or text."""
    return {"paths.patterns": str(patterns), "preannotate.segment": segment}


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


# speed


def speed(
    raw: Path,
    patterns: Path,
    min_mb: float = 5.0,
    n_strings: int = 1000,
    repeats: int = 3,
    rss_mb: float = 1.0,
    long_chars: int = 1_000_000,
    writer_only: bool = False,
) -> Dict[str, Any]:
    """The speed command's figures (see the docstring)."""
    results: Dict[str, Any] = {"raw": str(raw), "patterns": str(patterns)}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        input_path, found = repeated_input(raw, min_mb, tmp)
        results.update(found)
        nlp, n_words = spacy.blank("en"), found["words"]
        results["writer"] = writer_ratios(nlp, input_path, patterns, tmp, repeats, n_words)
        if not writer_only:
            texts = read_texts(input_path)
            strings_path = tmp / "strings.jsonl"
            string_patterns(texts[:20000], nlp, n_strings, strings_path)
            speeds, ratios = {"tokenizer": 0.0}, {}
            for name, path in (("fashion", patterns), ("strings", strings_path)):
                seconds, found = matcher_speed(nlp, texts, name, path, repeats)
                tokenizer = seconds.pop("tokenizer")
                speeds["tokenizer"] = max(speeds["tokenizer"], n_words / tokenizer)
                for key, value in seconds.items():
                    speeds[key] = n_words / value
                    ratios[key] = round(tokenizer / value, 3)  # against its own rounds' baseline
                results.update(found)
            results.update(file_speeds(input_path, patterns, tmp, n_words, speeds, ratios))
            results.update(memory(raw, patterns, rss_mb, tmp))
            results["long_text_seconds"] = long_text_times(texts, patterns, long_chars)
    results["self_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    results["run"] = run_info(raw=raw, patterns=patterns, min_mb=min_mb, repeats=repeats)
    return results


def warm_best(
    runs: Dict[str, Callable[[], Any]], repeats: int
) -> Tuple[Dict[str, float], Dict[str, Any]]:
    """Best time of each run over `repeats` interleaved rounds after a warm-up round, and
    each run's output."""
    outputs = {name: run() for name, run in runs.items()}
    per_round = interleaved({name: lambda _, run=run: run() for name, run in runs.items()}, repeats)
    return best(per_round), outputs


def floor_file(lang: str, input_path: Path, output: Path) -> None:
    """Read JSONL, tokenize, write text + meta + Prodigy tokens per line (stdlib json, no match).

    The blank pipeline is made per run, as the step makes its own from the config: with one
    kept across rounds, the floor would skip the vocabulary's lexemes every step run creates.
    """
    nlp = spacy.blank(lang)
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
    nlp: Language, input_path: Path, patterns: Path, tmp: Path, repeats: int, n_words: int
) -> Dict[str, Any]:
    """Words/s of the floor and of the step (with and without patterns), and each ratio to it."""
    no_patterns = tmp / "no_patterns.jsonl"
    no_patterns.write_text("")

    def step(segment: bool, pattern_file: Path) -> Callable[[], None]:
        overrides = step_overrides(pattern_file, segment)
        return lambda: preannotate(input_path, tmp / "step.jsonl", overrides=overrides)

    seconds, _ = warm_best(
        {
            "floor": lambda: floor_file(nlp.lang, input_path, tmp / "floor.jsonl"),
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


def string_patterns(texts: List[str], nlp: Language, n: int, path: Path) -> None:
    """`n` string patterns: the most frequent words of 5+ letters in the texts."""
    counts = Counter(t.text for doc in nlp.pipe(texts) for t in doc if t.is_alpha and len(t) >= 5)
    words = [word for word, _ in counts.most_common(n)]
    srsly.write_jsonl(path, [{"label": "TERM", "pattern": word} for word in words])


def ours(nlp: Language, patterns: Path) -> Callable[[List[str]], List[list]]:
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


def matcher_speed(
    nlp: Language, texts: List[str], name: str, patterns: Path, repeats: int
) -> Tuple[Dict[str, float], Dict[str, Any]]:
    """Best seconds of the tokenizer, our suggester and the EntityRuler on the same patterns
    in the same rounds; whether both found the same entities, and how many."""
    our_run, ruler_run = ours(nlp, patterns), ruler(patterns)
    seconds, outputs = warm_best(
        {
            "tokenizer": lambda: [0 for _ in nlp.pipe(texts)],
            f"ours_{name}": lambda: our_run(texts),
            f"ruler_{name}": lambda: ruler_run(texts),
        },
        repeats,
    )
    found, expected = outputs[f"ours_{name}"], outputs[f"ruler_{name}"]
    return seconds, {
        f"identical_to_ruler_{name}": found == expected,
        f"entities_{name}": sum(map(len, found)),
    }


def file_speeds(
    input_path: Path,
    patterns: Path,
    tmp: Path,
    n_words: int,
    speeds: Dict[str, float],
    ratios: Dict[str, float],
) -> Dict[str, Any]:
    """The whole step file to file, segmented and not, 1 and 2 workers, outputs compared; with
    the matcher `speeds` (words/s) and `ratios`, all speeds as words/s and ratios."""
    files = {}
    for name, segment, n in (
        ("file_1", True, 1),
        ("file_2", True, 2),
        ("file_unsegmented_1", False, 1),
        ("file_unsegmented_2", False, 2),
    ):
        out = tmp / f"{name}.jsonl"
        overrides = step_overrides(patterns, segment)
        seconds = timed(partial(preannotate, input_path, out, overrides=overrides, n_process=n))
        speeds[name] = n_words / seconds
        files[name] = hashlib.sha256(out.read_bytes()).hexdigest()
        out.unlink()
    return {
        "workers_identical": files["file_1"] == files["file_2"]
        and files["file_unsegmented_1"] == files["file_unsegmented_2"],
        "words_per_second": {key: round(value) for key, value in speeds.items()},
        "ratio_to_tokenizer": {
            key: ratios.get(key, round(value / speeds["tokenizer"], 3))
            for key, value in speeds.items()
        },
        "speedup_2_workers": round(speeds["file_2"] / speeds["file_1"], 2),
        "speedup_2_workers_unsegmented": round(
            speeds["file_unsegmented_2"] / speeds["file_unsegmented_1"], 2
        ),
    }


def memory(raw: Path, patterns: Path, rss_mb: float, tmp: Path) -> Dict[str, Any]:
    """Peak RSS of one-worker runs (fresh processes) on `rss_mb` of input and 10 times more."""
    small, big = tmp / "input_rss1.jsonl", tmp / "input_rss10.jsonl"
    make_input(raw, int(rss_mb * 1e6), small)
    make_input(raw, int(rss_mb * 1e6), big, copies=10)
    rss_1 = peak_rss_kb(small, tmp / "rss1.jsonl", patterns)
    rss_10 = peak_rss_kb(big, tmp / "rss10.jsonl", patterns)
    return {
        "rss_input_mb": {
            "1x": round(small.stat().st_size / 1e6, 2),
            "10x": round(big.stat().st_size / 1e6, 2),
        },
        "peak_rss_mb": {"1x": round(rss_1 / 1024), "10x": round(rss_10 / 1024)},
        "rss_ratio_10x": round(rss_10 / rss_1, 3),
    }


def peak_rss_kb(input_path: Path, output: Path, patterns: Path) -> int:
    out = subprocess.run(
        [sys.executable, "-c", RSS_CODE, str(input_path), str(output), str(patterns)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.split("RSS_KB")[-1].split()[0])


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
        run = partial(lambda p, ln: list(p.process([ln])), preannotator, line)
        times[label] = round(timed(run), 2)
    return times


# scale


def scale(
    raw: Path,
    patterns: Path,
    min_mb: float = 4.0,
    block_mb: float = 0.5,
    stage_mb: float = 1.0,
    model_mb: float = 0.25,
    rounds: int = 2,
    plan: str = "1x2,4x16,8x32,32x32",
) -> Dict[str, Any]:
    """The scale command's figures (see the docstring)."""
    results: Dict[str, Any] = {"raw": str(raw), "patterns": str(patterns), "rounds": rounds}
    results["environment"] = environment()
    # Other jobs on a shared machine slow the 2-worker runs most: say how busy it was.
    results["load_average_start"] = round(os.getloadavg()[0], 2)
    tmp = Path(tempfile.mkdtemp(prefix="bench_scale."))
    try:
        input_path, found = repeated_input(raw, min_mb, tmp)
        results.update(input_mb=found["input_mb"], words=found["words"])
        stage_path = head(input_path, int(stage_mb * 1e6), tmp / "stage.jsonl")
        stages = per_core_stages(input_path, stage_path, patterns, model_mb, tmp)
        results["per_core_mb_per_s"] = {key: round(value, 3) for key, value in stages.items()}
        results.update(ray_fixed_costs(input_path, patterns, tmp))
        results.update(backends(input_path, patterns, block_mb, rounds, found["words"], tmp))
        seconds = results["best_seconds"]
        results["best_seconds"] = {key: round(value, 2) for key, value in seconds.items()}
        out = tmp / "size.jsonl"
        preannotate(stage_path, out, overrides={"paths.patterns": str(patterns)})
        ratio = out.stat().st_size / stage_path.stat().st_size
        results["output_to_input_bytes"] = round(ratio, 2)
        efficiency = seconds["ray_1"] / seconds["ray_2"] / 2
        results["ray_2_worker_efficiency"] = round(efficiency, 2)
        results["ray_2_vs_1"] = {
            kind: round(seconds[f"ray_1{suffix}"] / seconds[f"ray_2{suffix}"], 2)
            for kind, suffix in (("warm", ""), ("cold", "_cold"))
        }
        results["plan_100gb"] = plan_100gb(stages, ratio, plan)
        results["driver_plan_minutes_100gb"] = round(CORPUS_MB / stages["driver_plan"] / 60, 1)
        results["load_average_end"] = round(os.getloadavg()[0], 2)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["run"] = run_info(raw=raw, patterns=patterns, min_mb=min_mb, block_mb=block_mb)
    return results


def environment() -> Dict[str, Any]:
    """The Python environment: a Ray worker's start-up depends on it (with torch installed,
    `import spacy` imports it, and spaCy's first pipeline loads every `spacy_factories` entry
    point, spacy-transformers' among them)."""
    import ray

    return {
        "prefix": sys.prefix,
        "ray": ray.__version__,
        "torch_importable": importlib.util.find_spec("torch") is not None,
        "spacy_transformers_importable": importlib.util.find_spec("spacy_transformers") is not None,
    }


def per_core_stages(
    input_path: Path, stage_path: Path, patterns: Path, model_mb: float, tmp: Path
) -> Dict[str, float]:
    """MB/s of each cumulative stage, of the whole step with a model, of the driver's plan."""
    stage_size = stage_path.stat().st_size / 1e6
    seconds = stage_speeds(stage_path, patterns, tmp)
    model_path = head(input_path, int(model_mb * 1e6), tmp / "model.jsonl")
    seconds_model = model_step(model_path, tmp)
    stages = {key: stage_size / value for key, value in seconds.items()}
    stages["whole_step_model"] = model_path.stat().st_size / 1e6 / seconds_model
    count_seconds = timed(lambda: plan_blocks(list_inputs(str(input_path)), 1 << 16))
    stages["driver_plan"] = input_path.stat().st_size / 1e6 / count_seconds
    return stages


def stage_speeds(path: Path, patterns: Path, tmp: Path) -> Dict[str, float]:
    """Seconds of each cumulative stage on `path` (one process)."""
    config = read_config(overrides={"paths.patterns": str(patterns)})
    preannotator = Preannotator.from_config(config)
    nlp = preannotator.nlp

    def read() -> None:
        for _ in read_raw(path):
            pass

    def tokenize() -> None:
        texts = (line.record["text"] for line in read_raw(path) if line.record)
        for _ in nlp.tokenizer.pipe(texts, batch_size=1000):
            pass

    def match() -> None:
        texts = (line.record["text"] for line in read_raw(path) if line.record)
        for doc in nlp.pipe(texts, batch_size=1000):
            preannotator.suggest(doc)
            sentence_starts(doc, preannotator.rule_sentences)

    def write() -> None:
        with (tmp / "t.jsonl").open("w") as out, (tmp / "r.jsonl").open("w") as rej:
            preannotator.write(read_raw(path), out, rej)

    stages = {"read_parse": read, "tokenize": tokenize, "sentences_patterns": match}
    stages["whole_step"] = write
    write()  # warm-up: file cache, lexemes
    return {name: min(timed(run), timed(run)) for name, run in stages.items()}


def model_step(path: Path, tmp: Path) -> float:
    """Seconds of the whole step with a CNN NER model as the only suggester."""
    nlp = spacy.blank("en")
    nlp.add_pipe("ner").add_label("BRAND")
    nlp.initialize()
    nlp.to_disk(tmp / "model")
    config = read_config(overrides={"paths.model": str(tmp / "model")})
    preannotator = Preannotator.from_config(config)
    with (tmp / "t.jsonl").open("w") as out, (tmp / "r.jsonl").open("w") as rej:
        return timed(lambda: preannotator.write(read_raw(path), out, rej))


def start_ray() -> None:
    """A local Ray of this machine's 2 cores, started afresh (its worker processes are cold),
    as the step starts one: no runtime_env, so its jobs use the worker processes Ray prestarts."""
    import ray

    ray.shutdown()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="WARNING")


def ray_fixed_costs(input_path: Path, patterns: Path, tmp: Path) -> Dict[str, Any]:
    """Seconds of `import ray`, of starting a local Ray (left running for `backends`), and the
    overhead of a one-block job over the local step, twice: cold (a new worker process, its
    imports and its pipeline: what a step that starts its own Ray pays) and warm (the next job
    of the same pipeline in the same Ray session, on the same worker)."""
    start = time.perf_counter()
    import ray
    import ray.data  # noqa: F401

    found: Dict[str, Any] = {"ray_import_s": round(time.perf_counter() - start, 2)}
    found["ray_init_s"] = round(timed(start_ray), 2)
    tiny = head(input_path, 25_000, tmp / "tiny.jsonl")
    overrides = {"paths.patterns": str(patterns)}
    local_tiny = timed(lambda: preannotate(tiny, tmp / "tiny_local.jsonl", overrides=overrides))
    jobs = [
        timed(
            lambda i=i: preannotate(
                tiny, tmp / f"tiny_ray{i}", overrides=overrides, backend="ray", n_process=1
            )
        )
        for i in range(2)
    ]
    found["ray_job_overhead_s"] = [round(job - local_tiny, 2) for job in jobs]
    msg.info(
        f"Ray: import {found['ray_import_s']} s, start {found['ray_init_s']} s, "
        f"one-block job overhead {found['ray_job_overhead_s']} s (cold, warm)"
    )
    return found


def backends(
    input_path: Path, patterns: Path, block_mb: float, rounds: int, words: int, tmp: Path
) -> Dict[str, Any]:
    """The whole step on the full input with each backend, in interleaved rounds (only the
    step is timed); outputs compared; then Ray is shut down."""
    import ray

    overrides = {"paths.patterns": str(patterns)}
    runs: Dict[str, Callable[[Path], Any]] = {
        f"local_{n}": lambda out, n=n: preannotate(
            input_path, out, overrides=overrides, n_process=n
        )
        for n in (1, 2)
    }
    for n in (1, 2):
        ray_job = partial(
            preannotate, input_path, overrides=overrides, backend="ray", n_process=n,
            block_mb=block_mb,
        )  # fmt: skip
        runs[f"ray_{n}_cold"] = ray_job  # in a Ray started afresh (untimed): a CLI run's job
        runs[f"ray_{n}"] = ray_job  # the next job: its workers kept their pipeline
    mb = input_path.stat().st_size / 1e6
    per_round: List[Dict[str, float]] = []  # seconds of each run in each round
    digests: Dict[str, str] = {}
    worker_speed: Dict[str, float] = {}  # MB/s of a worker while it writes a block
    for i in range(rounds):
        times = {}
        for name, run in runs.items():
            run_dir = tmp / f"{name}_{i}"
            out = run_dir / ("tasks.jsonl" if name.startswith("local") else "shards")
            run_dir.mkdir()
            if name.endswith("_cold"):
                start_ray()
            times[name] = timed(lambda run=run, out=out: run(out))
            if name.startswith("local"):
                data = out.read_bytes()
            else:
                data = b"".join(shard_lines(str(out)))
                busy = sum(shard["seconds"] for shard in read_manifest(str(out))["shards"])
                worker_speed[name] = max(worker_speed.get(name, 0.0), mb / busy)
            digests[name] = digest(data)
            shutil.rmtree(run_dir)
        per_round.append(times)
    ray.shutdown()
    seconds = best(per_round)
    return {
        "seconds_per_round": [{k: round(v, 2) for k, v in times.items()} for times in per_round],
        "best_seconds": seconds,  # `scale` rounds them
        "mb_per_s": {key: round(mb / value, 3) for key, value in seconds.items()},
        "words_per_s": {key: round(words / value) for key, value in seconds.items()},
        "outputs_identical": len(set(digests.values())) == 1,
        "ray_worker_mb_per_s": {k: round(v, 3) for k, v in worker_speed.items()},
        "n_blocks": len(plan_blocks(list_inputs(str(input_path)), int(block_mb * 2**20))),
    }


def plan_100gb(stages: Dict[str, float], ratio: float, plan: str) -> List[Dict[str, Any]]:
    """Hours for 100 GB on each NODESxCORES cluster of `plan` at the per-core speeds (perfect
    scaling), with the patterns and with a model, and the output's write rate."""
    per_core = {"patterns": stages["whole_step"], "model": stages["whole_step_model"]}
    plans = []
    for spec in plan.split(","):
        nodes, cores = (int(x) for x in spec.split("x"))
        row: Dict[str, Any] = {"nodes": nodes, "cores_per_node": cores}
        for name, speed_ in per_core.items():
            row[f"hours_{name}"] = round(CORPUS_MB / (speed_ * nodes * cores) / 3600, 2)
        row["output_write_mb_per_s"] = round(per_core["patterns"] * nodes * cores * ratio)
        plans.append(row)
    return plans


def print_scale(results: Dict[str, Any]) -> None:
    """The scale command's tables."""
    msg.table(
        list(results["per_core_mb_per_s"].items()),
        header=("stage (cumulative)", "MB/s per core"),
        aligns=("l", "r"),
        title="Per-core stages",
    )
    msg.table(
        [
            (name, seconds, results["mb_per_s"][name], f"{results['words_per_s'][name]:,}")
            for name, seconds in results["best_seconds"].items()
        ],
        header=("backend", "best s", "MB/s", "words/s"),
        aligns=("l", "r", "r", "r"),
        title=f"Whole step, {results['input_mb']} MB, {results['n_blocks']} Ray blocks",
    )
    msg.info(f"Environment: {results['environment']}")
    msg.info(
        f"All outputs identical: {results['outputs_identical']}; MB/s of one Ray worker "
        f"while it writes a block: {results['ray_worker_mb_per_s']}"
    )
    msg.info(f"Ray, 2 workers against 1 (cold and warm jobs): {results['ray_2_vs_1']}")
    msg.table(
        [
            (
                f"{row['nodes']} x {row['cores_per_node']}",
                row["nodes"] * row["cores_per_node"],
                row["hours_patterns"],
                row["hours_model"],
                row["output_write_mb_per_s"],
            )
            for row in results["plan_100gb"]
        ],
        header=("nodes x cores", "cores", "h patterns", "h model", "write MB/s"),
        aligns=("l", "r", "r", "r", "r"),
        title="100 GB at the measured per-core speed (perfect scaling)",
    )
    msg.info(
        f"Output is {results['output_to_input_bytes']}x the input; the driver plans 100 GB "
        f"in {results['driver_plan_minutes_100gb']} min"
    )


if __name__ == "__main__":
    app()
