"""`advise`: walk the NER flowchart with facts measured from the user's files; say what's next."""

from pathlib import Path
from typing import Annotated, Any, Dict, List

import typer

from ..advise.messages import advice_messages
from ..advise.run import Answers, LoopCurves, Tuning, advise_files
from ..annotations.ingest import input_paths, parse_input
from ..errors import UsageError
from ..io.files import check_overwrites, ensure_inputs_exist
from ..io.loading import load_pipeline
from ._util import (
    OVERRIDES_CONTEXT,
    app,
    config_overrides,
    printer,
    reports_errors,
    split_overrides,
)

# The answers only the user can give, and the loop simulation's curves (module-level options
# keep advise_cli a screen long).
Happy = Annotated[
    bool | None, typer.Option("--happy/--not-happy", help="Are you happy with the results yet?")
]
TargetF = Annotated[
    float | None,
    typer.Option(
        "--target-f",
        min=0.0,
        max=1.0,
        help="Happy when the model's F (--scores) reaches it, e.g. 0.85",
    ),
]
RulesPossible = Annotated[
    bool | None,
    typer.Option(
        "--rules-possible/--no-rules-possible",
        help="Can rules capture many of your types? (measured from --patterns if given)",
    ),
]
FixFound = Annotated[
    bool | None, typer.Option("--fix-found/--no-fix-found", help="Did error analysis show a fix?")
]
Previous = Annotated[
    int | None,
    typer.Option(
        "--previous-annotations",
        min=0,
        help="Annotations the last trained model had (for 'more than 500 additional')",
    ),
]
LoopResults = Annotated[
    Path | None,
    typer.Option(
        "--loop-results",
        exists=True,
        dir_okay=False,
        help="results.json of `python -m bench.loop` on your data: recommend the loop that won",
    ),
]
Budget = Annotated[
    float | None,
    typer.Option(
        "--budget",
        min=0.0,
        help="With --loop-results: "
        "annotator seconds to compare the loops at; default: the largest every loop reached",
    ),
]
Sweep = Annotated[
    Path,
    typer.Option("--sweep", help="The hyperparameter sweep's result (and .cfg: its best config)"),
]
Tune = Annotated[
    Path | None,
    typer.Option(
        "--tune",
        exists=True,
        dir_okay=False,
        help="Config to sweep dropout and batch size of when the walk reaches it and --sweep does "
        "not exist (extra --section.key value arguments override it)",
    ),
]


@app.command("advise", context_settings=OVERRIDES_CONTEXT)
def advise_cli(
    ctx: typer.Context,
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
        "--raw", help="Raw texts: counted, and named in the suggested commands")] = "",
    lang: Annotated[str, typer.Option("--lang", help="Language of the blank tokenizer")] = "en",
    happy: Happy = None, target_f: TargetF = None, rules_possible: RulesPossible = None,
    fix_found: FixFound = None, previous: Previous = None,
    loop_results: LoopResults = None, budget: Budget = None,
    sweep: Sweep = Path("metrics/tune.json"), tune: Tune = None,
    n_workers: Annotated[int, typer.Option(
        "--n-workers", min=0, help="Sweep: worker processes; 0: one per core")] = 0,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Print the number behind every answer, and every fact")] = False,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Where to write the path and facts as JSON")] = None,
) -> None:  # fmt: skip
    """Walk the NER flowchart (v2.0) with facts measured from your files; print the next step.

    Follows the chart's three columns (a new model; new types on --base-model; improving it)
    and answers each question from what the other steps wrote and from the data itself: raw
    sentences, patterns, eval set, annotation counts, the train curve, base labels and
    vocabulary, entity shape, consistency, and the dropout and batch-size sweep (--sweep, run
    with --tune). What no file tells is asked through a flag (--happy, --target-f,
    --rules-possible, --fix-found): without it the walk stops there. Prints the path, warnings
    for facts off the path that fail their bar, the next command line, and with
    --loop-results the annotation loop that won on your data and how to run it.
    """
    with reports_errors():
        files, extra = split_overrides([*annotations, *ctx.args])
        overrides = config_overrides(extra)
        if overrides and tune is None:
            raise UsageError("Config overrides are only for --tune", " ".join(extra))
        if budget is not None and loop_results is None:
            raise UsageError("--budget compares the loops of --loop-results", "give both")
        advise(
            files, eval_path=Path(eval_path) if eval_path else None,
            patterns=Path(patterns) if patterns else None, base_model=base_model or None,
            curve=curve, scores=scores, raw=raw or None, lang=lang,
            answers=Answers(happy, target_f, rules_possible, fix_found, previous),
            sweep=sweep, tune=tune, overrides=overrides, n_workers=n_workers, explain=explain,
            output=output, loop=LoopCurves(loop_results, budget) if loop_results else None,
            silent=False,
        )  # fmt: skip


def advise(
    annotations: List[str], *, eval_path: Path | None = None, patterns: Path | None = None,
    base_model: str | None = None, curve: Path | None = Path("metrics/train_curve.json"),
    scores: Path | None = Path("metrics/scores.json"), raw: str | None = None, lang: str = "en",
    answers: Answers | None = None, sweep: Path = Path("metrics/tune.json"),
    tune: Path | None = None, overrides: Dict[str, Any] | None = None, n_workers: int = 0,
    explain: bool = False, output: Path | None = None, loop: LoopCurves | None = None,
    silent: bool = True,
) -> Dict[str, Any]:  # fmt: skip
    """Gather the facts, walk the chart, print the path; return (and optionally save) it."""
    msg = printer(silent)
    if not annotations:
        raise UsageError("No annotation files given")
    specs = [parse_input(spec) for spec in annotations]
    loop_path = loop.results if loop else None
    inputs = [*input_paths(specs), eval_path, patterns, base_model, curve, scores, raw, tune,
              loop_path]  # fmt: skip
    tuning = Tuning(sweep, tune, overrides or {}, n_workers, info=msg.info)
    check_overwrites(inputs, [output, *((sweep, tuning.best_config) if tune else ())])
    ensure_inputs_exist(*(spec.path for spec in specs), eval_path, patterns, tune, loop_path)
    nlp = load_pipeline(lang)
    base = load_pipeline(base_model=base_model) if base_model else None
    advice = advise_files(
        annotations, nlp, base, base_model=base_model, eval_path=eval_path, patterns=patterns,
        curve=curve, scores=scores, raw=raw, lang=lang, answers=answers, tuning=tuning,
        output=output, loop=loop,
    )  # fmt: skip
    msg.messages(advice_messages(advice, explain))
    if output is not None:
        msg.good("Saved the path", str(output))
    return advice.report
