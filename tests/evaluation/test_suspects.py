"""Ranking annotations against held-out models' span probabilities: each kind of disagreement,
its offsets, the consistency findings merged in, and the review tasks written."""

from pathlib import Path

import pytest
import srsly
from spacy.tokens import Doc, Span

from spacy_ner_plugin.annotations.ingest import parse_input
from spacy_ner_plugin.app.recipes import review
from spacy_ner_plugin.evaluation.suspects import (
    Suspect,
    consistency_suspects,
    corrected,
    find_suspects,
    merge_suspects,
    model_suspects,
)
from spacy_ner_plugin.review.consistency import Consistency
from spacy_ner_plugin.review.run import ReviewOptions, run_review

WORDS = ["I", "hiked", "the", "Pennine", "Way", "with", "my", "Osprey", "pack", "."]
TEXT = "I hiked the Pennine Way with my Osprey pack ."
WAY, OSPREY = (3, 5, "TRAIL"), (7, 8, "BRAND")


def gold(nlp, *spans, partial=False, words=WORDS):
    """The sentence annotated with `spans` ("O" elsewhere, or unknown with `partial`)."""
    doc = Doc(nlp.vocab, words=words)
    ents = [Span(doc, s, e, label) for s, e, label in spans]
    doc.set_ents(ents, default="missing" if partial else "outside")
    return doc


def suspects_of(doc, probs, **kwargs):
    return [task["meta"]["suspect"] for task in find_suspects([doc], [probs], **kwargs)]


def test_models_agreeing_with_the_annotation_give_no_suspect(nlp):
    doc = gold(nlp, WAY, OSPREY)
    assert suspects_of(doc, {WAY: 0.98, OSPREY: 0.95, (7, 9, "BRAND"): 0.04}) == []


def test_an_entity_the_annotation_left_out_is_missed_with_its_offsets(nlp):
    doc = gold(nlp, WAY)
    probs = {WAY: 0.99, OSPREY: 0.9, (7, 9, "BRAND"): 0.3}
    [found] = suspects_of(doc, probs)
    assert found["kind"] == "missed" and found["label"] == "BRAND"
    assert TEXT[found["start"] : found["end"]] == "Osprey"
    [raw] = model_suspects(0, doc, probs, recall=1.0, min_score=0.1)
    assert (raw.kind, raw.span, raw.score) == ("missed", OSPREY, 0.9)  # one per place


def test_missed_only_where_the_annotation_says_outside(nlp):
    doc = gold(nlp, WAY, partial=True)  # binary answers: the other tokens are unknown
    assert suspects_of(doc, {WAY: 0.99, OSPREY: 0.9}) == []


def test_another_label_on_the_same_tokens_is_a_label_error(nlp):
    doc = gold(nlp, WAY, (7, 8, "TRAIL"))
    [found] = suspects_of(doc, {WAY: 0.99, OSPREY: 0.8, (7, 8, "TRAIL"): 0.1})
    assert (found["kind"], found["label"], found["score"]) == ("label", "BRAND", 0.8)
    assert TEXT[found["start"] : found["end"]] == "Osprey"
    assert found["annotated"]["label"] == "TRAIL"


def test_other_boundaries_are_a_boundary_error_at_the_models_span(nlp):
    doc = gold(nlp, (4, 5, "TRAIL"), OSPREY)  # "Way" instead of "Pennine Way"
    probs = {WAY: 0.85, OSPREY: 0.99}
    [found] = suspects_of(doc, probs)
    assert (found["kind"], found["label"]) == ("boundary", "TRAIL")
    [raw] = model_suspects(0, doc, probs, recall=1.0, min_score=0.1)
    assert (raw.kind, raw.span, raw.annotated, raw.score) == (
        "boundary",
        WAY,
        (4, 5, "TRAIL"),
        0.85,
    )
    assert TEXT[found["start"] : found["end"]] == "Pennine Way"
    assert TEXT[found["annotated"]["start"] : found["annotated"]["end"]] == "Way"


def variant(trail, brand):
    """The sentence with another trail (two words) and brand, at the same tokens."""
    return [*WORDS[:3], *trail.split(), *WORDS[5:7], brand, *WORDS[8:]]


def test_a_span_the_models_never_find_is_spurious_discounted_by_their_recall(nlp):
    docs = [gold(nlp, WAY, OSPREY), gold(nlp, WAY, OSPREY, words=variant("Offa Dyke", "Deuter"))]
    probs = [{WAY: 0.99, OSPREY: 0.99}, {WAY: 0.99}]  # 3 of 4 annotations found
    [task] = find_suspects(docs, probs, min_score=0.1)
    found = task["meta"]["suspect"]
    assert (found["kind"], found["label"], found["score"]) == ("spurious", "BRAND", 0.75)
    assert task["text"][found["start"] : found["end"]] == "Deuter"


def test_most_likely_first_and_min_score(nlp):
    docs = [
        gold(nlp, WAY),
        gold(nlp, WAY, (7, 8, "TRAIL"), words=variant("Cotswold Way", "Gregory")),
        gold(nlp, (4, 5, "TRAIL"), words=variant("Offa Dyke", "Deuter")),
    ]
    probs = [{WAY: 0.99, OSPREY: 0.7}, {WAY: 0.99, OSPREY: 0.95}, {WAY: 0.8}]
    ranked = [s["kind"] for s in suspects_of_all(docs, probs, min_score=0.5)]
    assert ranked == ["label", "boundary", "missed"]
    assert [s["kind"] for s in suspects_of_all(docs, probs, min_score=0.65)] == ranked[:2]


def suspects_of_all(docs, probs, **kwargs):
    return [task["meta"]["suspect"] for task in find_suspects(docs, probs, **kwargs)]


def test_the_rest_of_the_data_weighs_the_models_probability(nlp):
    # "Osprey" is annotated BRAND four times: a model calling one of them TRAIL is probably
    # wrong, a TRAIL annotation of it probably is, whatever the models' probabilities say
    texts = [variant(trail, "Osprey") for trail in ("Cotswold Way", "Offa Dyke", "Pennine Way")]
    texts += [variant("West Highland", "Osprey"), variant("South Downs", "Osprey")]
    docs = [gold(nlp, WAY, OSPREY, words=words) for words in texts[:4]]
    docs.append(gold(nlp, WAY, (7, 8, "TRAIL"), words=texts[4]))
    agree = {WAY: 0.99, OSPREY: 0.99}
    probs = [agree, agree, agree, {WAY: 0.99, (7, 8, "TRAIL"): 0.95}]
    probs.append({WAY: 0.99, OSPREY: 0.9, (7, 8, "TRAIL"): 0.1})
    found = suspects_of_all(docs, probs, min_score=0.5)
    assert [(s["kind"], s["label"]) for s in found] == [("label", "BRAND"), ("label", "TRAIL")]
    assert found[0]["score"] == pytest.approx(1 / (1 + 1 / 9 / 5), abs=1e-4)  # 4 of 4 agree
    assert found[1]["score"] == pytest.approx(1 / (1 + 1 / 19 * 2), abs=1e-4)  # 1 of 4 agree


def test_the_models_version_replaces_every_annotated_span_it_overlaps(nlp):
    doc = gold(nlp, (3, 4, "TRAIL"), (4, 5, "TRAIL"), OSPREY)
    suspect = Suspect(0, "boundary", WAY, (3, 4, "TRAIL"), 0.9)
    assert corrected(doc, suspect) == [WAY, OSPREY]


def consistency_of(nlp, docs):
    checker = Consistency(nlp.vocab)
    for i, doc in enumerate(docs):
        spans = [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]
        checker.add(doc, spans, {"doc": i})
    return checker.report()


def test_consistency_findings_become_label_and_missed_suspects(nlp):
    docs = [gold(nlp, WAY, OSPREY) for _ in range(3)] + [gold(nlp, WAY, (7, 8, "TRAIL"))]
    docs.append(gold(nlp, WAY))  # "my Osprey" left unlabelled beside its labelled context
    found = consistency_suspects(docs, consistency_of(nlp, docs))
    by_kind = {s.kind: s for s in found}
    assert by_kind["label"].doc == 3 and by_kind["label"].span == OSPREY
    assert by_kind["label"].score == 0.75  # 3 of 4 labelled occurrences say BRAND
    assert by_kind["missed"].doc == 4 and by_kind["missed"].span == OSPREY
    assert by_kind["missed"].score == 0.8  # labelled 4 times, unlabelled once


def test_a_suspect_both_sources_name_scores_higher(nlp):
    docs = [gold(nlp, WAY, OSPREY) for _ in range(3)] + [gold(nlp, WAY, (7, 8, "TRAIL"))]
    probs = [{WAY: 0.99, OSPREY: 0.99}] * 3 + [{WAY: 0.99, OSPREY: 0.6, (7, 8, "TRAIL"): 0.4}]
    [task] = find_suspects(docs, probs, consistency_of(nlp, docs))
    found = task["meta"]["suspect"]
    assert found["kind"] == "label" and found["sources"] == ["consistency", "models"]
    # the models' 0.6, weighed by the data (3 of the 3 others say BRAND: odds × 4), then
    # merged with the consistency finding's 0.75
    models = 1 / (1 + 0.4 / 0.6 / 4)
    assert found["score"] == pytest.approx(1 - (1 - models) * 0.25, abs=1e-4)
    alone = merge_suspects([Suspect(3, "label", OSPREY, (7, 8, "TRAIL"), 0.6)])
    assert alone[0].score == 0.6


def test_suspects_are_review_tasks_the_review_step_and_recipe_read(nlp, tmp_path: Path):
    other = ["We", *WORDS[1:6], "our", *WORDS[7:]]
    docs = [gold(nlp, WAY), gold(nlp, (4, 5, "TRAIL"), OSPREY, words=other)]
    probs = [{WAY: 0.99, OSPREY: 0.9}, {WAY: 0.8, OSPREY: 0.99}]
    tasks = find_suspects(docs, probs)
    for task, doc in zip(tasks, docs):
        annotation = [(s["start"], s["end"], s["label"]) for s in task["spans"]]
        assert annotation == [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        assert task["versions"][0]["spans"] == task["spans"]
        assert task["versions"][1]["spans"] != task["spans"]
        assert [v["sessions"] for v in task["versions"]] == [["annotation"], ["find-errors"]]
    path = tmp_path / "suspects.jsonl"
    srsly.write_jsonl(path, tasks)
    result = run_review(
        [parse_input(path)], tmp_path / "out.jsonl", tmp_path / "conflicts.jsonl", nlp,
        ReviewOptions(),
    )  # fmt: skip
    assert result.counts.rejected == 0 and result.units["conflict"] == 2
    shown = list(review("checked", str(path)).stream)
    assert [len(task["versions"]) for task in shown] == [2, 2]
    models = [(s["start"], s["end"]) for s in shown[0]["versions"][1]["spans"]]
    assert (TEXT.index("Osprey"), TEXT.index(" pack")) in models


def test_the_datas_own_boundaries_weigh_the_models_spans(nlp):
    # "pack" ends no annotated span in the data, "Osprey" ends several: the models' spans that
    # end on "pack" lose to the same probability on "Osprey"
    brands = ["Osprey", "Gregory", "Deuter", "Exped"]
    docs = [gold(nlp, OSPREY, words=variant("Offa Dyke", brand)) for brand in brands]
    docs.append(gold(nlp, words=variant("South Downs", "Osprey")))
    docs.append(gold(nlp, OSPREY, words=variant("West Highland", "Salewa")))
    probs = [{OSPREY: 0.99}] * 4 + [{OSPREY: 0.9}, {(7, 9, "BRAND"): 0.9}]
    found = suspects_of_all(docs, probs, min_score=0.5)
    assert [(s["kind"], s["text"]) for s in found] == [
        ("missed", "Osprey"),
        ("boundary", "Salewa pack"),
    ]
    assert found[0]["score"] > 0.9 > 0.8 > found[1]["score"]
