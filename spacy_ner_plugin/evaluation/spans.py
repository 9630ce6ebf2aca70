"""Span scores: spaCy's `Scorer.score_spans` on one span group (overlaps allowed, per label), so
`evaluate` scores a spancat, and a ner on the same span gold (its entities as the prediction).
"""

from typing import Any, Dict, Iterable, List

from spacy.language import Language
from spacy.pipeline import SpanCategorizer, SpanRuler
from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example

from ..annotations.partial import is_partial
from ..annotations.spans import check_spans_key, has_span_gold


def pipeline_spans_key(nlp: Language) -> str | None:
    """The span group the pipeline's (first) spancat or span_ruler writes; None without one."""
    for _, pipe in nlp.pipeline:
        if isinstance(pipe, (SpanCategorizer, SpanRuler)) and pipe.key:
            return pipe.key
    return None


def spans_key_to_score(nlp: Language, spans_key: str | None) -> str | None:
    """The group to score: `spans_key` if given (checked), else the pipeline's spancat's."""
    return check_spans_key(spans_key) if spans_key is not None else pipeline_spans_key(nlp)


def score_spans(examples: Iterable[Example], key: str, nlp: Language) -> Dict[str, Any]:
    """`spans_KEY_p/r/f/per_type` on the examples whose gold has `doc.spans[key]`, with what was
    scored as the prediction: that group when `nlp` writes it, else the entities."""
    from_spans = pipeline_spans_key(nlp) == key
    scored = [eg for eg in examples if has_span_gold(eg.reference, key)]

    def getter(doc: Doc, attr: str) -> Any:
        # the gold always has the group; a pipeline without it predicts entities
        return doc.spans[key] if key in doc.spans else doc.ents

    scores = Scorer.score_spans(
        scored, f"spans_{key}", getter=getter, labeled=True, allow_overlap=True
    )
    return {
        **scores,
        f"spans_{key}_per_type": scores.get(f"spans_{key}_per_type") or {},
        "spans_key": key,
        "spans_predicted": f"doc.spans[{key!r}]" if from_spans else "doc.ents",
        "spans_n_examples": len(scored),
    }


def without_entity_gold(examples: List[Example]) -> bool:
    """Whether no gold doc annotates entities (span gold only: the ner scores say nothing)."""
    return all(is_partial(eg.reference) for eg in examples)
