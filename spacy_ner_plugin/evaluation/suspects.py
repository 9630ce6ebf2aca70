"""Annotations that are probably wrong: where held-out models confidently disagree with them.

Each text is scored by a model that never saw it (k-fold cross-validation, `curve.folds`): the
probability of every candidate entity under the `ner` beam (`binary.beam.span_probabilities`).
Against the text's annotation, a disagreement is one of four kinds:

- `missed`: the models find an entity where the annotation says "O" (score: its probability);
- `label`: an annotated span the models give another label (score: that label's probability);
- `boundary`: an annotated span the models see with other boundaries (score: the
  probability of those boundaries);
- `spurious`: an annotated span the models do not find at all (score: the probability that it
  is not an entity, times the models' recall on the annotations: models that find few of the
  annotated entities leave many correct ones out, so their leaving one out says less).

Each such probability is then weighed by the rest of the annotations, as independent evidence
(the odds multiply): the share of the string's other occurrences that side with the models
(annotated as the models' span and label; for `spurious`, left unannotated), add-one smoothed,
so a string seen nowhere else keeps its probability; and, for the models' spans (`missed`,
`boundary`), how often annotated spans start and end with their first and last words. Fold
models trained briefly are confident about spans no annotator would mark ("Nike ,", "Bonobos
has"); the data is not.

The consistency findings of `review.consistency` (the same string labelled with different
labels, or left unlabelled next to the words it is labelled beside) add `label` and `missed`
suspects scored by the share of the other occurrences; a suspect both sources name scores
1 - (1 - a)(1 - b). Every suspect becomes a review task: the annotation, and the annotation
with the suspect's correction, side by side.
"""

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Sequence, Set, Tuple

from spacy.tokens import Doc

from ..annotations.docs import prodigy_tokens
from ..constants import MANUAL_VIEW, REVIEW_VIEW
from ..io.hashing import task_hash, text_hash

SpanKey = Tuple[int, int, str]  # token start, token end (exclusive), label
KINDS = ("missed", "spurious", "boundary", "label")
MODELS, CONSISTENCY = "models", "consistency"
ANNOTATION_SESSION, MODELS_SESSION = "annotation", "find-errors"
STATUS_KEY = "_review_status"  # review.versions reads an unedited "conflict" as unsettled
# Beam probabilities saturate at 0 and 1; clipped, the data's evidence can still reorder them.
PROBABILITY_FLOOR = 1e-3
# Pseudo-counts at the base rate that smooth how often a word starts or ends annotated spans.
EDGE_PRIOR = 2.0


@dataclass
class Suspect:
    """One probable error in text `doc`: `span` is the models' version of it (the annotated
    span for `spurious`), `annotated` the annotation's span it replaces (None for `missed`)."""

    doc: int
    kind: str
    span: SpanKey
    annotated: SpanKey | None
    score: float
    sources: Set[str] = field(default_factory=set)

    @property
    def key(self) -> Tuple:
        return (self.doc, self.kind, self.span, self.annotated)


def annotated_spans(doc: Doc) -> List[SpanKey]:
    """The doc's gold entities as token offsets."""
    return [(ent.start, ent.end, ent.label_) for ent in doc.ents]


def found_share(docs: Sequence[Doc], probabilities: Sequence[Dict[SpanKey, float]]) -> float:
    """The share of annotated entities the models give at least 0.5 (their held-out recall)."""
    gold = [
        (span, probs) for doc, probs in zip(docs, probabilities) for span in annotated_spans(doc)
    ]
    if not gold:
        return 0.0
    return sum(probs.get(span, 0.0) >= 0.5 for span, probs in gold) / len(gold)


def model_suspects(
    i: int, doc: Doc, probs: Dict[SpanKey, float], recall: float, min_score: float = 0.0
) -> List[Suspect]:
    """The disagreements of text `i` with the models' span probabilities `probs`."""
    gold = annotated_spans(doc)
    suspects = []
    for span in gold:
        doubt = 1.0 - probs.get(span, 0.0)
        rivals = [(p, s) for s, p in probs.items() if s != span and _overlap(s, span)]
        best = max(rivals, default=None)
        if best is not None and best[0] >= doubt / 2:
            same_place = best[1][:2] == span[:2]
            kind = "label" if same_place else "boundary"
            suspects.append(Suspect(i, kind, best[1], span, best[0], {MODELS}))
        else:
            suspects.append(Suspect(i, "spurious", span, span, doubt * recall, {MODELS}))
    missed: List[SpanKey] = []  # the likeliest of overlapping candidates, one per place
    for span, prob in sorted(probs.items(), key=lambda item: (-item[1], item[0])):
        if any(_overlap(span, other) for other in [*gold, *missed]) or not _outside(doc, span):
            continue
        missed.append(span)
        suspects.append(Suspect(i, "missed", span, None, prob, {MODELS}))
    return [s for s in suspects if s.score > 0 and s.score >= min_score]


def consistency_suspects(docs: Sequence[Doc], report: Dict[str, Any]) -> List[Suspect]:
    """`label` and `missed` suspects from a consistency report whose places name their text
    by its index (`{"doc": i}`)."""
    suspects = []
    for finding in report.get("label_conflicts", []):
        counts = {label: place["count"] for label, place in finding["labels"].items()}
        majority = max(sorted(counts), key=lambda label: counts[label])
        share = counts[majority] / sum(counts.values())
        words = finding["surface"].split(" ")
        for label, places in finding["labels"].items():
            if label == majority:
                continue
            for place in places["texts"]:
                for start, end, _ in _labelled(docs[place["doc"]], words, label):
                    new = (start, end, majority)
                    suspects.append(
                        Suspect(
                            place["doc"], "label", new, (start, end, label), share, {CONSISTENCY}
                        )
                    )
    for finding in report.get("unlabelled", []):
        labels = Counter(finding["labelled"]["labels"])
        label = sorted(labels.most_common(), key=lambda item: (-item[1], item[0]))[0][0]
        n_labelled, n_unlabelled = finding["labelled"]["count"], finding["unlabelled"]["count"]
        share = n_labelled / (n_labelled + n_unlabelled)
        words = finding["surface"].split(" ")
        for i in sorted({place["doc"] for place in finding["unlabelled"]["texts"]}):
            for start, end in _unlabelled(docs[i], words):
                suspects.append(
                    Suspect(i, "missed", (start, end, label), None, share, {CONSISTENCY})
                )
    return suspects


def merge_suspects(*groups: Iterable[Suspect]) -> List[Suspect]:
    """One suspect per text, kind and span, most likely first (then by text and offset): a
    suspect named by several sources scores 1 - Π(1 - score)."""
    merged: Dict[Tuple, Suspect] = {}
    for group in groups:
        for suspect in group:
            seen = merged.get(suspect.key)
            if seen is None:
                merged[suspect.key] = Suspect(
                    **{**suspect.__dict__, "sources": set(suspect.sources)}
                )
            else:
                seen.score = 1.0 - (1.0 - seen.score) * (1.0 - suspect.score)
                seen.sources |= suspect.sources
    return sorted(merged.values(), key=lambda s: (-round(s.score, 6), s.doc, s.span, s.kind))


def find_suspects(
    docs: Sequence[Doc],
    probabilities: Sequence[Dict[SpanKey, float]],
    consistency: Dict[str, Any] | None = None,
    min_score: float = 0.5,
) -> List[Dict[str, Any]]:
    """The review tasks of every suspect scoring at least `min_score`, most likely first.

    `probabilities[i]` are the span probabilities of held-out models for `docs[i]`;
    `consistency` is a `review.consistency` report whose places carry `{"doc": i}`.
    """
    recall = found_share(docs, probabilities)
    from_models = [
        suspect
        for i, (doc, probs) in enumerate(zip(docs, probabilities))
        for suspect in model_suspects(i, doc, probs, recall)
    ]
    weigh_by_the_data(docs, from_models)
    from_consistency = consistency_suspects(docs, consistency) if consistency else []
    suspects = merge_suspects(from_models, from_consistency)
    return [suspect_task(docs[s.doc], s) for s in suspects if s.score >= min_score]


class SurfaceCounts:
    """How often strings (lower-cased words) occur in the texts, and are annotated, per label."""

    def __init__(self, docs: Sequence[Doc], surfaces: Set[Tuple[str, ...]]) -> None:
        self.labelled: Counter = Counter()
        self.annotated: Counter = Counter()
        self.occurrences: Counter = Counter()
        self.words: Counter = Counter()
        self.edges: Dict[str, Counter] = {"start": Counter(), "end": Counter()}
        lengths = {len(surface) for surface in surfaces}
        for doc in docs:
            words = [token.lower_ for token in doc]
            self.words.update(words)
            for ent in doc.ents:
                key = tuple(words[ent.start : ent.end])
                self.labelled[(key, ent.label_)] += 1
                self.annotated[key] += 1
                self.edges["start"][key[0]] += 1
                self.edges["end"][key[-1]] += 1
            for n in lengths:
                for start in range(len(words) - n + 1):
                    key = tuple(words[start : start + n])
                    if key in surfaces:
                        self.occurrences[key] += 1
        self.base = sum(self.annotated.values()) / max(sum(self.words.values()), 1)

    def support(self, doc: Doc, suspect: Suspect) -> float:
        """The share of the string's other occurrences that side with the models (add-one
        smoothed: 0.5 for a string seen nowhere else); for a boundary, the annotated string's
        other annotations side with the annotation."""
        start, end, label = suspect.span
        key = tuple(token.lower_ for token in doc[start:end])
        others = max(self.occurrences[key] - 1, 0)
        if suspect.kind == "spurious":
            agree = self.occurrences[key] - self.annotated[key]  # left unlabelled elsewhere
        else:  # annotated elsewhere as the models' span and label
            agree = self.labelled[(key, label)]
        against = max(others - agree, 0)
        if suspect.kind == "boundary" and suspect.annotated is not None:
            a_start, a_end, a_label = suspect.annotated
            annotated = tuple(token.lower_ for token in doc[a_start:a_end])
            against += self.labelled[(annotated, a_label)] - 1
        return (agree + 1) / (agree + against + 2)

    def edge_ratio(self, side: str, word: str, annotated: bool = False) -> float:
        """How much likelier annotated spans `side` ("start" or "end") with `word` than any
        token is such an edge (smoothed towards the base rate); `annotated`: this occurrence
        is one of them, not counted."""
        edges, total = self.edges[side][word] - annotated, self.words[word] - annotated
        return (edges + EDGE_PRIOR * self.base) / (total + EDGE_PRIOR) / self.base

    def style(self, doc: Doc, suspect: Suspect) -> float:
        """The likelihood ratio of the annotations' own style of boundaries for the models'
        span: against no entity (missed), against the annotated span on the edges where they
        differ (boundary); a geometric mean over the edges."""
        if suspect.kind not in ("missed", "boundary") or not self.base:
            return 1.0
        model = suspect.span
        ratios = []
        for side, i in (("start", 0), ("end", 1)):
            token = model[i] - i  # the first or the last token
            ratio = self.edge_ratio(side, doc[token].lower_)
            if suspect.kind == "boundary" and suspect.annotated is not None:
                theirs = suspect.annotated[i] - i
                if theirs == token:
                    continue
                ratio /= self.edge_ratio(side, doc[theirs].lower_, annotated=True)
            ratios.append(ratio)
        return math.prod(ratios) ** (1 / len(ratios)) if ratios else 1.0


def weigh_by_the_data(docs: Sequence[Doc], suspects: List[Suspect]) -> None:
    """Weigh each suspect's probability by how the rest of the annotations treat its string
    (`SurfaceCounts.support`), as independent evidence: the odds multiply. A fold model that
    labels "Darn Tough" a TRAIL where the data calls it GEAR_BRAND seven times loses most of
    its score; a dropped entity annotated everywhere else gains."""
    surfaces = {
        tuple(token.lower_ for token in docs[s.doc][s.span[0] : s.span[1]]) for s in suspects
    }
    counts = SurfaceCounts(docs, surfaces)
    for suspect in suspects:
        support = counts.support(docs[suspect.doc], suspect)
        p = min(max(suspect.score, PROBABILITY_FLOOR), 1.0 - PROBABILITY_FLOOR)
        style = counts.style(docs[suspect.doc], suspect)
        odds = p / (1.0 - p) * support / (1.0 - support) * style
        suspect.score = odds / (1.0 + odds)


def corrected(doc: Doc, suspect: Suspect) -> List[SpanKey]:
    """The annotation of `doc` with the suspect's correction applied (the models' version):
    the suspect's span replaces every annotated span it overlaps."""
    if suspect.kind == "spurious":
        return [s for s in annotated_spans(doc) if s != suspect.annotated]
    spans = [s for s in annotated_spans(doc) if not _overlap(s, suspect.span)]
    return sorted([*spans, suspect.span])


def suspect_task(doc: Doc, suspect: Suspect) -> Dict[str, Any]:
    """A review task: the annotation (top level and first version) beside the corrected one,
    unsettled until a person picks; `meta.suspect` has character offsets into the text."""
    tokens = prodigy_tokens(doc)
    annotation = _span_dicts(doc, annotated_spans(doc))
    start, end, label = suspect.span
    record: Dict[str, Any] = {
        "text": doc.text,
        "tokens": tokens,
        "spans": annotation,
        "answer": "ignore",
        "_input_hash": text_hash(doc.text),
        "meta": {
            "suspect": {
                "kind": suspect.kind,
                "start": doc[start].idx,
                "end": doc[end - 1].idx + len(doc[end - 1]),
                "label": label,
                "score": round(suspect.score, 4),
                "text": doc[start:end].text,
                "sources": sorted(suspect.sources),
                **({"annotated": _char_span(doc, suspect.annotated)} if suspect.annotated else {}),
            }
        },
    }
    record["_task_hash"] = task_hash(record)
    record["_view_id"] = REVIEW_VIEW
    record["view_id"] = MANUAL_VIEW
    record["versions"] = [
        _version(doc, annotation, ANNOTATION_SESSION, True),
        _version(doc, _span_dicts(doc, corrected(doc, suspect)), MODELS_SESSION, False),
    ]
    record[STATUS_KEY] = "conflict"
    return record


def _version(doc: Doc, spans: List[Dict[str, Any]], session: str, default: bool) -> Dict:
    item: Dict[str, Any] = {"spans": spans, "answer": "accept", "_input_hash": text_hash(doc.text)}
    item["_task_hash"] = task_hash({"text": doc.text, **item})
    item.update(_view_id=MANUAL_VIEW, sessions=[session], default=default)
    return item


def _span_dicts(doc: Doc, spans: Iterable[SpanKey]) -> List[Dict[str, Any]]:
    return [
        {**_char_span(doc, (start, end, label)), "token_start": start, "token_end": end - 1}
        for start, end, label in spans
    ]


def _char_span(doc: Doc, span: SpanKey) -> Dict[str, Any]:
    start, end, label = span
    first, last = doc[start], doc[end - 1]
    return {
        "start": first.idx,
        "end": last.idx + len(last),
        "text": doc[start:end].text,
        "label": label,
    }


def _overlap(a: SpanKey, b: SpanKey) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _outside(doc: Doc, span: SpanKey) -> bool:
    """Whether the annotation says "O" on every token of `span` (not missing: unknown)."""
    return all(token.ent_iob_ == "O" for token in doc[span[0] : span[1]])


def _labelled(doc: Doc, words: List[str], label: str) -> List[SpanKey]:
    """The entities of `doc` labelled `label` whose lower-cased words are `words`."""
    return [
        span
        for span in annotated_spans(doc)
        if span[2] == label and [t.lower_ for t in doc[span[0] : span[1]]] == words
    ]


def _unlabelled(doc: Doc, words: List[str]) -> List[Tuple[int, int]]:
    """Where `words` (exact) occur in `doc` on tokens the annotation says are "O"."""
    n = len(words)
    found = []
    for start in range(len(doc) - n + 1):
        if [t.text for t in doc[start : start + n]] == words and _outside(
            doc, (start, start + n, "")
        ):
            found.append((start, start + n))
    return found
