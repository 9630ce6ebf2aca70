"""Binary (accept/reject) answers inside training docs, and filling the tokens they leave unknown.

A merged binary doc keeps accepted spans as `doc.ents`, every other token *missing*, and
rejected spans in `doc.spans[INCORRECT_SPANS_KEY]` (what the `ner` component's
`incorrect_spans_key` reads). Trained on as is, such docs give the model no reason to predict
"O"; the fill strategies here decide what the unknown tokens become.
"""

from collections import defaultdict
from enum import Enum
from typing import Dict, Iterable, List, Set, Tuple

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, SpanGroup
from spacy.util import filter_spans, minibatch
from spacy.vocab import Vocab

from ..annotations.partial import SpanKey, accepted_spans, is_partial, rejected_spans
from ..constants import INCORRECT_SPANS_KEY
from ..errors import UsageError
from ..patterns.matcher import PatternMatcher
from .beam import Parse, beam_parses


class FillStrategy(str, Enum):
    """What the unknown tokens of binary answers become (`fill-binary --strategy`)."""

    auto = "auto"  # 'outside', which measured best
    constrained = "constrained"  # the base model's best analysis consistent with the answers
    confident = "confident"  # "O" where the base model is sure, else missing; no new entities
    outside = "outside"  # "O", except the tokens of rejected spans
    missing = "missing"  # left unknown


# The strategies that need a base model.
MODEL_STRATEGIES = (FillStrategy.constrained, FillStrategy.confident)


def best_consistent_analysis(
    parses: List[Parse], accepted: Set[SpanKey], rejected: Set[SpanKey]
) -> Tuple[List[SpanKey], List[float]]:
    """The most probable parse that keeps every accept and avoids every reject.

    Returns its entities and, per token, the probability (over the consistent parses) that the
    token is inside an entity — what the fill uses to leave uncertain tokens missing. When no
    parse in the beam is consistent, the accepted spans alone are the analysis.
    """
    consistent = [
        (prob, ents) for prob, ents in parses if accepted <= set(ents) and not rejected & set(ents)
    ]
    n_tokens = max((end for _, ents in parses for _, end, _ in ents), default=0)
    if not consistent:
        return sorted(accepted), [0.0] * n_tokens
    total = sum(prob for prob, _ in consistent) or 1.0
    inside = [0.0] * n_tokens
    for prob, ents in consistent:
        for start, end, _ in ents:
            for i in range(start, end):
                inside[i] += prob / total
    best = max(consistent, key=lambda parse: parse[0])[1]
    return sorted(best), inside


def fill_doc(doc: Doc, ents: List[SpanKey], inside: List[float], uncertain: float) -> Doc:
    """A copy of `doc` with `ents` as entities, "O" elsewhere, except tokens left missing.

    Missing stay: tokens of rejected spans not covered by an entity (a reject says the span is
    wrong, not what its tokens are) and tokens the analysis calls "O" although the consistent
    parses put them inside an entity with probability >= `uncertain`.
    """
    filled = doc.copy()
    spans = [Span(filled, start, end, label) for start, end, label in ents]
    covered = {i for span in spans for i in range(span.start, span.end)}
    unknown = {i for start, end, _ in rejected_spans(doc) for i in range(start, end)}
    unknown |= {i for i, p in enumerate(inside) if p >= uncertain}
    missing = [filled[i : i + 1] for i in sorted(unknown - covered)]
    filled.set_ents(spans, missing=missing, default="outside")
    return filled


def fill_outside(doc: Doc) -> Doc:
    """Every unknown token becomes "O", except the tokens of rejected spans."""
    return fill_doc(doc, sorted(accepted_spans(doc)), [], uncertain=1.0)


def answered_strings(docs: Iterable[Doc]) -> Dict[str, List[Tuple[str, Doc]]]:
    """Entity strings answered with one clear label, as `(label, pattern)` per answer kind.

    "accept": annotated in gold or accepted and never rejected; "reject": only ever rejected.
    Strings are compared lower-cased; those with contradicting labels or answers are left out.
    """
    labels: Dict[str, Dict[str, Set[str]]] = {
        "accept": defaultdict(set),
        "reject": defaultdict(set),
    }
    patterns: Dict[str, Doc] = {}
    for doc in docs:
        answered = [("accept", ent) for ent in doc.ents]
        answered += [("reject", Span(doc, s, e, label)) for s, e, label in rejected_spans(doc)]
        for kind, span in answered:
            key = span.text.lower()
            labels[kind][key].add(span.label_)
            if key not in patterns:  # not `span.as_doc()`: it copies the whole doc per span
                patterns[key] = Doc(doc.vocab, words=[token.text for token in span])
    accepted, rejected = labels["accept"], labels["reject"]
    return {
        kind: [
            (next(iter(found)), patterns[key])
            for key, found in table.items()
            if len(found) == 1 and key not in other
        ]
        for kind, table, other in (("accept", accepted, rejected), ("reject", rejected, accepted))
    }


def answer_matcher(docs: Iterable[Doc], vocab: Vocab) -> PhraseMatcher:
    """A case-insensitive matcher for every clearly answered string of `docs`."""
    matcher = PhraseMatcher(vocab, attr="LOWER")
    for kind, found in answered_strings(docs).items():
        for label, pattern in found:
            matcher.add(f"{kind}:{label}", [pattern])
    return matcher


def propagate_answers(doc: Doc, matcher: PhraseMatcher) -> Doc:
    """Label the unknown tokens of a partial doc wherever an answered string occurs.

    One sense per collection: a string accepted (or annotated in gold) as a label is that
    label elsewhere too, and a string only ever rejected becomes an incorrect span there.
    Only unknown tokens are labelled, so no answer is overridden; gold docs pass unchanged.
    """
    return _propagate(doc, matcher) if is_partial(doc) else doc


def _propagate(doc: Doc, matcher: PhraseMatcher) -> Doc:
    filled = doc.copy()
    matches = [m for m in matcher(filled, as_spans=True) if all(t.ent_iob == 0 for t in m)]
    found = {kind: [] for kind in ("accept", "reject")}
    for match in matches:
        kind, label = match.label_.split(":", 1)
        found[kind].append(Span(filled, match.start, match.end, label))
    filled.set_ents(filter_spans(found["accept"]), default="unmodified")
    taken = {i for ent in filled.ents for i in range(ent.start, ent.end)}
    known = rejected_spans(filled)
    wrong = [
        span
        for span in found["reject"]
        if not taken.intersection(range(span.start, span.end))
        and (span.start, span.end, span.label_) not in known
    ]
    if wrong:
        group = list(filled.spans[INCORRECT_SPANS_KEY]) if known else []
        filled.spans[INCORRECT_SPANS_KEY] = SpanGroup(filled, spans=group + wrong)
    return filled


def add_pattern_entities(doc: Doc, matcher: PatternMatcher) -> Doc:
    """Label the unknown tokens of a partial doc where a pattern matches: weak positives.

    Answers outrank patterns: a match is used only when all its tokens are unknown and it is not
    a rejected span; overlapping matches resolve to the longest. Gold docs pass unchanged.
    """
    if not is_partial(doc):
        return doc
    filled = doc.copy()
    rejected = rejected_spans(filled)
    matches = [
        Span(filled, start, end, matcher.patterns[matcher.keys[key]].label)
        for key, start, end in matcher(filled)
        if end > start
    ]
    free = [
        span
        for span in matches
        if all(token.ent_iob == 0 for token in span)
        and (span.start, span.end, span.label_) not in rejected
    ]
    filled.set_ents(filter_spans(free), default="unmodified")
    return filled


def fill_constrained(
    docs: Iterable[Doc],
    nlp: Language,
    beam_width: int = 16,
    uncertain: float = 0.3,
    batch_size: int = 64,
    add_entities: bool = True,
) -> Iterable[Doc]:
    """Fill each partial doc with the base model's best analysis consistent with its answers.

    With `add_entities=False` only the accepted spans become entities: the base model decides
    just which unknown tokens are confidently "O" (below `uncertain`) and which stay missing.
    Docs with complete annotation pass through unchanged.
    """
    for batch in minibatch(docs, size=batch_size):
        yield from _fill_batch(batch, nlp, beam_width, uncertain, add_entities)


def _fill_batch(
    docs: List[Doc], nlp: Language, beam_width: int, uncertain: float, add_entities: bool
) -> Iterable[Doc]:
    partial = [doc for doc in docs if is_partial(doc)]
    parses = dict(zip(map(id, partial), beam_parses(nlp, partial, beam_width))) if partial else {}
    for doc in docs:
        if id(doc) not in parses:
            yield doc
            continue
        accepted = accepted_spans(doc)
        ents, inside = best_consistent_analysis(parses[id(doc)], accepted, rejected_spans(doc))
        yield fill_doc(doc, ents if add_entities else sorted(accepted), inside, uncertain)


def fill_docs(
    docs: Iterable[Doc],
    strategy: FillStrategy,
    nlp: Language | None = None,
    beam_width: int = 16,
    uncertain: float = 0.3,
) -> Iterable[Doc]:
    """The docs filled by `strategy` ('auto' is 'outside'); `nlp` is the base model, which
    'constrained' and 'confident' need."""
    strategy = FillStrategy(strategy)
    if strategy in MODEL_STRATEGIES:
        if nlp is None:
            raise UsageError(f"The {strategy.value!r} strategy needs a base model")
        add_entities = strategy == FillStrategy.constrained
        return fill_constrained(docs, nlp, beam_width, uncertain, add_entities=add_entities)
    if strategy in (FillStrategy.outside, FillStrategy.auto):
        return (fill_outside(doc) if is_partial(doc) else doc for doc in docs)
    return docs
