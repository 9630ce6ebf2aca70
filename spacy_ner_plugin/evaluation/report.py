"""Scores and error counts, printed as tables."""

from typing import Any, Dict

from wasabi import Printer

from .errors import ERROR_CLASSES, OUTSIDE


def print_scores(result: Dict[str, Any], msg: Printer) -> None:
    """The per-label P/R/F table (and binary-answer scores, when present)."""

    def row(name: str, *values: float | None) -> tuple:
        return (name, *("-" if v is None else f"{v * 100:.2f}" for v in values))

    rows = [
        row(label, s["p"], s["r"], s["f"]) for label, s in sorted(result["ents_per_type"].items())
    ]
    rows.append(row("ALL", result["ents_p"], result["ents_r"], result["ents_f"]))
    title = f"NER scores on {result['n_examples']} examples"
    header, aligns = ("label", "P", "R", "F"), ("l", "r", "r", "r")
    msg.table(rows, header=header, aligns=aligns, divider=True, title=title)
    if result.get("binary_n"):
        prf = row("", result["binary_p"], result["binary_r"], result["binary_f"])[1:]
        binary = [
            ("answers", result["binary_n"]),
            ("accuracy", f"{result['binary_acc'] * 100:.2f}"),
            ("P / R / F", " / ".join(prf)),
        ]
        msg.table(binary, aligns=("l", "r"), title="Binary answers (exact span predicted?)")


def print_errors(errors: Dict[str, Any], msg: Printer) -> None:
    """Error counts per label and class, and the label confusion table."""
    if not errors["n_texts"]:
        return
    names = [kind.replace("_", " ") for kind in ERROR_CLASSES]
    rows = [
        (label, *(n[kind] for kind in ERROR_CLASSES)) for label, n in errors["per_label"].items()
    ]
    rows.append(("ALL", *(errors["counts"][kind] for kind in ERROR_CLASSES)))
    title = (
        f"{errors['total']} errors in {errors['n_texts_with_errors']} of "
        f"{errors['n_texts']} texts ({errors['correct']} entities correct)"
    )
    aligns = ("l", *("r" for _ in names))
    msg.table(rows, header=("label", *names), aligns=aligns, divider=True, title=title)
    confusion = errors["confusion"]
    labels = sorted({*confusion, *(p for row in confusion.values() for p in row)} - {OUTSIDE})
    labels.append(OUTSIDE)
    table = [
        (gold, *(confusion.get(gold, {}).get(pred, 0) for pred in labels))
        for gold in labels
        if gold in confusion
    ]
    msg.table(
        table, header=("gold \\ predicted", *labels), aligns=("l", *("r" for _ in labels)),
        divider=True, title="Label confusion (overlapping spans; O: missed or spurious)",
    )  # fmt: skip
