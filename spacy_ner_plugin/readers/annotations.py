"""Registered corpus readers, so a training config can read annotation JSONL directly."""

from pathlib import Path
from typing import Callable, Iterator, List, Optional, Union

import spacy
from spacy.language import Language
from spacy.training import Example
from wasabi import msg

from .corpus import read_gold_docs
from .records import Reject


class JsonlCorpus:
    """Iterate over gold Examples from annotation JSONL (or `.spacy`) files.

    Bad records are skipped with one warning that names the first few, so a config can train
    straight from an annotation export without a conversion step.
    """

    def __init__(self, path: Union[str, Path], limit: int = 0) -> None:
        self.path = Path(path)
        self.limit = limit

    def __call__(self, nlp: Language) -> Iterator[Example]:
        paths = sorted(self.path.glob("*.jsonl")) if self.path.is_dir() else [self.path]
        rejects: List[Reject] = []
        count = 0
        for path in paths:
            for doc in read_gold_docs(path, nlp, rejects):
                if self.limit and count >= self.limit:
                    return
                count += 1
                yield Example(nlp.make_doc(doc.text), doc)
        if rejects:
            shown = "; ".join(str(r) for r in rejects[:3])
            msg.warn(f"{len(rejects)} bad records skipped in {self.path}: {shown}")


@spacy.registry.readers("spacy_ner_plugin.JsonlCorpus.v1")
def create_jsonl_reader(
    path: Optional[Path], limit: int = 0
) -> Callable[[Language], Iterator[Example]]:
    """Corpus reader over annotation JSONL: a file or a directory of `*.jsonl` files."""
    if path is None:
        raise ValueError("spacy_ner_plugin.JsonlCorpus.v1 needs a path")
    return JsonlCorpus(path, limit=limit)
