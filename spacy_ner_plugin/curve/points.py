"""Train-curve logic: one training per (fraction, seed) point, cached, run in worker processes.

Each point trains the project's own config with `[corpora.train]` wrapped in
`spacy_ner_plugin.SampledCorpus.v1`, so any reader (`.spacy`, JSONL, binary answers) can be
sampled, and `[corpora.dev]` in `spacy_ner_plugin.EvaluationCorpus.v1`, which reads the dev
set once and skips spaCy's evaluation at step 0. A point's step budget scales with its fraction:
with `max_steps = S` and `eval_frequency = E`, the point of fraction f trains about f·S steps
and evaluates about f·S/E times (at least once, and so that its last step is evaluated); with
`max_steps = 0` its epochs over the smaller sample are already proportionally shorter. A point's
score is its best dev score, as in `model-best`.

Points are cached under `training_dir/<key>/`, where the key hashes the point's full config
(fraction, seed and overrides included), the bytes of every data file the config names, and the
spaCy and plugin versions: an interrupted curve resumes and an unchanged one trains nothing.
"""

import hashlib
import math
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

import spacy
import srsly
from confection import Config
from spacy.language import Language
from spacy.training import Example
from spacy.util import load_model_from_config

from .. import __version__
from ..errors import PluginError
from ..io.files import write_json_atomic
from ..io.loading import import_code
from ..readers.sampling import take_sample

SAMPLER = "spacy_ner_plugin.SampledCorpus.v1"
DEV_READER = "spacy_ner_plugin.EvaluationCorpus.v1"
RESULT_FILE = "result.json"
CONFIG_FILE = "config.cfg"
LOG_FILE = "train.log"


class CurveInputError(PluginError):
    """Input that would make a curve point fail or meaningless, found before any training."""

    def __init__(self, text: str) -> None:
        super().__init__("Cannot run the train curve", text)


@dataclass
class PointJob:
    """Everything a worker process needs to train one curve point."""

    fraction: float
    seed: int
    key: str
    directory: Path
    max_steps: int
    eval_frequency: int
    n_examples: int = 0
    n_entities: int = 0
    gpu_id: int = -1
    code_path: Path | None = None

    @property
    def result_path(self) -> Path:
        return self.directory / RESULT_FILE


@dataclass
class Advice:
    """What the last segment of the curve says about collecting more data of the same kind."""

    verdict: str  # "more data helps", "flat" or "worse"
    gain: float
    margin: float
    text: str


def curve_fractions(n_samples: int) -> List[float]:
    """The growing fractions of a curve with `n_samples` points: 1/n, 2/n, ..., 1."""
    if n_samples < 2:
        raise CurveInputError(f"A curve needs at least 2 samples, got --n-samples {n_samples}")
    return [i / n_samples for i in range(1, n_samples + 1)]


def scaled_schedule(max_steps: int, eval_frequency: int, fraction: float) -> Tuple[int, int]:
    """`(max_steps, eval_frequency)` for a point: about `fraction` of the steps and evaluations.

    The evaluation count is rounded to the nearest whole number, halves down (at least 1:
    every evaluation of a point adds to its fixed cost), and the interval set to divide the
    step count evenly, so the point's last step is evaluated; that adds fewer steps than the
    point has evaluations.
    """
    if max_steps <= 0:
        return max_steps, eval_frequency
    steps = math.ceil(max_steps * fraction)
    n_evals = max(1, math.ceil(steps / eval_frequency - 0.5))
    frequency = math.ceil(steps / n_evals)
    return frequency * n_evals, frequency


def corpus_block(config: Config, config_path: Path, setting: str) -> Tuple[Dict[str, Any], str]:
    """The parent section and key of the corpus block that `[training] setting` names."""
    default = "corpora.train" if setting == "train_corpus" else "corpora.dev"
    dot_name = config.get("training", {}).get(setting, default)
    *parents, key = dot_name.split(".")
    section: Any = config
    for name in parents:
        section = section.get(name) if isinstance(section, dict) else None
    if not isinstance(section, dict) or not isinstance(section.get(key), dict):
        raise CurveInputError(
            f"{config_path} has no [{dot_name}] block: train-curve reads the corpus that "
            f"[training] {setting} names (add e.g. [{dot_name}] with "
            '@readers = "spacy.Corpus.v1")'
        )
    return section, key


def point_config(
    config: Config, config_path: Path, fraction: float, seed: int, schedule: Tuple[int, int]
) -> Config:
    """The config of one point: training corpus wrapped in the sampler, dev corpus read once,
    seed and steps set."""
    config = config.copy()
    section, key = corpus_block(config, config_path, "train_corpus")
    section[key] = {"@readers": SAMPLER, "fraction": fraction, "seed": seed, "corpus": section[key]}
    section, key = corpus_block(config, config_path, "dev_corpus")
    section[key] = {"@readers": DEV_READER, "skip_first": True, "corpus": section[key]}
    config["training"]["seed"] = seed
    config["training"]["max_steps"], config["training"]["eval_frequency"] = schedule
    return config


def _string_values(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _string_values(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _string_values(item)
    elif isinstance(value, str) and value:
        yield value


def _hash_path(path: Path, digest: "hashlib._Hash") -> None:
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file_ in files:
        digest.update(str(file_.relative_to(path) if path.is_dir() else "").encode("utf8"))
        with file_.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)


def data_fingerprint(config: Config) -> Dict[str, str]:
    """SHA-256 of every existing file or directory named by a string value of the config."""
    fingerprint = {}
    for value in sorted(set(_string_values(config.interpolate()))):
        path = Path(value)
        if path.exists():
            digest = hashlib.sha256()
            _hash_path(path, digest)
            fingerprint[value] = digest.hexdigest()
    return fingerprint


def point_key(config: Config, fingerprint: Dict[str, str]) -> str:
    """The cache key of a point: its config, its data and the code versions that train it."""
    payload = srsly.json_dumps(
        {
            "config": config.to_str(),
            "data": fingerprint,
            "spacy": spacy.__version__,
            "plugin": __version__,
        }
    )
    return hashlib.sha256(payload.encode("utf8")).hexdigest()[:16]


def plan_points(
    config: Config,
    config_path: Path,
    fractions: Sequence[float],
    seeds: Sequence[int],
    training_dir: Path,
    gpu_id: int = -1,
    code_path: Path | None = None,
) -> List[Tuple[PointJob, Config]]:
    """One job (and its config) per fraction and seed, keyed for the cache."""
    resolved = config.interpolate()["training"]
    fingerprint = data_fingerprint(config)
    plans = []
    for seed in seeds:
        for fraction in fractions:
            schedule = scaled_schedule(
                int(resolved.get("max_steps") or 0), int(resolved["eval_frequency"]), fraction
            )
            cfg = point_config(config, config_path, fraction, seed, schedule)
            key = point_key(cfg, fingerprint)
            job = PointJob(
                fraction,
                seed,
                key,
                training_dir / key,
                *schedule,
                gpu_id=gpu_id,
                code_path=code_path,
            )
            plans.append((job, cfg))
    return plans


def check_inputs(config: Config, config_path: Path, jobs: Sequence[PointJob]) -> List[str]:
    """Count each job's examples and entities; raise on unusable data, return warnings.

    Reads the training and dev corpora once through the config's own readers, so the same
    checks apply to `.spacy`, JSONL or any other registered reader.
    """
    resolved = config.interpolate()
    nlp = load_model_from_config(resolved, auto_fill=True)
    names = [resolved["training"]["train_corpus"], resolved["training"]["dev_corpus"]]
    train, dev = (
        read_corpus(resolved, config_path, setting, nlp)
        for setting in ("train_corpus", "dev_corpus")
    )
    if not dev:
        raise CurveInputError(f"The dev corpus [{names[1]}] has no examples")
    train_labels = set(entity_labels(train))
    unseen = sorted(set(entity_labels(dev)) - train_labels)
    if unseen:
        raise CurveInputError(
            f"The dev corpus [{names[1]}] has labels that never occur in the training corpus "
            f"[{names[0]}]: {', '.join(unseen)}. No point of the curve could learn them; "
            "annotate training examples for them or drop them from the dev set"
        )
    warnings = []
    for job in jobs:
        sample = take_sample(train, job.fraction, job.seed)
        name = f"The {job.fraction:.0%} sample (seed {job.seed})"
        if not sample:
            raise CurveInputError(
                f"{name} of the {len(train)} training examples in [{names[0]}] is empty: "
                "use fewer --n-samples or more data"
            )
        job.n_examples = len(sample)
        job.n_entities = sum(len(eg.reference.ents) for eg in sample)
        if not job.n_entities:
            raise CurveInputError(
                f"{name} has {len(sample)} examples but no entities: use fewer --n-samples "
                "or more annotated data"
            )
        missing = sorted(train_labels - set(entity_labels(sample)))
        if missing:
            warnings.append(f"{name} has no {', '.join(missing)} entities")
    return warnings


def read_corpus(config: Config, config_path: Path, setting: str, nlp: Language) -> List[Example]:
    """The Examples of the corpus `[training] setting` names, read with its own reader alone.

    Resolving just this block (not all of `[corpora]`, as spaCy does) keeps an unrelated corpus,
    such as pretraining text with no path set, from failing the check.
    """
    section, key = corpus_block(config, config_path, setting)
    return list(spacy.registry.resolve({"reader": section[key]})["reader"](nlp))


def entity_labels(examples: Sequence[Example]) -> List[str]:
    """Sorted labels of the gold entities in `examples`."""
    return sorted({ent.label_ for eg in examples for ent in eg.reference.ents})


def train_point(job: PointJob) -> Dict[str, Any]:
    """Train one point in this (worker) process; write its result file and return it.

    spaCy's own `train` does the work from the point's config.cfg; its output goes to the
    point's train.log, so parallel points do not interleave on the terminal.
    """
    from spacy.cli.train import train

    start = time.perf_counter()
    log_path = job.directory / LOG_FILE
    with log_path.open("w", encoding="utf8") as log, redirect_stdout(log), redirect_stderr(log):
        try:
            import_code(job.code_path)
            train(job.directory / CONFIG_FILE, job.directory, use_gpu=job.gpu_id)
        except SystemExit as err:  # spaCy's train fails with msg.fail(exits=1)
            raise RuntimeError(f"training failed, see {log_path}") from err
    performance = srsly.read_json(job.directory / "model-best" / "meta.json")["performance"]
    result = {
        "fraction": job.fraction,
        "seed": job.seed,
        "n_examples": job.n_examples,
        "n_entities": job.n_entities,
        "max_steps": job.max_steps,
        "eval_frequency": job.eval_frequency,
        "ents_f": performance["ents_f"],
        "ents_p": performance["ents_p"],
        "ents_r": performance["ents_r"],
        "ents_per_type": performance.get("ents_per_type") or {},
        "seconds": round(time.perf_counter() - start, 2),
        "key": job.key,
    }
    write_json_atomic(job.result_path, result)
    return result


def cached_result(job: PointJob) -> Dict[str, Any] | None:
    """The stored result of a completed point, or None if it still has to be trained."""
    return srsly.read_json(job.result_path) if job.result_path.exists() else None


def run_points(
    plans: Sequence[Tuple[PointJob, Config]],
    n_workers: int,
    on_result: Callable[[Dict[str, Any]], None],
) -> List[str]:
    """Train the points in `n_workers` worker processes, largest fraction first.

    Longest-first keeps the workers evenly loaded (on 2 workers, 100% + 25% beside 75% + 50%).
    Every point writes its own directory, so workers share nothing but the input files. A
    failing point does not stop the others; the failures are returned as messages.
    """
    jobs = prepare_points(plans)
    failures = []
    if not jobs:
        return failures
    context = get_context(start_method(jobs[0].gpu_id))
    with ProcessPoolExecutor(n_workers, mp_context=context) as pool:
        futures = {pool.submit(train_point, job): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                on_result(future.result())
            except Exception as err:
                failures.append(f"{job.fraction:.0%} seed {job.seed}: {err}")
    return failures


def prepare_points(plans: Sequence[Tuple[PointJob, Config]]) -> List[PointJob]:
    """Write each point's config into its directory; return the jobs, largest fraction first."""
    for job, config in plans:
        job.directory.mkdir(parents=True, exist_ok=True)
        config.to_disk(job.directory / CONFIG_FILE)
    return sorted((job for job, _ in plans), key=lambda job: -job.fraction)


def start_method(gpu_id: int) -> str:
    """How worker processes start: "fork" on CPU where the platform has it, else "spawn".

    A forked worker inherits the loaded spaCy and every plugin its registry imported (with
    spacy-transformers installed that includes torch: seconds per process); CUDA state is not
    fork-safe, so GPU runs spawn fresh interpreters.
    """
    return "fork" if gpu_id < 0 and "fork" in get_all_start_methods() else "spawn"


def default_workers() -> int:
    """The number of cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def summarize(results: Sequence[Dict[str, Any]], fractions: Sequence[float]) -> List[Dict]:
    """One row per fraction: examples, and mean and spread over seeds of F, P, R per label."""

    def spread(values: List[float]) -> Dict[str, float]:
        std = statistics.stdev(values) if len(values) > 1 else 0.0
        return {"mean": statistics.fmean(values) * 100, "std": std * 100}

    labels = sorted({label for r in results for label in r["ents_per_type"]})
    rows = []
    for fraction in fractions:
        # srsly's JSON keeps 10 decimals: 1/3 comes back from result.json as 0.3333333333
        points = [r for r in results if math.isclose(r["fraction"], fraction, rel_tol=1e-8)]
        rows.append(
            {
                "fraction": fraction,
                "n_examples": points[0]["n_examples"],
                "n_seeds": len(points),
                **{key: spread([r[f"ents_{key}"] for r in points]) for key in ("f", "p", "r")},
                "per_label": {
                    label: spread([r["ents_per_type"].get(label, {}).get("f", 0.0) for r in points])
                    for label in labels
                },
            }
        )
    return rows


def advise(rows: Sequence[Dict[str, Any]], threshold: float) -> Advice:
    """Judge the last segment: a gain counts only above the threshold and the seeds' noise.

    The noise margin is the spread of the difference between the last two points,
    sqrt(std_prev² + std_last²) in F points (0 with one seed); the decision margin is the
    larger of it and `threshold`.
    """
    prev, last = rows[-2], rows[-1]
    gain = last["f"]["mean"] - prev["f"]["mean"]
    noise = math.hypot(prev["f"]["std"], last["f"]["std"])
    margin = max(threshold, noise)
    segment = (
        f"The last segment ({prev['fraction']:.0%} → {last['fraction']:.0%} of the data, "
        f"{prev['n_examples']} → {last['n_examples']} examples) changed F by {gain:+.1f} "
        f"({prev['f']['mean']:.1f} → {last['f']['mean']:.1f})"
    )
    bounds = f"the {threshold:.1f}-point threshold"
    if noise > threshold:
        bounds = f"the seeds' noise (±{noise:.1f})"
    if gain > margin:
        verdict = "more data helps"
        text = (
            f"{segment}, more than {bounds}. Accuracy is still rising: more annotations of "
            "the same kind will likely improve the model."
        )
    elif gain < -margin:
        verdict = "worse"
        text = (
            f"{segment}, a drop larger than {bounds}. More data of the same kind is unlikely "
            "to help: check the newest annotations for inconsistencies, or train longer."
        )
    else:
        verdict = "flat"
        text = (
            f"{segment}, within {bounds}. The curve has flattened: more annotations of the "
            "same kind are unlikely to help much; try other kinds of examples (where the "
            "model errs), better features (vectors, pretraining) or a larger model."
        )
    return Advice(verdict, round(gain, 2), round(margin, 2), text)
