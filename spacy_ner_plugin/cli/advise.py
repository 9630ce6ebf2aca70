"""`advise`: walk the NER flowchart with facts measured from the user's files; say what's next."""

from pathlib import Path
from typing import Annotated, Any, Dict, List

import typer
from wasabi import Printer

from ..advise import flowchart as chart
from ..advise.facts import Fact
from ..advise.run import Advice, advise_files
from ..annotations.ingest import input_paths, parse_input
from ..errors import UsageError
from ..io.files import check_overwrites
from ._util import app, ensure_inputs_exist, load_pipeline, printer, reports_errors


@app.command("advise")
def advise_cli(
    annotations: Annotated[List[str], typer.Argument(
        help="Training annotations of any supported format (binary: prefix for yes/no answers)")],
    eval_path: Annotated[str, typer.Option(
        "--eval", help="Dedicated gold eval file; '': none")] = "",
    patterns: Annotated[str, typer.Option("--patterns", "-p", help="Pattern JSONL; '': none")] = "",
    base_model: Annotated[str, typer.Option(
        "--base-model", "-b", help="Pipeline the new model starts from; '': a new model")] = "",
    curve: Annotated[Path, typer.Option(
        "--curve", help="What train-curve wrote")] = Path("metrics/train_curve.json"),
    scores: Annotated[Path, typer.Option(
        "--scores", help="What evaluate wrote")] = Path("metrics/scores.json"),
    raw: Annotated[str, typer.Option(
        "--raw", help="Raw texts, named in the suggested commands")] = "",
    lang: Annotated[str, typer.Option("--lang", help="Language of the blank tokenizer")] = "en",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Where to write the path and facts as JSON")] = None,
) -> None:  # fmt: skip
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
            annotations, eval_path=Path(eval_path) if eval_path else None,
            patterns=Path(patterns) if patterns else None, base_model=base_model or None,
            curve=curve, scores=scores, raw=raw or None, lang=lang, output=output, silent=False,
        )  # fmt: skip


def advise(
    annotations: List[str], *, eval_path: Path | None = None, patterns: Path | None = None,
    base_model: str | None = None, curve: Path | None = Path("metrics/train_curve.json"),
    scores: Path | None = Path("metrics/scores.json"), raw: str | None = None, lang: str = "en",
    output: Path | None = None, silent: bool = True,
) -> Dict[str, Any]:  # fmt: skip
    """Gather the facts, walk the chart, print the path; return (and optionally save) it."""
    msg = printer(silent)
    if not annotations:
        raise UsageError("No annotation files given")
    specs = [parse_input(spec) for spec in annotations]
    inputs = [*input_paths(specs), eval_path, patterns, base_model, curve, scores, raw]
    check_overwrites(inputs, [output])
    ensure_inputs_exist(*(spec.path for spec in specs), eval_path, patterns)
    nlp = load_pipeline(lang)
    base = load_pipeline(base_model=base_model) if base_model else None
    advice = advise_files(
        annotations, nlp, base, base_model=base_model, eval_path=eval_path, patterns=patterns,
        curve=curve, scores=scores, raw=raw, lang=lang, output=output,
    )  # fmt: skip
    _print_advice(advice, msg)
    if output is not None:
        msg.good("Saved the path", str(output))
    return advice.report


def _print_advice(advice: Advice, msg: Printer) -> None:
    """The path with the answer (and fact) of each question, the recommendation, the next
    command line, and the facts off the path."""
    report, result, facts = advice.report, advice.walk, advice.facts
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
    if report["facts_off_path"]:
        msg.divider("Facts off the path")
    for name in report["facts_off_path"]:
        fact = facts[name]
        if isinstance(fact, Fact):
            plain.text(f"- {name}: {fact.summary}")
        else:
            plain.text(f"- {name}: missing: {fact.reason} (run {fact.step.replace('_', '-')})")
