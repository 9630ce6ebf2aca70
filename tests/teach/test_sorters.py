import random
from itertools import islice

import pytest
import spacy

from spacy_ner_plugin.teach.sorters import (
    MovingAverage,
    create_prefer_high_scores,
    create_prefer_uncertain,
    create_random_sorter,
    uncertainty,
)


def scored(scores):
    return ((score, {"id": i, "score": score}) for i, score in enumerate(scores))


def test_uncertainty_sorter_asks_uncertain_tasks_and_skips_confident_ones():
    rng = random.Random(0)
    scores = [rng.choice([0.01, 0.02, 0.98, 0.99]) if i % 10 else 0.5 for i in range(2000)]
    sorter = create_prefer_uncertain()
    asked = [task["score"] for task in sorter(scored(scores))]
    assert asked.count(0.5) >= 190  # nearly every uncertain task is asked...
    assert len(asked) - asked.count(0.5) < 20  # ...and almost no confident one
    assert sorter.counts.seen == 2000
    assert sorter.counts.emitted == len(asked)
    assert 0.85 < sorter.counts.skipped_share < 0.91


def test_ema_never_deadlocks_on_constant_scores():
    for score in (0.0, 0.5, 0.93, 1.0):
        sorter = create_prefer_uncertain()
        asked = list(sorter(scored([score] * 500)))
        assert len(asked) == 499  # every task but the first, which starts the average


def test_ema_never_starves_on_a_falling_stream():
    """Priorities that keep falling are never above the mean; `max_skip` still asks."""
    scores = [0.5 + i / 4000 for i in range(1000)]  # uncertainty falls steadily
    asked = list(create_prefer_uncertain(max_skip=50)(scored(scores)))
    assert len(asked) >= 1000 // 51


@pytest.mark.parametrize("bias,expected", [(0.8, 0.9), (-0.8, 0.1), (0.0, 0.5)])
def test_bias_moves_the_preferred_score(bias, expected):
    rng = random.Random(1)
    scores = [rng.random() for _ in range(3000)]
    asked = [task["score"] for task in create_prefer_uncertain(bias=bias)(scored(scores))]
    assert abs(sum(asked) / len(asked) - expected) < 0.1


def test_uncertainty_priority_is_one_at_the_target_and_zero_at_the_far_end():
    assert uncertainty(0.0)(0.5) == 1.0
    assert uncertainty(0.0)(0.0) == uncertainty(0.0)(1.0) == 0.0
    assert uncertainty(1.0)(1.0) == 1.0 and uncertainty(1.0)(0.0) == 0.0
    with pytest.raises(ValueError):
        uncertainty(1.5)


def test_prefer_high_scores_asks_the_high_ones():
    rng = random.Random(2)
    scores = [rng.random() for _ in range(2000)]
    asked = [task["score"] for task in create_prefer_high_scores()(scored(scores))]
    assert sum(asked) / len(asked) > 0.75


def test_probability_sorter_drops_confident_tasks_but_never_starves():
    sorter = create_prefer_uncertain(algorithm="probability", min_probability=0.05, seed=3)
    asked = [task["score"] for task in sorter(scored([0.0] * 1000 + [0.5] * 100))]
    confident = asked.count(0.0)
    assert 20 < confident < 90  # ~5% of a hopeless stream still asked
    assert asked.count(0.5) == 100


def test_random_sorter_asks_a_share_whatever_the_score():
    sorter = create_random_sorter(rate=0.25, seed=0)
    asked = list(sorter(scored([0.0, 1.0] * 1000)))
    assert 400 < len(asked) < 600
    with pytest.raises(ValueError):
        create_random_sorter(rate=0.0)


def test_sorters_are_lazy_on_an_unbounded_stream():
    pulled = 0

    def endless():
        nonlocal pulled
        while True:
            pulled += 1
            yield 0.5, {"n": pulled}

    first = list(islice(create_prefer_uncertain()(endless()), 5))
    assert len(first) == 5 and pulled == 6


def test_moving_average_starts_at_the_first_value():
    average = MovingAverage(alpha=0.5)
    average.update(2.0)
    assert average.mean == 2.0 and average.std == 0.0
    average.update(4.0)
    assert average.mean == 3.0 and average.variance > 0


def test_sorters_resolve_from_the_registry():
    uncertain = spacy.registry.misc.get("spacy_ner_plugin.prefer_uncertain.v1")(bias=0.2)
    assert uncertain.priority(0.6) == 1.0
    assert spacy.registry.misc.get("spacy_ner_plugin.prefer_high_scores.v1")().priority(0.3) == 0.3
