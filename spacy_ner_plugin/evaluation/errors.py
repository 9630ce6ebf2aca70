"""Error analysis: every difference between gold and predicted entities, classified.

Spans are compared by character offsets (the predicted doc may tokenize differently from the
gold one). Per text, gold and predicted spans are paired, best match first:

1. same offsets and label: correct;
2. same offsets, other label: **wrong label**;
3. overlapping, same label: **wrong boundary**; overlapping, other label: **wrong label and
   boundary** (a gold span overlapping several predictions pairs with the one of its own
   label first, then with the largest overlap);
4. a gold span no prediction overlaps: **missed**; a prediction no gold span overlaps:
   **spurious**.

A span left over after pairing that still overlaps a span of the other side (a prediction that
splits one gold entity in two, or merges two) is one more boundary error (or label and boundary
error) against the span it overlaps most, so every gold and every predicted span is accounted
for exactly once. Errors count per label: the gold label, or the predicted one for spurious
spans. The label confusion table counts every pair of overlapping spans, boundaries aside, with
"O" for missed (predicted "O") and spurious (gold "O") spans.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Sequence, Tuple

from spacy.tokens import Doc
from spacy.training import Example

from ..annotations.gold import doc_input_hash
from ..annotations.partial import is_partial

MISSED, SPURIOUS = "missed", "spurious"
WRONG_BOUNDARY, WRONG_LABEL, WRONG_BOTH = (
    "wrong_boundary",
    "wrong_label",
    "wrong_label_and_boundary",
)
ERROR_CLASSES = (MISSED, SPURIOUS, WRONG_BOUNDARY, WRONG_LABEL, WRONG_BOTH)
OUTSIDE = "O"

CharSpan = Tuple[int, int, str]


@dataclass(frozen=True)
class SpanError:
    """One error: its class, the gold span and the predicted span involved (either may be None)."""

    kind: str
    gold: CharSpan | None
    predicted: CharSpan | None

    @property
    def label(self) -> str:
        """The label the error counts under: gold's, or the prediction's for spurious spans."""
        span = self.gold if self.gold is not None else self.predicted
        return span[2] if span is not None else OUTSIDE


@dataclass
class TextErrors:
    """The errors of one text, with what the HTML report needs to draw it."""

    text: str
    input_hash: int
    gold: List[CharSpan]
    predicted: List[CharSpan]
    correct: int
    errors: List[SpanError]


def _overlap(a: CharSpan, b: CharSpan) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _pair_kind(gold: CharSpan, predicted: CharSpan) -> str:
    same_span = gold[:2] == predicted[:2]
    same_label = gold[2] == predicted[2]
    if same_span:
        return WRONG_LABEL
    return WRONG_BOUNDARY if same_label else WRONG_BOTH


def classify_errors(
    gold: Sequence[CharSpan], predicted: Sequence[CharSpan]
) -> Tuple[int, List[SpanError]]:
    """`(n_correct, errors)` for the gold and predicted spans of one text."""
    gold_left = sorted(set(gold))
    pred_left = sorted(set(predicted))
    exact = set(gold_left) & set(pred_left)
    correct = len(exact)
    gold_left = [g for g in gold_left if g not in exact]
    pred_left = [p for p in pred_left if p not in exact]
    errors: List[SpanError] = []
    pairs: List[Tuple[CharSpan, CharSpan]] = []
    for g in list(gold_left):
        candidates = [p for p in pred_left if _overlap(g, p)]
        if not candidates:
            continue
        best = max(
            candidates,
            key=lambda p: (p[:2] == g[:2], p[2] == g[2], _overlap(g, p), -p[0]),
        )
        pairs.append((g, best))
        gold_left.remove(g)
        pred_left.remove(best)
    errors += [SpanError(_pair_kind(g, p), g, p) for g, p in pairs]
    every_pred, every_gold = sorted(set(predicted)), sorted(set(gold))
    for g in gold_left:
        overlapping = [p for p in every_pred if _overlap(g, p)]
        if not overlapping:
            errors.append(SpanError(MISSED, g, None))
            continue
        p = max(overlapping, key=lambda p: (_overlap(g, p), -p[0]))
        errors.append(SpanError(_pair_kind(g, p), g, p))
    for p in pred_left:
        overlapping = [g for g in every_gold if _overlap(g, p)]
        if not overlapping:
            errors.append(SpanError(SPURIOUS, None, p))
            continue
        g = max(overlapping, key=lambda g: (_overlap(g, p), -g[0]))
        errors.append(SpanError(_pair_kind(g, p), g, p))
    errors.sort(key=lambda e: ((e.gold or e.predicted)[0], e.kind))
    return correct, errors


def char_spans(doc: Doc) -> List[CharSpan]:
    """The entities of `doc` as `(start_char, end_char, label)`."""
    return [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]


@dataclass
class ErrorReport:
    """Error counts overall and per label, the label confusion, and every text's errors."""

    counts: Counter = field(default_factory=Counter)
    per_label: Dict[str, Counter] = field(default_factory=dict)
    confusion: Dict[str, Counter] = field(default_factory=dict)
    correct: int = 0
    texts: List[TextErrors] = field(default_factory=list)
    skipped_partial: int = 0

    def add(self, text: TextErrors) -> None:
        self.correct += text.correct
        for g_label, p_label in _label_pairs(text):
            self.confusion.setdefault(g_label, Counter())[p_label] += 1
        for error in text.errors:
            self.counts[error.kind] += 1
            self.per_label.setdefault(error.label, Counter())[error.kind] += 1
        self.texts.append(text)

    def worst(self, n: int) -> List[TextErrors]:
        """The `n` texts with the most errors (ties keep the input order); none without errors."""
        ranked = sorted(
            (t for t in self.texts if t.errors), key=lambda t: len(t.errors), reverse=True
        )
        return ranked[:n]

    def labels(self) -> List[str]:
        """Every label of the gold and predicted spans, sorted."""
        found = {span[2] for t in self.texts for span in (*t.gold, *t.predicted)}
        return sorted(found)

    def to_json(self, n_examples: int) -> Dict[str, Any]:
        """Counts, per label and confusion, plus the hashes and counts of the worst texts."""
        return {
            "counts": {kind: self.counts[kind] for kind in ERROR_CLASSES},
            "total": sum(self.counts.values()),
            "correct": self.correct,
            "per_label": {
                label: {kind: counts[kind] for kind in ERROR_CLASSES}
                for label, counts in sorted(self.per_label.items())
            },
            "confusion": {
                gold: dict(sorted(row.items())) for gold, row in sorted(self.confusion.items())
            },
            "n_texts": len(self.texts),
            "n_texts_with_errors": sum(bool(t.errors) for t in self.texts),
            "skipped_partial": self.skipped_partial,
            "examples": [
                {
                    "input_hash": t.input_hash,
                    "n_errors": len(t.errors),
                    "errors": dict(Counter(e.kind for e in t.errors)),
                }
                for t in self.worst(n_examples)
            ],
        }


def _label_pairs(text: TextErrors) -> Iterable[Tuple[str, str]]:
    """`(gold label, predicted label)` of every correct span, paired error, miss and spurious."""
    exact = set(text.gold) & set(text.predicted)
    for span in sorted(exact):
        yield span[2], span[2]
    for error in text.errors:
        gold = error.gold[2] if error.gold else OUTSIDE
        predicted = error.predicted[2] if error.predicted else OUTSIDE
        yield gold, predicted


def error_analysis(examples: Iterable[Example]) -> ErrorReport:
    """Classify the errors of every example whose gold annotation is complete."""
    report = ErrorReport()
    for eg in examples:
        if is_partial(eg.reference):
            report.skipped_partial += 1
            continue
        gold, predicted = char_spans(eg.reference), char_spans(eg.predicted)
        correct, errors = classify_errors(gold, predicted)
        text = eg.reference.text
        input_hash = doc_input_hash(eg.reference)
        report.add(TextErrors(text, input_hash, gold, predicted, correct, errors))
    return report
