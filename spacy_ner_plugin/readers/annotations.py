"""Registered corpus reader, so a training config can read annotation files directly.

`spacy_ner_plugin.AnnotationCorpus.v1` reads annotation files of any supported format (or
`.spacy`) through the same merge as `data-to-spacy` (`annotations.gold.read_gold_docs`), and
takes `spacy.Corpus.v1`'s usual `max_length`, `limit` and `augmenter`. Texts that only binary
answers annotate are partial docs, read with `binary = true` (for binary-aware training) and
skipped otherwise. It is named apart from
`spacy.JsonlCorpus.v1`, which reads raw text for pretraining; the old name
`spacy_ner_plugin.JsonlCorpus.v1` stays registered as an alias.
"""

from pathlib import Path
from typing import Callable, Iterable, Iterator, List, Union

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from spacy.training.augment import dont_augment
from spacy.training.corpus import walk_corpus

from ..annotations.gold import read_gold_docs
from ..io.records import Reject
from .raw_text import warn_bad_lines

Augmenter = Callable[[Language, Example], Iterable[Example]]
SUFFIXES = (".jsonl", ".json", ".conll", ".iob", ".spacy")


class AnnotationCorpus:
    """Iterate over gold Examples from annotation files: a file or a directory of them.

    Bad records are skipped with one warning that names the first few (through `warn`, once:
    `warnings.warn` as spaCy's readers do, since a config-built reader has no step printer), so
    a config can train straight from an annotation export without a conversion step.
    """

    def __init__(
        self,
        path: Union[str, Path],
        *,
        limit: int = 0,
        max_length: int = 0,
        augmenter: Augmenter | None = None,
        binary: bool = False,
        warn: Callable[[str], None] = warn_bad_lines,
    ) -> None:
        self.path = Path(path)
        self.binary = binary
        self.warn = warn
        self._warned = False
        self.limit = limit
        self.max_length = max_length
        self.augmenter = augmenter if augmenter is not None else dont_augment

    def paths(self) -> List[Path]:
        """The annotation files under `path` (one file, or a directory walked like spaCy's)."""
        if not self.path.is_dir():
            return [self.path]
        return [p for p in walk_corpus(self.path, "") if p.suffix in SUFFIXES]

    def __call__(self, nlp: Language) -> Iterator[Example]:
        rejects: List[Reject] = []
        count = 0
        for reference in self._references(
            read_gold_docs(self.paths(), nlp, rejects, binary=self.binary)
        ):
            yield from self.augmenter(nlp, Example(nlp.make_doc(reference.text), reference))
            count += 1
            if self.limit and count >= self.limit:
                break
        if rejects and not self._warned:
            self._warned = True
            shown = "; ".join(str(r) for r in rejects[:3])
            self.warn(f"{len(rejects)} bad records skipped in {self.path}: {shown}")

    def _references(self, docs: Iterable[Doc]) -> Iterator[Doc]:
        """Non-empty docs; those of `max_length` tokens or more split into sentences (as spaCy)."""
        for doc in docs:
            if len(doc) == 0:
                continue
            if self.max_length == 0 or len(doc) < self.max_length:
                yield doc
            elif doc.has_annotation("SENT_START"):
                for sent in doc.sents:
                    if 0 < len(sent) < self.max_length:
                        yield sent.as_doc()


@spacy.registry.readers("spacy_ner_plugin.AnnotationCorpus.v1")
@spacy.registry.readers("spacy_ner_plugin.JsonlCorpus.v1")
def create_annotation_reader(
    path: Path | None,
    limit: int = 0,
    max_length: int = 0,
    augmenter: Augmenter | None = None,
    binary: bool = False,
) -> Callable[[Language], Iterator[Example]]:
    """Corpus reader over annotation files (any supported format): a file or a directory."""
    if path is None:
        raise ValueError("spacy_ner_plugin.AnnotationCorpus.v1 needs a path")
    return AnnotationCorpus(
        path, limit=limit, max_length=max_length, augmenter=augmenter, binary=binary
    )
