"""Sentence boundaries for one task (or question) per sentence.

A component that sets them (a parser or senter) decides; else spaCy's own `Sentencizer` rule
with its default punctuation, computed on token columns: the same boundaries, without the
Token object per token that made the component most of the cost of segmenting.
"""

from typing import List, Sequence, Tuple

from spacy.attrs import IS_PUNCT, ORTH
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc
from spacy.vocab import Vocab


class RuleSentences:
    """spaCy's `Sentencizer` rule: a sentence starts at the first token that is neither
    punctuation nor a sentence-final character after a sentence-final character."""

    def __init__(self, vocab: Vocab) -> None:
        self.final_ids = {vocab.strings.add(char) for char in Sentencizer.default_punct_chars}

    def starts(self, doc: Doc) -> List[int]:
        """The token indices where `doc`'s sentences start (0 first)."""
        if not len(doc):
            return []
        starts = [0]
        after_final = False
        # one pass over plain ints (numpy's vector ops cost more than this on short texts)
        for i, (orth, is_punct) in enumerate(doc.to_array([ORTH, IS_PUNCT]).tolist()):
            if orth in self.final_ids:
                after_final = True
            elif after_final and not is_punct:
                starts.append(i)
                after_final = False
        return starts


def rule_sentences_for(nlp: Language, before: str | None = None) -> RuleSentences | None:
    """The rule when no component (before `before`, if given) sets sentence boundaries."""
    names = nlp.pipe_names
    names = names[: names.index(before)] if before in names else names
    if any("token.is_sent_start" in nlp.get_pipe_meta(name).assigns for name in names):
        return None
    return RuleSentences(nlp.vocab)


def sentence_starts(doc: Doc, rule: RuleSentences | None) -> List[int]:
    """Where `doc`'s sentences start: by `rule`, or as the pipeline set them (`rule` None)."""
    return rule.starts(doc) if rule is not None else [sent.start for sent in doc.sents]


def sentence_ranges(
    starts: Sequence[int], n_tokens: int, spans: Sequence, is_space: Sequence[int]
) -> List[Tuple[int, int]]:
    """Token ranges of the sentences starting at `starts`, trimmed of whitespace tokens, in
    one linear pass.

    A boundary inside one of `spans` (objects with token `start`/`end`, sorted) is ignored
    (the sentences are merged), so no span is cut; whitespace-only sentences are dropped.
    """
    edges = [0]
    next_span = 0
    for boundary in starts:
        if boundary == 0:
            continue
        while next_span < len(spans) and spans[next_span].end <= boundary:
            next_span += 1
        if next_span < len(spans) and spans[next_span].start < boundary:
            continue
        edges.append(boundary)
    edges.append(n_tokens)
    ranges = []
    for start, end in zip(edges, edges[1:]):
        while start < end and is_space[start]:
            start += 1
        while end > start and is_space[end - 1]:
            end -= 1
        if start < end:
            ranges.append((start, end))
    return ranges
