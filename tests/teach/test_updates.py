from itertools import islice

import numpy
import pytest

from spacy_ner_plugin.errors import PluginError
from spacy_ner_plugin.teach import CorrectSession, Exclusions, TeachSession
from spacy_ner_plugin.teach.config import teach_settings
from spacy_ner_plugin.teach.sorters import create_random_sorter
from spacy_ner_plugin.teach.updates import Replay, warmup_rate

from .models import train_tiny
from .test_correct import corrected

PLAIN = {"replay": 0, "warmup_updates": 0, "average_weights": False}
EARLIER = [f"I took my Gregory pack on trip {i}." for i in range(3)]
NEW = [f"I took my Deuter pack on trip {i}." for i in range(10, 16)]


@pytest.mark.parametrize(
    "key,value",
    [
        ("replay", -1),
        ("warmup_updates", -2),
        ("learn_rate", 0),
        ("binary_learn_rate", -0.1),
        ("average_weights", "maybe"),
    ],  # fmt: skip
)
def test_bad_in_loop_settings_fail_naming_the_key(key, value):
    with pytest.raises(PluginError, match=f"teach -> {key}"):
        teach_settings(None, {f"teach.{key}": value})


def test_the_in_loop_settings_reach_the_session_and_default_to_the_measured_fix():
    settings = teach_settings(None, {"teach.replay": 5, "teach.learn_rate": 0.0005})
    assert settings["replay"] == 5 and settings["learn_rate"] == 0.0005
    default = teach_settings()
    assert default["replay"] == 40 and default["warmup_updates"] == 20
    assert default["average_weights"] is True and default["binary_learn_rate"] == 0.0001


@pytest.mark.slow  # over half a second of CPU: trains
def test_binary_answers_update_at_their_own_rate_and_corrections_at_learn_rate():
    nlp_model = train_tiny(n_iter=1)
    settings = teach_settings(None, {"teach.learn_rate": 0.002})
    assert TeachSession(nlp_model, **settings).learn_rate == 0.0001
    assert CorrectSession(nlp_model, **settings).learn_rate == 0.002
    unset = teach_settings(None, {"teach.learn_rate": 0.002, "teach.binary_learn_rate": None})
    assert TeachSession(nlp_model, **unset).learn_rate == 0.002


def test_replay_draws_a_seeded_sample_of_the_earlier_records_only():
    earlier = {i: {"text": str(i)} for i in range(10)}
    drawn = Replay(4, seed=3).draw(earlier)
    assert len(drawn) == 4 and all(record in earlier.values() for record in drawn)
    assert Replay(4, seed=3).draw(earlier) == drawn != Replay(4, seed=4).draw(earlier)
    assert len(Replay(4, seed=3).draw({1: {"text": "1"}})) == 1 and Replay(0, 3).draw(earlier) == []


def test_the_step_ramps_up_over_the_warmup_updates():
    assert [warmup_rate(1.0, 4, done) for done in range(6)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    assert warmup_rate(0.001, 0, 0) == 0.001


def gold(text):
    """`text` answered with its brand (the fourth word) as the complete annotation."""
    brand = text.split()[3]
    start = text.index(brand)
    return {"text": text, "spans": [{"start": start, "end": start + len(brand), "label": "BRAND"}],
            "answer": "accept", "_view_id": "ner_manual"}  # fmt: skip


@pytest.mark.slow
def test_replay_trains_on_gold_answered_before_the_batch_never_on_binary_answers():
    nlp = train_tiny()
    exclude = Exclusions()
    exclude.add_answers([gold(text) for text in EARLIER])
    session = CorrectSession(nlp, exclude=exclude, replay=10, seed=0,
                             sorter=create_random_sorter(rate=1.0))  # fmt: skip
    questions = session.questions(NEW)
    session.update([corrected(task, "Deuter") for task in islice(questions, 2)])
    assert session.counts.replayed == 3  # the 3 earlier texts, not the batch's own 2
    session.update([corrected(task, "Deuter") for task in islice(questions, 2)])
    assert session.counts.replayed == 3 + 5  # earlier and the first batch
    session.update([{**task, "answer": "ignore"} for task in islice(questions, 2)])
    assert session.counts.replayed == 8  # nothing to learn from: no update, nothing replayed

    teach = TeachSession(nlp, exclude=Exclusions(), replay=10, sorter=create_random_sorter(rate=1))
    (question, *_) = teach.questions(NEW)
    teach.update([{**question, "answer": "accept"}])
    assert teach.counts.replayed == 0 and teach.exclude.gold == {}  # binary answers are no gold


@pytest.mark.slow
def test_a_seeded_session_with_replay_is_reproducible():
    nlp = train_tiny()

    def run(seed):
        exclude = Exclusions()
        exclude.add_answers([gold(f"I took my Osprey pack on trip {i}.") for i in range(8)])
        session = CorrectSession(nlp, exclude=exclude, replay=3, seed=seed)
        questions = session.questions(NEW + [f"I took my red pack on trip {i}." for i in range(6)])
        asked, losses = [], []
        while batch := list(islice(questions, 2)):
            asked += [(task["text"], task["meta"]["score"]) for task in batch]
            losses.append(session.update([corrected(task) for task in batch])["ner"])
        return asked, losses

    first = run(seed=1)
    assert run(seed=1) == first and len(first[0]) > 4
    assert run(seed=2)[1] != first[1]  # the seed draws other replayed texts (and dropout)


def walk_params(session):
    """The ner's parameters in walk order (node ids differ between sessions' copies)."""
    model = session.nlp.get_pipe("ner").model
    return [node.get_param(name).copy() for node in model.walk() for name in node.param_names
            if node.has_param(name)]  # fmt: skip


@pytest.mark.slow
def test_the_session_predicts_with_the_moving_average_and_trains_the_raw_weights():
    nlp = train_tiny()
    settings = {**PLAIN, "seed": 0, "sorter": create_random_sorter(rate=1.0)}
    raw = TeachSession(nlp, **settings)
    averaged = TeachSession(nlp, **{**settings, "average_weights": True})
    start = walk_params(raw)
    (question, *_) = raw.questions(NEW)
    answers = [{**question, "answer": "reject"}]
    ema = start
    for decay in (2 / 11, 3 / 12):  # thinc's decay after update t: (1 + t) / (10 + t)
        raw.update(answers)
        averaged.update(answers)
        ema = [decay * a + (1 - decay) * w for a, w in zip(ema, walk_params(raw))]
        # the raw weights trained alike (averaging only changed what predicts) ...
        assert all(numpy.allclose(w, r) for w, r in zip(averaged.averaged.raw.values(),
                                                        walk_params(raw)))  # fmt: skip
        # ... and the session's model holds their moving average, from the loaded weights
        assert all(numpy.allclose(a, e, atol=1e-6) for a, e in zip(walk_params(averaged), ema))
    assert any(not numpy.allclose(a, w) for a, w in zip(walk_params(averaged), walk_params(raw)))
