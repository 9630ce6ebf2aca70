"""The advise step's run: measure every fact from the user's files, walk the chart, and turn
where it ends into the next command line, with the report of the path (`report.py`)."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, cast

import srsly
from spacy.language import Language

from ..annotations.gold import read_gold_docs
from ..annotations.ingest import parse_input
from ..binary.rehearse import pipeline_labels
from ..errors import PluginError
from ..io.files import write_json_atomic
from .facts import (
    AnnotationData,
    Fact,
    FactResult,
    annotations_fact,
    base_vocabulary,
    consistency_fact,
    curve_fact,
    evaluation_fact,
    labels_fact,
    path_fact,
    pattern_scores,
    read_annotations,
    rules_fact,
    scores_fact,
    shape_fact,
    vocabulary_fact,
)
from .report import advice_report
from .walk import Context, Walk, next_command, walk


@dataclass
class Advice:
    """The walk, the facts it read, and the report of both (what `--output` holds)."""

    walk: Walk
    facts: Dict[str, FactResult]
    report: Dict[str, Any]


def read_json(path: Path | None) -> Dict[str, Any] | None:
    """What a step wrote to `path` (None: no such file); unreadable JSON is a `PluginError`."""
    if path is None or not Path(path).is_file():
        return None
    try:
        return srsly.read_json(path)
    except ValueError as err:
        raise PluginError(f"Cannot read {path}", str(err)) from err


def measure_facts(
    annotations: List[str], data: AnnotationData, nlp: Language, base: Language | None, *,
    base_model: str | None, eval_path: Path | None, patterns: Path | None, curve: Path | None,
    curve_data: Dict[str, Any] | None, scores: Path | None, scores_data: Dict[str, Any] | None,
) -> Dict[str, FactResult]:  # fmt: skip
    """Every fact the chart asks about; the base model's only with a `base` pipeline."""
    known = pipeline_labels(base) if base is not None else None
    path = path_fact(base_model, known, data)
    eval_docs = list(read_gold_docs(eval_path, nlp, [], binary=True)) if eval_path else None
    specs = [parse_input(spec) for spec in annotations]
    gold_file = eval_path or next((s.path for s in specs if s.kind != "binary"), specs[0].path)
    facts: Dict[str, FactResult] = {
        "path": path,
        "rules": rules_fact(pattern_scores(patterns, gold_file, nlp) if patterns else None),
        "evaluation": evaluation_fact(data, eval_docs, str(eval_path or ""), scores_data),
        "annotations": annotations_fact(data, path.value["path"]),
        "curve": curve_fact(curve_data, str(curve)),
        "shape": shape_fact(data),
        "consistency": consistency_fact(data),
        "scores": scores_fact(scores_data, str(scores)),
    }
    if base is not None and known is not None:
        facts["labels"] = labels_fact(known, data)
        facts["vocabulary"] = vocabulary_fact(base_vocabulary(base), data, str(base_model))
    return facts


def advise_files(
    annotations: List[str], nlp: Language, base: Language | None = None, *,
    base_model: str | None = None, eval_path: Path | None = None, patterns: Path | None = None,
    curve: Path | None = Path("metrics/train_curve.json"),
    scores: Path | None = Path("metrics/scores.json"), raw: str | None = None, lang: str = "en",
    output: Path | None = None,
) -> Advice:  # fmt: skip
    """Measure the facts from the annotation files (tokenized by `nlp`), the eval file, the
    patterns, what train-curve and evaluate wrote, and the `base` pipeline (`base_model`);
    walk the chart; return the path and the command of its next step (also saved to `output`).

    Nothing is trained. Raises `PluginError` when no annotation is usable.
    """
    data = read_annotations(annotations, nlp)
    if not data.docs:
        raise PluginError("No usable annotations", ", ".join(annotations))
    curve_data, scores_data = read_json(curve), read_json(scores)
    facts = measure_facts(
        annotations, data, nlp, base, base_model=base_model, eval_path=eval_path,
        patterns=patterns, curve=curve, curve_data=curve_data, scores=scores,
        scores_data=scores_data,
    )  # fmt: skip
    result = walk(facts, cast(Fact, facts["path"]).value["path"])
    context = Context(
        annotations=annotations, eval_path=str(eval_path) if eval_path else None,
        patterns=str(patterns) if patterns else None, base_model=base_model, raw=raw,
        curve=str(curve), scores=str(scores), model=(scores_data or {}).get("model"),
        dev=(scores_data or {}).get("data"), lang=lang,
    )  # fmt: skip
    report = advice_report(result, facts, next_command(result, context))
    if output is not None:
        write_json_atomic(output, report)
    return Advice(result, facts, report)
