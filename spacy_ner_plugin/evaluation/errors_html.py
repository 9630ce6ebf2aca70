"""The HTML page of `evaluate --errors`: the worst texts, gold and predicted side by side.

Each text is drawn twice by displaCy's entity renderer, gold on the left and the model's
prediction on the right, with one colour per label (`colors.label_colors`, the colours of the
pre-annotation preview). Above each pair, its errors are listed by class with their strings.
"""

import html
from typing import Any, Dict, List

from spacy import displacy

from ..colors import label_colors
from .errors import ERROR_CLASSES, CharSpan, ErrorReport, SpanError, TextErrors

STYLE = """
body { font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif;
       margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.05em; margin: 0; }
table.counts { border-collapse: collapse; margin: 0.5em 0 1.5em 0; }
table.counts td, table.counts th { border: 1px solid #ccc; padding: 0.2em 0.6em;
       text-align: right; }
table.counts th:first-child, table.counts td:first-child { text-align: left; }
.legend span { display: inline-block; padding: 0.15em 0.6em; margin: 0 0.3em 0.3em 0;
       border-radius: 0.35em; font-size: 0.85em; font-weight: bold; }
.text { border-top: 2px solid #ddd; padding: 0.8em 0; }
.errors { font-size: 0.85em; color: #555; margin: 0.3em 0 0.5em 0; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1.2em; }
.side h3 { font-size: 0.8em; text-transform: uppercase; letter-spacing: 0.05em; color: #777;
       margin: 0 0 0.2em 0; }
.side .entities { line-height: 2.2 !important; font-size: 0.95em; }
"""


def _describe(error: SpanError, text: str) -> str:
    def show(span: CharSpan) -> str:
        return f"“{html.escape(text[span[0] : span[1]])}” {html.escape(span[2])}"

    if error.gold and error.predicted:
        return f"{show(error.gold)} → {show(error.predicted)}"
    return show(error.gold or error.predicted)


def _render(text: str, spans: List[CharSpan], options: Dict[str, Any]) -> str:
    example = {"text": text, "ents": [{"start": s, "end": e, "label": lab} for s, e, lab in spans]}
    return displacy.render(
        example, style="ent", manual=True, page=False, jupyter=False, options=options
    )


def _text_block(rank: int, item: TextErrors, options: Dict[str, Any]) -> str:
    by_kind: Dict[str, List[str]] = {}
    for error in item.errors:
        by_kind.setdefault(error.kind, []).append(_describe(error, item.text))
    listed = "<br>".join(
        f"<b>{kind.replace('_', ' ')}</b>: {'; '.join(found)}" for kind, found in by_kind.items()
    )
    return (
        f'<div class="text"><h2>#{rank}: {len(item.errors)} error(s), '
        f"{item.correct} correct, input hash {item.input_hash}</h2>"
        f'<div class="errors">{listed}</div><div class="pair">'
        f'<div class="side"><h3>Gold</h3>{_render(item.text, item.gold, options)}</div>'
        f'<div class="side"><h3>Predicted</h3>{_render(item.text, item.predicted, options)}</div>'
        "</div></div>"
    )


def _counts_table(report: ErrorReport) -> str:
    header = "".join(f"<th>{kind.replace('_', ' ')}</th>" for kind in ERROR_CLASSES)
    rows = []
    for label, counts in sorted(report.per_label.items()):
        cells = "".join(f"<td>{counts[kind]}</td>" for kind in ERROR_CLASSES)
        rows.append(f"<tr><td>{html.escape(label)}</td>{cells}</tr>")
    total = "".join(f"<td><b>{report.counts[kind]}</b></td>" for kind in ERROR_CLASSES)
    rows.append(f"<tr><td><b>all</b></td>{total}</tr>")
    return f'<table class="counts"><tr><th>label</th>{header}</tr>{"".join(rows)}</table>'


def render_error_page(report: ErrorReport, n: int, title: str) -> str:
    """The whole HTML page: legend, error counts per label, and the `n` worst texts."""
    labels = report.labels()
    colors = label_colors(labels)
    options = {"colors": colors, "ents": labels}
    legend = "".join(
        f'<span style="background: {colors[label]}">{html.escape(label)}</span>' for label in labels
    )
    worst = report.worst(n)
    blocks = "".join(_text_block(i, item, options) for i, item in enumerate(worst, start=1))
    shown = f"The {len(worst)} texts with the most errors" if worst else "No errors"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f'<div class="legend">{legend}</div>{_counts_table(report)}'
        f"<p>{shown} of {len(report.texts)}: gold on the left, prediction on the right.</p>"
        f"{blocks}</body></html>"
    )
