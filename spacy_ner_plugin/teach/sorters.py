"""Stream sorters: which scored candidates become questions, decided one at a time.

A sorter takes a stream of `(score, task)` and yields the tasks worth asking, lazily: it never
looks further ahead than the task in hand, so memory stays flat on an unbounded stream and the
stream can be scored by a model that is updated while it is read. Each sorter is registered in
`spacy.registry.misc` and counts what it saw and emitted (`counts`), so a caller can report the
share of the stream it skipped.

The score becomes a priority in [0, 1] (uncertainty: highest at 0.5; high scores: the score),
and an algorithm decides on the priority:
- "ema" keeps an exponential moving average of the priority and of its variance, and emits a
  task when its priority is at least `n_std` standard deviations above the mean of the tasks
  before it (Prodigy's default). The average starts at the first priority (that task is not
  asked), so a stream of equal priorities is asked whole instead of waiting forever for one
  above the mean; and after `max_skip` skipped tasks in a row the next one is asked anyway.
  The bar adapts so that the stream does not run dry on a confident model: while fewer than
  `min_rate` of the tasks pass, the number of standard deviations falls (by `alpha` times the
  shortfall, task by task) until they do, and it climbs back to `n_std` when more pass, so at
  least about `min_rate` of the stream is asked, the most uncertain of it.
- "probability" emits a task with probability equal to its priority, but never less than
  `min_probability`, so it never starves.
"""

import math
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Iterator, Tuple

from spacy.util import registry

Scored = Tuple[float, Dict[str, Any]]
ALGORITHMS = ("ema", "probability")
# The ema bar relaxes while fewer than this share of the candidates pass.
MIN_RATE = 0.05
# The random sorter's share of candidates asked: the baseline of bench/teach.py.
RANDOM_RATE = 0.2


@dataclass
class SorterCounts:
    """Candidates seen and emitted; `skipped_share` is the share of the stream not asked."""

    seen: int = 0
    emitted: int = 0

    @property
    def skipped_share(self) -> float:
        return 1.0 - self.emitted / self.seen if self.seen else 0.0


class MovingAverage:
    """Exponential moving average and variance (West's incremental form), started at the
    first value so that a constant stream has mean equal to it and no variance."""

    def __init__(self, alpha: float = 0.1) -> None:
        self.alpha = alpha
        self.mean: float | None = None
        self.variance = 0.0

    @property
    def std(self) -> float:
        return math.sqrt(self.variance)

    def update(self, value: float) -> None:
        if self.mean is None:
            self.mean = value
            return
        diff = value - self.mean
        increment = self.alpha * diff
        self.mean += increment
        self.variance = (1 - self.alpha) * (self.variance + diff * increment)


@dataclass
class Sorter:
    """Turns scores into priorities and emits the tasks the algorithm picks, counting both."""

    priority: Callable[[float], float]
    algorithm: str = "ema"
    n_std: float = 1.0
    alpha: float = 0.1
    max_skip: int = 100
    min_probability: float = 0.05
    seed: int = 0
    min_rate: float = MIN_RATE
    counts: SorterCounts = field(default_factory=SorterCounts)

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {self.algorithm!r} (expected {ALGORITHMS})")
        if not 0.0 <= self.min_rate < 1.0:
            raise ValueError(f"min_rate must be in [0, 1), got {self.min_rate}")

    def __call__(self, stream: Iterable[Scored]) -> Iterator[Dict[str, Any]]:
        decide = self._ema() if self.algorithm == "ema" else self._probability()
        for score, task in stream:
            self.counts.seen += 1
            if decide(self.priority(score)):
                self.counts.emitted += 1
                yield task

    def _ema(self) -> Callable[[float], bool]:
        average = MovingAverage(self.alpha)
        skipped = 0
        n_std = self.n_std  # the bar, in standard deviations above the mean: adapts

        def decide(priority: float) -> bool:
            nonlocal skipped, n_std
            # judged against the stream before it: the first task only starts the average
            emit = skipped >= self.max_skip
            if average.mean is not None:
                # a tolerance for the rounding of the running mean on a constant stream
                emit |= priority >= average.mean + n_std * average.std - 1e-12
                # lower while fewer than min_rate pass, back up to n_std while more do
                n_std = min(self.n_std, n_std + self.alpha * (float(emit) - self.min_rate))
            average.update(priority)
            skipped = 0 if emit else skipped + 1
            return emit

        return decide

    def _probability(self) -> Callable[[float], bool]:
        rng = random.Random(self.seed)
        return lambda priority: rng.random() < max(priority, self.min_probability)


def uncertainty(bias: float = 0.0) -> Callable[[float], float]:
    """Priority 1 at the score `0.5 + bias / 2`, falling linearly to 0 at the far end of [0, 1]:
    bias 0 prefers scores near 0.5, a positive bias higher scores, a negative one lower."""
    if not -1.0 <= bias <= 1.0:
        raise ValueError(f"bias must be between -1 and 1, got {bias}")
    target = 0.5 + bias / 2
    reach = max(target, 1 - target)
    return lambda score: 1.0 - abs(score - target) / reach


@registry.misc("spacy_ner_plugin.prefer_uncertain.v1")
def create_prefer_uncertain(
    bias: float = 0.0,
    algorithm: str = "ema",
    n_std: float = 1.0,
    alpha: float = 0.1,
    max_skip: int = 100,
    min_probability: float = 0.05,
    seed: int = 0,
    min_rate: float = MIN_RATE,
) -> Sorter:
    """Ask about the spans the model is least sure of (score near 0.5, moved by `bias`)."""
    return Sorter(
        uncertainty(bias), algorithm, n_std, alpha, max_skip, min_probability, seed, min_rate
    )


@registry.misc("spacy_ner_plugin.prefer_high_scores.v1")
def create_prefer_high_scores(
    algorithm: str = "ema",
    n_std: float = 1.0,
    alpha: float = 0.1,
    max_skip: int = 100,
    min_probability: float = 0.05,
    seed: int = 0,
    min_rate: float = MIN_RATE,
) -> Sorter:
    """Ask about the spans the model is most sure of (for precision, or to confirm patterns)."""
    return Sorter(_identity, algorithm, n_std, alpha, max_skip, min_probability, seed, min_rate)


@registry.misc("spacy_ner_plugin.random_sorter.v1")
def create_random_sorter(rate: float = RANDOM_RATE, seed: int = 0) -> Sorter:
    """Ask about a seeded random share `rate` of the candidates, whatever their score: the
    baseline the other sorters are measured against."""
    if not 0.0 < rate <= 1.0:
        raise ValueError(f"rate must be in (0, 1], got {rate}")
    return Sorter(lambda score: rate, "probability", min_probability=0.0, seed=seed)


def _identity(score: float) -> float:
    return score
