"""Span categorization data: every span of a text, overlapping and nested ones included, in
`doc.spans[key]`, where spaCy's `spancat` reads its gold (`data-to-spacy --spans-key`).

In this mode the entities stay unannotated (missing), as Prodigy's data-to-spacy leaves them for
a spancat dataset: overlapping spans cannot all be entities, and "O" would tell `ner` they are
none. Binary answers are skipped and counted: spancat takes every suggested span missing from
the group as a negative, so a yes/no answer about one span says too little to train it.
"""

from typing import Iterable, List

from spacy.tokens import Doc, Span

from ..constants import INCORRECT_SPANS_KEY
from ..errors import UsageError

# spaCy's default `spans_key` of spancat, and the one configs/spancat.cfg reads
DEFAULT_SPANS_KEY = "sc"
BINARY_SKIPPED = "binary answer (spans need complete annotations)"


def check_spans_key(key: str) -> str:
    """The span group key, refused when empty, spaced or the rejected answers' own group."""
    if not key or any(ch.isspace() for ch in key):
        raise UsageError(f"--spans-key {key!r} is no span group name", f"e.g. {DEFAULT_SPANS_KEY}")
    if key == INCORRECT_SPANS_KEY:
        raise UsageError(
            f"--spans-key {key!r} is the group of rejected binary answers",
            f"choose another, e.g. {DEFAULT_SPANS_KEY}",
        )
    return key


def set_span_group(doc: Doc, spans: Iterable[Span], key: str) -> None:
    """Store `spans` (overlaps kept) as `doc.spans[key]` in text order; an empty group too, since
    it says the text has no span (a negative example), which a missing group does not."""
    doc.spans[key] = sorted(spans, key=lambda s: (s.start, s.end, s.label_))


def has_span_gold(doc: Doc, key: str | None) -> bool:
    """Whether `doc` carries gold spans under `key`."""
    return key is not None and key in doc.spans


def spancat_label_data(labels: Iterable[str]) -> List[str]:
    """The `spancat` component's label data (a sorted list, as `spacy init labels` writes it),
    which configs/spancat.cfg reads in `[initialize.components.spancat.labels]`."""
    return sorted(set(labels))
