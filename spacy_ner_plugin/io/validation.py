"""The one check every reader's records pass through: the type of every field the code uses.

`formats.read_records` runs `check_record` on every record of every format, so a record that
reaches the merge, the hashes or a writer has a string `text`, a known `answer`, `spans` that
are objects with integer offsets, a label and (if any) a known answer of their own, `tokens`
that rebuild exactly its text, an object `meta` and integer hashes. What a field holds beyond
that (offsets in range, spans on token boundaries) is checked where the tokenization is known
(`annotations.docs`).
"""

from typing import Any, Dict, Iterable, Iterator, List, Tuple

from ..constants import ANSWERS
from .encoding import LONE_SURROGATE
from .records import InvalidRecord, Line, Reject, get_answer, get_text

HASH_KEYS = ("_input_hash", "_task_hash")


def is_int(value: Any) -> bool:
    """A JSON integer (`True`/`False` are ints to Python, not to JSON)."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_record(record: Dict[str, Any]) -> Dict[str, Any]:
    """The record itself if every field the code relies on has its type; else `InvalidRecord`."""
    text = get_text(record)
    get_answer(record)
    if "spans" in record:
        check_spans(record["spans"])
    if "tokens" in record:
        check_tokens(text, record["tokens"])
    if "meta" in record and not isinstance(record["meta"], dict):
        raise InvalidRecord("meta", f"'meta' must be an object, got {_type(record['meta'])}")
    for key in HASH_KEYS:
        if key in record and not is_int(record[key]):
            raise InvalidRecord(key, f"'{key}' must be an integer, got {_type(record[key])}")
    return record


def check_raw_record(record: Dict[str, Any]) -> Dict[str, Any]:
    """A raw input record (a text to annotate): a usable `text` and, if present, object `meta`."""
    get_text(record)
    if "meta" in record and not isinstance(record["meta"], dict):
        raise InvalidRecord("meta", f"'meta' must be an object, got {_type(record['meta'])}")
    return record


def check_spans(spans: Any) -> None:
    """`spans` is a list of objects with integer `start`/`end`, a non-empty string `label` and,
    if given, a known `answer`."""
    if not isinstance(spans, list):
        raise InvalidRecord("spans", f"'spans' must be a list, got {_type(spans)}")
    for i, span in enumerate(spans):
        if not isinstance(span, dict):
            raise InvalidRecord("spans", f"span {i} must be an object, got {_type(span)}")
        if not is_int(span.get("start")) or not is_int(span.get("end")):
            raise InvalidRecord("spans", f"span {i} needs integer 'start' and 'end'")
        check_label(i, span.get("label"))
        check_span_answer(i, span)


def check_span_answer(i: int, span: Dict[str, Any]) -> None:
    """Span `i`'s own answer (a binary answer's verdict on it), if it has one, is known."""
    if "answer" in span and span["answer"] not in ANSWERS:
        raise InvalidRecord(
            f"spans.{i}.answer",
            f"span {i} has an unknown answer {span['answer']!r} (expected one of {ANSWERS})",
        )


def check_label(i: int, label: Any) -> str:
    """The label of span `i`: a non-empty string that spaCy's string store can hold."""
    if not isinstance(label, str) or not label.strip():
        raise InvalidRecord("spans", f"span {i} has no label (a non-empty string)")
    if LONE_SURROGATE.search(label):
        raise InvalidRecord("spans", f"span {i} label has a lone surrogate: not valid Unicode")
    return label


def check_tokens(text: str, tokens: Any) -> Tuple[List[str], List[bool]]:
    """The words and trailing spaces of `tokens`, which must rebuild `text` exactly.

    Each token is an object with string `text` and integer `start`/`end` (and integer `id`,
    unique, when given); tokens follow each other with nothing or one space between them, from
    the first character of the text to the last.
    """
    if not isinstance(tokens, list) or not tokens:
        raise InvalidRecord("tokens", "'tokens' must be a non-empty list")
    # One pass with exact type tests: this runs on every token of every record.
    words: List[str] = []
    spaces: List[bool] = []
    ids = set()
    n_ids = 0
    text_length = len(text)
    previous_end = 0
    for i, token in enumerate(tokens):
        if type(token) is not dict or "text" not in token or "start" not in token:
            raise InvalidRecord("tokens", f"token {i} needs 'text', 'start' and 'end'")
        if "end" not in token:
            raise InvalidRecord("tokens", f"token {i} needs 'text', 'start' and 'end'")
        word, start, end = token["text"], token["start"], token["end"]
        if type(start) is not int or type(end) is not int or type(word) is not str:
            if not (is_int(start) and is_int(end) and isinstance(word, str)):
                raise InvalidRecord(
                    "tokens", f"token {i} has non-integer offsets or non-string text"
                )
        if "id" in token:
            token_id = token["id"]
            if type(token_id) is not int and not is_int(token_id):
                raise InvalidRecord("tokens", f"token {i} has a non-integer 'id'")
            ids.add(token_id)
            n_ids += 1
            if len(ids) < n_ids:
                raise InvalidRecord("tokens", f"token {i} repeats the id {token_id}")
        if not 0 <= start < end <= text_length:  # before `text[previous_end]` below
            raise InvalidRecord(
                "tokens",
                f"token {i} [{start}:{end}] is empty or out of range for a text of {text_length}",
            )
        if i:
            if start == previous_end + 1 and text[previous_end] == " ":
                spaces.append(True)
            elif start == previous_end:
                spaces.append(False)
            elif start < previous_end:
                raise InvalidRecord("tokens", f"token {i} starts before token {i - 1} ends")
            else:
                spaces.append(_space_after(text, previous_end, start, i - 1))
        elif start != 0:
            raise InvalidRecord("tokens", "tokens do not start at the beginning of the text")
        if text[start:end] != word:
            raise InvalidRecord(
                "tokens",
                f"token {i} {word!r} disagrees with text[{start}:{end}] = {text[start:end]!r}",
            )
        words.append(word)
        previous_end = end
    rest = text[previous_end:]
    if rest not in ("", " "):
        raise InvalidRecord(
            "tokens",
            f"tokens end at {previous_end}, before the end of the text ({text_length}): "
            f"{rest[:20]!r} after them is not a single space",
        )
    spaces.append(rest == " ")
    return words, spaces


def _space_after(text: str, end: int, next_start: int, i: int) -> bool:
    """Whether token `i` (ending at `end`) has a space after it; nothing else may follow it."""
    gap = text[end:next_start]
    if gap not in ("", " "):
        raise InvalidRecord(
            "tokens", f"text between token {i} and {i + 1} is {gap!r}, not a single space"
        )
    return gap == " "


def validate_lines(lines: Iterable[Line]) -> Iterator[Line]:
    """`lines` with every record that fails `check_record` turned into a located reject."""
    for line in lines:
        if line.record is not None:
            try:
                check_record(line.record)
            except InvalidRecord as err:
                reject = Reject(line.path, line.line, err.field, err.reason, line.record)
                yield Line(line.path, line.line, reject=reject)
                continue
        yield line


def _type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), type(value).__name__)
