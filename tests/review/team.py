"""A dataset two annotators worked on, with known timestamps and overlapping texts, for the
progress figures (tests/app/test_progress.py, tests/cli/test_stats_dataset.py)."""

from spacy_ner_plugin.db.database import Database

DATASET = "gear"
TEXTS = {
    "A": "I love my Osprey pack",
    "B": "The John Muir Trail",
    "C": "It rained",
    "D": "Nothing here",
    "E": "Skip this one",
    "F": "New Salomon boots",
}
# alice's pace: saves 60 s apart three times, a break (3820 s), then one 30 s later:
# 4 answers in 210 s of work.
ALICE_PER_HOUR = 4 * 3600 / 210
# bob's: two answers saved at once at 2000, one at 2100 (the superseded answer in between
# does not count): 1 answer in 100 s.
BOB_PER_HOUR = 1 * 3600 / 100
# alice / bob on A, B and C, token by token (11 tokens): 7 both O, 1 both BRAND, 2 both TRAIL,
# 1 TRAIL / O. Observed 10/11; expected from alice (O 7, BRAND 1, TRAIL 3) and bob (O 8,
# BRAND 1, TRAIL 2): 63/121. Kappa (110 - 63) / (121 - 63).
KAPPA = 47 / 58


def answer(key, who, at, kind="accept", spans=(), answer_id=None):
    text = TEXTS[key]
    found = []
    for surface, label in spans:
        start = text.index(surface)
        found.append({"start": start, "end": start + len(surface), "label": label})
    session = f"{DATASET}-{who}"
    return {
        "text": text,
        "spans": found,
        "answer": kind,
        "_session_id": session,
        "_annotator_id": session,
        "_timestamp": at,
        "_view_id": "ner_manual",
        "_answer_id": answer_id or f"{who}-{key}-{at}",
    }


def team_database(path) -> None:
    """alice answers A-F, bob A-C (C twice: his second answer supersedes the first)."""
    with Database(str(path)) as db:
        db.add_answers(DATASET, [
            answer("A", "alice", 1000, spans=[("Osprey", "BRAND")]),
            answer("B", "alice", 1060, spans=[("John Muir Trail", "TRAIL")]),
            answer("C", "alice", 1120),
            answer("D", "alice", 1180, "reject"),
            answer("E", "alice", 5000, "ignore"),
            answer("F", "alice", 5030, spans=[("Salomon", "BRAND")]),
            answer("A", "bob", 2000, spans=[("Osprey", "BRAND")]),
            answer("B", "bob", 2000, spans=[("John Muir", "TRAIL")]),
            answer("C", "bob", 2050, spans=[("rained", "TRAIL")], answer_id="bob-c-first"),
        ])  # fmt: skip
        later = answer("C", "bob", 2100, answer_id="bob-c-again")
        db.add_answers(DATASET, [later], supersedes={"bob-c-again": "bob-c-first"})


def check_figures(figures) -> None:
    """The figures of `team_database`, as `TeamProgress.to_json()` gives them."""
    assert figures["dataset"] == DATASET and figures["answers"] == 9
    alice, bob = figures["annotators"]
    assert alice["annotator"] == "gear-alice" and bob["annotator"] == "gear-bob"
    assert (alice["answers"], alice["accept"], alice["reject"], alice["ignore"]) == (6, 4, 1, 1)
    assert (bob["answers"], bob["accept"], bob["spans"], alice["spans"]) == (3, 3, 2, 3)
    assert (alice["first"], alice["last"], bob["first"], bob["last"]) == (1000, 5030, 2000, 2100)
    assert abs(alice["per_hour"] - ALICE_PER_HOUR) < 1e-9
    assert abs(bob["per_hour"] - BOB_PER_HOUR) < 1e-9
    assert figures["labels"] == {"BRAND": 3, "TRAIL": 2}
    agreement = figures["agreement"]
    assert agreement["texts"] == 3
    (pair,) = agreement["pairs"]
    assert (pair["reference"], pair["other"], pair["texts"]) == ("gear-alice", "gear-bob", 3)
    assert pair["f"] == 0.5  # Osprey agreed, John Muir (Trail) not: 1 of 2 spans each
    assert abs(pair["token_kappa"] - KAPPA) < 1e-9
    series = figures["timeline"]["series"]
    assert figures["timeline"]["start"] == 1000
    assert series["gear-alice"][0] == [0.0, 1] and series["gear-alice"][-1] == [1.1194, 6]
    assert series["gear-bob"] == [[0.2778, 1], [0.2778, 2], [0.3056, 3]]
