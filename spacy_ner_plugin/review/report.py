"""The review's counts, agreement figures and consistency findings as tables and lines of text,
for the CLI to print. A table is (title, header, rows, aligns), as `wasabi`'s `table` takes them.
"""

from typing import Any, Dict, List, Tuple

from ..messages import Message
from .run import ReviewResult

FINDINGS_SHOWN = 5


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def count_tables(result: ReviewResult) -> List[tuple]:
    """Where the answers went, the texts and questions by status, and each annotator's share."""
    counts = result.counts
    rows = [("read", counts.read), *sorted(counts.written.items()), ("rejected", counts.rejected)]
    annotators = [
        (name, c.get("texts", 0), c.get("spans", 0), c.get("binary_answers", 0))
        for name, c in result.agreement["annotators"].items()
    ]
    header = ("annotator", "texts", "spans", "binary answers")
    return [
        ("Answers (read = output + conflicts + rejected)", None, rows, ("l", "r")),
        ("Texts and questions", None, sorted(result.units.items()), ("l", "r")),
        ("Annotators", header, annotators, ("l", "r", "r", "r")),
    ]


def span_table(pairs: List[Dict[str, Any]]) -> tuple:
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
    title = "Span agreement: exact, ~ overlap; token Cohen's κ (κ-O without both-'O' tokens)"
    return title, header, rows, ("l", "l", *"r" * 9)


def agreement_notes(figures: Dict[str, Any]) -> List[str]:
    """Why one-label pairs have no κ-O, and Krippendorff's alpha over all annotators, with and
    without the all-'O' tokens."""
    notes = []
    one_label = [p for p in figures["pairs"] if "token_kappa_not_both_o_note" in p]
    if one_label:
        agreement = ", ".join(
            f"{p['reference']} / {p['other']} {_num(p['token_positive_agreement'])}"
            for p in one_label
        )
        notes.append(
            f"No κ-O: {one_label[0]['token_kappa_not_both_o_note']}. "
            f"Positive specific agreement on the tokens: {agreement}"
        )
    alpha = figures["krippendorff_alpha"]
    if alpha.get("alpha") is None:
        return notes
    without_o = (
        f"positive specific agreement {_num(alpha['positive_agreement'])} (one label: no "
        "alpha without the all-'O' tokens)"
        if "alpha_not_all_o_note" in alpha
        else f"{_num(alpha['alpha_not_all_o'])} without the all-'O' tokens"
    )
    notes.append(
        f"Krippendorff's alpha over {alpha['annotators']} annotators: "
        f"{_num(alpha['alpha'])} on {alpha['tokens']} tokens, {without_o}"
    )
    return notes


def confusion_lines(pairs: List[Dict[str, Any]]) -> List[str]:
    """The spans each pair of annotators labelled differently, most frequent first."""
    return [
        f"Same span, {pair['reference']} says {a}, {pair['other']} says {b}: {n}"
        for pair in pairs
        for a, b, n in pair["label_confusion"][:FINDINGS_SHOWN]
    ]


def answer_tables(figures: Dict[str, Any]) -> List[tuple]:
    """Agreement on binary answers per pair of annotators, and the texts they disagree on most."""
    tables = []
    if figures["binary"]:
        rows = [
            (f"{b['reference']} / {b['other']}", b["tasks"], _pct(b["agreement"]), _num(b["kappa"]))
            for b in figures["binary"]
        ]
        header = ("reference / other", "questions", "agree %", "κ")
        tables.append(("Binary answers", header, rows, ("l", "r", "r", "r")))
    worst = figures["worst_texts"]
    if worst:
        rows = [
            (_num(w["disagreement"]), w["versions"], w["lines"][0], w["text"][:60]) for w in worst
        ]
        title = f"{figures['disagreeing_texts']} texts with disagreements; the worst {len(worst)}"
        tables.append((title, ("disagreement", "versions", "first answer", "text"), rows, None))
    return tables


def consistency_lines(findings: Dict[str, Any]) -> List[str]:
    """The first few findings of each kind."""
    lines = []
    for f in findings["label_conflicts"][:FINDINGS_SHOWN]:
        labels = ", ".join(f"{label} x{p['count']}" for label, p in f["labels"].items())
        lines.append(f"label conflict: {f['surface']!r}: {labels}")
    for f in findings["unlabelled"][:FINDINGS_SHOWN]:
        lines.append(
            f"unlabelled: {f['surface']!r} labelled x{f['labelled']['count']}, "
            f"unlabelled x{f['unlabelled']['count']} in a similar context"
        )
    for f in findings["boundaries"][:FINDINGS_SHOWN]:
        longer = ", ".join(f"{x['long']!r} x{x['labelled']['count']}" for x in f["longer"][:3])
        more = f" and {len(f['longer']) - 3} more" if len(f["longer"]) > 3 else ""
        lines.append(
            f"boundaries: {f['short']!r} x{f['short_labelled']['count']} inside {longer}{more}"
        )
    for pair in findings["label_confusion"]:
        lines.append(
            f"label confusion: {' / '.join(pair['labels'])}: {pair['surface_forms']} forms"
        )
    return lines


def consistency_table(findings: Dict[str, Any]) -> tuple:
    """How many findings of each kind."""
    rows = [(kind, len(findings[kind])) for kind in ("label_conflicts", "unlabelled", "boundaries")]
    return "Consistency findings (all in --report)", None, rows, ("l", "r")


def report_sections(result: ReviewResult) -> List[Tuple[List[Message], List[tuple]]]:
    """What a review prints after its rejects, in order, each section as its messages then its
    tables: notes, counts, agreement figures, consistency findings (if checked), files saved."""
    figures, findings = result.agreement, result.consistency
    sections = [([("warn", note, "") for note in result.notes], count_tables(result))]
    if not figures["pairs"] and not figures["binary"]:
        no_pairs = "No text or question was answered by two annotators: no agreement figures"
        sections.append(([("info", no_pairs, "")], []))
    else:
        sections.append(([], [span_table(figures["pairs"])]))
        notes = [("info", note, "") for note in agreement_notes(figures)]
        lines = [("text", line, "") for line in confusion_lines(figures["pairs"])]
        sections.append((notes + lines, answer_tables(figures)))
    if findings is not None:
        title = f"Consistency of the chosen annotations ({findings['texts']} texts)"
        lines = [("text", line, "") for line in consistency_lines(findings)]
        sections.append(([("divider", title, ""), *lines], [consistency_table(findings)]))
    saved = ", ".join(str(path) for path in result.paths.values())
    return [*sections, ([("good", "Saved", saved)], [])]
