"""Do rules alone do? The patterns' scores on a gold set, and the flowchart's answer."""

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
