from spacy_ner_plugin.annotations.split import choose_dev_texts, dev_size
from spacy_ner_plugin.annotations.store import AnswerStore
from spacy_ner_plugin.io.hashing import text_hash


def record(i, label="COMMON"):
    return {"text": f"text {i}", "spans": [{"start": 0, "end": 4, "label": label}]}


def split_of(records, eval_split=0.25, seed=0):
    """Which split each text lands in, and the labels on each side."""
    with AnswerStore(seed) as store:
        for line, rec in enumerate(records, start=1):
            store.add(text_hash(rec["text"]), "a.jsonl", line, "gold", rec)
        store.assign_splits(eval_split, dedicated_eval=False)
        sides = {}
        for _, is_dev, answers, _ in store.groups():
            for answer in answers:
                sides.setdefault(answer.record["text"], set()).add(is_dev)
        return sides


def test_every_text_lands_on_exactly_one_side_and_the_draw_is_seeded():
    records = [record(i) for i in range(30)] + [record(i) for i in range(10)]
    sides = split_of(records)
    assert all(len(s) == 1 for s in sides.values())
    assert sum(True in s for s in sides.values()) == dev_size(30, 0.25) == 8
    assert split_of(list(reversed(records))) == sides
    assert split_of(records, seed=1) != sides


def test_the_draw_matches_choose_dev_texts():
    records = [record(i) for i in range(20)]
    sides = split_of(records, seed=3)
    dev = {text_hash(t) for t, s in sides.items() if True in s}
    assert dev == choose_dev_texts([text_hash(r["text"]) for r in records], 0.25, 3)


def test_a_rare_label_is_kept_in_dev_where_the_data_allows():
    records = [record(i) for i in range(40)] + [record(40, "RARE"), record(41, "RARE")]
    for seed in range(5):
        sides = split_of(records, eval_split=0.1, seed=seed)
        rare = [sides["text 40"], sides["text 41"]]
        assert {True} in rare and {False} in rare, seed
        assert sum(True in s for s in sides.values()) == dev_size(42, 0.1)


def test_a_label_with_one_text_stays_in_train():
    records = [record(i) for i in range(40)] + [record(40, "ONCE")]
    assert all(split_of(records, eval_split=0.1, seed=s)["text 40"] == {False} for s in range(20))
