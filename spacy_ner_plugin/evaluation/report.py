"""Scores and error counts as tables for the CLI to print: (title, header, rows, aligns) each,
as `wasabi`'s `table` takes them."""

from typing import Any, Dict, List

from .errors import ERROR_CLASSES, OUTSIDE


def _row(name: str, *values: float | None) -> tuple:
    return (name, *("-" if v is None else f"{v * 100:.2f}" for v in values))


def _prf_table(title: str, result: Dict[str, Any], prefix: str) -> tuple:
    """P/R/F per label and overall of the `PREFIX_p`, `_r`, `_f`, `_per_type` scores."""
    per_type = result[f"{prefix}_per_type"] or {}
    rows = [_row(label, s["p"], s["r"], s["f"]) for label, s in sorted(per_type.items())]
    rows.append(_row("ALL", *(result[f"{prefix}_{key}"] for key in "prf")))
    return (title, ("label", "P", "R", "F"), rows, ("l", "r", "r", "r"))


def score_tables(result: Dict[str, Any]) -> List[tuple]:
    """The per-label P/R/F tables: entities (unless scored on span gold alone), spans (when
    scored), and binary-answer scores (when present)."""
    tables = []
    if result["ents_f"] is not None or "spans_key" not in result:
        tables.append(_prf_table(f"NER scores on {result['n_examples']} examples", result, "ents"))
    if "spans_key" in result:
        key = result["spans_key"]
        title = (
            f"Span scores on {result['spans_n_examples']} examples (gold doc.spans[{key!r}], "
            f"predicted {result['spans_predicted']})"
        )
        tables.append(_prf_table(title, result, f"spans_{key}"))
    if result.get("binary_n"):
        prf = _row("", result["binary_p"], result["binary_r"], result["binary_f"])[1:]
        binary = [
            ("answers", result["binary_n"]),
            ("accuracy", f"{result['binary_acc'] * 100:.2f}"),
            ("P / R / F", " / ".join(prf)),
        ]
        tables.append(("Binary answers (exact span predicted?)", None, binary, ("l", "r")))
    return tables


def error_tables(errors: Dict[str, Any]) -> List[tuple]:
    """Error counts per label and class, and the label confusion table (none without texts)."""
    if not errors["n_texts"]:
        return []
    names = [kind.replace("_", " ") for kind in ERROR_CLASSES]
    rows = [
        (label, *(n[kind] for kind in ERROR_CLASSES)) for label, n in errors["per_label"].items()
    ]
    rows.append(("ALL", *(errors["counts"][kind] for kind in ERROR_CLASSES)))
    title = (
        f"{errors['total']} errors in {errors['n_texts_with_errors']} of "
        f"{errors['n_texts']} texts ({errors['correct']} entities correct)"
    )
    confusion = errors["confusion"]
    labels = sorted({*confusion, *(p for row in confusion.values() for p in row)} - {OUTSIDE})
    labels.append(OUTSIDE)
    table = [
        (gold, *(confusion.get(gold, {}).get(pred, 0) for pred in labels))
        for gold in labels
        if gold in confusion
    ]
    return [
        (title, ("label", *names), rows, ("l", *("r" for _ in names))),
        (
            "Label confusion (overlapping spans; O: missed or spurious)",
            ("gold \\ predicted", *labels),
            table,
            ("l", *("r" for _ in labels)),
        ),
    ]
