"""`advise`: walk the NER flowchart with facts measured from the user's files; say what's next."""

import io
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any, Dict, List

import typer
from wasabi import Printer

from ..advise import flowchart as chart
from ..advise.facts import (
    Fact,
    FactResult,
    annotations_fact,
    base_vocabulary,
    consistency_fact,
    curve_fact,
    evaluation_fact,
    labels_fact,
    path_fact,
    read_annotations,
    rules_fact,
    scores_fact,
    shape_fact,
    vocabulary_fact,
)
from ..advise.report import _read_json, _report
from ..advise.walk import Context, Walk, next_command, walk
from ..annotations.gold import read_gold_docs
from ..annotations.ingest import input_paths, parse_input
from ..binary.rehearse import pipeline_labels
from ..errors import PluginError, UsageError
from ..io.files import check_overwrites, write_json_atomic
from ._util import app, ensure_inputs_exist, load_tokenizer_pipeline, printer, reports_errors
from .evaluate_patterns import DEFAULT_THRESHOLD, evaluate_patterns


@app.command("advise")
def advise_cli(
    # fmt: off
    annotations: List[str] = typer.Argument(
        ..., help="Training annotations of any supported format (binary: prefix for yes/no answers)"
    ),
    eval_path: str = typer.Option("", "--eval", help="Dedicated gold eval file; '': none"),
    patterns: str = typer.Option("", "--patterns", "-p", help="Pattern JSONL; '': none"),
    base_model: str = typer.Option(
        "", "--base-model", "-b", help="Pipeline the new model starts from; '': a new model"
    ),
    curve: Path = typer.Option(
        Path("metrics/train_curve.json"), "--curve", help="What train-curve wrote"
    ),
    scores: Path = typer.Option(
        Path("metrics/scores.json"), "--scores", help="What evaluate wrote"
    ),
    raw: str = typer.Option("", "--raw", help="Raw texts, named in the suggested commands"),
    lang: str = typer.Option("en", "--lang", help="Language of the blank tokenizer"),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Where to write the path and facts as JSON"
    ),
    # fmt: on
) -> None:
    """Walk the NER flowchart (v2.0) with facts measured from your files; print the next step.

    Answers each of the chart's questions from what the other steps wrote and from the data
    itself: rules-only F on the eval set (--patterns), eval size and texts shared with training,
    annotation counts against the chart's bar for your path (new model, new types on
    --base-model, or correcting it), the train curve's last segment and its noise (--curve),
    base labels missing from the data, entity length and shape, annotation consistency, and how
    much of the data's vocabulary the base model has seen. Prints the path with the number
    behind every decision and ends with a command line. It never trains; when a fact is
    missing it says which step to run.
    """
    with reports_errors():
        advise(
            annotations,
            eval_path=Path(eval_path) if eval_path else None,
            patterns=Path(patterns) if patterns else None,
            base_model=base_model or None,
            curve=curve,
            scores=scores,
            raw=raw or None,
            lang=lang,
            output=output,
            silent=False,
        )


def advise(
    annotations: List[str],
    *,
    eval_path: Path | None = None,
    patterns: Path | None = None,
    base_model: str | None = None,
    curve: Path | None = Path("metrics/train_curve.json"),
    scores: Path | None = Path("metrics/scores.json"),
    raw: str | None = None,
    lang: str = "en",
    output: Path | None = None,
    silent: bool = True,
) -> Dict[str, Any]:
    """Gather the facts, walk the chart, print the path; return (and optionally save) it."""
    msg = printer(silent)
    if not annotations:
        raise UsageError("No annotation files given")
    specs = [parse_input(spec) for spec in annotations]
    inputs = [*input_paths(specs), eval_path, patterns, base_model, curve, scores, raw]
    check_overwrites(inputs, [output])
    ensure_inputs_exist(*(spec.path for spec in specs), eval_path, patterns)
    nlp = load_tokenizer_pipeline(lang)
    data = read_annotations(annotations, nlp)
    if not data.docs:
        raise PluginError("No usable annotations", ", ".join(annotations))
    base = load_tokenizer_pipeline(base_model=base_model) if base_model else None
    known = pipeline_labels(base) if base is not None else None
    path = path_fact(base_model, known, data)
    curve_data = _read_json(curve)
    scores_data = _read_json(scores)
    eval_docs = list(read_gold_docs(eval_path, nlp, [], binary=True)) if eval_path else None
    gold_file = eval_path or next((s.path for s in specs if s.kind != "binary"), specs[0].path)
    facts: Dict[str, FactResult] = {
        "path": path,
        "rules": rules_fact(_pattern_scores(patterns, gold_file, lang) if patterns else None),
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
    result = walk(facts, path.value["path"])
    context = Context(
        annotations=annotations,
        eval_path=str(eval_path) if eval_path else None,
        patterns=str(patterns) if patterns else None,
        base_model=base_model,
        raw=raw,
        curve=str(curve),
        scores=str(scores),
        model=(scores_data or {}).get("model"),
        dev=(scores_data or {}).get("data"),
        lang=lang,
    )
    command = next_command(result, context)
    report = _report(result, facts, command)
    _print(report, result, facts, msg)
    if output is not None:
        write_json_atomic(output, report)
        msg.good("Saved the path", str(output))
    return report


def _pattern_scores(patterns: Path, gold: Path, lang: str) -> Dict[str, Any]:
    """Rules-only scores from `evaluate-patterns`, its printed tables kept off our output."""
    with redirect_stdout(io.StringIO()):
        try:
            return evaluate_patterns(patterns, gold, lang=lang, threshold=DEFAULT_THRESHOLD)
        except ValueError as err:
            raise PluginError("Cannot score the patterns", str(err)) from err


def _print(
    report: Dict[str, Any], result: Walk, facts: Dict[str, FactResult], msg: Printer
) -> None:
    path = facts["path"]
    # unwrapped lines: a command line must survive copy and paste
    plain = Printer(pretty=False, no_print=msg.no_print)
    msg.divider(chart.FLOWCHART)
    msg.info(f"Path: {path.summary if isinstance(path, Fact) else result.path}")
    for i, step in enumerate(report["steps"], start=1):
        if step["passed"]:
            plain.text(f"{i}. {step['question']} — passed: not asked on the {result.path} path")
        elif step["answer"] is None:
            msg.warn(f"{i}. {step['question']} — cannot tell: {step['missing']}")
        else:
            plain.text(f"{i}. {step['question']} → {step['answer'].upper()}")
            plain.text(f"   {step['summary']}")
    if result.outcome is not None:
        text = result.outcome.text
        scores = facts.get("scores")
        if result.outcome.name == "error_analysis" and isinstance(scores, Fact):
            text += f" Last evaluation: {scores.summary}."
        msg.good(f"Recommendation: {result.outcome.title}", text)
    else:
        msg.warn("Run the step that measures the missing fact, then advise again")
    msg.info("Next:")
    plain.text(report["next_command"])
    off = [
        (
            name,
            facts[name].summary
            if isinstance(facts[name], Fact)
            else f"missing: {facts[name].reason} (run {facts[name].step.replace('_', '-')})",
        )
        for name in report["facts_off_path"]
    ]
    if off:
        msg.divider("Facts off the path")
        for name, summary in off:
            plain.text(f"- {name}: {summary}")
