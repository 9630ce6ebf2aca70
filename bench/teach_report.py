"""The ner.teach simulation's report (`bench.teach`): mean ± std over seeds per dataset and
start, the goals, Markdown tables and an SVG plot per dataset and start.

    python -m bench.teach_report RUN/results.json... --output bench/results/teach

merges result files of `bench.teach` (several seeds or datasets) into one report in OUTPUT
(results.json, results.md, one .svg per dataset and start).
"""

import json
from pathlib import Path
from statistics import mean, stdev
from typing import Any, Dict, List, Sequence

import typer
from wasabi import msg

from spacy_ner_plugin.curve.plot import nice_ticks

from .common import write_results

ARMS = ("uncertain", "high", "random")
COLORS = {"uncertain": "#d62728", "high": "#1f77b4", "random": "#7f7f7f"}

app = typer.Typer(add_completion=False)


@app.command()
def teach_report_cli(
    results: List[Path] = typer.Argument(..., help="results.json files of bench.teach"),
    output: Path = typer.Option(..., help="Folder of the merged report"),
) -> None:
    """Merge the runs of several results files into one report."""
    merge_results(results, output)
    msg.good(f"Saved {output}")


def merge_results(paths: List[Path], output: Path) -> Dict[str, Any]:
    """The runs of all `paths` (options of the first), summarized and written to `output`."""
    results = [json.loads(path.read_text()) for path in paths]
    runs = [run for result in results for run in result["runs"]]
    return write_report(output, runs, {**results[0]["options"], "merged": list(map(str, paths))})


def write_report(output: Path, runs: List[Dict[str, Any]], opts: Dict[str, Any]) -> Dict:
    """results.json (options, summary, runs), results.md and the plots in `output`; the
    summary."""
    summary = summarize(runs, opts["ratios"])
    output.mkdir(parents=True, exist_ok=True)
    write_results(output / "results.json", {"options": opts, "summary": summary, "runs": runs})
    (output / "results.md").write_text(markdown(summary))
    for name, table in summary.items():
        (output / f"{name.replace('/', '_')}.svg").write_text(plot(name, table))
    return summary


def summarize(runs: List[Dict[str, Any]], ratios: Sequence[int]) -> Dict[str, Any]:
    """Mean ± std over seeds per dataset and start, and whether each goal was met."""
    groups: Dict[str, List[Dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault(f"{run['dataset']}/{run['start']}", []).append(run)
    summary: Dict[str, Any] = {}
    for name, group in groups.items():
        arms = [arm for arm in ARMS if all(arm in run["arms"] for run in group)]
        table: Dict[str, Any] = {"seeds": [run["seed"] for run in group], "arms": {}}
        for arm in arms:
            results = [run["arms"][arm] for run in group]
            # a run whose stream ran dry before N answers has no point at N: each point is
            # the mean over the seeds that reached it, and says how many did
            f_by_answers = [{row["answers"]: row["ents_f"] for row in r["curve"]} for r in results]
            curve = [
                {"answers": n, **_stat([f[n] for f in f_by_answers if n in f])}
                for n in sorted(set().union(*f_by_answers))
            ]
            checkpoints = sorted({n for r in results for n in r["batch"]}, key=int)
            batch = {
                n: _stat([r["batch"][n]["ents_f"] for r in results if n in r["batch"]])
                for n in checkpoints
            }
            table["arms"][arm] = {
                "curve": curve,
                "batch": batch,
                "answers": _stat([r["n_answers"] for r in results]),
                "skipped_share": _stat([r["skipped_share"] for r in results]),
                "accept_rate": _stat([r["accepted"] / max(1, r["n_answers"]) for r in results]),
                "seconds_per_question": _stat([r["seconds_per_question"] for r in results]),
            }
        manual_keys = sorted(group[0]["manual"], key=lambda k: group[0]["manual"][k]["n_texts"])
        table["manual"] = {
            key: {
                "n_texts": group[0]["manual"][key]["n_texts"],
                **_stat([run["manual"][key]["ents_f"] for run in group if key in run["manual"]]),
            }
            for key in manual_keys
        }
        table["goals"] = goals(table, ratios)
        table["ratios"] = list(ratios)
        summary[name] = table
    return summary


def goals(table: Dict[str, Any], ratios: Sequence[int]) -> Dict[str, Any]:
    """Goal 1: uncertainty reaches random's final F with <= 0.6x the answers, on the in-loop
    curves and on the models retrained from scratch (means over seeds). Goal 2, per ratio:
    batch-trained teach answers (uncertainty) beat manual annotation of answers/ratio texts."""
    arms = table["arms"]
    found: Dict[str, Any] = {}
    if "uncertain" in arms and "random" in arms and arms["random"]["curve"]:
        found["uncertain_reaches_random_final"] = _reaches(
            arms["uncertain"]["curve"], arms["random"]["curve"]
        )
    if "uncertain" in arms and "random" in arms and arms["random"]["batch"]:
        found["uncertain_reaches_random_final_retrained"] = _reaches(
            _batch_rows(arms["uncertain"]), _batch_rows(arms["random"]), in_loop=False
        )
    if "uncertain" in arms:
        per_ratio = {}
        for n, stat in arms["uncertain"]["batch"].items():
            for ratio in ratios:
                k = round(int(n) / ratio)
                manual = table["manual"].get(f"manual_{k}")
                if manual is None:
                    continue
                per_ratio[f"{n} answers at 1/{ratio}"] = {
                    "teach_f": stat["mean"],
                    "manual_texts": k,
                    "manual_f": manual["mean"],
                    "teach_wins": stat["mean"] > manual["mean"],
                }
        found["teach_vs_manual"] = per_ratio
    return found


def _batch_rows(arm: Dict[str, Any]) -> List[Dict[str, Any]]:
    """An arm's models retrained from scratch as curve rows, by number of answers."""
    rows = [{"answers": int(n), **stat} for n, stat in arm["batch"].items()]
    return sorted(rows, key=lambda row: row["answers"])


def _reaches(
    uncertain: List[Dict[str, Any]], random_: List[Dict[str, Any]], in_loop: bool = True
) -> Dict[str, Any]:
    """The fewest answers at which uncertainty's mean F reaches random's final mean F."""
    final = random_[-1]
    row = next((r for r in uncertain if r["answers"] > 0 and r["mean"] >= final["mean"]), None)
    reached = None if row is None else row["answers"]
    share = reached / final["answers"] if reached is not None and final["answers"] else None
    met = share is not None and share <= 0.6
    return {
        "random_final_answers": final["answers"],
        "random_final_f": final["mean"],
        "seeds": {"random": final["n"], "uncertain": None if row is None else row["n"]},
        "uncertain_answers_needed": reached,
        "share": None if share is None else round(share, 2),
        # in the loop, undecided when random ends no better than it started: nothing to reach
        "met": met if not in_loop or final["mean"] > random_[0]["mean"] else None,
    }


def _stat(values: List[float]) -> Dict[str, Any]:
    return {
        "mean": round(mean(values), 4) if values else None,
        "std": round(stdev(values), 4) if len(values) > 1 else 0.0,
        "n": len(values),
        "min": min(values) if values else None,
    }


class _Frame:
    """The plot's size and margins, and data coordinates as SVG pixels."""

    width, height, left, right, top, bottom = 680, 420, 64, 140, 48, 56

    def __init__(self, x_ticks: List[float], y_ticks: List[float]) -> None:
        self.x_ticks, self.y_ticks = x_ticks, y_ticks

    def px(self, x: float) -> float:
        return self.left + (self.width - self.left - self.right) * x / self.x_ticks[-1]

    def py(self, y: float) -> float:
        span = self.y_ticks[-1] - self.y_ticks[0]
        area = self.height - self.top - self.bottom
        return self.height - self.bottom - area * (y - self.y_ticks[0]) / span


def plot(name: str, table: Dict[str, Any]) -> str:
    """SVG: in-loop F against answers per arm (mean ± std), batch-trained points as squares,
    manual baselines as diamonds at answers = ratio x texts for the smallest ratio."""
    series = {arm: data["curve"] for arm, data in table["arms"].items()}
    xs = [row["answers"] for rows in series.values() for row in rows]
    ys = [row["mean"] for rows in series.values() for row in rows]
    ys += [s["mean"] for data in table["arms"].values() for s in data["batch"].values()]
    ys += [m["mean"] for m in table["manual"].values()]
    frame = _Frame(
        nice_ticks(0, max(xs)), nice_ticks(max(0.0, min(ys) - 5), min(100.0, max(ys) + 5), 5)
    )
    parts = _axes(frame, f"ner.teach simulation: {name} (seeds {table['seeds']})")
    for i, (arm, rows) in enumerate(series.items()):
        parts += _arm(frame, i, arm, rows, table["arms"][arm]["batch"])
    parts += _manual(frame, table)
    parts += _notes(frame, len(series))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _axes(frame: _Frame, title: str) -> List[str]:
    """The SVG's head, title, grid, ticks and axis labels."""
    width, height, left, right = frame.width, frame.height, frame.left, frame.right
    top, bottom, px, py = frame.top, frame.bottom, frame.px, frame.py
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{(width - right) / 2}" y="22" text-anchor="middle" font-size="15">'
        f"{title}</text>",
    ]
    for tick in frame.y_ticks:
        parts.append(
            f'<line x1="{left}" y1="{py(tick):.1f}" x2="{width - right}" y2="{py(tick):.1f}" '
            f'stroke="#e5e5e5"/><text x="{left - 8}" y="{py(tick) + 4:.1f}" '
            f'text-anchor="end">{tick:g}</text>'
        )
    for tick in frame.x_ticks:
        parts.append(
            f'<text x="{px(tick):.1f}" y="{height - bottom + 20}" text-anchor="middle">'
            f"{tick:g}</text>"
        )
    parts.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 14}" text-anchor="middle">'
        "answers (binary questions)</text>"
        f'<text transform="translate(18 {(top + height - bottom) / 2}) rotate(-90)" '
        'text-anchor="middle">entity F-score (%), eval set</text>'
    )
    return parts


def _arm(
    frame: _Frame, i: int, arm: str, rows: List[Dict[str, Any]], batch: Dict[str, Any]
) -> List[str]:
    """One arm's in-loop curve, its retrained points and its legend line."""
    px, py, color = frame.px, frame.py, COLORS.get(arm, "#2ca02c")
    points = " ".join(f"{px(r['answers']):.1f},{py(r['mean']):.1f}" for r in rows)
    parts = [f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>']
    for row in rows:
        parts.append(
            f'<circle cx="{px(row["answers"]):.1f}" cy="{py(row["mean"]):.1f}" r="3" '
            f'fill="{color}"><title>{arm} in loop, {row["answers"]} answers: F '
            f"{row['mean']} ± {row['std']}</title></circle>"
        )
    for n, stat in batch.items():
        x, y = px(int(n)), py(stat["mean"])
        parts.append(
            f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="none" '
            f'stroke="{color}" stroke-width="2"><title>{arm} batch-trained, {n} answers: F '
            f"{stat['mean']}</title></rect>"
        )
    legend_x, legend_y = frame.width - frame.right, frame.top + 18 * i
    parts.append(
        f'<line x1="{legend_x + 12}" y1="{legend_y}" x2="{legend_x + 32}" '
        f'y2="{legend_y}" stroke="{color}" stroke-width="2"/><text x="{legend_x + 38}" '
        f'y="{legend_y + 4}">{arm}</text>'
    )
    return parts


def _manual(frame: _Frame, table: Dict[str, Any]) -> List[str]:
    """The manual baselines as diamonds, beside each retrained checkpoint."""
    parts = []
    for n in sorted({n for data in table["arms"].values() for n in data["batch"]}, key=int):
        for i, ratio in enumerate(sorted(table.get("ratios", []))):
            manual = table["manual"].get(f"manual_{round(int(n) / ratio)}")
            if manual is None:
                continue
            x, y = frame.px(int(n)) - 10 - 8 * i, frame.py(manual["mean"])
            parts.append(
                f'<path d="M{x:.1f} {y - 6:.1f}l6 6l-6 6l-6 -6z" fill="black"><title>manual, '
                f"{manual['n_texts']} texts (1/{ratio} of a text per answer): F "
                f"{manual['mean']}</title></path>"
            )
    return parts


def _notes(frame: _Frame, n_series: int) -> List[str]:
    """What the marks mean, below the legend."""
    x, y = frame.width - frame.right + 12, frame.top + 18 * n_series + 10
    notes = ["line: in-loop model", "square: retrained", "from scratch", "diamond: manual"]
    notes += ["texts, same time", "(1/3, 1/4, 1/5)"]
    text = "".join(
        f'<text x="{x}" y="{y + 16 * i}" fill="#555">{note}</text>' for i, note in enumerate(notes)
    )
    return [text]


GOAL_1 = ("uncertain_reaches_random_final", "uncertain_reaches_random_final_retrained")


def markdown(summary: Dict[str, Any]) -> str:
    """The summary as Markdown tables: in-loop F per arm, retrained and manual F, the goals."""
    lines = [
        "| dataset/start | goal 1 in loop | goal 1 retrained | goal 2: teach F vs manual F |",
        "|---|---|---|---|",
    ]
    for name, table in summary.items():
        found = table["goals"]
        reach = [found.get(k, {}) for k in GOAL_1]
        versus = "; ".join(
            f"{key}: {row['teach_f']:.1f} vs {row['manual_f']:.1f}"
            for key, row in found.get("teach_vs_manual", {}).items()
        )
        cells = [_goal_cell(row) for row in reach]
        lines.append(f"| {name} | {cells[0]} | {cells[1]} | {versus} |")
    lines.append("")
    for name, table in summary.items():
        arms = table["arms"]
        points = sorted({row["answers"] for data in arms.values() for row in data["curve"]})
        lines += [f"### {name} (seeds {table['seeds']})", ""]
        lines.append("| answers | " + " | ".join(f"{arm} (in loop)" for arm in arms) + " |")
        lines.append("|---" * (len(arms) + 1) + "|")
        for n in points:
            cells = []
            for data in arms.values():
                row = next((r for r in data["curve"] if r["answers"] == n), None)
                cells.append("" if row is None else _cell(row, of=len(table["seeds"])))
            lines.append(f"| {n} | " + " | ".join(cells) + " |")
        for n in sorted({n for data in arms.values() for n in data["batch"]}, key=int):
            cells = [
                _cell(data["batch"][n], of=len(table["seeds"])) if n in data["batch"] else ""
                for data in arms.values()
            ]
            lines.append(f"| {n}, retrained from scratch | " + " | ".join(cells) + " |")
        lines += [
            "",
            "| arm | answers (stream ran dry below 1,000) | skipped share | accepted share "
            "| s / question |",
            "|---|---|---|---|---|",
        ]
        for arm, data in arms.items():
            lines.append(
                f"| {arm} | {_answers_cell(data['answers'])} "
                f"| {_cell(data['skipped_share'], 100)} | {_cell(data['accept_rate'], 100)} "
                f"| {_cell(data['seconds_per_question'], 1, 3)} |"
            )
        lines += ["", "| manual: K gold texts (+ the start's seed texts) | F |", "|---|---|"]
        lines += [f"| {m['n_texts']} | {_cell(m)} |" for m in table["manual"].values()]
        lines += ["", "```json", json.dumps(table["goals"], indent=1), "```", ""]
    return "\n".join(lines)


def _answers_cell(stat: Dict[str, Any]) -> str:
    """Answers per run: mean, and the fewest when a stream ran dry."""
    return f"{stat['mean']:.0f}" + (
        f" (min {stat['min']:.0f})" if stat["min"] < stat["mean"] else ""
    )


def _goal_cell(row: Dict[str, Any]) -> str:
    """Goal 1 as "met/not met (answers needed / random's answers)"."""
    if not row:
        return ""
    verdict = {True: "met", False: "not met", None: "undecided"}[row["met"]]
    needed = row["uncertain_answers_needed"] or "never"
    return f"{verdict} ({needed} / {row['random_final_answers']})"


def _cell(stat: Dict[str, Any], scale: float = 1.0, digits: int = 1, of: int = 0) -> str:
    """Mean ± std; `(n=K)` when only K of the `of` seeds have the value."""
    if stat["mean"] is None:
        return ""
    mean_, std = stat["mean"] * scale, stat["std"] * scale
    if 0 < stat["n"] < of:
        return f"{mean_:.{digits}f} (n={stat['n']})"
    return f"{mean_:.{digits}f} ± {std:.{digits}f}" if stat["n"] > 1 else f"{mean_:.{digits}f}"


if __name__ == "__main__":
    app()
