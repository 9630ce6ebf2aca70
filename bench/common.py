"""What every benchmark shares: the data files, the lock, timing, training runs, results files.

The benchmarks read their data from file paths (`--train`, `--eval`, `--patterns`, `--raw`, ...)
whose defaults are the shared datasets in `../shared/data` (`BENCH_DATA` overrides the folder).
"""

import fcntl
import json
import os
import platform
import random
import shlex
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, is_dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

import spacy
import typer
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from spacy.util import fix_random_seed, load_config, load_model_from_config, registry
from spacy.vocab import Vocab

import spacy_ner_plugin
from spacy_ner_plugin.annotations.partial import is_partial
from spacy_ner_plugin.binary.fill import answer_matcher, fill_outside, propagate_answers
from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.io.files import write_json_atomic

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("BENCH_DATA", ROOT.parent / "shared" / "data"))
RESULTS = ROOT / "bench" / "results"
CONFIGS = ROOT / "configs"
NER_CONFIG = CONFIGS / "ner.cfg"
LOCK = Path("/tmp/bench.lock")
RAW_TEXT = DATA / "food_ingredients" / "reddit_r_cooking_sample.jsonl"  # 10k r/Cooking comments
WNUT = DATA / "wnut17"
PRODUCT_ANSWERS = (
    DATA / "prodigy_examples" / "example-datasets" / "annotated_reddit-PRODUCT-ner.jsonl"
)


# The data: datasets by name or files, converted corpora, docs


@dataclass(frozen=True)
class Dataset:
    """One annotated dataset's files. Without `eval`, 20% of the texts are held out."""

    name: str
    train: Path
    eval: Path | None = None
    patterns: Path | None = None


DATASETS = {
    "fashion_brands": Dataset(
        "fashion_brands",
        DATA / "fashion_brands" / "fashion_brands_training.jsonl",
        DATA / "fashion_brands" / "fashion_brands_eval.jsonl",
        DATA / "fashion_brands" / "fashion_brands_patterns.jsonl",
    ),
    "food_ingredients": Dataset(
        "food_ingredients",
        DATA / "food_ingredients" / "food_data.jsonl",
        None,
        DATA / "food_ingredients" / "food_patterns.jsonl",
    ),
    "sample": Dataset(
        "sample",
        ROOT / "assets" / "sample" / "train.jsonl",
        None,
        ROOT / "assets" / "sample" / "patterns.jsonl",
    ),
}


def dataset(
    name: str | None,
    train: Path | None = None,
    eval: Path | None = None,
    patterns: Path | None = None,
    default: str = "fashion_brands",
) -> Dataset:
    """The files of a benchmark's dataset, from its options.

    With `train`, the files are the ones given (no `eval`: 20% held out) and `name` only labels
    the results (default: the file's stem). Without, `name` (default `default`) is one of
    `DATASETS`, and `eval` or `patterns`, when given, replace that dataset's own.
    """
    if train is not None:
        return Dataset(name or train.stem, train, eval, patterns)
    name = name or default
    if name not in DATASETS:
        raise typer.BadParameter(
            f"no dataset {name!r}: pass --train (and --eval, --patterns) or one of "
            f"{', '.join(DATASETS)}"
        )
    preset = DATASETS[name]
    return Dataset(name, preset.train, eval or preset.eval, patterns or preset.patterns)


def datasets(
    names: str | None,
    train: Path | None = None,
    eval: Path | None = None,
    patterns: Path | None = None,
    default: str = "fashion_brands",
) -> List[Dataset]:
    """`dataset` for each of the comma-separated `names`; the files given are one dataset's."""
    listed: List[str | None] = names.split(",") if names else [None]
    if len(listed) > 1 and (train or eval or patterns):
        raise typer.BadParameter("--train, --eval and --patterns are the files of one dataset")
    return [dataset(name, train, eval, patterns, default) for name in listed]


def data_name(path: Path) -> str:
    """A data file's name in results: `NAME` or `NAME_eval` for a shared dataset's file."""
    for data in DATASETS.values():
        if path.resolve() == data.train.resolve():
            return data.name
        if data.eval and path.resolve() == data.eval.resolve():
            return f"{data.name}_eval"
    return path.stem


@dataclass(frozen=True)
class Corpus:
    """A dataset converted by data-to-spacy."""

    train: Path
    dev: Path
    labels: Path

    def docs(self, vocab: Vocab) -> Tuple[List[Doc], List[Doc]]:
        """The train and dev docs."""
        return read_docs(self.train, vocab), read_docs(self.dev, vocab)


def corpus(data: Dataset, output: Path, split_seed: int = 0) -> Corpus:
    """`data` converted to .spacy files in `output`, once: reused while its inputs are the same."""
    inputs = {"train": str(data.train), "eval": str(data.eval), "split_seed": split_seed}
    stamp = output / "bench_inputs.json"
    if not stamp.exists() or json.loads(stamp.read_text()) != inputs:
        output.mkdir(parents=True, exist_ok=True)
        data_to_spacy([data.train], output, eval_path=data.eval, eval_split=0.2, seed=split_seed)
        stamp.write_text(json.dumps(inputs))
    return Corpus(output / "train.spacy", output / "dev.spacy", output / "labels.json")


def read_docs(path: Path, vocab: Vocab) -> List[Doc]:
    return list(DocBin().from_disk(path).get_docs(vocab))


def save_docs(docs: Sequence[Doc], path: Path, user_data: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs, store_user_data=user_data).to_disk(path)
    return path


def words_only(doc: Doc) -> Doc:
    """A copy of `doc` with its words and spaces only (no annotation)."""
    return Doc(doc.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])


# One measurement at a time, and timing


@contextmanager
def locked(lock: Path | None = LOCK) -> Iterator[None]:
    """Hold the shared benchmark lock (`flock`, as `flock /tmp/bench.lock CMD` takes it) for
    the block, so that two measurements never share the cores; `None`: no lock.

    A benchmark that takes it per run must not itself run under `flock` on the same file: it
    would wait for its own lock.
    """
    if lock is None:
        yield
        return
    with lock.open("a") as file_:
        fcntl.flock(file_, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file_, fcntl.LOCK_UN)


def timed(run: Callable[[], Any]) -> float:
    """Wall seconds of `run()`."""
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def interleaved(runs: Dict[str, Callable[[int], Any]], rounds: int) -> List[Dict[str, float]]:
    """Seconds of each run (called with the round's number) in each of `rounds` rounds.

    Every round runs each one in turn, so a slow phase of a shared machine hits the baseline and
    the runs compared with it alike.
    """
    return [{name: timed(partial(run, i)) for name, run in runs.items()} for i in range(rounds)]


def best(per_round: List[Dict[str, float]]) -> Dict[str, float]:
    """Each run's best time over the rounds of `interleaved`."""
    return {name: min(times[name] for times in per_round) for name in per_round[0]}


# Training and scoring


def run_logged(command: List[str], log: Path, time_limit: float | None = None) -> Dict[str, Any]:
    """Run `command` from the repository root with its output in `log`; its wall seconds and
    whether `time_limit` (seconds) stopped it. A failure raises `CalledProcessError`."""
    start = time.perf_counter()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as file_:
        try:
            subprocess.run(
                command,
                stdout=file_,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                timeout=time_limit,
                check=True,
            )
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
    return {"wall_s": round(time.perf_counter() - start, 1), "timed_out": timed_out}


def flat_overrides(overrides: Dict[str, Any]) -> List[str]:
    """`{"training.max_steps": 10}` as spaCy's `--training.max_steps 10` arguments."""
    return [arg for key, value in overrides.items() for arg in (f"--{key}", str(value))]


def spacy_train(
    config: Path,
    output: Path,
    overrides: Dict[str, Any],
    time_limit: float | None = None,
) -> Dict[str, Any]:
    """Plain `spacy train CONFIG -o OUTPUT --key value...`, logged to OUTPUT/train.log: wall
    seconds, whether `time_limit` stopped it, and the command."""
    command = [sys.executable, "-m", "spacy", "train", str(config), "-o", str(output)]
    command += flat_overrides(overrides)
    output.mkdir(parents=True, exist_ok=True)
    info = run_logged(command, output / "train.log", time_limit)
    return {**info, "command": " ".join(command)}


def train_model(
    train: Path,
    data: Corpus,
    output: Path,
    steps: int,
    seed: int,
    eval_frequency: int = 200,
    extra: Dict[str, Any] | None = None,
) -> Path:
    """configs/ner.cfg trained on `train` for a fixed step budget (no early stop), scored on
    the corpus's dev set; return model-best."""
    settings = {
        "paths.train": train,
        "paths.dev": data.dev,
        "paths.labels": data.labels,
        "training.max_steps": steps,
        "training.eval_frequency": eval_frequency,
        "training.patience": 0,
        "system.seed": seed,
        **(extra or {}),
    }
    spacy_train(NER_CONFIG, output, settings)
    return output / "model-best"


def train_docs(
    name: str, docs: List[Doc], work: Path, data: Corpus, steps: int, seed: int, resume: bool
) -> Path:
    """`train_model` on `docs`, in WORK/NAME; with `resume`, the model already trained there
    is reused. Returns model-best."""
    model_best = work / name / "model" / "model-best"
    if resume and (model_best / "meta.json").exists():
        return model_best
    path = save_docs(docs, work / name / "train.spacy", user_data=True)
    return train_model(path, data, work / name / "model", steps, seed)


def score(nlp: Language, docs: List[Doc]) -> Dict[str, float]:
    """Entity P, R and F (points) of `nlp` on the gold `docs`."""
    scores = nlp.evaluate([Example(nlp.make_doc(doc.text), doc) for doc in docs])
    return {k: round((scores[k] or 0.0) * 100, 2) for k in ("ents_p", "ents_r", "ents_f")}


def propagated(docs: List[Doc]) -> List[Doc]:
    """The docs with every clearly answered string propagated to its unknown occurrences."""
    matcher = answer_matcher(docs, docs[0].vocab)
    return [propagate_answers(doc, matcher) for doc in docs]


def outside(docs: List[Doc]) -> List[Doc]:
    """The 'outside' fill of the partial docs (fill-binary's default); complete docs pass."""
    return [fill_outside(doc) if is_partial(doc) else doc for doc in docs]


# Results files


def bench_command() -> str:
    """The command line that runs this benchmark (`python -m bench.NAME ...`)."""
    script = Path(sys.argv[0])
    if script.parent != ROOT / "bench":
        return "(called from Python)"
    return shlex.join(["python", "-m", f"bench.{script.stem}", *sys.argv[1:]])


def machine() -> Dict[str, Any]:
    """What the figures were measured on."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return {
        "cpus": len(os.sched_getaffinity(0)),
        "memory_gb": round(pages / 2**30, 1),
        "load_average": round(os.getloadavg()[0], 2),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "spacy": spacy.__version__,
        "spacy_ner_plugin": spacy_ner_plugin.__version__,
        "commit": commit or None,
    }


def run_info(**config: Any) -> Dict[str, Any]:
    """The `run` entry of a results file: command line, settings (seeds included), machine."""
    return {"command": bench_command(), "config": jsonable(config), "machine": machine()}


def jsonable(value: Any) -> Any:
    """Settings as JSON: paths as strings, containers walked."""
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return str(value) if isinstance(value, Path) else value


def write_results(path: Path, results: Any) -> Path:
    """Write a results file atomically (JSON, indented, UTF-8)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(path, jsonable(results))
    return path


def train_in_process(
    docs: Sequence[Doc], config_path: Path, labels: Path, steps: int, seed: int
) -> Language:
    """A pipeline from `config_path` trained on the gold (or filled) `docs` for exactly `steps`
    updates in this process, with the config's batcher, optimizer and dropout; returns the
    last model (no dev set, so nothing is chosen on the eval set). Faster than `spacy train`
    for the many small trainings of a simulation: no start-up, no evaluation."""
    config = load_config(config_path, overrides={"paths.labels": str(labels)})
    config["training"]["seed"] = seed
    fix_random_seed(seed)
    nlp = load_model_from_config(config, auto_fill=True, validate=False)
    pieces = registry.resolve(
        {"batcher": config["training"]["batcher"], "optimizer": config["training"]["optimizer"]}
    )
    gold = list(DocBin(docs=docs, store_user_data=True).get_docs(nlp.vocab))
    examples = [Example(words_only(doc), doc) for doc in gold]
    optimizer = nlp.initialize(lambda: examples, sgd=pieces["optimizer"])
    rng = random.Random(seed)
    done = 0
    while done < steps:
        rng.shuffle(examples)
        for batch in pieces["batcher"](examples):
            nlp.update(batch, sgd=optimizer, drop=config["training"]["dropout"])
            done += 1
            if done >= steps:
                break
    return nlp
