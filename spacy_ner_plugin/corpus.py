"""Load gold Docs from any supported evaluation/training source: `.spacy` or annotation JSONL."""

from pathlib import Path
from typing import Iterator, List, Union

from spacy.language import Language
from spacy.tokens import Doc

from .convert import RecordConverter
from .records import Reject
from .shards import read_docbin_docs


def read_gold_docs(path: Union[str, Path], nlp: Language, rejects: List[Reject]) -> Iterator[Doc]:
    """Gold Docs from `.spacy` (a file or shard directory) or annotation JSONL (tokenized by `nlp`).

    Bad JSONL records are appended to `rejects` instead of stopping the read.
    """
    path = Path(path)
    if path.suffix == ".spacy":
        yield from read_docbin_docs(path, nlp.vocab)
        return
    converter = RecordConverter(nlp)
    for _, doc in converter.docs(path):
        yield doc
    rejects.extend(converter.rejects)
