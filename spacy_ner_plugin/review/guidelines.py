"""A draft of annotation guidelines from the consistency findings (`review --guidelines-draft`).

One section per label (a `## LABEL` heading, which `annotate --guidelines` shows beside that
label) lists the decisions its annotations leave open: a string labelled in some texts and
left unlabelled in others, a labelled string that sits inside longer labelled spans; then one
section for strings given different labels. Each item says how often each way was taken and
quotes example sentences with where they were read, for the team to decide and write the rule.
"""

import re
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Union

from ..io.files import atomic_path

EXAMPLES = 2
ITEMS_PER_SECTION = 15
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&])")


def escape_markdown(text: str) -> str:
    """`text` as literal Markdown: punctuation backslash-escaped, line breaks as spaces."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _examples(places: Dict[str, Any], how: str) -> List[str]:
    """Up to `EXAMPLES` sentences of `places`, the span in bold, and where each was read."""
    lines = []
    for place in places["texts"][:EXAMPLES]:
        before, after = place["before"], place["after"]
        sentence = (
            escape_markdown(before) + (" " if before[-1:].isspace() else "")
            + f"**{escape_markdown(place['span'])}**"
            + (" " if after[:1].isspace() else "") + escape_markdown(after)
        )  # fmt: skip
        lines_read = place.get("lines") or []
        where = ", ".join(lines_read[:3]) + (" …" if len(lines_read) > 3 else "")
        where = where or str(place.get("_input_hash", ""))
        lines.append(f"    - {how}: …{sentence}… (`{where.replace('`', '')}`)")
    return lines


def _majority(labels: Dict[str, int]) -> str:
    return sorted(labels.items(), key=lambda item: (-item[1], item[0]))[0][0]


def _unlabelled_item(finding: Dict[str, Any], label: str) -> List[str]:
    labelled, unlabelled = finding["labelled"], finding["unlabelled"]
    surface, label = escape_markdown(finding["surface"]), escape_markdown(label)
    head = (
        f'- **"{surface}"**: labelled {label} {_times(labelled["count"])}, left unlabelled '
        f"{_times(unlabelled['count'])} in a similar context. Decide: always {label}, or "
        "when not?"
    )
    return [
        head,
        *_examples(labelled, f"labelled {label}"),
        *_examples(unlabelled, "left unlabelled"),
    ]


def _boundary_item(finding: Dict[str, Any]) -> List[str]:
    short = finding["short_labelled"]
    longer = ", ".join(
        f'"{escape_markdown(x["long"])}" {_times(x["labelled"]["count"])}'
        for x in finding["longer"][:3]
    )
    head = (
        f'- **"{escape_markdown(finding["short"])}"**: a span of its own '
        f"{_times(short['count'])}, and inside longer spans: {longer}. Decide what the span "
        "includes."
    )
    lines = [head, *_examples(short, "alone")]
    for x in finding["longer"][:1]:
        lines += _examples(x["labelled"], "longer")
    return lines


def _conflict_item(finding: Dict[str, Any]) -> List[str]:
    labels = finding["labels"]
    ways = ", ".join(
        f"{escape_markdown(label)} {_times(p['count'])}" for label, p in labels.items()
    )
    lines = [
        f'- **"{escape_markdown(finding["surface"])}"**: {ways}. Decide which label it takes, '
        "and when."
    ]
    for label, places in labels.items():
        lines += _examples(places, escape_markdown(label))
    return lines


def guidelines_draft(findings: Dict[str, Any], title: str = "Annotation guidelines") -> str:
    """The draft page (Markdown) for a `Consistency.report()`."""
    sections: Dict[str, List[List[str]]] = {}
    for finding in findings["unlabelled"]:
        label = _majority(finding["labelled"]["labels"])
        sections.setdefault(label, []).append(_unlabelled_item(finding, label))
    for finding in findings["boundaries"]:
        label = _majority(finding["short_labelled"]["labels"])
        sections.setdefault(label, []).append(_boundary_item(finding))
    lines = [
        f"# {title} (draft)",
        "",
        f"Drafted by `review --consistency` from {findings['texts']} annotated texts: each item "
        "is a decision the annotations do not make the same way everywhere. Decide, write the "
        "rule in its place, and give this file to `annotate --guidelines`: a label's section "
        "is shown while that label is chosen.",
    ]
    if not sections and not findings["label_conflicts"]:
        lines += ["", "No inconsistencies found: write down the rules the team follows."]
    for label, items in sorted(sections.items(), key=lambda item: (-len(item[1]), item[0])):
        lines += ["", f"## {escape_markdown(label)}", ""]
        lines += [line for item in items[:ITEMS_PER_SECTION] for line in item]
    if findings["label_conflicts"]:
        confused = Counter({tuple(c["labels"]): c["surface_forms"]
                            for c in findings["label_confusion"]})  # fmt: skip
        pairs = ", ".join(
            f"{escape_markdown(' / '.join(pair))} ({n})" for pair, n in confused.most_common(5)
        )
        lines += ["", "## Between labels", "", f"Strings given different labels: {pairs}.", ""]
        items = findings["label_conflicts"][:ITEMS_PER_SECTION]
        lines += [line for item in items for line in _conflict_item(item)]
    return "\n".join(lines) + "\n"


def write_guidelines_draft(path: Union[str, Path], findings: Dict[str, Any]) -> None:
    """Write `guidelines_draft(findings)` to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(guidelines_draft(findings), encoding="utf8")
