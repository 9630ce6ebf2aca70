"""The review's agreement figures and consistency findings, printed as tables."""

from typing import Any, Dict, List

from wasabi import Printer

FINDINGS_SHOWN = 5


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_agreement(figures: Dict[str, Any], msg: Printer) -> None:
    """The agreement figures as tables (see `review.agreement`)."""
    annotators = [
        (name, c.get("texts", 0), c.get("spans", 0), c.get("binary_answers", 0))
        for name, c in figures["annotators"].items()
    ]
    header = ("annotator", "texts", "spans", "binary answers")
    msg.table(annotators, header=header, aligns=("l", "r", "r", "r"), title="Annotators")
    if not figures["pairs"] and not figures["binary"]:
        msg.info("No text or question was answered by two annotators: no agreement figures")
        return
    _print_span_agreement(figures["pairs"], msg)
    _print_alpha(figures["krippendorff_alpha"], msg)
    for pair in figures["pairs"]:
        for a, b, n in pair["label_confusion"][:FINDINGS_SHOWN]:
            msg.text(f"Same span, {pair['reference']} says {a}, {pair['other']} says {b}: {n}")
    if figures["binary"]:
        rows = [
            (f"{b['reference']} / {b['other']}", b["tasks"], _pct(b["agreement"]), _num(b["kappa"]))
            for b in figures["binary"]
        ]
        header = ("reference / other", "questions", "agree %", "κ")
        msg.table(rows, header=header, aligns=("l", "r", "r", "r"), title="Binary answers")
    worst = figures["worst_texts"]
    if worst:
        rows = [
            (_num(w["disagreement"]), w["versions"], w["lines"][0], w["text"][:60]) for w in worst
        ]
        msg.table(
            rows,
            header=("disagreement", "versions", "first answer", "text"),
            title=f"{figures['disagreeing_texts']} texts with disagreements; the worst "
            f"{len(worst)}",
        )


def _print_span_agreement(pairs: List[Dict[str, Any]], msg: Printer) -> None:
    """Span P/R/F (exact and overlapping) and token kappa per pair of annotators and label."""
    rows = []
    for pair in pairs:
        labels = [("ALL", pair), *((label, s) for label, s in pair["per_label"].items())]
        for label, s in labels:
            rows.append(
                (
                    f"{pair['reference']} / {pair['other']}" if label == "ALL" else "",
                    label,
                    pair["texts"] if label == "ALL" else "",
                    *(_pct(s["exact"][k]) for k in "prf"),
                    *(_pct(s["overlap"][k]) for k in "prf"),
                    _num(pair["token_kappa"]) if label == "ALL" else "",
                    _num(pair["token_kappa_not_both_o"]) if label == "ALL" else "",
                )
            )
    header = ("reference / other", "label", "texts", "P", "R", "F", "P~", "R~", "F~", "κ", "κ-O")
    msg.table(
        rows,
        header=header,
        aligns=("l", "l", *"r" * 9),
        title="Span agreement: exact, ~ overlap; token Cohen's κ (κ-O without both-'O' tokens)",
    )
    one_label = [p for p in pairs if "token_kappa_not_both_o_note" in p]
    if one_label:
        agreement = ", ".join(
            f"{p['reference']} / {p['other']} {_num(p['token_positive_agreement'])}"
            for p in one_label
        )
        msg.info(
            f"No κ-O: {one_label[0]['token_kappa_not_both_o_note']}. "
            f"Positive specific agreement on the tokens: {agreement}"
        )


def _print_alpha(alpha: Dict[str, Any], msg: Printer) -> None:
    """Krippendorff's alpha over all annotators, with and without the all-'O' tokens."""
    if alpha.get("alpha") is None:
        return
    without_o = (
        f"positive specific agreement {_num(alpha['positive_agreement'])} (one label: no "
        "alpha without the all-'O' tokens)"
        if "alpha_not_all_o_note" in alpha
        else f"{_num(alpha['alpha_not_all_o'])} without the all-'O' tokens"
    )
    msg.info(
        f"Krippendorff's alpha over {alpha['annotators']} annotators: "
        f"{_num(alpha['alpha'])} on {alpha['tokens']} tokens, {without_o}"
    )


def print_consistency(findings: Dict[str, Any], msg: Printer) -> None:
    """How many findings of each kind, and the first few."""
    msg.divider(f"Consistency of the chosen annotations ({findings['texts']} texts)")
    for f in findings["label_conflicts"][:FINDINGS_SHOWN]:
        labels = ", ".join(f"{label} x{p['count']}" for label, p in f["labels"].items())
        msg.text(f"label conflict: {f['surface']!r}: {labels}")
    for f in findings["unlabelled"][:FINDINGS_SHOWN]:
        msg.text(
            f"unlabelled: {f['surface']!r} labelled x{f['labelled']['count']}, "
            f"unlabelled x{f['unlabelled']['count']} in a similar context"
        )
    for f in findings["boundaries"][:FINDINGS_SHOWN]:
        longer = ", ".join(f"{x['long']!r} x{x['labelled']['count']}" for x in f["longer"][:3])
        more = f" and {len(f['longer']) - 3} more" if len(f["longer"]) > 3 else ""
        msg.text(
            f"boundaries: {f['short']!r} x{f['short_labelled']['count']} inside {longer}{more}"
        )
    for pair in findings["label_confusion"]:
        msg.text(f"label confusion: {' / '.join(pair['labels'])}: {pair['surface_forms']} forms")
    rows = [(kind, len(findings[kind])) for kind in ("label_conflicts", "unlabelled", "boundaries")]
    msg.table(rows, title="Consistency findings (all in --report)", aligns=("l", "r"))
