"""Check one record and bring it to normalized Prodigy form (hashes, optional `_view_id`)."""

from typing import Any, Dict

from spacy.vocab import Vocab

from ..constants import VIEW_IDS
from ..io.hashing import set_hashes
from ..io.records import InvalidRecord, get_answer, get_text
from ..io.validation import check_tokens
from .docs import check_span


def normalize_record(
    record: Dict[str, Any], vocab: Vocab, kind: str | None = None
) -> Dict[str, Any]:
    """The record with hashes (and `_view_id` when `kind` is given); raises `InvalidRecord`.

    Checks what can be checked without a tokenizer: text, answer, tokens against the text,
    and every span's offsets and label.
    """
    text = get_text(record)
    get_answer(record)
    if "tokens" in record:
        check_tokens(text, record["tokens"])
    spans = record.get("spans") or []
    if not isinstance(spans, list):
        raise InvalidRecord("spans", "'spans' must be a list")
    for i, span in enumerate(spans):
        check_span(i, span, len(text))
    if kind is not None:
        record["_view_id"] = VIEW_IDS[kind]
    return set_hashes(record)
