"""The advise step's run: measure every fact from the user's files (and the user's answers),
walk the chart, run the hyperparameter sweep when the walk reaches it and `--tune` names a
config, and turn where it ends into the next command line, with the report (`report.py`)."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence

import srsly
from pydantic import BaseModel, Field, ValidationError
from spacy.language import Language

from ..annotations.gold import read_gold_docs
from ..annotations.ingest import parse_input
from ..binary.rehearse import pipeline_labels
from ..configs import read_training_config
from ..curve.run import local_runner
from ..errors import PluginError
from ..io.files import write_json_atomic
from ..patterns.matcher import load_patterns
from ..readers.raw_text import raw_text_files, read_texts
from .facts import (
    AnnotationData,
    Fact,
    FactResult,
    annotations_fact,
    base_fact,
    base_vocabulary,
    consistency_fact,
    context_fact,
    curve_fact,
    error_fix_fact,
    evaluation_fact,
    happy_fact,
    labels_fact,
    model_f,
    pattern_scores,
    projection_fact,
    raw_fact,
    read_annotations,
    rules_fact,
    rules_possible_fact,
    scores_fact,
    shape_fact,
    tuning_fact,
    type_overlap_fact,
    vocabulary_fact,
)
from .loop import loop_fact
from .report import advice_report
from .tune import sweep
from .walk import Context, Walk, walk


@dataclass
class Answers:
    """The user's answers to the questions no file can answer (None: not given)."""

    happy: bool | None = None
    target_f: float | None = None
    rules_possible: bool | None = None
    fix_found: bool | None = None
    previous_annotations: int | None = None


@dataclass
class Tuning:
    """Where the sweep's result is read from (and written to), and the config to sweep when
    there is none yet (None: only read)."""

    output: Path = Path("metrics/tune.json")
    config: Path | None = None
    overrides: Dict[str, Any] = field(default_factory=dict)
    n_workers: int = 0
    training_dir: Path = Path("training/tune")
    info: Callable[[str], None] | None = None

    @property
    def best_config(self) -> Path:
        return self.output.with_suffix(".cfg")


@dataclass
class LoopCurves:
    """The loop simulation's results to recommend a loop from (`bench.loop`'s results.json),
    and the budget in annotator seconds to compare the arms at (None: the largest common)."""

    results: Path
    budget: float | None = None


@dataclass
class Advice:
    """The walk, the facts it read, the loop that won on the user's data (with `LoopCurves`),
    and the report of all (what `--output` holds)."""

    walk: Walk
    facts: Dict[str, FactResult]
    report: Dict[str, Any]
    loop: Fact | None = None


class _Spread(BaseModel):
    mean: float
    std: float


class _CurvePoint(BaseModel):
    fraction: float
    n_examples: int
    f: _Spread


class CurveFile(BaseModel):
    """The fields of train-curve's output that advise reads (others are allowed)."""

    curve: List[_CurvePoint] = Field(min_length=2)


class ScoresFile(BaseModel):
    """The fields of evaluate's output that advise reads besides the model F (`model_f`)."""

    n_examples: int


def read_json(path: Path | None, schema: type[BaseModel] | None = None) -> Dict[str, Any] | None:
    """What a step wrote to `path` (None: no such file); unreadable JSON, or JSON without a
    field of `schema`, is a `PluginError` naming the file and the field."""
    if path is None or not Path(path).is_file():
        return None
    try:
        data = srsly.read_json(path)
    except ValueError as err:
        raise PluginError(f"Cannot read {path}", str(err)) from err
    if schema is not None:
        try:
            schema.model_validate(data)
        except ValidationError as err:
            first = err.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "the top level"
            raise PluginError(f"{path}: {field}: {first['msg']}", schema.__doc__) from None
    return data


def raw_texts(raw: str | None, data: AnnotationData) -> Iterator[str]:
    """The raw texts of `raw` (a file or a directory of them), or the annotated texts."""
    if raw is None:
        yield from (doc.text for doc in data.docs)
        return
    rejects: List[Any] = []
    for path in raw_text_files(raw):
        yield from read_texts(path, rejects)


def measure_facts(
    annotations: Sequence[str], data: AnnotationData, nlp: Language, base: Language | None, *,
    base_model: str | None = None, eval_path: Path | None = None, patterns: Path | None = None,
    raw: str | None = None, curve: Path | None = None, curve_data: Dict[str, Any] | None = None,
    scores: Path | None = None, scores_data: Dict[str, Any] | None = None,
    sweep_path: Path | None = None, answers: Answers | None = None,
) -> Dict[str, FactResult]:  # fmt: skip
    """Every fact the chart asks about; the base model's only with a `base` pipeline."""
    answers = answers or Answers()
    known = pipeline_labels(base) if base is not None else None
    based = base_fact(base_model, known, data)
    eval_docs = list(read_gold_docs(eval_path, nlp, [], binary=True)) if eval_path else None
    specs = [parse_input(spec) for spec in annotations]
    gold_file = eval_path or next((s.path for s in specs if s.kind != "binary"), specs[0].path)
    pattern_labels = {p.label for p in load_patterns(patterns)} if patterns else None
    facts: Dict[str, FactResult] = {
        "base": based,
        "raw": raw_fact(raw_texts(raw, data), raw or "the annotations (no --raw)", nlp),
        "rules_possible": rules_possible_fact(
            pattern_labels, based.value["user_labels"], answers.rules_possible
        ),
        "rules": rules_fact(pattern_scores(patterns, gold_file, nlp) if patterns else None),
        "evaluation": evaluation_fact(data, eval_docs, str(eval_path or ""), scores_data),
        "happy": happy_fact(scores_data, answers.happy, answers.target_f),
        "annotations": annotations_fact(data, answers.previous_annotations),
        "curve": curve_fact(curve_data, str(curve)),
        "projection": projection_fact(curve_data),
        "shape": shape_fact(data),
        "consistency": consistency_fact(data),
        "tuning": tuning_fact(read_json(sweep_path), str(sweep_path)),
        "error_fix": error_fix_fact(answers.fix_found),
        "context": context_fact(data),
        "scores": scores_fact(scores_data, str(scores)),
    }
    if base is not None and known is not None:
        facts["labels"] = labels_fact(known, data)
        facts["vocabulary"] = vocabulary_fact(base_vocabulary(base), data, str(base_model))
        if based.value["new_labels"]:
            facts["type_overlap"] = type_overlap_fact(base, data, based.value["new_labels"])
    return facts


def run_sweep(tuning: Tuning) -> Dict[str, Any]:
    """The hyperparameter sweep of `tuning.config` in local worker processes, saved."""
    assert tuning.config is not None
    config, _ = read_training_config(tuning.config, tuning.overrides)
    return sweep(
        config, tuning.config, local_runner(tuning.n_workers), training_dir=tuning.training_dir,
        output=tuning.output, best_config=tuning.best_config, info=tuning.info,
    )  # fmt: skip


def rerun_args(
    annotations: List[str], *, eval_path: Path | None, patterns: Path | None,
    base_model: str | None, curve: Path | None, scores: Path | None, raw: str | None,
    answers: Answers, sweep: Path, loop: LoopCurves | None = None,
) -> List[str]:  # fmt: skip
    """The arguments of this advise run, for the command that runs it again with an answer."""
    args = list(annotations)
    for option, value in (
        ("--eval", eval_path), ("--patterns", patterns), ("--base-model", base_model),
        ("--curve", curve), ("--scores", scores), ("--raw", raw), ("--sweep", sweep),
        ("--target-f", answers.target_f), ("--previous-annotations", answers.previous_annotations),
        ("--loop-results", loop.results if loop else None),
        ("--budget", loop.budget if loop else None),
    ):  # fmt: skip
        if value is not None:
            args += [option, str(value)]
    for value, yes, no in (
        (answers.happy, "--happy", "--not-happy"),
        (answers.rules_possible, "--rules-possible", "--no-rules-possible"),
        (answers.fix_found, "--fix-found", "--no-fix-found"),
    ):
        if value is not None:
            args.append(yes if value else no)
    return args


def advise_files(
    annotations: List[str], nlp: Language, base: Language | None = None, *,
    base_model: str | None = None, eval_path: Path | None = None, patterns: Path | None = None,
    curve: Path | None = Path("metrics/train_curve.json"),
    scores: Path | None = Path("metrics/scores.json"), raw: str | None = None, lang: str = "en",
    answers: Answers | None = None, tuning: Tuning | None = None, output: Path | None = None,
    loop: LoopCurves | None = None,
) -> Advice:  # fmt: skip
    """Measure the facts from the annotation files (tokenized by `nlp`), the eval file, the
    patterns, the raw texts, what train-curve, evaluate and the sweep wrote, the `base`
    pipeline (`base_model`) and the user's `answers`; walk the chart (running the sweep if it
    reaches the hyperparameters and `tuning.config` is set); return the path and the command
    of its next step (also saved to `output`), with the loop that won in the `loop` curves.

    Raises `PluginError` when no annotation is usable or the loop results are malformed.
    """
    tuning, answers = tuning or Tuning(), answers or Answers()
    data = read_annotations(annotations, nlp)
    if not data.docs:
        raise PluginError("No usable annotations", ", ".join(annotations))
    curve_data, scores_data = read_json(curve, CurveFile), read_json(scores, ScoresFile)
    if scores_data is not None:
        model_f(scores_data, str(scores))  # a file without a model F stops here, named
    facts = measure_facts(
        annotations, data, nlp, base, base_model=base_model, eval_path=eval_path,
        patterns=patterns, raw=raw, curve=curve, curve_data=curve_data, scores=scores,
        scores_data=scores_data, sweep_path=tuning.output, answers=answers,
    )  # fmt: skip
    result = walk(facts)
    if result.missing is not None and result.missing.name == "tuning" and tuning.config:
        facts["tuning"] = tuning_fact(run_sweep(tuning), str(tuning.output))
        result = walk(facts)
    projection = facts["projection"]
    labels = projection.value["labels"] if isinstance(projection, Fact) else []
    ended = result.outcome.name if result.outcome is not None else None
    context = Context(
        annotations=annotations, eval_path=str(eval_path) if eval_path else None,
        patterns=str(patterns) if patterns else None, base_model=base_model, raw=raw,
        curve=str(curve), scores=str(scores), model=(scores_data or {}).get("model"),
        dev=(scores_data or {}).get("data"), lang=lang,
        labels=labels if ended == "annotate_more" else (),
        best_config=str(tuning.best_config),
        advise_args=rerun_args(
            annotations, eval_path=eval_path, patterns=patterns, base_model=base_model,
            curve=curve, scores=scores, raw=raw, answers=answers, sweep=tuning.output, loop=loop,
        ),
    )  # fmt: skip
    won = loop_fact(loop.results, context, loop.budget) if loop is not None else None
    report = advice_report(result, facts, context, won)
    if output is not None:
        write_json_atomic(output, report)
    return Advice(result, facts, report, won)
