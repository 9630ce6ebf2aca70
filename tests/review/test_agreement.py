"""Agreement figures against hand computation: three annotators, every measure.

Texts and tokens (blank English, one token per word):
  T1 "Alice met Bob in Paris"        T2 "Carol visited New York City"        T3 "Dave likes tea"
Annotator a: T1 Alice/PER Bob/PER Paris/LOC; T2 Carol/PER "New York City"/LOC; T3 Dave/PER
Annotator b: T1 Alice/PER Bob/LOC Paris/LOC; T2 Carol/PER "New York"/LOC;      T3 Dave/PER
Annotator c: T1 Alice/PER Paris/LOC;         T2 "New York City"/LOC;           T3 Dave/PER
Binary questions q1..q4: a accept accept reject reject; b accept reject reject reject;
c accept accept accept reject.
"""

import json

import pytest

from spacy_ner_plugin.cli.review import review
from spacy_ner_plugin.review.agreement import cohen_kappa, prf

from ..conftest import task

TEXTS = ["Alice met Bob in Paris", "Carol visited New York City", "Dave likes tea"]
SPANS = {
    "a": [
        [("Alice", "PER"), ("Bob", "PER"), ("Paris", "LOC")],
        [("Carol", "PER"), ("New York City", "LOC")],
        [("Dave", "PER")],
    ],
    "b": [
        [("Alice", "PER"), ("Bob", "LOC"), ("Paris", "LOC")],
        [("Carol", "PER"), ("New York", "LOC")],
        [("Dave", "PER")],
    ],
    "c": [[("Alice", "PER"), ("Paris", "LOC")], [("New York City", "LOC")], [("Dave", "PER")]],
}
BINARY = {
    "a": ["accept", "accept", "reject", "reject"],
    "b": ["accept", "reject", "reject", "reject"],
    "c": ["accept", "accept", "accept", "reject"],
}
QUESTIONS = ["Eve sells shells", "Frank fixes fences", "Gina grows grapes", "Hal hums"]


def manual(text, spans, annotator):
    record = {"text": text, "spans": [], "answer": "accept", "_annotator_id": annotator}
    for ent, label in spans:
        start = text.index(ent)
        record["spans"].append({"start": start, "end": start + len(ent), "label": label})
    return {**record, "_view_id": "ner_manual"}


def question(text, answer, annotator):
    word = text.split()[0]
    record = task(text, word, label="PER", answer=answer, _annotator_id=annotator)
    return {**record, "_view_id": "ner"}


@pytest.fixture
def figures(write_jsonl, tmp_path):
    paths = []
    for name in ("a", "b", "c"):
        records = [manual(t, s, name) for t, s in zip(TEXTS, SPANS[name])]
        records += [question(q, answer, name) for q, answer in zip(QUESTIONS, BINARY[name])]
        paths.append(write_jsonl(records, f"{name}.jsonl"))
    result = review(paths, tmp_path / "out.jsonl", report=tmp_path / "report.json")
    return result.agreement


def pair(figures, ref, other):
    return next(p for p in figures["pairs"] if (p["reference"], p["other"]) == (ref, other))


def test_cohen_kappa_formula():
    # p_o = 2/3, p_e = (2*1 + 1*2)/9 → 0.4; p_o = 3/4, p_e = (1*2 + 3*2)/16 → 0.5
    assert cohen_kappa({("y", "y"): 1, ("y", "n"): 1, ("n", "n"): 1}) == pytest.approx(0.4)
    assert cohen_kappa({("y", "y"): 1, ("n", "y"): 1, ("n", "n"): 2}) == pytest.approx(0.5)
    assert cohen_kappa({("O", "O"): 5}) is None
    assert prf(0, 0, 0, 3) == {"p": None, "r": 0.0, "f": 0.0}


def test_span_agreement_a_b(figures):
    ab = pair(figures, "a", "b")
    assert ab["texts"] == 3
    # exact: Alice, Paris, Carol, Dave match of 6 spans each; overlap adds "New York" ~ NYC
    assert ab["exact"] == pytest.approx({"p": 4 / 6, "r": 4 / 6, "f": 4 / 6})
    assert ab["overlap"] == pytest.approx({"p": 5 / 6, "r": 5 / 6, "f": 5 / 6})
    per = ab["per_label"]
    assert per["PER"]["exact"] == pytest.approx({"p": 1.0, "r": 0.75, "f": 6 / 7})
    assert per["LOC"]["exact"] == pytest.approx({"p": 1 / 3, "r": 1 / 2, "f": 0.4})
    assert per["LOC"]["overlap"] == pytest.approx({"p": 2 / 3, "r": 1.0, "f": 0.8})
    assert ab["label_confusion"] == [["PER", "LOC", 1]]


def test_span_agreement_a_c_and_b_c(figures):
    ac = pair(figures, "a", "c")
    assert ac["exact"] == pytest.approx({"p": 1.0, "r": 4 / 6, "f": 0.8})
    assert ac["per_label"]["PER"]["exact"] == pytest.approx({"p": 1.0, "r": 0.5, "f": 2 / 3})
    bc = pair(figures, "b", "c")
    assert bc["exact"] == pytest.approx({"p": 0.75, "r": 0.5, "f": 0.6})
    assert bc["overlap"] == pytest.approx({"p": 1.0, "r": 4 / 6, "f": 0.8})
    assert bc["per_label"]["LOC"]["exact"] == pytest.approx({"p": 0.5, "r": 1 / 3, "f": 0.4})


def test_token_kappas(figures):
    # a/b: p_o = 11/13, p_e = (4*3 + 4*4 + 5*6)/169 → 85/111; without the 5 both-O tokens:
    # p_o = 6/8, p_e = (4*3 + 4*4 + 0*1)/64 → 20/36
    ab = pair(figures, "a", "b")
    assert (ab["tokens"], ab["tokens_not_both_o"]) == (13, 8)
    assert ab["token_kappa"] == pytest.approx(85 / 111)
    assert ab["token_kappa_not_both_o"] == pytest.approx(20 / 36)
    ac = pair(figures, "a", "c")
    assert ac["token_kappa"] == pytest.approx(84 / 110)
    assert ac["token_kappa_not_both_o"] == pytest.approx(24 / 40)
    bc = pair(figures, "b", "c")
    assert bc["token_kappa"] == pytest.approx(66 / 105)
    assert bc["token_kappa_not_both_o"] == pytest.approx(16 / 40)


def test_krippendorff_alpha(figures):
    # Coincidences (each of the 13 tokens coded by 3): o_PP 7, o_LL 10, o_OO 15, o_PL = o_LP
    # 0.5, o_PO = o_OP 1.5, o_LO = o_OL 1.5; n_P 9, n_L 12, n_O 18, n 39.
    # D_o = 7/39, D_e = 2 (9*12 + 9*18 + 12*18) / (39*38) → alpha = 1 - 266/972.
    # Without the 5 all-O tokens: n_O 3, n 24 → alpha = 1 - 161/342.
    alpha = figures["krippendorff_alpha"]
    assert (alpha["annotators"], alpha["tokens"], alpha["tokens_not_all_o"]) == (3, 13, 8)
    assert alpha["alpha"] == pytest.approx(1 - 266 / 972)
    assert alpha["alpha_not_all_o"] == pytest.approx(1 - 161 / 342)


def test_binary_kappa(figures):
    binary = {(b["reference"], b["other"]): b for b in figures["binary"]}
    assert binary[("a", "b")]["tasks"] == 4
    assert binary[("a", "b")]["agreement"] == 0.75
    assert binary[("a", "b")]["kappa"] == pytest.approx(0.5)
    assert binary[("a", "c")]["kappa"] == pytest.approx(0.5)
    # b/c: p_o = 2/4, p_e = (1*3 + 3*1)/16
    assert binary[("b", "c")]["kappa"] == pytest.approx((0.5 - 6 / 16) / (1 - 6 / 16))


def test_texts_sorted_by_disagreement(figures):
    # T2: pairwise exact F 2/4, 2/3, 0 → 1 - 7/18; T1: 4/6, 4/5, 4/5 → 1 - 34/45; T3 agrees
    worst = figures["worst_texts"]
    assert [w["text"] for w in worst] == [TEXTS[1], TEXTS[0]]
    assert worst[0]["disagreement"] == pytest.approx(1 - 7 / 18, abs=1e-4)
    assert worst[1]["disagreement"] == pytest.approx(1 - 34 / 45, abs=1e-4)
    assert worst[0]["versions"] == 3 and len(worst[0]["lines"]) == 3
    assert figures["disagreeing_texts"] == 2


def test_two_annotators_have_no_alpha(write_jsonl, tmp_path):
    paths = [write_jsonl([manual(TEXTS[0], SPANS[n][0], n)], f"{n}.jsonl") for n in ("a", "b")]
    figures = review(paths, tmp_path / "out.jsonl").agreement
    assert figures["krippendorff_alpha"]["alpha"] is None
    assert len(figures["pairs"]) == 1


DRUGS = ["Took aspirin and ibuprofen", "No more codeine for me", "Metformin twice a day"]


def test_one_label_reports_positive_agreement_not_a_kappa_without_o(write_jsonl, tmp_path, capsys):
    # a and b agree on 3 of a's 4 DRUG tokens; b misses "ibuprofen". Without the both-O tokens
    # only DRUG/DRUG (3) and DRUG/O (1) are left, so kappa there is (3/4 - 3/4) / (1 - 3/4) = 0
    # however well they agree; positive specific agreement is 2*3 / (4 + 3) = the span F.
    spans = {"a": [["aspirin", "ibuprofen"], ["codeine"], ["Metformin"]]}
    spans["b"] = [["aspirin"], ["codeine"], ["Metformin"]]
    paths = [
        write_jsonl(
            [manual(t, [(e, "DRUG") for e in ents], name) for t, ents in zip(DRUGS, spans[name])],
            f"{name}.jsonl",
        )
        for name in ("a", "b")
    ]
    report = tmp_path / "report.json"
    result = review(paths, tmp_path / "out.jsonl", report=report, silent=False)
    ab = pair(result.agreement, "a", "b")
    assert ab["exact"]["f"] == pytest.approx(6 / 7)
    assert ab["token_kappa_not_both_o"] is None
    assert "one label" in ab["token_kappa_not_both_o_note"]
    assert ab["token_positive_agreement"] == pytest.approx(6 / 7)
    saved = pair(json.loads(report.read_text())["agreement"], "a", "b")
    assert saved["token_kappa_not_both_o"] is None
    assert saved["token_positive_agreement"] == pytest.approx(6 / 7)
    printed = capsys.readouterr().out
    assert "0.000" not in printed and "0.857" in printed and "one label" in printed


def test_one_label_alpha_without_all_o_gives_way_to_positive_agreement(write_jsonl, tmp_path):
    # a: 4 DRUG tokens; b and c miss "ibuprofen". Per token, the DRUG votes n and the
    # annotators m: aspirin, codeine, Metformin 3 of 3, ibuprofen 1 of 3 →
    # sum n(n - 1) / sum n(m - 1) = (3 * 6 + 0) / (3 * 6 + 2) = 18 / 20.
    spans = {"a": [["aspirin", "ibuprofen"], ["codeine"], ["Metformin"]]}
    spans["b"] = spans["c"] = [["aspirin"], ["codeine"], ["Metformin"]]
    paths = [
        write_jsonl(
            [manual(t, [(e, "DRUG") for e in ents], name) for t, ents in zip(DRUGS, spans[name])],
            f"{name}.jsonl",
        )
        for name in ("a", "b", "c")
    ]
    alpha = review(paths, tmp_path / "out.jsonl").agreement["krippendorff_alpha"]
    assert alpha["alpha_not_all_o"] is None and "one label" in alpha["alpha_not_all_o_note"]
    assert alpha["positive_agreement"] == pytest.approx(18 / 20)
    assert alpha["alpha"] is not None
