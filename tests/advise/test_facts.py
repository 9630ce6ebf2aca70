"""The fact functions: each measures what one of the chart's questions reads."""

import sys
from collections import Counter

import numpy
import pytest
import spacy

from spacy_ner_plugin.advise import flowchart as chart
from spacy_ner_plugin.advise.facts import (
    AnnotationData,
    Missing,
    annotations_fact,
    base_fact,
    base_vocabulary,
    consistency_fact,
    context_fact,
    curve_fact,
    error_fix_fact,
    evaluation_fact,
    happy_fact,
    labels_fact,
    model_f,
    projection_fact,
    raw_fact,
    rules_possible_fact,
    scores_fact,
    shape_fact,
    string_agreement,
    tuning_fact,
    type_overlap_fact,
    vocabulary_fact,
)
from spacy_ner_plugin.annotations.stats import CorpusStats
from spacy_ner_plugin.errors import PluginError


def _stats(**answers: int) -> CorpusStats:
    stats = CorpusStats()
    stats.answers = Counter(answers)
    stats.texts = sum(answers.values())
    return stats


def _doc(nlp, text, ents, missing=False):
    doc = nlp.make_doc(text)
    spans = [doc.char_span(text.index(s), text.index(s) + len(s), label=lab) for s, lab in ents]
    doc.set_ents(spans, default="missing" if missing else "outside")
    return doc


def _data(docs, **stats):
    found = _stats(accept=len(docs))
    for key, value in stats.items():
        setattr(found, key, value)
    return AnnotationData(found, docs)


def test_annotations_fact_counts_answers_and_the_additional_ones():
    data = AnnotationData(_stats(accept=1467, reject=10, ignore=99), [])
    fact = annotations_fact(data)
    assert fact.value["annotations"] == 1477 and fact.value["additional"] is None
    assert "99 ignored not counted" in fact.summary
    assert not chart.NODES["c_annotations"].test(fact.value)  # regression: the bar was 500
    assert not chart.NODES["a_annotations"].test(fact.value)
    later = annotations_fact(data, previous=900)
    assert later.value["additional"] == 577 and chart.NODES["a_annotations"].test(later.value)


def test_base_fact_names_the_labels_new_to_the_base_model(nlp):
    data = _data([_doc(nlp, "Osprey on the Pennine Way", [("Osprey", "BRAND")])])
    assert base_fact(None, None, data).value["base_model"] is None
    assert base_fact("base", {"BRAND", "PERSON"}, data).value["new_labels"] == []
    fact = base_fact("base", {"PERSON"}, data)
    assert fact.value["new_labels"] == ["BRAND"] and fact.value["shared_labels"] == []
    assert "new to it: BRAND" in fact.summary


def test_raw_fact_counts_sentences(nlp):
    texts = ["One sentence here. And another one.", "A third"] * 300
    fact = raw_fact(texts, "raw.jsonl", nlp)
    assert fact.value["sentences"] == 900 and fact.value["answer"] is False
    assert raw_fact(texts * 2, "raw.jsonl", nlp).value["answer"] is True


def test_rules_possible_is_measured_from_the_patterns_or_asked():
    fact = rules_possible_fact({"BRAND"}, ["BRAND", "TRAIL", "PEAK"], None)
    assert fact.value["share"] == pytest.approx(1 / 3) and fact.value["answer"] is False
    assert rules_possible_fact({"BRAND", "PEAK"}, ["BRAND", "PEAK"], False).value["answer"]
    asked = rules_possible_fact(None, ["BRAND"], None)
    assert isinstance(asked, Missing) and asked.flag == "--rules-possible/--no-rules-possible"
    assert asked.step == "answer"
    assert rules_possible_fact(None, ["BRAND"], True).value["answer"] is True


def test_a_model_scored_on_span_gold_alone_is_judged_by_its_span_f():
    scores = {"ents_f": None, "spans_key": "sc", "spans_sc_f": 0.9, "n_examples": 10}
    assert model_f(scores) == 0.9
    assert happy_fact(scores, None, 0.85).value == {
        "answer": True,
        "f": 0.9,
        "target_f": 0.85,
        "source": "scores",
    }
    assert scores_fact(scores, "scores.json").value["f"] == 0.9


@pytest.mark.parametrize(
    "scores", [{"n_examples": 3}, {"ents_f": None}, {"ents_f": "0.8"}, {"ents_f": True}, [0.8]]
)
def test_scores_without_a_model_f_are_an_error_naming_the_file(scores):
    with pytest.raises(PluginError, match="metrics/s.json: no model F"):
        model_f(scores, "metrics/s.json")


def test_happy_is_the_answer_or_the_f_against_the_target():
    scores = {"ents_f": 0.84, "n_examples": 100}
    assert happy_fact(scores, True, None).value["answer"] is True
    assert happy_fact(scores, None, 0.85).value["answer"] is False
    assert happy_fact(scores, None, 0.8).value["answer"] is True
    assert isinstance(happy_fact(scores, None, None), Missing)
    assert happy_fact(None, None, 0.8).step == "evaluate"
    assert error_fix_fact(None).step == "find_errors" and error_fix_fact(False).value == {
        "answer": False,
        "source": "flag",
    }


def test_labels_fact_names_the_base_labels_the_data_never_annotates(nlp):
    data = _data([_doc(nlp, "Osprey met Ann", [("Osprey", "BRAND")])])
    fact = labels_fact({"PERSON", "BRAND", "GPE"}, data)
    assert fact.value["missing"] == ["GPE", "PERSON"] and fact.value["new"] == []


def test_type_overlap_measures_new_types_inside_the_base_models_entities(nlp):
    base = spacy.blank("en")
    base.add_pipe("entity_ruler").add_patterns(
        [{"label": "DATE", "pattern": "June 3"}, {"label": "ORG", "pattern": "Osprey"}]
    )
    docs = [
        _doc(nlp, "We met on June 3 at Osprey", [("June", "MONTH"), ("Osprey", "ORG")]),
        _doc(nlp, "In July we hiked", [("July", "MONTH")]),
        _doc(nlp, "The Pennine Way", [("Pennine Way", "TRAIL")]),
    ]
    fact = type_overlap_fact(base, _data(docs), ["MONTH", "TRAIL"])
    assert fact.value["share"] == pytest.approx(1 / 3)
    assert fact.value["per_label"]["MONTH"] == {
        "entities": 2,
        "overlapping": 1,
        "base_labels": {"DATE": 1},
    }
    assert chart.NODES["b_overlap"].test(fact.value)  # 33% > 20%
    assert isinstance(type_overlap_fact(base, _data(docs), ["PEAK"]), Missing)


def test_context_fact_finds_bare_lists_of_words(nlp):
    docs = [_doc(nlp, "Osprey", [("Osprey", "B")]), _doc(nlp, "Osprey , Marmot", [])]
    docs[1] = _doc(nlp, "Osprey , Marmot", [("Osprey", "B"), ("Marmot", "B")])
    docs.append(_doc(nlp, "I took my Osprey pack up the hill", [("Osprey", "B")]))
    fact = context_fact(_data(docs))
    assert fact.value["bare"] == 2 and fact.value["bare_share"] == pytest.approx(2 / 3)
    assert not chart.NODES["c_context"].test(fact.value)


def test_shape_fact_measures_long_and_lower_case_spans(nlp):
    docs = [
        _doc(nlp, "I love the very long trail of the north", [("very long trail of the", "X")]),
        _doc(nlp, "Osprey rocks", [("Osprey", "X")]),
    ]
    fact = shape_fact(_data(docs))
    assert fact.value["long_share"] == 0.5 and fact.value["lower_phrase_share"] == 0.5
    assert not chart.NODES["proper_nouns"].test(fact.value)
    assert isinstance(shape_fact(_data([nlp.make_doc("nothing")])), Missing)


def test_string_agreement_counts_minority_treatments(nlp):
    docs = [_doc(nlp, f"My Marmot jacket {i}", []) for i in range(3)]
    docs.append(_doc(nlp, "A Marmot tent", [("Marmot", "BRAND")]))
    docs.append(_doc(nlp, "Marmot Pass trail", [("Marmot Pass", "TRAIL")]))  # inside: not counted
    agreement = string_agreement(docs)
    assert agreement["occurrences"] == 5 and agreement["disagreements"] == 1
    assert agreement["examples"][0] == {"text": "Marmot", "O": 3, "BRAND": 1}
    partial = _doc(nlp, "Marmot again", [], missing=True)
    fact = consistency_fact(_data([*docs, partial], conflicts=1))
    assert fact.value["disagreement_share"] == pytest.approx(0.2)
    assert fact.value["conflict_share"] == pytest.approx(1 / 6)
    assert not chart.NODES["consistent"].test(fact.value)


def test_vocabulary_fact_is_the_share_of_words_the_base_has_seen(nlp):
    data = _data([_doc(nlp, "the Osprey pack , the zorbling", [])])
    fact = vocabulary_fact({"osprey", "pack"}, data, "base")
    assert fact.value["coverage"] == pytest.approx(2 / 3)  # "the" is a stop word
    assert fact.value["coverage_all_words"] == pytest.approx(2 / 5)
    assert fact.value["frequent_unseen"] == ["zorbling"]


def test_base_vocabulary_leaves_out_spacys_own_names_and_reads_the_vectors(nlp):
    base = spacy.blank("en")
    base.add_pipe("ner").add_label("GEAR")
    for name in ("prep", "nmod", "cop", "Xxxxx", "Number=Sing"):
        base.vocab.strings.add(name)
    base.make_doc("Osprey packs")
    base.vocab.reset_vectors(width=2)
    base.vocab.set_vector("zorbling", numpy.ones(2, dtype="f"))
    known = base_vocabulary(base)
    assert {"Osprey", "packs", "zorbling"} <= known
    assert not known & {"prep", "nmod", "cop", "Xxxxx", "Number=Sing", "GEAR", "ORTH"}
    data = _data([_doc(nlp, "prep nmod cop zorbling packs", [])])
    fact = vocabulary_fact(known, data, "base")
    assert fact.value["coverage"] == pytest.approx(2 / 5)
    assert fact.value["frequent_unseen"] == ["prep", "nmod", "cop"]


def _curve(prev_f, last_f, std=0.0):
    def row(fraction, f):
        n = int(fraction * 400)
        return {"fraction": fraction, "n_examples": n, "n_seeds": 3, "f": {"mean": f, "std": std}}

    return {"threshold": 1.0, "curve": [row(0.75, prev_f), row(1.0, last_f)]}


def test_curve_fact_judges_the_last_segment_with_its_noise():
    assert curve_fact(_curve(70.0, 74.0), "c").value["verdict"] == "more data helps"
    noisy = curve_fact(_curve(70.0, 74.0, std=3.0), "c")
    assert noisy.value["verdict"] == "flat" and noisy.value["noise"] == pytest.approx(4.24)
    assert "±4.2" in noisy.summary
    assert isinstance(curve_fact(None, "c.json"), Missing)


def _points():
    """Curve points where TRAIL still climbs steeply and BRAND has flattened."""
    points = []
    for seed in range(3):
        for fraction in (0.25, 0.5, 0.75, 1.0):
            n = int(400 * fraction)
            trail = 0.9 - 0.8 * (n / 100) ** -0.5 + 0.01 * seed
            brand = 0.8 - 0.02 * (n / 100) ** -2 + 0.005 * seed
            points.append(
                {
                    "fraction": fraction,
                    "seed": seed,
                    "n_examples": n,
                    "ents_f": (trail + brand) / 2,
                    "ents_per_type": {"TRAIL": {"f": trail}, "BRAND": {"f": brand}},
                }
            )
    return points


def test_projection_names_the_labels_where_more_data_pays_most(monkeypatch):
    fact = projection_fact({"points": _points()})
    ranked = fact.value["ranked"]
    assert [r["label"] for r in ranked] == ["TRAIL", "BRAND"]
    assert fact.value["labels"][0] == "TRAIL" and ranked[0]["gain"] > ranked[1]["gain"]
    assert ranked[0]["factor"] == 2.0 and "TRAIL" in fact.summary
    assert isinstance(projection_fact(None), Missing)
    assert isinstance(projection_fact({"points": _points()[:2]}), Missing)  # one data size
    monkeypatch.setitem(sys.modules, "spacy_ner_plugin.curve.projection", None)
    assert projection_fact({"points": _points()}).reason == (
        "this version cannot project train curves"
    )


def test_tuning_fact_compares_the_best_setting_with_the_configs_own():
    base = {"dropout": 0.1, "batch_size": "compounding.v1 100→1000", "f": 70.0}
    sweep = {
        "baseline": base,
        "grid": [base, {"dropout": 0.3, "batch_size": 500, "f": 72.5}],
        "best": {"dropout": 0.3, "batch_size": 500, "f": 72.5},
        "best_config": "metrics/tune.cfg",
    }
    fact = tuning_fact(sweep, "s.json")
    assert fact.value["answer"] is True and fact.value["gain"] == 2.5
    sweep["best"] = {**sweep["best"], "f": 70.8}
    assert tuning_fact(sweep, "s.json").value["answer"] is False
    assert tuning_fact(None, "s.json").step == "tune"


def test_evaluation_fact_counts_texts_shared_with_training(nlp):
    train = [_doc(nlp, "Osprey pack", [("Osprey", "BRAND")]), _doc(nlp, "Pennine Way", [])]
    evals = [_doc(nlp, "Osprey pack", [("Osprey", "BRAND")]), _doc(nlp, "Other text", [])]
    fact = evaluation_fact(_data(train), evals, "eval.jsonl", None)
    assert fact.value == {
        "n_eval": 2,
        "shared": 1,
        "labels_missing": [],
        "source": "eval file eval.jsonl",
    }
    scores = {"n_examples": 300, "ents_per_type": {}, "data": "dev.spacy"}
    held_out = evaluation_fact(_data(train), None, None, scores)
    assert held_out.value["n_eval"] == 300 and held_out.value["labels_missing"] == ["BRAND"]
    assert isinstance(evaluation_fact(_data(train), None, None, None), Missing)
