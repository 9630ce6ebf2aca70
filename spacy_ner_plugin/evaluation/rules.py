"""Do rules alone do? The patterns' scores on a gold set, and the flowchart's answer."""

from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Union

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..annotations.docs import make_doc
from ..io.records import Reject
from .gold_set import gold_examples
from .scoring import score_report

# The F-score above which rules alone may do (the NER flowchart's first question).
RULES_ALONE_F = 0.9


def pattern_advice(
    precision: float | None, recall: float | None, fscore: float | None, threshold: float
) -> str:
    """The flowchart's answer to "do rules alone get > threshold?", with the next step."""
    if fscore is None or precision is None or recall is None:
        # spaCy's scorer has no figures when neither the gold nor the matches hold an entity
        return (
            "Nothing to score: the gold set holds no entities and the patterns match nothing. "
            "Annotate some entities (or check the labels) before judging the rules."
        )
    if fscore > threshold:
        return (
            f"Rules alone get F {fscore * 100:.1f} > {threshold * 100:.0f}: they may be all you "
            "need; confirm on more data before training a model."
        )
    advice = (
        f"Rules alone get F {fscore * 100:.1f} <= {threshold * 100:.0f}: train a model. "
        "Pre-annotate with the patterns (`preannotate --patterns`) and correct the suggestions."
    )
    # each figure below the threshold keeps F below it too: name every one, the lower first
    misses = f"miss {'most' if recall < 0.5 else 'some'} entities (R {recall * 100:.1f})"
    over = f"over-match (P {precision * 100:.1f})"
    add = "add patterns for what they miss, or train a model on the texts they pre-annotate"
    tighten = "tighten the patterns, or reject their false positives as you annotate"
    if recall < threshold and precision < threshold:
        if recall <= precision:
            advice += f" The patterns {misses} and {over}: {add}; {tighten}."
        else:
            advice += f" The patterns {over} and {misses}: {tighten}; {add}."
    elif recall < threshold:
        advice += f" The patterns are precise but {misses}: {add}."
    elif precision < threshold:
        advice += f" The patterns {over}: {tighten}."
    return advice


def evaluate_rules(
    suggest: Callable[[Doc], Iterable[Any]],
    data_path: Union[str, Path],
    nlp: Language,
    rejects: List[Reject],
    *,
    threshold: float = RULES_ALONE_F,
    db: str | None = None,
) -> Dict[str, Any]:
    """The scores of `suggest`'s spans (e.g. `Preannotator.suggest`) as the entities of each
    gold text of `data_path`, overall and per label, with `pattern_advice` under "advice"."""

    def predict(texts: Iterable[str]) -> Iterator[Doc]:
        for text in texts:
            doc = make_doc(nlp, text)  # a tokenizer: any length
            doc.ents = [Span(doc, s.start, s.end, label=s.label) for s in suggest(doc)]
            yield doc

    result = score_report(gold_examples(data_path, nlp, predict, rejects, db=db), len(rejects))
    result["advice"] = pattern_advice(
        result["ents_p"], result["ents_r"], result["ents_f"], threshold
    )
    return result
