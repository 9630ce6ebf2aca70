"""Readers and writers for every supported annotation format, one module per format.

Every reader yields `records.Line`s: a normalized Prodigy-style record (`text`, `spans` with
`start`/`end`/`label`, `answer`, `meta`, and `tokens` where the format has them) or a `Reject`
naming file, line and reason. `read_records` picks the reader from the file's content.
"""

from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional, Union

from ...io.encoding import expect_file
from ...io.records import Line
from ...io.validation import validate_lines
from . import conll, docbin, doccano, label_studio, prodigy, spacy_v2
from .detect import detect_format

READERS: Dict[str, Callable[[Path], Iterator[Line]]] = {
    "prodigy": prodigy.read,
    "doccano": doccano.read,
    "label-studio": label_studio.read,
    "conll": conll.read,
    "spacy-v2": spacy_v2.read,
    "spacy": docbin.read,
}
OUTPUT_FORMATS = ("prodigy", "conll", "spacy")


def read_records(
    path: Union[str, Path], format: Optional[str] = None, **conll_options: Any
) -> Iterator[Line]:
    """Every record (or reject) of `path`, in the given format or the one its content shows.

    `conll_options` (`scheme`, `n_sents`) go to the CoNLL reader only. Every record passes
    `validation.check_record`, whatever its format: one that fails is a reject of its line.
    """
    path = Path(path)
    name = format or detect_format(path)
    if name not in READERS:
        raise ValueError(f"unknown format {name!r} (expected one of {', '.join(READERS)})")
    if name != "spacy":  # a directory of `.spacy` shards is one corpus; nothing else is
        expect_file(path)
    if name == "conll":
        return validate_lines(conll.read(path, **conll_options))
    return validate_lines(READERS[name](path))
