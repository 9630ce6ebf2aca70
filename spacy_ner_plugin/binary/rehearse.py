"""Rehearsal: keep a base pipeline's entity types while training new ones on top of it.

Training a base pipeline's `ner` on data that annotates only new types teaches it that the old
types are not entities: every old entity in those texts is a token the data calls "O", and
the model forgets. Rehearsal labels, in every training text, the base pipeline's own
predictions of its old types wherever the user's annotation says nothing about them.

What "says nothing" means: the labels a dataset annotates are the labels of its spans
(accepted or rejected, in any text). For a label the data annotates, the user's "O" is an
answer (in a gold text they marked every entity of their labels), so the base model's
predictions of that label are never added. For a base label the data never annotates, an "O"
token only says "none of *my* labels here", so a base entity of that label is added when:

- its label is one of the base model's labels that the data never annotates;
- none of its tokens is inside an entity of the user's (gold or accepted), so no annotation
  is overwritten or cut;
- none of its tokens is inside a rejected span (a reject is the user's answer about those
  tokens, whatever its label).

Tokens a binary answer left unknown may become a rehearsed entity by the same rules; the rest
stay unknown, for fill-binary to decide.
"""

from typing import Iterable, Iterator, List, Sequence, Set, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..annotations.ingest import InputSpec, read_input
from ..annotations.merge import Merged
from ..annotations.partial import SpanKey, rejected_spans
from ..errors import UsageError

NER_FACTORIES = ("ner", "beam_ner", "entity_ruler", "span_ruler")


def pipeline_labels(nlp: Language) -> Set[str]:
    """The entity labels a pipeline predicts (its ner-like components)."""
    labels: Set[str] = set()
    for name in nlp.pipe_names:
        if nlp.get_pipe_meta(name).factory in NER_FACTORIES:
            labels.update(nlp.get_pipe(name).labels)
    return labels


def annotated_labels(specs: Sequence[InputSpec], input_format: str | None = None) -> Set[str]:
    """Every label the inputs (files or datasets) use on spans, whatever the answer."""
    labels: Set[str] = set()
    for spec in specs:
        for line in read_input(spec, input_format):
            record = line.record
            if record is None:
                continue
            spans = record.get("spans")
            for span in spans if isinstance(spans, list) else []:
                if isinstance(span, dict) and isinstance(span.get("label"), str):
                    labels.add(span["label"])
    return labels


def rehearsal_labels(base: Set[str], annotated: Set[str]) -> Set[str]:
    """The base labels rehearsed: those the user's data never annotates."""
    return set(base) - set(annotated)


def labels_to_rehearse(
    nlp: Language, specs: Sequence[InputSpec], input_format: str | None, base_model: str | None
) -> Set[str]:
    """The base pipeline's labels to rehearse; a usage error without a base pipeline."""
    if not base_model:
        raise UsageError("--rehearse needs --base-model", "the pipeline whose entities to keep")
    base = pipeline_labels(nlp)
    if not base:
        raise UsageError("--rehearse: the base pipeline predicts no entities", base_model)
    return rehearsal_labels(base, annotated_labels(specs, input_format))


def rehearse_doc(doc: Doc, predicted: Iterable[SpanKey], labels: Set[str]) -> Tuple[Doc, int]:
    """A copy of `doc` with the base entities of `labels` the rules allow; and how many."""
    blocked = {token.i for token in doc if token.ent_iob_ in ("B", "I")}
    blocked |= {i for start, end, _ in rejected_spans(doc) for i in range(start, end)}
    rehearsed = doc.copy()
    spans = [
        Span(rehearsed, start, end, label)
        for start, end, label in sorted(predicted)
        if label in labels and end > start and not blocked.intersection(range(start, end))
    ]
    if spans:
        rehearsed.set_ents(spans, default="unmodified")
    return rehearsed, len(spans)


def predict_entities(nlp: Language, docs: Sequence[Doc]) -> List[List[SpanKey]]:
    """The base pipeline's entities for each doc, on the doc's own tokens."""
    copies = (
        Doc(nlp.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])
        for doc in docs
    )
    return [[(e.start, e.end, e.label_) for e in pred.ents] for pred in nlp.pipe(copies)]


def rehearse_docs(
    docs: Iterable[Doc], nlp: Language, labels: Set[str], batch_size: int = 64
) -> Iterator[Tuple[Doc, int]]:
    """`(rehearsed doc, entities added)` for each doc, in order, predicted in batches."""
    batch: List[Doc] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) >= batch_size:
            yield from _rehearse_batch(batch, nlp, labels)
            batch = []
    yield from _rehearse_batch(batch, nlp, labels)


def _rehearse_batch(docs: List[Doc], nlp: Language, labels: Set[str]) -> Iterator[Tuple[Doc, int]]:
    if not docs:
        return
    for doc, predicted in zip(docs, predict_entities(nlp, docs)):
        yield rehearse_doc(doc, predicted, labels)


def rehearse_groups(
    groups: Iterable[Tuple[bool, Merged]], nlp: Language, labels: Set[str], batch_size: int = 64
) -> Iterator[Tuple[bool, Merged]]:
    """`data-to-spacy`'s merged texts with the training ones rehearsed (dev texts unchanged).

    Each rehearsed entity is counted in the text's `labels`, so labels.json lists the base
    labels beside the new ones.
    """
    pending: List[Tuple[bool, Merged]] = []

    def flush() -> Iterator[Tuple[bool, Merged]]:
        train = [m for is_dev, m in pending if not is_dev and m.doc is not None]
        for merged, (doc, _) in zip(train, rehearse_docs([m.doc for m in train], nlp, labels)):
            added = [e.label_ for e in doc.ents if e.label_ in labels]
            merged.labels.update(added)
            merged.doc = doc
        yield from pending
        pending.clear()

    for is_dev, merged in groups:
        pending.append((is_dev, merged))
        if len(pending) >= batch_size:
            yield from flush()
    yield from flush()
