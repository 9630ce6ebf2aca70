"""An HTML preview of pre-annotated tasks rendered with displaCy, to eyeball the patterns.

Labels are coloured with `colors.label_colors`, the same colours as `evaluate --errors`.
"""

from pathlib import Path
from typing import Any, Dict, Iterable, List, Union

from spacy import displacy

from ..colors import label_colors
from ..io.files import atomic_path


def preview_examples(tasks: Iterable[Dict[str, Any]], n: int) -> List[Dict[str, Any]]:
    """displaCy's manual format for the first `n` tasks that have at least one suggestion."""
    examples = []
    for task in tasks:
        if len(examples) >= n:
            break
        spans = task.get("spans") or []
        if not spans:
            continue
        sources = ", ".join(sorted({span.get("source", "") for span in spans}))
        ents = [{"start": s["start"], "end": s["end"], "label": s["label"]} for s in spans]
        title = f"{len(spans)} suggestion(s) from {sources}"
        examples.append({"text": task["text"], "ents": ents, "title": title})
    return examples


def render_preview(tasks: Iterable[Dict[str, Any]], output: Union[str, Path], n: int = 100) -> int:
    """Render the first `n` of `tasks` that have suggestions into `output`; return how many."""
    examples = preview_examples(tasks, n)
    labels = sorted({ent["label"] for example in examples for ent in example["ents"]})
    options = {"colors": label_colors(labels), "ents": labels}
    html = displacy.render(
        examples, style="ent", manual=True, page=True, jupyter=False, options=options
    )
    with atomic_path(output) as tmp:
        tmp.write_text(html, encoding="utf8")
    return len(examples)
