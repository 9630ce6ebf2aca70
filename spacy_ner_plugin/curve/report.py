"""The curve as a table for the CLI to print: (title, header, rows, aligns), as `wasabi`'s
`table` takes them."""

from typing import Any, Dict, List


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
