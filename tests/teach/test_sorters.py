import random
from itertools import islice

import pytest
import spacy

from spacy_ner_plugin.errors import UsageError
from spacy_ner_plugin.teach.config import teach_settings
from spacy_ner_plugin.teach.sorters import (
    RANDOM_RATE,
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


def confident_model_scores(n, seed=0):
    """Scores of a model that grows confident: a beam that has collapsed to one analysis gives
    its entities exactly 1.0; the uncertain candidates' share falls from 3% to 0.3% over the
    stream (as the model learns)."""
    rng = random.Random(seed)
    uncertain = [rng.random() < 0.03 - 0.027 * i / n for i in range(n)]
    return [rng.uniform(0.6, 0.9) if flag else 1.0 for flag in uncertain]


def asked_per_window(sorter, scores, size=2000):
    """The share of each window of `size` candidates the sorter asks about, and the ids."""
    asked = {task["id"] for task in sorter(scored(scores))}
    windows = range(0, len(scores), size)
    return [sum(i in asked for i in range(k, k + size)) / size for k in windows], asked


def test_the_ema_bar_relaxes_so_a_confident_model_still_gets_questions_at_a_steady_rate():
    scores = confident_model_scores(20_000)
    rates, asked = asked_per_window(create_prefer_uncertain(), scores)  # min_rate 0.05
    assert all(rate >= 0.045 for rate in rates), rates
    # the uncertain are still the ones preferred: (nearly) every one of them is asked
    uncertain = {i for i, score in enumerate(scores) if score < 1.0}
    assert len(uncertain & asked) >= 0.95 * len(uncertain)
    # a fixed bar (as before) runs dry: only the uncertain and one in `max_skip` pass
    fixed, _ = asked_per_window(create_prefer_uncertain(min_rate=0.0), scores)
    assert min(fixed) < 0.02 and min(rates) > 2 * min(fixed)


def test_the_bar_stays_near_n_std_when_enough_pass():
    """Where more than `min_rate` pass at `n_std`, the relaxed bar asks (almost) no more."""
    rng = random.Random(4)
    scores = [rng.random() for _ in range(3000)]
    relaxed = list(create_prefer_uncertain()(scored(scores)))
    fixed = list(create_prefer_uncertain(min_rate=0.0)(scored(scores)))
    assert len(fixed) > 0.1 * len(scores)
    assert len(fixed) <= len(relaxed) < len(fixed) + 0.01 * len(scores)
    with pytest.raises(ValueError, match="min_rate"):
        create_prefer_uncertain(min_rate=1.0)


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


def test_the_random_sorters_one_default_rate_is_the_configs_and_it_follows_the_seed():
    assert create_random_sorter().priority(0.9) == RANDOM_RATE == 0.2
    chosen = teach_settings(overrides={"teach.seed": 5}, sorter="random")["sorter"]
    assert chosen.priority(0.9) == RANDOM_RATE and chosen.seed == 5
    assert teach_settings(overrides={"teach.seed": 7})["sorter"].seed == 7
    # the sorter.* overrides apply to the chosen sorter
    overridden = teach_settings(overrides={"sorter.rate": 0.7}, sorter="random")["sorter"]
    assert overridden.priority(0.9) == 0.7
    same = [list(teach_settings(sorter="random")["sorter"](scored([0.5] * 200))) for _ in "ab"]
    other = list(teach_settings(overrides={"teach.seed": 1}, sorter="random")["sorter"](
        scored([0.5] * 200)))  # fmt: skip
    assert same[0] == same[1] != other


def test_an_unknown_sorter_choice_is_a_usage_error_and_segment_false_turns_segmenting_off():
    with pytest.raises(UsageError, match="Unknown sorter 'loudest'"):
        teach_settings(sorter="loudest")
    assert teach_settings()["segment"] is True
    assert teach_settings(segment=False)["segment"] is False


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
