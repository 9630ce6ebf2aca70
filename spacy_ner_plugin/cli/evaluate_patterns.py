"""`evaluate-patterns`: score the patterns alone on a gold set — do rules get > 90%?"""

from pathlib import Path
from typing import Any, Dict, List, Union

import typer
from spacy.tokens import Span
from spacy.training import Example

from ..annotations.docs import make_doc
from ..annotations.gold import read_gold_docs
from ..annotations.ingest import check_inputs, input_paths, parse_input
from ..errors import PluginError
from ..evaluation.rules import RULES_ALONE_F as DEFAULT_THRESHOLD
from ..evaluation.rules import pattern_advice
from ..evaluation.scoring import score_report
from ..io.files import check_overwrites, write_json_atomic
from ..io.records import Reject
from ..preannotate.preannotator import Preannotator
from ..preannotate.suggesters import create_pattern_suggester
from ._util import (
    app,
    db_option,
    ensure_inputs_exist,
    import_code,
    load_tokenizer_pipeline,
    printer,
    reports_errors,
)
from .evaluate import print_scores


@app.command("evaluate-patterns")
def evaluate_patterns_cli(
    # fmt: off
    patterns: Path = typer.Argument(..., help="Pattern JSONL", exists=True, dir_okay=False),
    data_path: str = typer.Argument(
        ..., help="Gold eval set: .spacy file, annotation file or dataset:NAME"
    ),
    lang: str = typer.Option("en", "--lang", help="Language of the blank tokenizer"),
    threshold: float = typer.Option(
        DEFAULT_THRESHOLD, "--threshold", help="F-score (0-1) at which rules alone may do"
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Where to write the scores and advice as JSON"
    ),
    code_path: Path | None = typer.Option(
        None, "--code", "-c", help="Python file with registered functions (e.g. a custom --lang)"
    ),
    db: str | None = db_option(),
    # fmt: on
) -> None:
    """Score the patterns alone against a gold eval set: the rules-only baseline.

    Matches the patterns like `preannotate` does (EntityRuler semantics: longest match wins),
    prints per-label precision, recall and F-score and the workflow flowchart's advice: do rules
    alone get above the threshold, or is a model needed?
    """
    with reports_errors():
        import_code(code_path)
        evaluate_patterns(
            patterns,
            data_path,
            lang=lang,
            threshold=threshold,
            output=output,
            db=db,
            silent=False,
        )


def evaluate_patterns(
    patterns: Path,
    data_path: Union[str, Path],
    *,
    lang: str = "en",
    threshold: float = DEFAULT_THRESHOLD,
    output: Path | None = None,
    db: str | None = None,
    silent: bool = True,
) -> Dict[str, Any]:
    """Scores (overall and per label) of the patterns' matches on the gold docs, plus advice.

    Raises `PluginError` on missing inputs, invalid patterns (every bad line named) or no usable
    gold example; prints only with `silent=False`.
    """
    msg = printer(silent)
    spec = parse_input(data_path)
    check_overwrites([*input_paths([spec], db), patterns], [output])
    ensure_inputs_exist(patterns)
    check_inputs([spec], db)
    nlp = load_tokenizer_pipeline(lang)
    suggest = create_pattern_suggester(str(patterns))(nlp)
    preannotator = Preannotator(nlp, {"patterns": suggest}, segment=False)
    rejects: List[Reject] = []
    examples = []
    for reference in read_gold_docs(data_path, nlp, rejects, db=db):
        predicted = make_doc(nlp, reference.text)  # a tokenizer: any length
        predicted.ents = [
            Span(predicted, s.start, s.end, label=s.label) for s in preannotator.suggest(predicted)
        ]
        examples.append(Example(predicted, reference))
    for reject in rejects:
        msg.warn(str(reject))
    if not examples:
        raise PluginError("No usable gold examples", str(data_path))
    result = {
        "patterns": str(patterns),
        "data": str(data_path),
        **score_report(examples, len(rejects)),
    }
    result["advice"] = pattern_advice(
        result["ents_p"], result["ents_r"], result["ents_f"], threshold
    )
    print_scores(result, msg)
    msg.info(result["advice"])
    if output is not None:
        write_json_atomic(output, result)
        msg.good("Saved scores", str(output))
    return result
