"""The curve as tables and messages for the CLI to print: a table is (title, header, rows,
aligns), as `wasabi`'s `table` takes them, a message (level, title, text)."""

from pathlib import Path
from typing import Any, Dict, List

from ..messages import Message
from .projection import ranked_labels


def curve_table(rows: List[Dict[str, Any]], n_seeds: int, label_stats: bool) -> tuple:
    """F, P, R (mean ± std over several seeds) and F's change per fraction; F per label if asked."""

    def score(value: Dict[str, float]) -> str:
        return f"{value['mean']:.1f}" + (f" ± {value['std']:.1f}" if n_seeds > 1 else "")

    labels = sorted({label for row in rows for label in row["per_label"]}) if label_stats else []
    table = []
    for prev, row in zip([None, *rows], rows):
        delta = row["f"]["mean"] - prev["f"]["mean"] if prev else 0.0
        change = f"{'▲' if delta > 0 else '▼' if delta < 0 else '='} {delta:+.1f}" if prev else ""
        scores = [score(row[key]) for key in ("f", "p", "r")]
        per_label = [score(row["per_label"][label]) for label in labels]
        table.append((f"{row['fraction']:.0%}", row["n_examples"], *scores, change, *per_label))
    header = ("%", "examples", "F", "P", "R", "ΔF", *(f"F {label}" for label in labels))
    title = "Train curve" + (f" (mean ± std over {n_seeds} seeds)" if n_seeds > 1 else "")
    return title, header, table, ("r",) * len(header)


def projection_table(projection: Dict[str, Any]) -> tuple:
    """F now and predicted at each factor of more data, with its interval, in F points: overall
    first, then the labels by predicted gain at the largest factor (where data pays most),
    those without a fit last."""
    curves = [("overall", projection["overall"])]
    factors = projection["targets"]
    by_gain = [label for label, _ in ranked_labels(projection, max(factors))]
    rest = sorted(set(projection["labels"]) - set(by_gain))
    curves += [(label, projection["labels"][label]) for label in [*by_gain, *rest]]
    table = []
    for name, curve in curves:
        now = curve["now"]
        if curve["fit"] is None:
            cells = ["—"] * len(factors)
            table.append((name, now["examples"], f"{now['f'] * 100:.1f}", *cells, curve["reason"]))
            continue
        cells = [
            f"{p['f'] * 100:.1f} [{p['low'] * 100:.1f}–{p['high'] * 100:.1f}]"
            for p in curve["predictions"]
        ]
        gain = max(curve["predictions"], key=lambda p: p["factor"])["gain"] * 100
        table.append((name, now["examples"], f"{now['f'] * 100:.1f}", *cells, f"{gain:+.1f}"))
    gain_header = f"gain at {max(factors):g}×"
    header = ("", "examples", "F now", *(f"F at {f:g}×" for f in factors), gain_header)
    title = (
        f"Projected F with more data of the same kind ({projection['interval']:.0%} interval "
        "over the seeds)"
    )
    return title, header, table, ("l", "r", "r", *("r",) * len(factors), "l")


def curve_tables(curve: Dict[str, Any], n_seeds: int, label_stats: bool) -> List[tuple]:
    """The curve's table (`curve_table`) and its projection's (`projection_table`)."""
    return [
        curve_table(curve["curve"], n_seeds, label_stats),
        projection_table(curve["projection"]),
    ]


def point_line(result: Dict[str, Any]) -> str:
    """One trained point: its F, examples, steps and seconds."""
    return (
        f"{result['fraction']:.0%} seed {result['seed']}: F {result['ents_f'] * 100:.1f} "
        f"({result['n_examples']} examples, {result['max_steps']} steps, "
        f"{result['seconds']:.0f} s)"
    )


def curve_messages(
    curve: Dict[str, Any], seconds: float, plot: Path | None, output: Path | None
) -> List[Message]:
    """The advice (good news if more data helps), the time taken and the files saved."""
    advice = curve["advice"]
    level = "good" if advice["verdict"] == "more data helps" else "warn"
    messages = [
        (level, f"Advice: {advice['verdict']}", advice["text"]),
        ("info", f"Curve done in {seconds:.1f} s", ""),
    ]
    saved = [("Saved plot", plot), ("Saved curve", output)]
    return messages + [("good", title, str(path)) for title, path in saved if path is not None]
