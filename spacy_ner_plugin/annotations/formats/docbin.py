"""spaCy `.spacy` (DocBin) files as records, and records as `.spacy` that round-trip to JSONL.

Written docs carry the record's own fields (answer, meta, hashes, spans with their answers) in
`doc.user_data`, so JSONL → `.spacy` → JSONL is lossless. Docs from elsewhere (or from
`data-to-spacy`) are read from their annotations: a doc with every token annotated is a gold
record; one with missing tokens yields a binary accept per entity and a binary reject per span
in the `incorrect_spans` group.
"""

import json
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Tuple

from spacy.tokens import Doc
from spacy.vocab import Vocab

from ...constants import BINARY_VIEW, INCORRECT_SPANS_KEY, MANUAL_VIEW
from ...io.records import Line, Reject, json_line
from ...io.shards import DEFAULT_SHARD_SIZE, ShardedDocBinWriter, read_docbin_docs
from ..docs import prodigy_tokens

USER_DATA_KEY = "spacy_ner_plugin.record"


def read(path: Path) -> Iterator[Line]:
    """Records from a `.spacy` file or shard directory (line = 1-based doc number)."""
    vocab = Vocab()
    path_str = str(path)
    for i, doc in enumerate(read_docbin_docs(path, vocab), start=1):
        records = doc_to_records(doc)
        if not records:  # no stored record, no entity annotation: nothing to say about it
            reason = "doc without entity annotation (every token missing, no spans)"
            yield Line(path_str, i, reject=Reject(path_str, i, None, reason, {"text": doc.text}))
        for record in records:
            yield Line(path_str, i, record=record)


def _span(span: Any) -> Dict[str, Any]:
    return {
        "start": span.start_char,
        "end": span.end_char,
        "token_start": span.start,
        "token_end": span.end - 1,
        "label": span.label_,
    }


def doc_to_records(doc: Doc) -> List[Dict[str, Any]]:
    """The record(s) a doc stands for: the stored record, or ones read from its annotations."""
    fields = _stored_fields(doc)
    if fields is not None:
        tokens = prodigy_tokens(doc, ws=False) if fields.pop("has_tokens", True) else None
        record = {"text": doc.text, **({"tokens": tokens} if tokens is not None else {})}
        return [{**record, **fields}]
    tokens = prodigy_tokens(doc, ws=False)
    if not any(t.ent_iob_ == "" for t in doc):
        spans = [_span(ent) for ent in doc.ents]
        record = {"text": doc.text, "tokens": tokens, "spans": spans, "answer": "accept"}
        return [{**record, "_view_id": MANUAL_VIEW}]
    answers = [(ent, "accept") for ent in doc.ents]
    answers += [(span, "reject") for span in doc.spans.get(INCORRECT_SPANS_KEY, [])]
    return [
        {
            "text": doc.text,
            "tokens": tokens,
            "spans": [_span(span)],
            "answer": answer,
            "_view_id": BINARY_VIEW,
        }
        for span, answer in answers
    ]


def _stored_fields(doc: Doc) -> Dict[str, Any] | None:
    """The record fields `store_record` kept on the doc; None if there are none (or no object)."""
    stored = doc.user_data.get(USER_DATA_KEY)
    if not isinstance(stored, str):
        return None
    try:
        fields = json.loads(stored)
    except (ValueError, RecursionError):
        return None
    return fields if isinstance(fields, dict) else None


def store_record(doc: Doc, record: Dict[str, Any]) -> Doc:
    """Keep the record's own fields on the doc so that reading it back gives the same record."""
    fields = {k: v for k, v in record.items() if k not in ("text", "tokens")}
    fields["has_tokens"] = "tokens" in record
    # as a JSON string: msgpack would turn lists into tuples and reject ints over 64 bits
    doc.user_data[USER_DATA_KEY] = json_line(fields)
    return doc


def write(
    path: Path, items: Iterable[Tuple[Dict[str, Any], Doc]], shard_size: int = DEFAULT_SHARD_SIZE
) -> int:
    """Write `(record, doc)` pairs as `.spacy` (sharded above `shard_size`) with user data."""
    writer = ShardedDocBinWriter(path, shard_size=shard_size, store_user_data=True)
    try:
        for record, doc in items:
            writer.add(store_record(doc, record))
    except BaseException:
        writer.discard()
        raise
    writer.close()
    return writer.count
