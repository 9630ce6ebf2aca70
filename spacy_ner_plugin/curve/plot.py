"""Hand-written SVG plot of a train curve: F-score against training examples, with error bars.

Plain SVG text keeps the plugin free of a plotting dependency; the file renders in browsers and
on GitHub, so the README can show it directly.
"""

import math
from typing import Any, Callable, Dict, List, Sequence, Tuple
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 48, 56


def nice_ticks(low: float, high: float, target: int = 6) -> List[float]:
    """Round tick values (steps of 1, 2 or 5 × 10^k) covering `low`..`high`."""
    span = max(high - low, 1e-9)
    raw = span / target
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    count = math.ceil((high - first) / step - 1e-9)
    return [round(first + i * step, 10) for i in range(count + 1)]


def curve_svg(rows: Sequence[Dict[str, Any]], title: str) -> str:
    """SVG of mean F (percent) against examples, one point per row, with ±std error bars."""
    xs = [row["n_examples"] for row in rows]
    means = [row["f"]["mean"] for row in rows]
    stds = [row["f"]["std"] for row in rows]
    x_ticks = nice_ticks(0, max(xs))
    y_low = max(0.0, min(m - s for m, s in zip(means, stds)) - 5)
    y_ticks = nice_ticks(y_low, min(100.0, max(m + s for m, s in zip(means, stds)) + 5), 5)
    x_max, y_min, y_max = x_ticks[-1], y_ticks[0], y_ticks[-1]

    def px(x: float) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * x / x_max

    def py(y: float) -> float:
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * (y - y_min) / (y_max - y_min)

    parts = svg_start(title)
    if rows[0]["n_seeds"] > 1:
        parts.append(
            f'<text x="{WIDTH / 2}" y="40" text-anchor="middle" fill="#555">'
            f"mean ± std over {rows[0]['n_seeds']} seeds</text>"
        )
    parts += axes([py(tick) for tick in y_ticks], y_ticks, [px(tick) for tick in x_ticks], x_ticks)
    line = " ".join(f"{px(x):.1f},{py(m):.1f}" for x, m in zip(xs, means))
    parts.append(f'<polyline points="{line}" fill="none" stroke="#1f77b4" stroke-width="2"/>')
    for row, x, mean, std in zip(rows, xs, means, stds):
        parts += _point(row, x, mean, std, px(x), py)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def svg_start(title: str, named: bool = False) -> List[str]:
    """The opening tag, white background and centred `title` of a plot; `named`: the title is
    also the image's accessible name (`role="img"` and `<title>`, for a plot inside a page)."""
    role = ' role="img"' if named else ""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12"{role}>',
        *([f"<title>{escape(title)}</title>"] if named else []),
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>',
    ]


def axes(
    y_at: Sequence[float],
    y_ticks: Sequence[float],
    x_at: Sequence[float],
    x_ticks: Sequence[float],
    titles: Tuple[str, str] = ("training examples", "entity F-score (%)"),
) -> List[str]:
    """Grid lines and labels of the y ticks, marks and labels of the x ticks, axes and their
    `titles` (x, y)."""
    parts = [
        f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e5e5e5"/>'
        f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>'
        for y, tick in zip(y_at, y_ticks)
    ]
    parts += [
        f'<line x1="{x:.1f}" y1="{HEIGHT - BOTTOM}" x2="{x:.1f}" y2="{HEIGHT - BOTTOM + 5}" '
        f'stroke="#333"/><text x="{x:.1f}" y="{HEIGHT - BOTTOM + 20}" '
        f'text-anchor="middle">{tick:g}</text>'
        for x, tick in zip(x_at, x_ticks)
    ]
    return parts + [
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" stroke="#333"/>',
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
        'stroke="#333"/>',
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 14}" text-anchor="middle">'
        f"{escape(titles[0])}</text>",
        f'<text transform="translate(18 {(TOP + HEIGHT - BOTTOM) / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(titles[1])}</text>',
    ]


def _point(
    row: Dict[str, Any], x: int, mean: float, std: float, cx: float, py: Callable[[float], float]
) -> List[str]:
    """One row's error bar (with a spread), its point with a tooltip, and its F above it."""
    top, bottom = py(mean + std), py(mean - std)
    parts = []
    if std > 0:
        parts.append(
            f'<path d="M{cx:.1f} {top:.1f}V{bottom:.1f}M{cx - 5:.1f} {top:.1f}h10'
            f'M{cx - 5:.1f} {bottom:.1f}h10" stroke="#1f77b4" class="error-bar"/>'
        )
    spread = f" ± {std:.1f}" if row["n_seeds"] > 1 else ""
    parts.append(
        f'<circle cx="{cx:.1f}" cy="{py(mean):.1f}" r="4" fill="#1f77b4">'
        f"<title>{row['fraction']:.0%}: {x} examples, F {mean:.1f}{spread}</title></circle>"
        f'<text x="{cx:.1f}" y="{top - 8:.1f}" text-anchor="middle">{mean:.1f}</text>'
    )
    return parts
