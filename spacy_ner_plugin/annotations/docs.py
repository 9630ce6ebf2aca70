"""Build spaCy `Doc`s from annotation records, validating text, tokens and spans on the way.

Every problem raises `InvalidRecord` naming the field, so callers can reject the record with a
precise reason instead of crashing or silently dropping a span.
"""

from enum import Enum
from typing import Any, Callable, Dict, List, Sequence, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from ..errors import choice
from ..io.records import InvalidRecord, get_text
from ..io.validation import check_label, check_span_answer, check_tokens, is_int

Tokenizer = Callable[[str], Doc]


class AlignMode(str, Enum):
    """Spans off token boundaries: reject the record, or snap them to the tokens around/inside."""

    strict = "strict"
    expand = "expand"
    contract = "contract"


def check_length(nlp: Language, text: str) -> None:
    """Raise `InvalidRecord` for a text over `nlp.max_length` when `nlp` has components.

    spaCy's limit guards the memory parser and NER components need per character; a pipeline
    of a tokenizer alone needs none, so it takes a text of any length (`make_doc`).
    """
    if len(text) > nlp.max_length and nlp.pipe_names:
        raise InvalidRecord(
            "text",
            f"text of {len(text)} characters is over the pipeline's max_length "
            f"({nlp.max_length}), the limit of its components ({', '.join(nlp.pipe_names)}): "
            "split the text, or raise nlp.max_length",
        )


def make_doc(nlp: Language, text: str) -> Doc:
    """`nlp.make_doc(text)`, also over `nlp.max_length` for a tokenizer-only pipeline.

    Raises `InvalidRecord` (never spaCy's `ValueError`) for a text `check_length` refuses.
    """
    check_length(nlp, text)
    return nlp.make_doc(text) if len(text) <= nlp.max_length else nlp.tokenizer(text)


def doc_from_tokens(vocab: Vocab, text: str, tokens: Sequence[Dict[str, Any]]) -> Doc:
    """A Doc whose tokens are exactly the record's `tokens`, checked against its text."""
    words, spaces = check_tokens(text, tokens)
    return Doc(vocab, words=words, spaces=spaces)


def prodigy_tokens(doc: Doc, ws: bool = True) -> List[Dict[str, Any]]:
    """The Doc's tokens in Prodigy's task format (`doc_from_tokens` reads them back); `ws`:
    with each token's trailing whitespace flag."""
    return [
        {
            "text": token.text,
            "start": token.idx,
            "end": token.idx + len(token),
            "id": token.i,
            **({"ws": bool(token.whitespace_)} if ws else {}),
        }
        for token in doc
    ]


def aligned_spans(
    doc: Doc,
    raw_spans: Any,
    align: Union[str, AlignMode] = AlignMode.strict,
    changes: List[Dict[str, Any]] | None = None,
    text: str | None = None,
) -> List[Span | None]:
    """Each raw span as a labelled `Span` of `doc` (same order; None where `contract` drops it).

    `align="strict"` rejects a span off token boundaries; `expand`/`contract` snap it to the
    tokens around/inside it and append a note of every changed or dropped span to `changes`.
    `text` is `doc.text` when the caller has it (`Doc.text` is rebuilt on every access).
    """
    mode = choice(AlignMode, align, "alignment").value
    if not isinstance(raw_spans, list):
        raise InvalidRecord("spans", "'spans' must be a list")
    text = doc.text if text is None else text
    spans: List[Span | None] = []
    for i, raw in enumerate(raw_spans):
        start, end, label = check_span(i, raw, len(text))
        span = doc.char_span(start, end, label=label)
        if span is None and mode == AlignMode.strict:
            raise InvalidRecord(
                "spans",
                f"span {i} [{start}:{end}] {text[start:end]!r} is not on token boundaries",
            )
        if span is None:
            span = doc.char_span(start, end, label=label, alignment_mode=mode)
            if span is not None and len(span) == 0:
                span = None
            if changes is not None:
                changes.append(
                    {
                        "span": i,
                        "label": label,
                        "from": [start, end],
                        "to": [span.start_char, span.end_char] if span is not None else None,
                        "text": text[start:end],
                        "new_text": span.text if span is not None else None,
                    }
                )
        spans.append(span)
    return spans


def check_span(i: int, raw: Any, text_length: int) -> Tuple[int, int, str]:
    """The `(start, end, label)` of a raw span, which must be in range, well labelled and
    (if it has an answer of its own) well answered."""
    if not isinstance(raw, dict):
        raise InvalidRecord("spans", f"span {i} must be an object")
    start, end, label = raw.get("start"), raw.get("end"), raw.get("label")
    if not is_int(start) or not is_int(end):
        raise InvalidRecord("spans", f"span {i} needs integer 'start' and 'end'")
    label = check_label(i, label)
    check_span_answer(i, raw)
    if any(ch.isspace() for ch in label):
        raise InvalidRecord("spans", f"span {i} label {label!r} contains whitespace")
    if not 0 <= start < end <= text_length:
        raise InvalidRecord(
            "spans", f"span {i} [{start}:{end}] is out of range for a text of {text_length}"
        )
    return start, end, label


def check_no_overlap(spans: List[Span]) -> List[Span]:
    """The spans sorted by position; overlapping entities make the record unusable."""
    spans = sorted(spans, key=lambda s: (s.start, s.end))
    for prev, span in zip(spans, spans[1:]):
        if span.start < prev.end:
            raise InvalidRecord(
                "spans", f"spans {prev.text!r} ({prev.label_}) and {span.text!r} overlap"
            )
    return spans


def spans_from_record(
    doc: Doc,
    record: Dict[str, Any],
    align: Union[str, AlignMode] = AlignMode.strict,
    changes: List[Dict[str, Any]] | None = None,
) -> List[Span]:
    """The record's `spans` as labelled `Span`s of `doc`, on token boundaries, no overlaps."""
    spans = aligned_spans(doc, record.get("spans") or [], align, changes)
    return check_no_overlap([span for span in spans if span is not None])


def record_doc(record: Dict[str, Any], vocab: Vocab, tokenizer: Tokenizer) -> Doc:
    """The record's text as an unannotated Doc: its own `tokens` if it has them, else tokenized."""
    text = get_text(record)
    if "tokens" in record:
        return doc_from_tokens(vocab, text, record["tokens"])
    return tokenizer(text)


def record_to_doc(
    record: Dict[str, Any],
    vocab: Vocab,
    tokenizer: Tokenizer,
    align: Union[str, AlignMode] = AlignMode.strict,
    changes: List[Dict[str, Any]] | None = None,
) -> Doc:
    """A gold Doc: the record's spans as entities and every other token annotated "O".

    Records with `tokens` keep exactly that tokenization; others use `tokenizer`.
    """
    doc = record_doc(record, vocab, tokenizer)
    doc.set_ents(spans_from_record(doc, record, align, changes), default="outside")
    return doc
