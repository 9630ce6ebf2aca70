"""The progress page's plot: each annotator's answers so far against hours since the first
answer, as SVG text drawn with the train curve's axes (no plotting dependency)."""

from typing import Any, Dict
from xml.sax.saxutils import escape

from ..curve.plot import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, axes, nice_ticks, svg_start

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
LEGEND_ROW = 16


def progress_svg(timeline: Dict[str, Any], title: str) -> str:
    """SVG of `TeamProgress.timeline`: one line per annotator, with a legend."""
    series = timeline["series"]
    points = [point for line in series.values() for point in line]
    x_ticks = nice_ticks(0, max([x for x, _ in points] + [1.0]))
    y_ticks = nice_ticks(0, max([n for _, n in points] + [1]), 5)
    x_max, y_max = x_ticks[-1], y_ticks[-1]

    def px(x: float) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * x / x_max

    def py(y: float) -> float:
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * y / y_max

    parts = svg_start(title, named=True)
    titles = ("hours since the first answer", "answers")
    parts += axes([py(t) for t in y_ticks], y_ticks, [px(t) for t in x_ticks], x_ticks, titles)
    for k, (name, line) in enumerate(sorted(series.items())):
        color = COLORS[k % len(COLORS)]
        # a step line: the count holds until the next answer
        path = [f"M{px(line[0][0]):.1f} {py(0):.1f}"]
        for x, n in line:
            path.append(f"H{px(x):.1f}V{py(n):.1f}")
        parts.append(
            f'<path d="{"".join(path)}" fill="none" stroke="{color}" stroke-width="2">'
            f"<title>{escape(name)}: {line[-1][1]} answers</title></path>"
        )
        y = TOP + 8 + k * LEGEND_ROW
        parts.append(
            f'<rect x="{LEFT + 12}" y="{y - 9}" width="10" height="10" fill="{color}"/>'
            f'<text x="{LEFT + 28}" y="{y}" class="legend">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
