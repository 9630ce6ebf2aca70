"""The data behind each train-curve point: a seeded, nested sample of the training corpus,
and the dev corpus read once for all of the point's evaluations.

Every example gets a rank, the MurmurHash3 of its text seeded with `seed`, and a sample of
`fraction` is the first `round(fraction * n)` examples in rank order (ties keep the corpus
order). The order does not depend on the fraction, so with the same seed the 25% sample is
part of the 50% sample, which is part of the 75% one: a curve point adds data, it never swaps
it. Ranking by text, not by position, keeps a sample stable when the corpus file is reordered.
"""

import math
from typing import Callable, Iterable, Iterator, List, Sequence, Tuple

import murmurhash
import spacy
from spacy.language import Language
from spacy.training import Example

CorpusReader = Callable[[Language], Iterable[Example]]


def sample_size(n_examples: int, fraction: float) -> int:
    """How many of `n_examples` a sample of `fraction` holds (rounded half up)."""
    return math.floor(n_examples * fraction + 0.5)


def rank_key(text: str, position: int, seed: int) -> Tuple[int, int]:
    """Where an example falls in the sampling order: its seeded text hash, then its position."""
    return murmurhash.hash(text, seed=seed), position


def sample_order(texts: Sequence[str], seed: int) -> List[int]:
    """Indices of `texts` in sampling order."""
    return sorted(range(len(texts)), key=lambda i: rank_key(texts[i], i, seed))


def take_sample(examples: Sequence[Example], fraction: float, seed: int) -> List[Example]:
    """The seeded, nested sample of `fraction` of `examples`, in corpus order."""
    order = sample_order([eg.reference.text for eg in examples], seed)
    return [examples[i] for i in sorted(order[: sample_size(len(examples), fraction)])]


class SampledCorpus:
    """Yield the seeded, nested `fraction` sample of the Examples of another corpus reader.

    The first call reads the whole wrapped corpus and keeps the sample; later calls yield
    copies of it, as fresh as a re-read, so spaCy's initialization, which reads the training
    corpus once per component, and the training loop do not pay for a full pass each. The
    wrapped reader must yield the same examples on every call (an augmenter that varies them
    per epoch varies only the first).
    """

    def __init__(self, corpus: CorpusReader, fraction: float, seed: int) -> None:
        if not 0 < fraction <= 1:
            raise ValueError(f"fraction must be in (0, 1], got {fraction}")
        self.corpus = corpus
        self.fraction = fraction
        self.seed = seed
        self.sample: List[Example] | None = None

    def __call__(self, nlp: Language) -> Iterator[Example]:
        if self.sample is None:
            examples = list(self.corpus(nlp))
            self.sample = take_sample(examples, self.fraction, self.seed)
            if not self.sample:
                raise ValueError(
                    f"A {self.fraction:.0%} sample of {len(examples)} examples is empty: "
                    "use a larger fraction or more data"
                )
        return (eg.copy() for eg in self.sample)


@spacy.registry.readers("spacy_ner_plugin.SampledCorpus.v1")
def create_sampled_reader(corpus: CorpusReader, fraction: float, seed: int = 0) -> SampledCorpus:
    """Wrap any corpus reader (`[corpora.train.corpus]`) to read a seeded, nested sample."""
    return SampledCorpus(corpus, fraction, seed)


class EvaluationCorpus:
    """Yield the Examples of a dev corpus reader, read once, at every evaluation.

    spaCy's training loop reads its dev corpus again for each evaluation, and
    `Language.evaluate` scores copies of what it is given, so one read serves them all. spaCy
    also evaluates right after the first update (step 0), a model no curve point keeps as its
    best: with `skip_first`, the first call yields nothing, so that evaluation costs nothing and
    scores 0.
    """

    def __init__(self, corpus: CorpusReader, skip_first: bool = False) -> None:
        self.corpus = corpus
        self.skip_first = skip_first
        self.examples: List[Example] | None = None

    def __call__(self, nlp: Language) -> Iterator[Example]:
        if self.skip_first:
            self.skip_first = False
            return iter(())
        if self.examples is None:
            self.examples = list(self.corpus(nlp))
        return iter(self.examples)


@spacy.registry.readers("spacy_ner_plugin.EvaluationCorpus.v1")
def create_evaluation_reader(corpus: CorpusReader, skip_first: bool = False) -> EvaluationCorpus:
    """Wrap a dev corpus reader (`[corpora.dev.corpus]`) so it is read once for all evaluations."""
    return EvaluationCorpus(corpus, skip_first)
