"""Readers and writers for every supported annotation format, one module per format.

Every reader yields `records.Line`s: a normalized Prodigy-style record (`text`, `spans` with
`start`/`end`/`label`, `answer`, `meta`, and `tokens` where the format has them) or a `Reject`
naming file, line and reason. `read_records` picks the reader from the file's content.
"""

from enum import Enum
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Union

from ...errors import choice
from ...io.encoding import expect_file
from ...io.records import Line
from ...io.validation import validate_lines
from . import conll, docbin, doccano, label_studio, prodigy, spacy_v2
from .detect import detect_format


class InputFormat(str, Enum):
    """The formats every step reads (`--input-format`; default: detected from the content)."""

    prodigy = "prodigy"
    doccano = "doccano"
    label_studio = "label-studio"
    conll = "conll"
    spacy_v2 = "spacy-v2"
    spacy = "spacy"


class OutputFormat(str, Enum):
    """The formats `db-out` writes (`--output-format`; default: by the output's suffix)."""

    prodigy = "prodigy"
    conll = "conll"
    spacy = "spacy"
    label_studio = "label-studio"


READERS: Dict[str, Callable[[Path], Iterator[Line]]] = {
    InputFormat.prodigy.value: prodigy.read,
    InputFormat.doccano.value: doccano.read,
    InputFormat.label_studio.value: label_studio.read,
    InputFormat.conll.value: conll.read,
    InputFormat.spacy_v2.value: spacy_v2.read,
    InputFormat.spacy.value: docbin.read,
}


def read_records(
    path: Union[str, Path], format: Union[str, InputFormat] | None = None, **conll_options: Any
) -> Iterator[Line]:
    """Every record (or reject) of `path`, in the given format or the one its content shows.

    `conll_options` (`scheme`, `n_sents`) go to the CoNLL reader only. Every record passes
    `validation.check_record`, whatever its format: one that fails is a reject of its line.
    """
    path = Path(path)
    name = choice(InputFormat, format, "input format").value if format else detect_format(path)
    if name != "spacy":  # a directory of `.spacy` shards is one corpus; nothing else is
        expect_file(path)
    if name == "conll":
        return validate_lines(conll.read(path, **conll_options))
    return validate_lines(READERS[name](path))
