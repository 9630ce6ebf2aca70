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

The consistency findings of `review.consistency` (the same string labelled with different
labels, or left unlabelled next to the words it is labelled beside) add `label` and `missed`
suspects scored by the share of the other occurrences; a suspect both sources name scores
1 - (1 - a)(1 - b). Every suspect becomes a review task: the annotation, and the annotation
with the suspect's correction, side by side.
"""

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
    from_consistency = consistency_suspects(docs, consistency) if consistency else []
    suspects = merge_suspects(from_models, from_consistency)
    return [suspect_task(docs[s.doc], s) for s in suspects if s.score >= min_score]


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
