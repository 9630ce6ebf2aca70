"""`evaluate`: score a trained pipeline on a gold eval set, per label, and classify its errors."""

from pathlib import Path
from typing import Any, Dict, List, Union

import typer
from spacy.cli._util import setup_gpu
from spacy.training import Example
from wasabi import Printer

from ..annotations.gold import read_gold_docs
from ..annotations.ingest import check_inputs, input_paths, parse_input
from ..errors import PluginError
from ..evaluation.errors import ERROR_CLASSES, OUTSIDE, error_analysis
from ..evaluation.errors_html import render_error_page
from ..evaluation.scoring import score_report
from ..io.files import atomic_path, check_overwrites, write_json_atomic
from ..io.records import Reject
from ._util import (
    app,
    db_option,
    import_code,
    load_tokenizer_pipeline,
    printer,
    reports_errors,
)


@app.command("evaluate")
def evaluate_cli(
    # fmt: off
    model: str = typer.Argument(..., help="Trained pipeline: package name or path"),
    data_path: str = typer.Argument(
        ..., help="Gold eval set: .spacy or annotation file, or dataset:NAME"
    ),
    output: Path | None = typer.Option(
        Path("metrics/scores.json"), "--output", "-o", help="Where to write the scores as JSON"
    ),
    binary: bool = typer.Option(
        False, "--binary", help="Also score binary accept/reject answers (exact-span P/R/F)"
    ),
    errors_html: Path | None = typer.Option(
        None, "--errors", "-e", help="HTML page of the worst texts, gold and predicted side by side"
    ),
    n_errors: int = typer.Option(
        25, "--n-errors", help="How many of the worst texts the JSON lists and the HTML draws"
    ),
    code_path: Path | None = typer.Option(
        None, "--code", "-c", help="Python file with registered functions the pipeline needs"
    ),
    gpu_id: int = typer.Option(-1, "--gpu-id", "-g", help="GPU id, or -1 for CPU"),
    db: str | None = db_option(),
    # fmt: on
) -> None:
    """Score a trained pipeline on a gold eval set, per label, and classify its errors.

    Reads a .spacy file, an annotation file of any supported format or a dataset of the
    annotation database (dataset:NAME), merged per text as data-to-spacy does; prints overall
    and per-label precision, recall and F-score, and every error against gold by class (missed,
    spurious, wrong boundary, wrong label, wrong label and boundary) per label with a label
    confusion table, and writes them as JSON with the hashes of the worst texts. --errors draws
    those texts, gold beside prediction. With --binary, texts annotated only by binary answers
    are scored by whether the model predicts each accepted span and avoids each rejected one,
    and the gold scores come from the fully annotated texts alone.
    """
    with reports_errors():
        import_code(code_path)
        evaluate(
            model,
            data_path,
            output,
            binary=binary,
            errors_html=errors_html,
            n_errors=n_errors,
            gpu_id=gpu_id,
            db=db,
            silent=False,
        )


def evaluate(
    model: str,
    data_path: Union[str, Path],
    output: Path | None = None,
    binary: bool = False,
    errors_html: Path | None = None,
    n_errors: int = 25,
    gpu_id: int = -1,
    db: str | None = None,
    silent: bool = True,
) -> Dict[str, Any]:
    """Score `model` on the gold docs in `data_path` (a file, or `dataset:NAME` of database
    `db`) and classify its errors; return (and optionally save) the scores, with the error
    analysis under "errors"."""
    msg = printer(silent)
    spec = parse_input(data_path)
    check_overwrites([*input_paths([spec], db), model], [output, errors_html])
    check_inputs([spec], db)
    setup_gpu(gpu_id, silent=silent)
    nlp = load_tokenizer_pipeline(base_model=model)
    rejects: List[Reject] = []
    references = list(read_gold_docs(data_path, nlp, rejects, binary=binary, db=db))
    for reject in rejects:
        msg.warn(str(reject))
    if not references:
        raise PluginError("No usable gold examples", str(data_path))
    predicted = nlp.pipe(nlp.make_doc(doc.text) for doc in references)
    examples = [Example(pred, ref) for pred, ref in zip(predicted, references)]
    report = error_analysis(examples)
    result = {
        "model": str(model),
        "data": str(data_path),
        **score_report(examples, len(rejects), binary=binary),
        "errors": report.to_json(n_errors),
    }
    print_scores(result, msg)
    print_errors(result["errors"], msg)
    if errors_html is not None:
        page = render_error_page(report, n_errors, f"Errors of {model} on {data_path}")
        with atomic_path(errors_html) as tmp:
            tmp.write_text(page, encoding="utf8")
        result["errors"]["html"] = str(errors_html)
        msg.good("Saved the worst texts, gold beside prediction", str(errors_html))
    if output is not None:
        write_json_atomic(output, result)
        msg.good("Saved scores", str(output))
    return result


def print_scores(result: Dict[str, Any], msg: Printer) -> None:
    """The per-label P/R/F table (and binary-answer scores, when present)."""

    def row(name: str, *values: float | None) -> tuple:
        return (name, *("-" if v is None else f"{v * 100:.2f}" for v in values))

    rows = [
        row(label, s["p"], s["r"], s["f"]) for label, s in sorted(result["ents_per_type"].items())
    ]
    rows.append(row("ALL", result["ents_p"], result["ents_r"], result["ents_f"]))
    msg.table(
        rows,
        header=("label", "P", "R", "F"),
        aligns=("l", "r", "r", "r"),
        divider=True,
        title=f"NER scores on {result['n_examples']} examples",
    )
    if result.get("binary_n"):
        binary = [
            ("answers", result["binary_n"]),
            ("accuracy", f"{result['binary_acc'] * 100:.2f}"),
            (
                "P / R / F",
                "{} / {} / {}".format(
                    *row("", result["binary_p"], result["binary_r"], result["binary_f"])[1:]
                ),
            ),
        ]
        msg.table(binary, aligns=("l", "r"), title="Binary answers (exact span predicted?)")


def print_errors(errors: Dict[str, Any], msg: Printer) -> None:
    """Error counts per label and class, and the label confusion table."""
    if not errors["n_texts"]:
        return
    names = [kind.replace("_", " ") for kind in ERROR_CLASSES]
    rows = [
        (label, *(counts[kind] for kind in ERROR_CLASSES))
        for label, counts in errors["per_label"].items()
    ]
    rows.append(("ALL", *(errors["counts"][kind] for kind in ERROR_CLASSES)))
    msg.table(
        rows,
        header=("label", *names),
        aligns=("l", *("r" for _ in names)),
        divider=True,
        title=f"{errors['total']} errors in {errors['n_texts_with_errors']} of "
        f"{errors['n_texts']} texts ({errors['correct']} entities correct)",
    )
    confusion = errors["confusion"]
    labels = sorted({*confusion, *(p for row in confusion.values() for p in row)} - {OUTSIDE})
    labels.append(OUTSIDE)
    table = [
        (gold, *(confusion.get(gold, {}).get(pred, 0) for pred in labels))
        for gold in labels
        if gold in confusion
    ]
    msg.table(
        table,
        header=("gold \\ predicted", *labels),
        aligns=("l", *("r" for _ in labels)),
        divider=True,
        title="Label confusion (overlapping spans; O: missed or spurious)",
    )
