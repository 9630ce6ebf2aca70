"""CoNLL-style token-per-line files (IOB1, IOB2, BILUO/BIOES; 2 to 4+ columns) in and out.

The token is the first column and the tag the last, split on tabs when a line has one and on
whitespace otherwise. Every real `-DOCSTART-` variant (`-DOCSTART-`, `-DOCSTART- -X- O O`,
`-DOCSTART- -X- -X- O`) ends a document instead of becoming a token. Sentences (blank or
whitespace-only lines between them) become records, `n_sents` at a time (0: one record per
document). A bad sentence rejects only itself, at the line where it goes wrong.
"""

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple, Union

from spacy.tokens import Doc
from spacy.training.iob_utils import iob_to_biluo

from ...constants import MANUAL_VIEW
from ...errors import choice
from ...io.files import atomic_path
from ...io.records import InvalidRecord, Line, Reject

DOCSTART = "-DOCSTART-"
BIOES_TO_BILUO = {"E": "L", "S": "U"}


class Scheme(str, Enum):
    """The tag scheme of a CoNLL file: `auto` reads IOB1/IOB2 and BILUO/BIOES alike."""

    auto = "auto"
    iob1 = "iob1"
    iob2 = "iob2"
    biluo = "biluo"


@dataclass
class _Sentence:
    line: int
    words: List[str] = field(default_factory=list)
    tags: List[str] = field(default_factory=list)
    error: Optional[Tuple[int, str, str]] = None


def read(path: Path, scheme: Union[str, Scheme] = Scheme.auto, n_sents: int = 1) -> Iterator[Line]:
    """Records of `n_sents` sentences each (0: a whole `-DOCSTART-` document), or rejects."""
    scheme = choice(Scheme, scheme, "tag scheme").value
    path_str = str(path)
    group: List[Dict[str, Any]] = []
    for sentence, doc_end in _sentences(path):
        if sentence is not None:
            try:
                if sentence.error is not None:
                    raise InvalidRecord(sentence.error[1], sentence.error[2])
                group.append(_sentence_record(sentence, scheme))
            except InvalidRecord as err:
                line = sentence.error[0] if sentence.error else sentence.line
                raw = {"words": sentence.words, "tags": sentence.tags}
                reject = Reject(path_str, line, err.field, err.reason, raw)
                yield Line(path_str, line, reject=reject)
        if group and (doc_end or (n_sents and len(group) >= n_sents)):
            yield Line(path_str, group[0]["meta"]["line"], record=_join(group))
            group = []
    if group:
        yield Line(path_str, group[0]["meta"]["line"], record=_join(group))


def _sentences(path: Path) -> Iterator[Tuple[Optional[_Sentence], bool]]:
    """Yield `(sentence, ends_document)`; a `-DOCSTART-` line yields `(None, True)`."""
    n_columns: Optional[int] = None
    sentence: Optional[_Sentence] = None
    with path.open("rb") as file_:
        for line_no, raw in enumerate(file_, start=1):
            if line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf8").rstrip("\r\n")
            except UnicodeDecodeError as err:
                text = raw.decode("utf8", errors="replace").rstrip("\r\n")
                if sentence is None:
                    sentence = _Sentence(line_no)
                if sentence.error is None:
                    sentence.error = (line_no, None, f"not valid UTF-8 (byte {err.start})")
            if not text.strip():
                if sentence is not None:
                    yield sentence, False
                sentence = None
                continue
            columns = text.split("\t") if "\t" in text else text.split()
            if columns[0] == DOCSTART:
                if sentence is not None:
                    yield sentence, False
                sentence = None
                yield None, True
                continue
            if sentence is None:
                sentence = _Sentence(line_no)
            if n_columns is None and len(columns) >= 2:
                n_columns = len(columns)
            error = _column_error(columns, n_columns)
            if error and sentence.error is None:
                sentence.error = (line_no, "columns", error)
            sentence.words.append(columns[0])
            sentence.tags.append(columns[-1].strip())
    if sentence is not None:
        yield sentence, False


def _column_error(columns: List[str], n_columns: Optional[int]) -> Optional[str]:
    if len(columns) < 2:
        return "expected a token and a tag"
    if len(columns) != n_columns:
        return f"{len(columns)} columns where the file has {n_columns}"
    if not columns[0]:
        return "empty token"
    return None


def _sentence_record(sentence: _Sentence, scheme: str) -> Dict[str, Any]:
    entities = tags_to_entities(sentence.tags, scheme)
    tokens, spans, offset = [], [], 0
    for i, word in enumerate(sentence.words):
        tokens.append({"text": word, "start": offset, "end": offset + len(word), "id": i})
        offset += len(word) + 1
    for label, first, last in entities:
        spans.append(
            {
                "start": tokens[first]["start"],
                "end": tokens[last]["end"],
                "token_start": first,
                "token_end": last,
                "label": label,
            }
        )
    text = " ".join(sentence.words)
    return {"text": text, "tokens": tokens, "spans": spans, "meta": {"line": sentence.line}}


def _join(group: List[Dict[str, Any]]) -> Dict[str, Any]:
    """One record from consecutive sentence records, joined with a space."""
    record = group[0]
    text, tokens, spans = record["text"], list(record["tokens"]), list(record["spans"])
    for other in group[1:]:
        shift, n_tokens = len(text) + 1, len(tokens)
        text = f"{text} {other['text']}"
        tokens += [
            {**t, "start": t["start"] + shift, "end": t["end"] + shift, "id": t["id"] + n_tokens}
            for t in other["tokens"]
        ]
        spans += [
            {
                **s,
                "start": s["start"] + shift,
                "end": s["end"] + shift,
                "token_start": s["token_start"] + n_tokens,
                "token_end": s["token_end"] + n_tokens,
            }
            for s in other["spans"]
        ]
    meta = {**record["meta"], "sentences": len(group)}
    return {
        "text": text,
        "tokens": tokens,
        "spans": spans,
        "answer": "accept",
        "meta": meta,
        "_view_id": MANUAL_VIEW,
    }


def tags_to_entities(tags: List[str], scheme: str = "auto") -> List[Tuple[str, int, int]]:
    """`(label, first_token, last_token)` of every entity, validating the tag sequence.

    IOB input is read as IOB1 (an I- after O starts an entity, which is also how valid IOB2
    reads) unless `scheme="iob2"`, where an I- that does not continue an entity is an error.
    """
    for i, tag in enumerate(tags):
        _check_tag(i, tag)
    normalized = [BIOES_TO_BILUO.get(t[0], t[0]) + t[1:] if t != "O" else t for t in tags]
    is_biluo = any(t[:2] in ("L-", "U-") for t in normalized)
    if scheme in ("iob1", "iob2") or (scheme == "auto" and not is_biluo):
        if scheme == "iob2":
            _check_iob2(normalized)
        normalized = iob_to_biluo(normalized)
    return _biluo_entities(normalized)


def _check_tag(i: int, tag: str) -> None:
    if tag == "O":
        return
    prefix, _, label = tag.partition("-")
    if prefix not in ("B", "I", "L", "U", "E", "S") or not _:
        raise InvalidRecord("tags", f"token {i}: tag {tag!r} is not O or a B/I/L/U/E/S- tag")
    if not label.strip():
        raise InvalidRecord("tags", f"token {i}: tag {tag!r} has an empty label")
    if any(ch.isspace() for ch in label):
        raise InvalidRecord("tags", f"token {i}: label {label!r} contains whitespace")


def _check_iob2(tags: List[str]) -> None:
    previous = "O"
    for i, tag in enumerate(tags):
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            raise InvalidRecord(
                "tags",
                f"token {i}: {tag} after {previous} is not valid IOB2 (IOB1 allows it: use "
                "--scheme iob1)",
            )
        previous = tag


def _biluo_entities(tags: List[str]) -> List[Tuple[str, int, int]]:
    entities: List[Tuple[str, int, int]] = []
    open_label, open_start = None, 0
    for i, tag in enumerate(tags):
        prefix, label = tag[:1], tag[2:]
        if open_label is not None and (prefix not in ("I", "L") or label != open_label):
            raise InvalidRecord("tags", f"token {i}: {tag} inside an open {open_label} entity")
        if open_label is None and prefix in ("I", "L"):
            raise InvalidRecord("tags", f"token {i}: {tag} without a preceding B-{label}")
        if prefix == "B":
            open_label, open_start = label, i
        elif prefix == "L":
            entities.append((label, open_start, i))
            open_label = None
        elif prefix == "U":
            entities.append((label, i, i))
    if open_label is not None:
        raise InvalidRecord("tags", f"entity {open_label} opened at token {open_start} never ends")
    return entities


def doc_to_iob2(doc: Doc) -> List[str]:
    """The doc's entities as IOB2 tags, read from the tokens (missing tokens are "-")."""
    return [f"{t.ent_iob_}-{t.ent_type_}" if t.ent_type_ else (t.ent_iob_ or "-") for t in doc]


def write(path: Path, docs: Iterable[Doc]) -> int:
    """Write fully annotated docs as tab-separated IOB2, one sentence block per doc.

    Whitespace tokens are left out (a token-per-line file cannot hold them).
    """
    count = 0
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf8") as file_:
        for doc in docs:
            for token, tag in zip(doc, doc_to_iob2(doc)):
                if not token.is_space:
                    file_.write(f"{token.text}\t{tag}\n")
            file_.write("\n")
            count += 1
    return count
