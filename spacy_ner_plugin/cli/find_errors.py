"""`find-errors`: annotations that held-out models confidently disagree with, as review tasks."""

from pathlib import Path
from typing import Annotated, List

import typer

from ..curve.folds import find_errors
from ._util import (
    OVERRIDES_CONTEXT,
    app,
    config_overrides,
    printer,
    reports_errors,
    split_overrides,
)
from .options import Db


@app.command("find-errors", context_settings=OVERRIDES_CONTEXT)
def find_errors_cli(
    ctx: typer.Context,
    inputs: Annotated[List[str], typer.Argument(
        help="Annotation files of any supported format, or dataset:NAME")],
    output: Annotated[Path, typer.Option("--output", "-o",
        help="Suspects as review tasks (JSONL), most likely errors first")],
    config: Annotated[Path | None, typer.Option("--config", "-c",
        help="Training config of the fold models; default: the CPU ner config (configs/ner.cfg)",
        exists=True, dir_okay=False)] = None,
    folds: Annotated[int, typer.Option("--folds", min=2,
        help="Folds: one model per fold, trained on the others")] = 5,
    n_process: Annotated[int, typer.Option("--n-process", min=1,
        help="Worker processes training folds at once")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the folds and the trainings")] = 0,
    min_score: Annotated[float, typer.Option("--min-score", min=0.0, max=1.0,
        help="Leave out suspects scoring less (the models' probability of the correction)")
    ] = 0.5,
    beam_width: Annotated[int, typer.Option("--beam-width", min=1,
        help="Analyses in the ner's beam that score each candidate entity")] = 16,
    training_dir: Annotated[Path, typer.Option("--training-dir",
        help="One cached directory per fold model")] = Path("training/find_errors"),
    consistency: Annotated[bool, typer.Option("--consistency/--no-consistency",
        help="Add the strings labelled inconsistently (review's consistency check)")] = True,
    db: Db = None,
) -> None:  # fmt: skip
    """Find annotations that are probably wrong: missed, spurious, boundary or label errors.

    Trains one model per fold of the annotated texts on the other folds (in --n-process worker
    processes), scores each held-out text with its model's beam, and ranks the annotations the
    models confidently disagree with, merged with the strings labelled inconsistently. Each
    line of --output is a review task (the annotation and the models' correction side by side,
    for `annotate review`) with meta.suspect = {kind, start, end, label, score}. Extra
    `--section.key value` arguments override the config like `spacy train`.
    """
    with reports_errors():
        inputs, extra = split_overrides([*inputs, *ctx.args])
        msg = printer(silent=False)
        result = find_errors(
            inputs, output, config=config, folds=folds, n_process=n_process, seed=seed,
            overrides=config_overrides(extra), min_score=min_score, beam_width=beam_width,
            training_dir=training_dir, consistency=consistency, db=db, info=msg.info,
        )  # fmt: skip
        rejects, report = result.rejects, result.paths.get("rejects")
        msg.rejects(rejects, len(rejects), report)
        msg.tables(result.tables())
        msg.messages(result.messages())
