"""Score every candidate entity of a text with a trained pipeline's beam.

A candidate is a span that some analysis in the `ner` component's beam contains; its score is
the summed probability of those analyses (`EntityRecognizer.scored_ents`). Texts are split into
sentences first (one question per sentence and span, as Prodigy's ner.teach asks), unless
`segment` is off. `score_texts` yields `(score, task)` for each candidate: a Prodigy `ner` task
with the text, its tokens, the one span, `meta.score` and fresh hashes.
"""

from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Tuple, TypeVar

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry

from ..annotations.docs import prodigy_tokens
from ..annotations.partial import SpanKey
from ..binary.beam import find_ner, ner_beams, ner_inputs, span_probabilities
from ..constants import BINARY_VIEW
from ..io.hashing import set_hashes
from ..preannotate.sentences import rule_sentences_for, sentence_ranges, sentence_starts

Scored = Tuple[float, Dict[str, Any]]
T = TypeVar("T")


@dataclass
class BeamScorer:
    """Span probabilities from the entity recognizer's beam (`component`: by name, else the
    one `ner` / `beam_ner` component)."""

    beam_width: int = 16
    beam_density: float = 1e-4
    component: str | None = None

    def __call__(
        self, nlp: Language, docs: List[Doc]
    ) -> Tuple[List[Doc], List[Dict[SpanKey, float]]]:
        """The docs as the ner sees them (components before it run) and each one's span
        probabilities."""
        ner_name = find_ner(nlp, self.component)
        inputs = ner_inputs(nlp, docs, ner_name)
        parses = ner_beams(nlp, inputs, ner_name, self.beam_width, self.beam_density)
        return inputs, [span_probabilities(p) for p in parses]


@registry.misc("spacy_ner_plugin.beam_scorer.v1")
def create_beam_scorer(
    beam_width: int = 16, beam_density: float = 1e-4, component: str | None = None
) -> BeamScorer:
    """Score candidate spans by the probability mass of the beam analyses that contain them."""
    if beam_width < 1:
        raise ValueError(f"beam_width must be at least 1, got {beam_width}")
    return BeamScorer(beam_width, beam_density, component)


class Segmenter:
    """Split texts into sentence Docs (trimmed of whitespace), or keep each text whole.

    Sentence boundaries come from a component before the ner that sets them (a parser or
    senter), else from a rule-based `Sentencizer`; the pipeline itself is never changed.
    """

    def __init__(self, nlp: Language, ner_name: str, segment: bool = True) -> None:
        self.nlp = nlp
        self.segment = segment
        names = nlp.pipe_names
        setters = [
            i
            for i, name in enumerate(names[: names.index(ner_name)])
            if "token.is_sent_start" in nlp.get_pipe_meta(name).assigns
        ]
        # run the pipeline up to the last component that sets boundaries; else rules
        self.disable = names[setters[-1] + 1 :] if setters else None
        self.rule = rule_sentences_for(nlp, before=ner_name)

    def __call__(self, texts: List[str]) -> List[List[Doc]]:
        """Per text, its sentence Docs (no Doc for a text that is only whitespace)."""
        if not self.segment:
            return [[self.nlp.make_doc(text)] if text.strip() else [] for text in texts]
        if self.disable is None:
            docs = [self.nlp.make_doc(text) for text in texts]
        else:
            docs = list(self.nlp.pipe(texts, disable=self.disable))
        return [sentence_docs(doc, sentence_starts(doc, self.rule)) for doc in docs]


def sentence_docs(doc: Doc, starts: List[int]) -> List[Doc]:
    """Each sentence of `doc` (starting at `starts`) as its own Doc, without leading or
    trailing whitespace."""
    is_space = [token.is_space for token in doc]
    sentences = []
    for start, end in sentence_ranges(starts, len(doc), [], is_space):
        words = [token.text for token in doc[start:end]]
        spaces = [bool(token.whitespace_) for token in doc[start:end]]
        spaces[-1] = False
        sentences.append(Doc(doc.vocab, words=words, spaces=spaces))
    return sentences


def span_task(
    doc: Doc,
    tokens: List[Dict[str, Any]],
    span: SpanKey,
    score: float,
    meta: Dict[str, Any] | None = None,
    **span_info: Any,
) -> Dict[str, Any]:
    """A Prodigy `ner` (binary) task asking about one span of `doc`, with fresh hashes.

    `span_info` (e.g. `source`, `pattern_id`) is stored on the span; `meta.score` is the score.
    """
    start, end, label = span
    task_span = {
        "start": tokens[start]["start"],
        "end": tokens[end - 1]["end"],
        "token_start": start,
        "token_end": end - 1,
        "label": label,
        **span_info,
    }
    task = {
        "text": doc.text,
        "tokens": tokens,
        "spans": [task_span],
        "meta": {**(meta or {}), "score": round(score, 4)},
        "_view_id": BINARY_VIEW,
    }
    return set_hashes(task, overwrite=True)


def batched(items: Iterable[T], size: int) -> Iterator[List[T]]:
    """Lists of up to `size` consecutive items, read lazily."""
    batch: List[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def score_texts(
    nlp: Language,
    records: Iterable[Dict[str, Any]],
    scorer: BeamScorer | None = None,
    labels: Iterable[str] | None = None,
    segment: bool = True,
    batch_size: int = 16,
    source: str | None = None,
) -> Iterator[Scored]:
    """`(score, task)` for every candidate entity of every text (`{"text": ..., "meta": ...}`),
    by position within each sentence; only `labels` (default: all), read lazily in batches."""
    scorer = scorer or BeamScorer()
    segmenter = Segmenter(nlp, find_ner(nlp, scorer.component), segment)
    keep = _label_filter(labels)
    source = source or model_source(nlp)
    for batch in batched(records, batch_size):
        for i, doc, scores in scored_sentences(nlp, batch, segmenter, scorer):
            tokens = prodigy_tokens(doc)
            meta = batch[i].get("meta")
            for span in sorted(s for s in scores if keep(s[2])):
                task = span_task(doc, tokens, span, scores[span], meta, source=source)
                yield scores[span], task


def scored_sentences(
    nlp: Language, records: List[Dict[str, Any]], segmenter: Segmenter, scorer: BeamScorer
) -> List[Tuple[int, Doc, Dict[SpanKey, float]]]:
    """`(index of its record, sentence doc, span probabilities)` for every sentence of a batch
    of records; the docs are those the ner saw (components before it run)."""
    sentences = segmenter([record["text"] for record in records])
    owners = [i for i, docs in enumerate(sentences) for _ in docs]
    docs, scores = scorer(nlp, [doc for docs in sentences for doc in docs])
    return list(zip(owners, docs, scores))


def model_source(nlp: Language) -> str:
    """How a model's suggestions are named: `lang_name` from its meta."""
    return f"{nlp.meta.get('lang', nlp.lang)}_{nlp.meta.get('name', 'pipeline')}"


def _label_filter(labels: Iterable[str] | None) -> Callable[[str], bool]:
    if labels is None:
        return lambda label: True
    wanted = set(labels)
    return wanted.__contains__
