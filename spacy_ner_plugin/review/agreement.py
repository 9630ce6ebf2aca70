"""Inter-annotator agreement on the texts (and binary questions) several annotators answered.

Per pair of annotators, on the texts both accepted an annotation for (a rejected or ignored
text is not an annotation of it), with the first annotator read as the reference:

- span-level precision, recall and F, overall and per label: exact (same start, end and label)
  and overlap (a span counts when it overlaps a span of the same label of the other);
- token-level Cohen's kappa, each token tagged with its entity's label or "O", over all
  tokens and without the tokens both tagged "O" (the "O" majority inflates the first);
- label confusions: spans with the same boundaries and different labels.

Over all annotators, where more than two annotated overlapping texts: Krippendorff's alpha
(nominal, the `krippendorff` package) on the same token tags, with and without the tokens
every annotator tagged "O". With one label, kappa and alpha without the "O" tokens are not
given (see `ONE_LABEL_NOTE`); positive specific agreement on the tokens (per pair: the token
F1) is, always. Binary answers: Cohen's kappa on accept/reject per pair, over the
questions both answered. Texts are ranked by disagreement, 1 - the mean pairwise exact F.
"""

import heapq
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Dict, Iterable, List, Sequence, Tuple

import krippendorff
import numpy
from spacy.tokens import Doc

from ..annotations.merge import SpanKey

OUTSIDE = "O"
ALL = "ALL"
WORST_SHOWN = 20
ONE_LABEL_NOTE = (
    "with one label and without the tokens nobody labelled, chance-corrected agreement cannot "
    "show agreement on the label (for two annotators it never exceeds 0); positive specific "
    "agreement (the F1) measures it instead"
)


def cohen_kappa(pairs: Counter) -> float | None:
    """Cohen's kappa from a Counter of `(category by A, category by B)`; None if undefined.

    kappa = (p_o - p_e) / (1 - p_e), p_o the observed agreement and p_e the agreement
    expected from each rater's own category frequencies.
    """
    n = sum(pairs.values())
    if not n:
        return None
    observed = sum(count for (a, b), count in pairs.items() if a == b) / n
    by_a, by_b = Counter(), Counter()
    for (a, b), count in pairs.items():
        by_a[a] += count
        by_b[b] += count
    expected = sum(by_a[k] * by_b[k] for k in by_a) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def positive_agreement(rows: Iterable[Tuple[Dict[str, int], int]]) -> float | None:
    """Positive specific agreement on the labels, from `(tag counts of a token, number of such
    tokens)`; None if nobody labelled a token.

    sum n_l (n_l - 1) / sum n_l (m - 1) over tokens and labels, n_l the annotators who gave the
    token label l and m those who tagged it (Uebersax 1982); for two annotators, 2 x tokens
    labelled alike / tokens labelled by either, counted once per annotator: the token F1.
    """
    agreeing = possible = 0
    for row, count in rows:
        tagged = sum(row.values())
        for tag, n in row.items():
            if tag != OUTSIDE:
                agreeing += count * n * (n - 1)
                possible += count * n * (tagged - 1)
    return agreeing / possible if possible else None


def prf(tp_pred: int, n_pred: int, tp_ref: int, n_ref: int) -> Dict[str, float | None]:
    """Precision (matched / other's spans), recall (matched / reference spans) and F."""
    p = tp_pred / n_pred if n_pred else None
    r = tp_ref / n_ref if n_ref else None
    if not n_pred + n_ref:
        return {"p": None, "r": None, "f": None}
    p0, r0 = p or 0.0, r or 0.0
    return {"p": p, "r": r, "f": 2 * p0 * r0 / (p0 + r0) if p0 + r0 else 0.0}


@dataclass
class PairCounts:
    """Everything counted for one pair of annotators (reference, other)."""

    texts: int = 0
    ref: Counter = field(default_factory=Counter)
    pred: Counter = field(default_factory=Counter)
    exact: Counter = field(default_factory=Counter)
    overlap_ref: Counter = field(default_factory=Counter)
    overlap_pred: Counter = field(default_factory=Counter)
    tokens: Counter = field(default_factory=Counter)
    confusion: Counter = field(default_factory=Counter)

    def add(self, ref: Sequence[SpanKey], pred: Sequence[SpanKey], tags: Tuple[List, List]):
        self.texts += 1
        ref_set, pred_set = set(ref), set(pred)
        for spans, counter in ((ref_set, self.ref), (pred_set, self.pred)):
            for _, _, label in spans:
                counter[label] += 1
        for _, _, label in ref_set & pred_set:
            self.exact[label] += 1
        for span in ref_set:
            self.overlap_ref[span[2]] += any(_overlap(span, other) for other in pred_set)
        for span in pred_set:
            self.overlap_pred[span[2]] += any(_overlap(span, other) for other in ref_set)
        pred_labels = {(s, e): label for s, e, label in pred_set}
        for s, e, label in ref_set:
            other = pred_labels.get((s, e))
            if other is not None and other != label:
                self.confusion[(label, other)] += 1
        self.tokens.update(zip(*tags))

    def scores(self, label: str | None = None) -> Dict[str, Any]:
        def total(counter: Counter) -> int:
            return counter[label] if label is not None else sum(counter.values())

        n_ref, n_pred = total(self.ref), total(self.pred)
        return {
            "exact": prf(total(self.exact), n_pred, total(self.exact), n_ref),
            "overlap": prf(total(self.overlap_pred), n_pred, total(self.overlap_ref), n_ref),
            "reference_spans": n_ref,
            "other_spans": n_pred,
        }


def _overlap(a: SpanKey, b: SpanKey) -> bool:
    return a[2] == b[2] and a[0] < b[1] and b[0] < a[1]


def token_tags(doc: Doc, spans: Sequence[SpanKey]) -> List[str]:
    """Each token's entity label, or "O" (spans are on token boundaries)."""
    tags = [OUTSIDE] * len(doc)
    for start, end, label in spans:
        span = doc.char_span(start, end)
        for i in range(span.start, span.end):
            tags[i] = label
    return tags


def text_disagreement(annotations: Dict[str, Sequence[SpanKey]]) -> float:
    """1 - the mean exact span F over the pairs of annotators (two empty annotations agree)."""
    scores = []
    for a, b in combinations(annotations.values(), 2):
        a, b = set(a), set(b)
        scores.append(2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0)
    return 1 - sum(scores) / len(scores) if scores else 0.0


class Agreement:
    """Accumulates agreement counts text by text; `report()` gives the figures."""

    def __init__(self, worst_shown: int = WORST_SHOWN) -> None:
        self.annotators: Dict[str, Counter] = {}
        self.pairs: Dict[Tuple[str, str], PairCounts] = {}
        self.binary: Dict[Tuple[str, str], Counter] = {}
        # per-token value counts for alpha, as (value, count) tuples with how many tokens have
        # them: a handful of distinct rows, however long the corpus
        self.alpha_rows: Counter = Counter()
        self.overlapping: Counter = Counter()
        self.disagreeing = 0
        self.worst: List[Tuple[float, int, Dict[str, Any]]] = []
        self.worst_shown = worst_shown
        self._seq = 0

    def _annotator(self, name: str) -> Counter:
        return self.annotators.setdefault(name, Counter())

    def _pair(self, a: str, b: str) -> Tuple[str, str]:
        order = list(self.annotators)
        return (a, b) if order.index(a) < order.index(b) else (b, a)

    def add_text(
        self, doc: Doc, annotations: Dict[str, Sequence[SpanKey]], where: Dict[str, Any]
    ) -> None:
        """One text's accepted annotations by annotator (their spans as char offsets)."""
        for name, spans in annotations.items():
            counts = self._annotator(name)
            counts["texts"] += 1
            counts["spans"] += len(spans)
        if len(annotations) < 2:
            return
        self.overlapping[len(annotations)] += 1
        tags = {name: token_tags(doc, spans) for name, spans in annotations.items()}
        for a, b in combinations(annotations, 2):
            ref, other = self._pair(a, b)
            pair = self.pairs.setdefault((ref, other), PairCounts())
            pair.add(annotations[ref], annotations[other], (tags[ref], tags[other]))
        for i in range(len(doc)):
            row = Counter(tag[i] for tag in tags.values())
            self.alpha_rows[tuple(sorted(row.items()))] += 1
        disagreement = text_disagreement(annotations)
        if disagreement > 0:
            self.disagreeing += 1
            item = {"disagreement": round(disagreement, 4), **where}
            entry = (disagreement, -self._seq, item)
            self._seq += 1
            if len(self.worst) < self.worst_shown:
                heapq.heappush(self.worst, entry)
            elif entry > self.worst[0]:
                heapq.heapreplace(self.worst, entry)

    def add_task(self, answers: Dict[str, str]) -> None:
        """One binary question's answers (accept or reject) by annotator."""
        for name in answers:
            self._annotator(name)["binary_answers"] += 1
        for a, b in combinations(answers, 2):
            ref, other = self._pair(a, b)
            self.binary.setdefault((ref, other), Counter())[(answers[ref], answers[other])] += 1

    def report(self) -> Dict[str, Any]:
        """All figures as a JSON-ready dict (see the module docstring)."""
        pairs = []
        for (ref, other), counts in self.pairs.items():
            labels = sorted(set(counts.ref) | set(counts.pred))
            no_o = Counter({k: n for k, n in counts.tokens.items() if k != (OUTSIDE, OUTSIDE)})
            one_label = len({tag for tags in counts.tokens for tag in tags} - {OUTSIDE}) == 1
            pairs.append(
                {
                    "reference": ref,
                    "other": other,
                    "texts": counts.texts,
                    **counts.scores(),
                    "per_label": {label: counts.scores(label) for label in labels},
                    "tokens": sum(counts.tokens.values()),
                    "token_kappa": cohen_kappa(counts.tokens),
                    "tokens_not_both_o": sum(no_o.values()),
                    "token_kappa_not_both_o": None if one_label else cohen_kappa(no_o),
                    **({"token_kappa_not_both_o_note": ONE_LABEL_NOTE} if one_label else {}),
                    "token_positive_agreement": positive_agreement(
                        (Counter(tags), n) for tags, n in counts.tokens.items()
                    ),
                    "label_confusion": [[a, b, n] for (a, b), n in counts.confusion.most_common()],
                }
            )
        binary = [
            {
                "reference": ref,
                "other": other,
                "tasks": sum(counts.values()),
                "agreement": sum(n for (a, b), n in counts.items() if a == b)
                / sum(counts.values()),
                "kappa": cohen_kappa(counts),
                "answers": {f"{a}/{b}": n for (a, b), n in sorted(counts.items())},
            }
            for (ref, other), counts in self.binary.items()
        ]
        worst = [item for _, _, item in sorted(self.worst, reverse=True)]
        return {
            "annotators": {name: dict(counts) for name, counts in self.annotators.items()},
            "texts_by_annotators": {str(k): n for k, n in sorted(self.overlapping.items())},
            "pairs": pairs,
            "krippendorff_alpha": self._alpha(),
            "binary": binary,
            "disagreeing_texts": self.disagreeing,
            "worst_texts": worst,
        }

    def _alpha(self) -> Dict[str, Any]:
        """Krippendorff's alpha (nominal) over all annotators, where more than two overlap."""
        names = {name for pair in self.pairs for name in pair}
        if len(names) <= 2:
            return {"alpha": None, "note": "two annotators or fewer overlap: see the kappas"}
        rows = [(dict(row), n) for row, n in self.alpha_rows.items()]
        values = sorted({tag for row in self.alpha_rows for tag, _ in row})
        not_o = [(row, n) for row, n in rows if set(row) != {OUTSIDE}]
        one_label = len(set(values) - {OUTSIDE}) == 1
        return {
            "annotators": len(names),
            "tokens": sum(self.alpha_rows.values()),
            "alpha": _alpha(rows, values),
            "tokens_not_all_o": sum(n for _, n in not_o),
            "alpha_not_all_o": None if one_label else _alpha(not_o, values),
            **({"alpha_not_all_o_note": ONE_LABEL_NOTE} if one_label else {}),
            "positive_agreement": positive_agreement(rows),
        }


def _alpha(rows: List[Tuple[Dict[str, int], int]], values: List[str]) -> float | None:
    """Nominal alpha from `(value counts of a token, number of such tokens)`; None if undefined."""
    if not rows or len(values) < 2:
        return None
    distinct = numpy.array([[row.get(v, 0) for v in values] for row, _ in rows], dtype=float)
    counts = numpy.repeat(distinct, [n for _, n in rows], axis=0)
    try:
        alpha = krippendorff.alpha(value_counts=counts, level_of_measurement="nominal")
    except (ValueError, ZeroDivisionError):
        return None
    return None if numpy.isnan(alpha) else float(alpha)
