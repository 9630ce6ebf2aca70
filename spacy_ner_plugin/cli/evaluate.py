"""`evaluate`: score a trained pipeline on a gold eval set, per label, and classify its errors."""

from pathlib import Path
from typing import Annotated, Any, Dict, List, Union

import typer
from spacy.cli._util import setup_gpu

from ..evaluation.gold_set import check_gold_set, evaluate_pipeline
from ..evaluation.report import error_tables, score_tables
from ..io.files import write_json_atomic
from ..io.loading import import_code, load_pipeline
from ..io.records import Reject
from ._util import app, printer, reports_errors
from .options import Db, GpuId


@app.command("evaluate")
def evaluate_cli(
    model: Annotated[str, typer.Argument(help="Trained pipeline: package name or path")],
    data_path: Annotated[str, typer.Argument(
        help="Gold eval set: .spacy or annotation file, or dataset:NAME")],
    output: Annotated[Path | None, typer.Option("--output", "-o",
        help="Where to write the scores as JSON")] = Path("metrics/scores.json"),
    binary: Annotated[bool, typer.Option("--binary",
        help="Also score binary accept/reject answers (exact-span P/R/F)")] = False,
    errors_html: Annotated[Path | None, typer.Option("--errors", "-e",
        help="HTML page of the worst texts, gold and predicted side by side")] = None,
    n_errors: Annotated[int, typer.Option("--n-errors",
        help="How many of the worst texts the JSON lists and the HTML draws")] = 25,
    code_path: Annotated[Path | None, typer.Option("--code", "-c",
        help="Python file with registered functions the pipeline needs")] = None,
    gpu_id: GpuId = -1,
    db: Db = None,
    spans_key: Annotated[str | None, typer.Option("--spans-key", help="Also score the spans of "
        "doc.spans[KEY] (e.g. sc), overlaps kept, against the model's spans of that key or its "
        "entities; default: the key of the model's spancat, if it has one")] = None,
) -> None:  # fmt: skip
    """Score a trained pipeline on a gold eval set, per label, and classify its errors.

    Reads a .spacy file, an annotation file of any supported format or a dataset of the
    annotation database (dataset:NAME), merged per text as data-to-spacy does; prints overall
    and per-label precision, recall and F-score, and every error against gold by class (missed,
    spurious, wrong boundary, wrong label, wrong label and boundary) per label with a label
    confusion table, and writes them as JSON with the hashes of the worst texts. --errors draws
    those texts, gold beside prediction. With --binary, texts annotated only by binary answers
    are scored by whether the model predicts each accepted span and avoids each rejected one,
    and the gold scores come from the fully annotated texts alone. Spans (spancat's doc.spans,
    --spans-key) are scored per label with spaCy's span scorer (spans_KEY_p/r/f).
    """
    with reports_errors():
        evaluate(
            model, data_path, output, binary=binary, errors_html=errors_html, n_errors=n_errors,
            gpu_id=gpu_id, db=db, code_path=code_path, spans_key=spans_key, silent=False,
        )  # fmt: skip


def evaluate(
    model: str, data_path: Union[str, Path], output: Path | None = None, binary: bool = False,
    errors_html: Path | None = None, n_errors: int = 25, gpu_id: int = -1, db: str | None = None,
    code_path: Path | None = None, spans_key: str | None = None, silent: bool = True,
) -> Dict[str, Any]:  # fmt: skip
    """Score `model` on the gold docs in `data_path` (a file, or `dataset:NAME` of database
    `db`) and classify its errors; return (and optionally save) the scores, with the error
    analysis under "errors". Spans of `spans_key` (default: the model's spancat's) are scored
    too."""
    msg = printer(silent)
    import_code(code_path)
    check_gold_set(data_path, db, [model], [output, errors_html])
    setup_gpu(gpu_id, silent=silent)
    nlp = load_pipeline(base_model=model)
    rejects: List[Reject] = []
    title = f"Errors of {model} on {data_path}"
    try:
        scores = evaluate_pipeline(
            nlp, data_path, rejects, binary=binary, n_errors=n_errors, db=db,
            errors_html=errors_html, title=title, spans_key=spans_key,
        )  # fmt: skip
    finally:
        msg.rejects(rejects, len(rejects))
    result = {"model": str(model), "data": str(data_path), **scores}
    msg.tables([*score_tables(result), *error_tables(result["errors"])], divider=True)
    if errors_html is not None:
        msg.good("Saved the worst texts, gold beside prediction", str(errors_html))
    if output is not None:
        write_json_atomic(output, result)
        msg.good("Saved scores", str(output))
    return result
