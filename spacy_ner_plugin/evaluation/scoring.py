"""NER scoring that also scores binary answers, which spaCy's own scorer cannot see.

spaCy's `get_ner_prf` skips predictions on tokens with missing annotation and ignores rejected
spans, so on binary answers it says little. Here gold docs (complete annotation) are scored as
usual, and every binary answer is asked: does the model predict exactly this span and label?
"""

from typing import Any, Callable, Dict, Iterable, List

import spacy
from spacy.scorer import PRFScore, get_ner_prf
from spacy.training import Example

from ..annotations.partial import accepted_spans, is_partial, rejected_spans


def score_binary_answers(examples: Iterable[Example]) -> Dict[str, Any]:
    """Accuracy and P/R/F of exact-span predictions against accepted and rejected answers.

    An accepted answer predicted is a true positive, not predicted a false negative; a
    rejected answer predicted is a false positive, not predicted a correct rejection.
    """
    prf = PRFScore()
    correct = total = 0
    for eg in examples:
        reference = eg.reference
        accepted = accepted_spans(reference) if is_partial(reference) else set()
        rejected = rejected_spans(reference)
        if not accepted and not rejected:
            continue
        predicted = {(e.start_char, e.end_char, e.label_) for e in eg.predicted.ents}
        for start, end, label in accepted:
            span = reference[start:end]
            hit = (span.start_char, span.end_char, label) in predicted
            prf.tp += hit
            prf.fn += not hit
            correct += hit
        for start, end, label in rejected:
            span = reference[start:end]
            hit = (span.start_char, span.end_char, label) in predicted
            prf.fp += hit
            correct += not hit
        total += len(accepted) + len(rejected)
    if not total:
        return {
            "binary_acc": None,
            "binary_p": None,
            "binary_r": None,
            "binary_f": None,
            "binary_n": 0,
        }
    return {
        "binary_acc": correct / total,
        "binary_p": prf.precision,
        "binary_r": prf.recall,
        "binary_f": prf.fscore,
        "binary_n": total,
    }


def score_ner_with_binary(examples: Iterable[Example], **kwargs: Any) -> Dict[str, Any]:
    """spaCy's NER P/R/F on the gold examples plus binary-answer scores on all of them."""
    examples = list(examples)
    gold: List[Example] = [eg for eg in examples if not is_partial(eg.reference)]
    return {**get_ner_prf(gold), **score_binary_answers(examples)}


def score_report(examples: List[Example], n_rejected: int, binary: bool = False) -> Dict[str, Any]:
    """The scores `evaluate` and `evaluate-patterns` print and save: overall, per label and,
    with `binary`, on the binary answers."""
    scores = score_ner_with_binary(examples) if binary else get_ner_prf(examples)
    return {
        "n_examples": len(examples),
        "n_rejected": n_rejected,
        "ents_p": scores["ents_p"],
        "ents_r": scores["ents_r"],
        "ents_f": scores["ents_f"],
        "ents_per_type": scores.get("ents_per_type") or {},
        **{key: value for key, value in scores.items() if key.startswith("binary_")},
    }


@spacy.registry.scorers("spacy_ner_plugin.ner_binary_scorer.v1")
def make_ner_binary_scorer() -> Callable[..., Dict[str, Any]]:
    """Scorer for the `ner` component: gold P/R/F plus `binary_*` scores on binary answers."""
    return score_ner_with_binary
