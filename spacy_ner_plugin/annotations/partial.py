"""Read the answers back out of a merged doc: is it partial, which spans were accepted or rejected.

A doc merged from binary answers has its accepted spans as `doc.ents`, every other token
missing, and its rejected spans in `doc.spans[INCORRECT_SPANS_KEY]`; a gold doc has every
token annotated.
"""

from typing import Set, Tuple

from spacy.tokens import Doc

from ..constants import INCORRECT_SPANS_KEY

SpanKey = Tuple[int, int, str]


def is_partial(doc: Doc) -> bool:
    """Whether some tokens have no entity annotation (neither an entity nor "O")."""
    return any(token.ent_iob == 0 for token in doc)


def accepted_spans(doc: Doc) -> Set[SpanKey]:
    """The accepted answers of a binary doc: its entities, as token offsets and label."""
    return {(ent.start, ent.end, ent.label_) for ent in doc.ents}


def rejected_spans(doc: Doc) -> Set[SpanKey]:
    """The rejected answers: the spans the model must not predict."""
    group = doc.spans[INCORRECT_SPANS_KEY] if INCORRECT_SPANS_KEY in doc.spans else []
    return {(span.start, span.end, span.label_) for span in group}
