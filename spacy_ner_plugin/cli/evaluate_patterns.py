"""`evaluate-patterns`: score the patterns alone on a gold set — do rules get > 90%?"""

from pathlib import Path
from typing import Annotated, Any, Dict, List, Union

import typer

from ..evaluation.gold_set import check_gold_set
from ..evaluation.report import score_tables
from ..evaluation.rules import RULES_ALONE_F, evaluate_rules
from ..io.files import ensure_inputs_exist, write_json_atomic
from ..io.loading import import_code, load_pipeline
from ..io.records import Reject
from ..preannotate.preannotator import Preannotator
from ._util import app, printer, reports_errors
from .options import Db


@app.command("evaluate-patterns")
def evaluate_patterns_cli(
    patterns: Annotated[Path, typer.Argument(help="Pattern JSONL", exists=True, dir_okay=False)],
    data_path: Annotated[str, typer.Argument(
        help="Gold eval set: .spacy file, annotation file or dataset:NAME")],
    lang: Annotated[str, typer.Option("--lang", help="Language of the blank tokenizer")] = "en",
    threshold: Annotated[float, typer.Option("--threshold",
        help="F-score (0-1) at which rules alone may do")] = RULES_ALONE_F,
    output: Annotated[Path | None, typer.Option("--output", "-o",
        help="Where to write the scores and advice as JSON")] = None,
    code_path: Annotated[Path | None, typer.Option("--code", "-c",
        help="Python file with registered functions (e.g. a custom --lang)")] = None,
    db: Db = None,
) -> None:  # fmt: skip
    """Score the patterns alone against a gold eval set: the rules-only baseline.

    Matches the patterns like `preannotate` does (EntityRuler semantics: longest match wins),
    prints per-label precision, recall and F-score and the workflow flowchart's advice: do rules
    alone get above the threshold, or is a model needed?
    """
    with reports_errors():
        evaluate_patterns(
            patterns, data_path, lang=lang, threshold=threshold, output=output, db=db,
            code_path=code_path, silent=False,
        )  # fmt: skip


def evaluate_patterns(
    patterns: Path, data_path: Union[str, Path], *, lang: str = "en",
    threshold: float = RULES_ALONE_F, output: Path | None = None, db: str | None = None,
    code_path: Path | None = None, silent: bool = True,
) -> Dict[str, Any]:  # fmt: skip
    """Scores (overall and per label) of the patterns' matches on the gold docs, plus advice; a
    `PluginError` on missing inputs, invalid patterns (each bad line named) or no usable gold."""
    msg = printer(silent)
    import_code(code_path)
    ensure_inputs_exist(patterns)
    check_gold_set(data_path, db, [patterns], [output])
    nlp = load_pipeline(lang)
    suggest = Preannotator.from_patterns(nlp, patterns).suggest
    rejects: List[Reject] = []
    try:
        scores = evaluate_rules(suggest, data_path, nlp, rejects, threshold=threshold, db=db)
    finally:
        msg.rejects(rejects, len(rejects))
    result = {"patterns": str(patterns), "data": str(data_path), **scores}
    msg.tables(score_tables(result), divider=True)
    msg.info(result["advice"])
    if output is not None:
        write_json_atomic(output, result)
        msg.good("Saved scores", str(output))
    return result
