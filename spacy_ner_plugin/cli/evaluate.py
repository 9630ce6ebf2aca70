"""`evaluate`: score a trained pipeline on a gold eval set, per label."""

from pathlib import Path
from typing import Any, Dict, List, Optional

import spacy
import typer
from spacy.training import Example

from ..annotations.gold import read_gold_docs
from ..evaluation.scoring import score_report
from ..io.files import write_json_atomic
from ..io.records import Reject
from ._util import app, ensure_inputs_exist, msg


@app.command("evaluate")
def evaluate_cli(
    model: str = typer.Argument(..., help="Trained pipeline: package name or path"),
    data_path: Path = typer.Argument(
        ..., help="Gold eval set: .spacy file or annotation JSONL", exists=True
    ),
    output: Optional[Path] = typer.Option(
        Path("metrics/scores.json"), "--output", "-o", help="Where to write the scores as JSON"
    ),
    binary: bool = typer.Option(
        False, "--binary", help="Also score binary accept/reject answers (exact-span P/R/F)"
    ),
) -> None:
    """Score a trained pipeline on a gold eval set, per label.

    Reads a .spacy file or Prodigy-style JSONL; prints overall and per-label precision, recall
    and F-score and writes them as JSON. With --binary, texts annotated only by binary answers
    are scored by whether the model predicts each accepted span and avoids each rejected one,
    and the gold scores come from the fully annotated texts alone.
    """
    evaluate(model, data_path, output, binary=binary)


def evaluate(
    model: str, data_path: Path, output: Optional[Path] = None, binary: bool = False
) -> Dict[str, Any]:
    """Score `model` on the gold docs in `data_path`; return (and optionally save) the scores."""
    ensure_inputs_exist(data_path)
    nlp = spacy.load(model)
    rejects: List[Reject] = []
    references = list(read_gold_docs(data_path, nlp, rejects, binary=binary))
    for reject in rejects:
        msg.warn(str(reject))
    if not references:
        msg.fail("No usable gold examples", str(data_path), exits=1)
    predicted = nlp.pipe(nlp.make_doc(doc.text) for doc in references)
    examples = [Example(pred, ref) for pred, ref in zip(predicted, references)]
    result = {
        "model": str(model),
        "data": str(data_path),
        **score_report(examples, len(rejects), binary=binary),
    }
    print_scores(result)
    if output is not None:
        write_json_atomic(output, result)
        msg.good("Saved scores", str(output))
    return result


def print_scores(result: Dict[str, Any]) -> None:
    """The per-label P/R/F table (and binary-answer scores, when present)."""

    def row(name: str, *values: Optional[float]) -> tuple:
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
