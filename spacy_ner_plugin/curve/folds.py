"""`find-errors`: k models on k folds of the annotated texts, each scoring the fold it never saw.

The texts are read as every step reads gold (`annotations.gold.read_gold_docs`: any format or
`dataset:NAME`, answers about one text merged, bad records rejected with file and line), split
into `folds` seeded folds, and one model is trained per fold on the other folds, by the
train-curve's runner (`curve.run.Runner`: worker processes, each fold cached like a curve point
under `training_dir` by its config and data). The fold's own texts are its dev set (spaCy's
train loop needs one) and its last model, not the best on them, scores them: its beam gives
each candidate entity a probability (`teach.scoring.BeamScorer`). `evaluation.suspects` ranks
the disagreements with the annotation, merged with the consistency findings
(`review.consistency`), and the suspects are written as review tasks.
"""

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Union

import spacy
from confection import Config
from spacy.language import Language
from spacy.tokens import Doc, DocBin

from ..annotations.convert import ner_label_data
from ..annotations.counts import ConversionCounts
from ..annotations.gold import read_gold_docs
from ..annotations.ingest import check_inputs, input_paths, parse_input
from ..annotations.transfer import rejects_path
from ..configs import config_errors, read_training_config
from ..errors import PluginError, UsageError
from ..evaluation.suspects import SpanKey, annotated_spans, find_suspects
from ..io.files import check_overwrites, write_json_atomic, write_jsonl_atomic
from ..io.records import Reject
from ..messages import Message
from ..review.consistency import Consistency
from ..teach.scoring import BeamScorer, batched
from .points import (
    PointJob,
    cached_result,
    data_fingerprint,
    point_config,
    point_key,
    scaled_schedule,
)
from .run import Plan, Runner, local_runner

# The project's CNN config for CPU (configs/ner.cfg), shipped with the package for `init`.
DEFAULT_CONFIG_PATH = Path(__file__).parent.parent / "template" / "configs" / "ner.cfg"
MODEL = "model-last"
BATCH_SIZE = 64


@dataclass
class FindErrorsResult:
    """What one find-errors run did: the records' counts, the texts checked, the suspects
    (review tasks, most likely first), each fold's result, and the files written."""

    counts: ConversionCounts
    n_texts: int = 0
    suspects: List[Dict[str, Any]] = field(default_factory=list)
    folds: List[Dict[str, Any]] = field(default_factory=list)
    rejects: List[Reject] = field(default_factory=list)
    paths: Dict[str, Path] = field(default_factory=dict)

    def tables(self) -> List[tuple]:
        """The reconciled counts and the suspects per kind, as tables for the CLI to print."""
        kinds: Dict[str, int] = {}
        for task in self.suspects:
            kind = task["meta"]["suspect"]["kind"]
            kinds[kind] = kinds.get(kind, 0) + 1
        rows = sorted(kinds.items())
        return [*self.counts.tables(), ("Suspects", ("kind", "n"), rows, ("l", "r"))]

    def messages(self) -> List[Message]:
        """The first suspects (score, kind, label, text) and where all of them went, as
        (level, title, text) messages for the CLI to print."""
        lines = [
            ("text", f"{s['score']:.2f} {s['kind']:<8} {s['label']:<12} {s['text']!r}", "")
            for s in (task["meta"]["suspect"] for task in self.suspects[:10])
        ]
        saved = f"{len(self.suspects)} suspects in {self.n_texts} texts to {self.paths['output']}"
        return [*lines, ("good", f"Saved {saved}", "")]


def fold_of(n_docs: int, n_folds: int, seed: int) -> List[int]:
    """Each text's fold: a seeded shuffle dealt round-robin, so fold sizes differ by one."""
    order = list(range(n_docs))
    random.Random(seed).shuffle(order)
    folds = [0] * n_docs
    for rank, i in enumerate(order):
        folds[i] = rank % n_folds
    return folds


def fold_plans(
    docs: Sequence[Doc],
    folds: List[int],
    n_folds: int,
    config: Config,
    config_path: Path,
    training_dir: Path,
    seed: int,
) -> List[Plan]:
    """One training job per fold: the other folds' texts to train on, its own as dev."""
    data = training_dir / "data" / f"seed{seed}_k{n_folds}"
    data.mkdir(parents=True, exist_ok=True)
    labels = sorted({ent.label_ for doc in docs for ent in doc.ents})
    write_json_atomic(data / "labels.json", ner_label_data(labels))
    resolved = config.interpolate()["training"]
    schedule = scaled_schedule(
        int(resolved.get("max_steps") or 0), int(resolved["eval_frequency"]), 1.0
    )
    plans = []
    for k in range(n_folds):
        train = [doc for doc, fold in zip(docs, folds) if fold != k]
        held_out = [doc for doc, fold in zip(docs, folds) if fold == k]
        paths = {"train": data / f"fold{k}_train.spacy", "dev": data / f"fold{k}_dev.spacy"}
        for split, split_docs in (("train", train), ("dev", held_out)):
            DocBin(docs=split_docs, store_user_data=True).to_disk(paths[split])
        cfg = config.copy()
        cfg["paths"] = {**cfg.get("paths", {}), **{k_: str(p) for k_, p in paths.items()}}
        cfg["paths"]["labels"] = str(data / "labels.json")
        with config_errors(config_path):
            cfg = point_config(cfg, config_path, 1.0, seed, schedule)
            key = point_key(cfg, data_fingerprint(cfg))
        job = PointJob(1.0, seed, key, training_dir / key, *schedule)
        job.n_examples = len(train)
        job.n_entities = sum(len(doc.ents) for doc in train)
        plans.append((job, cfg))
    return plans


def held_out_probabilities(
    model: Path, docs: Sequence[Doc], scorer: BeamScorer
) -> List[Dict[SpanKey, float]]:
    """The span probabilities of a fold's model for the texts it never saw."""
    nlp = spacy.load(model)
    probabilities: List[Dict[SpanKey, float]] = []
    for batch in batched(docs, BATCH_SIZE):
        probabilities.extend(scorer(nlp, batch)[1])
    return probabilities


def consistency_report(nlp: Language, docs: Sequence[Doc]) -> Dict[str, Any]:
    """`review.consistency` over the annotations, each place naming its text's index."""
    checker = Consistency(nlp.vocab)
    for i, doc in enumerate(docs):
        spans = [(doc[s].idx, doc[e - 1].idx + len(doc[e - 1]), label) for s, e, label in
                 annotated_spans(doc)]  # fmt: skip
        checker.add(doc, spans, {"doc": i})
    return checker.report()


def find_errors(
    inputs: Sequence[Union[str, Path]],
    output: Path,
    *,
    config: Path | None = None,
    folds: int = 5,
    n_process: int = 1,
    overrides: Dict[str, Any] | None = None,
    seed: int = 0,
    min_score: float = 0.5,
    beam_width: int = 16,
    training_dir: Path = Path("training/find_errors"),
    consistency: bool = True,
    runner: Runner | None = None,
    db: str | None = None,
    info: Callable[[str], None] | None = None,
) -> FindErrorsResult:
    """Rank the annotations of `inputs` that `folds` held-out models disagree with, and write
    them to `output` as review tasks (most likely first; `output`'s rejects report beside it).

    `config` (default: the package's CPU ner config) with `overrides` trains every fold, with
    `[training] seed` = `seed`, which also deals the folds; `runner` (default: `n_process`
    worker processes) trains them. Suspects under `min_score` are left out. Raises
    `UsageError` for bad arguments or an output that would overwrite an input, and
    `PluginError` for unusable data or failed trainings; nothing is written then.
    """
    output = Path(output)
    if folds < 2:
        raise UsageError(f"--folds must be at least 2, got {folds}")
    if n_process < 1:
        raise UsageError(f"--n-process must be at least 1, got {n_process}")
    config_path = Path(config) if config is not None else DEFAULT_CONFIG_PATH
    if not config_path.is_file():
        raise UsageError("Config not found", str(config_path))
    specs = [parse_input(spec) for spec in inputs]
    if not specs:
        raise UsageError("No inputs", "give annotation files or dataset:NAME")
    for spec in specs:
        spec.db = spec.db or db
    cfg, data = read_training_config(config_path, overrides)
    check_overwrites([*input_paths(specs, db), config_path, *data], [output, rejects_path(output)])
    check_inputs(specs, db)
    result = FindErrorsResult(ConversionCounts())
    nlp = spacy.blank(cfg.get("nlp", {}).get("lang") or "en")
    docs = list(read_gold_docs(inputs, nlp, result.rejects, result.counts, db=db))
    result.counts.check()
    result.n_texts = len(docs)
    _check_data(docs, folds, result)
    assignment = fold_of(len(docs), folds, seed)
    plans = fold_plans(docs, assignment, folds, cfg, config_path, training_dir, seed)
    pending = [(job, c) for job, c in plans if cached_result(job) is None]
    runner = runner or local_runner(n_process)
    todo = runner.describe(len(pending)) if pending else "nothing to train"
    (info or _ignore)(
        f"{len(docs)} texts in {folds} folds: {len(plans) - len(pending)} cached, {todo} "
        f"(logs and models in {training_dir})"
    )
    failures = runner.train(pending, _ignore)
    if failures:
        raise PluginError(f"{len(failures)} of {folds} fold trainings failed", "\n".join(failures))
    probabilities: List[Dict[SpanKey, float]] = [{} for _ in docs]
    scorer = BeamScorer(beam_width=beam_width)
    for k, (job, _) in enumerate(plans):
        held_out = [i for i, fold in enumerate(assignment) if fold == k]
        found = held_out_probabilities(job.directory / MODEL, [docs[i] for i in held_out], scorer)
        for i, probs in zip(held_out, found):
            probabilities[i] = probs
        result.folds.append({"fold": k, "texts": len(held_out), **(cached_result(job) or {})})
    report = consistency_report(nlp, docs) if consistency else None
    result.suspects = find_suspects(docs, probabilities, report, min_score)
    if result.rejects:
        result.paths["rejects"] = rejects_path(output)
        write_jsonl_atomic(result.paths["rejects"], (r.to_json() for r in result.rejects))
    write_jsonl_atomic(output, result.suspects)
    result.paths["output"] = output
    return result


def _check_data(docs: List[Doc], folds: int, result: FindErrorsResult) -> None:
    """Refuse data too small to split into `folds` trainable folds."""
    counts = result.counts
    if len(docs) < folds:
        where = f"{counts.read} records read, {counts.rejected} rejected"
        skipped = ", ".join(f"{n} {reason}" for reason, n in counts.skipped.items())
        shown = "\n".join(str(r) for r in result.rejects[:5])
        raise PluginError(
            f"{len(docs)} annotated texts: too few for {folds} folds",
            "\n".join(
                line
                for line in (where + (f"; skipped: {skipped}" if skipped else ""), shown)
                if line
            ),
        )
    if not any(doc.ents for doc in docs):
        raise PluginError("No entities annotated", f"{len(docs)} texts, none with an entity")


def _ignore(report: Any) -> None:
    """A progress callback that reports nothing (a quiet call)."""
