"""The `ner` component's beam: the likeliest entity analyses of a doc, and each span's share.

Shared by fill-binary (the best analysis consistent with the answers) and teach (the
probability of each candidate span, which the sorters turn into questions).
"""

from collections import defaultdict
from typing import Dict, Iterable, List, Tuple

from spacy.language import Language
from spacy.tokens import Doc

from ..annotations.partial import SpanKey

Parse = Tuple[float, List[SpanKey]]

# Factories whose components are entity recognizers with a beam. A `parser` has `beam_parse`
# too, so a component is never picked just because it has one.
NER_FACTORIES = ("ner", "beam_ner")


def find_ner(nlp: Language, name: str | None = None) -> str:
    """The name of the entity recognizer to read beams from.

    `name` if given (it must have a beam); otherwise the one active component made by the `ner`
    or `beam_ner` factory. Raises ValueError when there is none, or several and no `name`.
    """
    if name is not None:
        if name not in nlp.pipe_names:
            raise ValueError(f"no active component {name!r} (pipeline: {nlp.pipe_names})")
        if not hasattr(nlp.get_pipe(name), "beam_parse"):
            raise ValueError(f"component {name!r} has no beam (not an entity recognizer)")
        return name
    found = [n for n in nlp.pipe_names if nlp.get_pipe_meta(n).factory in NER_FACTORIES]
    if not found:
        raise ValueError(
            f"no entity recognizer (factory {' or '.join(NER_FACTORIES)}) in the pipeline "
            f"{nlp.pipe_names}"
        )
    if len(found) > 1:
        raise ValueError(f"several entity recognizers {found}: name the one to use")
    return found[0]


def ner_inputs(nlp: Language, docs: Iterable[Doc], ner_name: str) -> List[Doc]:
    """The docs rebuilt in the model's vocab with the same tokens, and every component before
    the ner run on them: a shared tok2vec writes the tensor the ner's listener reads (skipped,
    the listener silently reads zeros)."""
    names = nlp.pipe_names
    before = set(names[: names.index(ner_name)])
    copies = (
        Doc(nlp.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d])
        for d in docs
    )
    return list(nlp.pipe(copies, disable=[n for n in names if n not in before]))


def ner_beams(
    nlp: Language, docs: List[Doc], ner_name: str, beam_width: int, beam_density: float = 0.0
) -> List[List[Parse]]:
    """The beam of entity analyses `(probability, spans)` of docs that `ner_inputs` prepared."""
    if not docs:
        return []
    ner = nlp.get_pipe(ner_name)
    beams = ner.beam_parse(docs, beam_width=beam_width, beam_density=beam_density)
    return [ner.moves.get_beam_parses(beam) for beam in beams]


def beam_parses(
    nlp: Language,
    docs: List[Doc],
    beam_width: int,
    beam_density: float = 0.0,
    component: str | None = None,
) -> List[List[Parse]]:
    """The model's beam of entity analyses for each doc (greedy `ner` models too), with the
    corpus tokenization kept so that offsets agree."""
    ner_name = find_ner(nlp, component)
    return ner_beams(nlp, ner_inputs(nlp, docs, ner_name), ner_name, beam_width, beam_density)


def span_probabilities(parses: List[Parse]) -> Dict[SpanKey, float]:
    """Each span's probability: the summed probability of the analyses that contain it (what
    `EntityRecognizer.scored_ents` computes from a beam)."""
    scores: Dict[SpanKey, float] = defaultdict(float)
    for prob, ents in parses:
        for ent in ents:
            scores[ent] += prob
    return dict(scores)
