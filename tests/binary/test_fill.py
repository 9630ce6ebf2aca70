import json
import random

import pytest
import spacy
from spacy.tokens import Doc, DocBin, Span, SpanGroup
from spacy.training import Example
from typer.testing import CliRunner

from spacy_ner_plugin.annotations.partial import is_partial
from spacy_ner_plugin.binary.corpus import choose_strategy
from spacy_ner_plugin.binary.fill import (
    FillStrategy,
    add_pattern_entities,
    answer_matcher,
    best_consistent_analysis,
    fill_constrained,
    fill_outside,
    propagate_answers,
)
from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.fill_binary import fill_binary
from spacy_ner_plugin.constants import INCORRECT_SPANS_KEY
from spacy_ner_plugin.errors import PluginError, UsageError
from spacy_ner_plugin.patterns.matcher import PatternError, PatternMatcher, load_patterns

from ..conftest import cpu_timed, one_sentence_conll


def binary_doc(nlp, text, accepted=(), rejected=()):
    """A merged binary doc: accepted spans as ents (rest missing), rejected in the span group."""
    doc = nlp.make_doc(text)
    doc.set_ents([Span(doc, s, e, label) for s, e, label in accepted], default="missing")
    doc.spans[INCORRECT_SPANS_KEY] = SpanGroup(
        doc, spans=[Span(doc, s, e, label) for s, e, label in rejected]
    )
    return doc


def test_best_consistent_analysis_keeps_accepts_and_avoids_rejects():
    parses = [
        (0.5, [(0, 1, "B")]),  # violates the reject
        (0.3, [(2, 3, "B"), (4, 5, "B")]),  # consistent
        (0.2, [(2, 3, "B")]),  # consistent
    ]
    ents, inside = best_consistent_analysis(parses, accepted={(2, 3, "B")}, rejected={(0, 1, "B")})
    assert ents == [(2, 3, "B"), (4, 5, "B")]
    assert inside[2] == pytest.approx(1.0) and inside[4] == pytest.approx(0.6) and inside[0] == 0.0


def test_best_consistent_analysis_falls_back_to_the_accepts():
    ents, _ = best_consistent_analysis([(1.0, [(0, 1, "B")])], {(3, 4, "B")}, {(0, 1, "B")})
    assert ents == [(3, 4, "B")]


def test_fill_outside_makes_unknown_tokens_outside_but_keeps_rejects_unknown(nlp):
    doc = binary_doc(
        nlp, "My Osprey pack and Zion trip", accepted=[(1, 2, "B")], rejected=[(4, 5, "B")]
    )
    filled = fill_outside(doc)
    assert [t.ent_iob_ for t in filled] == ["O", "B", "O", "O", "", "O"]
    assert [s.text for s in filled.spans[INCORRECT_SPANS_KEY]] == ["Zion"]
    assert is_partial(doc) and not is_partial(fill_outside(binary_doc(nlp, "a b", [(0, 1, "B")])))


def test_fill_constrained_uses_the_base_model_and_respects_answers(trained_model, nlp):
    base = spacy.load(trained_model)
    rejected = binary_doc(nlp, "I took my Osprey pack on trip 9", rejected=[(3, 4, "BRAND")])
    gold = nlp.make_doc("Osprey is fine")
    gold.set_ents([Span(gold, 0, 1, "BRAND")], default="outside")
    filled_rejected, filled_gold = fill_constrained(
        [rejected, gold], base, beam_width=8, uncertain=0.99
    )
    assert filled_gold is gold
    assert "Osprey" not in [e.text for e in filled_rejected.ents]
    # the rejected token stays unknown; with no uncertainty allowed every other token is decided
    assert [i for i, t in enumerate(filled_rejected) if t.ent_iob == 0] == [3]


def test_fill_constrained_without_entities_keeps_likely_entity_tokens_missing(trained_model, nlp):
    """The base model only decides which unknown tokens are confidently "O"."""
    base = spacy.load(trained_model)
    doc = binary_doc(nlp, "I took my Osprey pack on trip 9", rejected=[(6, 7, "BRAND")])
    (with_ents,) = fill_constrained([doc], base, beam_width=8, uncertain=0.5)
    (without,) = fill_constrained([doc], base, beam_width=8, uncertain=0.5, add_entities=False)
    assert [e.text for e in with_ents.ents] == ["Osprey"]
    assert not without.ents
    # the base model is sure "Osprey" is an entity: not an entity here, but not "O" either;
    # the rejected "trip" stays unknown, every other token is confidently "O"
    assert [t.text for t in without if t.ent_iob == 0] == ["Osprey", "trip"]
    assert all(t.ent_iob_ == "O" for t in without if t.text not in ("Osprey", "trip"))


def test_choose_strategy_says_why_and_refuses_constrained_without_a_model():
    assert choose_strategy("auto", "my_model")[0] == choose_strategy("auto", None)[0] == "outside"
    assert "measured best" in choose_strategy("auto", None)[1]
    assert choose_strategy("constrained", "my_model") == ("constrained", "chosen explicitly")
    with pytest.raises(UsageError, match="'confident' strategy needs the base model"):
        choose_strategy("confident", None)
    with pytest.raises(UsageError, match="needs the base model"):
        choose_strategy(FillStrategy.constrained, None)
    with pytest.raises(UsageError, match="Unknown strategy 'guess'"):
        choose_strategy("guess", None)


def test_fill_binary_step_writes_a_filled_corpus(tmp_path, nlp):
    docs = [binary_doc(nlp, f"Trip {i} with Osprey gear", accepted=[(3, 4, "B")]) for i in range(3)]
    DocBin(docs=docs).to_disk(tmp_path / "train.spacy")
    result = fill_binary(tmp_path / "train.spacy", tmp_path / "filled.spacy", strategy="auto")
    assert (result.strategy, result.n_partial, result.missing_after) == ("outside", 3, 0)
    filled = list(DocBin().from_disk(tmp_path / "filled.spacy").get_docs(nlp.vocab))
    assert [e.text for d in filled for e in d.ents] == ["Osprey"] * 3


def test_fill_binary_confident_step_adds_no_entities(tmp_path, nlp, trained_model):
    docs = [binary_doc(nlp, f"I took my Osprey pack on trip {i}", rejected=[(6, 7, "BRAND")])
            for i in range(3)]  # fmt: skip
    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "train.spacy")
    result = fill_binary(
        tmp_path / "train.spacy",
        tmp_path / "filled.spacy",
        base_model=str(trained_model),
        strategy=FillStrategy.confident,
        uncertain=0.5,
        propagate=False,
    )
    assert (result.strategy, result.n_partial) == ("confident", 3)
    assert result.missing_before == 3 * 8 and result.missing_after == 3 * 2  # Osprey, trip
    filled = list(DocBin().from_disk(tmp_path / "filled.spacy").get_docs(nlp.vocab))
    assert not any(d.ents for d in filled)


BRANDS = ["Osprey", "Salomon", "Patagonia", "Arcteryx", "Deuter", "Rab", "Mammut", "Vaude"]
FRAMES = ["I bought {} boots on sale", "The {} jacket kept me dry", "Trail day with my {} pack",
          "Never had issues with {} gear", "Swapped to {} poles this year"]  # fmt: skip
PLAIN = ["Rain all day on the ridge", "We camped by the lake again", "Long climb but worth it",
         "Cold night and a late start", "The view from the top was great"]  # fmt: skip


def toy_answers(n, seed):
    """ner.teach-like answers: a brand text with its brand accepted, or a plain text whose
    suggested token was rejected. Returns (text, accepted, rejected) triples."""
    rng = random.Random(seed)
    nlp = spacy.blank("en")
    answers = []
    for i in range(n):
        if i % 2:
            brand = rng.choice(BRANDS)
            doc = nlp.make_doc(rng.choice(FRAMES).format(brand))
            j = [t.text for t in doc].index(brand)
            answers.append((doc.text, [(j, j + 1, "BRAND")], []))
        else:
            doc = nlp.make_doc(rng.choice(PLAIN))
            j = rng.randrange(len(doc))
            answers.append((doc.text, [], [(j, j + 1, "BRAND")]))
    return answers


def train_binary(fill, n_iter=25):
    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("ner", config={"incorrect_spans_key": INCORRECT_SPANS_KEY})
    docs = [binary_doc(nlp, text, acc, rej) for text, acc, rej in toy_answers(40, 0)]
    examples = [Example(nlp.make_doc(d.text), fill(d)) for d in docs]
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(0)
    for _ in range(n_iter):
        rng.shuffle(examples)
        nlp.update(examples, sgd=optimizer, drop=0.1)
    return nlp, docs


def predict_held_out(nlp):
    """Entities predicted per held-out text (half of them name one brand), and the share of
    brands found."""
    held_out = toy_answers(40, 1)
    predicted = list(nlp.pipe(text for text, _, _ in held_out))
    found = [
        (acc[0][0], acc[0][1]) in {(e.start, e.end) for e in doc.ents}
        for doc, (_, acc, _) in zip(predicted, held_out)
        if acc
    ]
    return sum(len(doc.ents) for doc in predicted) / len(predicted), sum(found) / len(found)


@pytest.fixture(scope="module")
def trained_on_outside_fill():
    """One model trained on the 'outside' fill of toy binary answers, for the tests below."""
    return train_binary(fill_outside)


@pytest.mark.slow
def test_binary_only_training_with_the_fill_does_not_over_predict(trained_on_outside_fill):
    nlp, _ = trained_on_outside_fill
    ents_per_text, brands_found = predict_held_out(nlp)
    assert ents_per_text <= 0.55 and brands_found >= 0.8


@pytest.mark.slow
def test_rejected_spans_are_not_predicted_after_training(trained_on_outside_fill):
    nlp, docs = trained_on_outside_fill
    for doc, predicted in zip(docs, nlp.pipe(d.text for d in docs)):
        rejected = {(s.start, s.end) for s in doc.spans[INCORRECT_SPANS_KEY]}
        assert not rejected & {(e.start, e.end) for e in predicted.ents}


def test_docs_keep_tokenization_when_filled(nlp):
    doc = Doc(nlp.vocab, words=["gore-tex", "rocks"], spaces=[True, False])
    doc.set_ents([Span(doc, 0, 1, "B")], default="missing")
    assert [t.text for t in fill_outside(doc)] == ["gore-tex", "rocks"]


def test_propagate_labels_other_occurrences_of_answered_strings(nlp):
    gold = nlp.make_doc("Osprey makes packs")
    gold.set_ents([Span(gold, 0, 1, "B")], default="outside")
    answered = binary_doc(nlp, "my osprey and Zion", accepted=[(1, 2, "B")], rejected=[(3, 4, "B")])
    other = binary_doc(nlp, "Zion trip with an Osprey", rejected=[(2, 3, "B")])
    matcher = answer_matcher([gold, answered, other], nlp.vocab)
    _, answered_out, other_out = [propagate_answers(d, matcher) for d in (gold, answered, other)]
    assert [(e.text, e.label_) for e in other_out.ents] == [("Osprey", "B")]
    assert {s.text for s in other_out.spans[INCORRECT_SPANS_KEY]} == {"with", "Zion"}
    assert [t.ent_iob_ for t in other_out][:4] == ["", "", "", ""]  # the rest stays unknown
    assert [e.text for e in answered_out.ents] == ["osprey"]  # answers themselves unchanged


def test_propagate_skips_strings_with_contradicting_answers(nlp):
    accepted = binary_doc(nlp, "Rab jackets", accepted=[(0, 1, "B")])
    rejected = binary_doc(nlp, "Rab again", rejected=[(0, 1, "B")])
    target = binary_doc(nlp, "I like Rab", rejected=[(1, 2, "B")])
    out = propagate_answers(target, answer_matcher([accepted, rejected, target], nlp.vocab))
    assert not out.ents and [s.text for s in out.spans[INCORRECT_SPANS_KEY]] == ["like"]


def test_reject_only_answers_still_register_their_labels(write_jsonl, tmp_path):
    from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy

    rejects = [
        {
            "text": f"Zion trip number {i}",
            "spans": [{"start": 0, "end": 4, "label": "TRAIL"}],
            "answer": "reject",
        }
        for i in range(3)
    ]
    path = write_jsonl(rejects)
    data_to_spacy([f"binary:{path}"], tmp_path / "out", eval_split=0.0)
    label_data = json.loads((tmp_path / "out" / "labels.json").read_text())
    assert {label for counts in label_data.values() for label in counts if label} == {"TRAIL"}
    docs = list(
        DocBin().from_disk(tmp_path / "out" / "train.spacy").get_docs(spacy.blank("en").vocab)
    )
    assert all(doc.spans[INCORRECT_SPANS_KEY][0].text == "Zion" for doc in docs)


BRAND_PATTERNS = [
    {"label": "B", "pattern": [{"lower": "osprey"}]},
    {"label": "B", "pattern": [{"lower": "rab"}]},
    {"label": "B", "pattern": "Zion"},
    {"label": "B", "pattern": [{"lower": "deuter"}, {"lower": "pack"}]},
]


def test_patterns_label_only_unknown_tokens_and_never_a_rejected_span(nlp, write_jsonl):
    matcher = PatternMatcher(nlp, load_patterns(write_jsonl(BRAND_PATTERNS)))
    doc = binary_doc(
        nlp,
        "osprey or Rab , Zion and a Deuter pack",
        accepted=[(2, 3, "OTHER")],  # the accept outranks the "rab" pattern
        rejected=[(4, 5, "B")],  # so does the reject of "Zion"
    )
    out = add_pattern_entities(doc, matcher)
    assert [(e.text, e.label_) for e in out.ents] == [
        ("osprey", "B"), ("Rab", "OTHER"), ("Deuter pack", "B")
    ]  # fmt: skip
    assert [t.ent_iob_ for t in out][3:6] == ["", "", ""]  # everything else stays unknown
    assert [s.text for s in out.spans[INCORRECT_SPANS_KEY]] == ["Zion"]
    gold = nlp.make_doc("osprey packs")
    gold.set_ents([], default="outside")
    assert add_pattern_entities(gold, matcher) is gold  # gold docs pass unchanged


def test_fill_binary_with_patterns_adds_their_matches_before_the_fill(tmp_path, nlp, write_jsonl):
    docs = [
        binary_doc(nlp, "Rab and Osprey gear", accepted=[(2, 3, "B")]),
        binary_doc(nlp, "my rab jacket", rejected=[(2, 3, "B")]),
        binary_doc(nlp, "Deuter pack , osprey pack", rejected=[(0, 1, "B")]),
        binary_doc(nlp, "Deuter , Zion", rejected=[(0, 1, "B"), (2, 3, "B")]),
    ]
    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "train.spacy")
    result = fill_binary(
        tmp_path / "train.spacy", tmp_path / "filled.spacy", patterns=write_jsonl(BRAND_PATTERNS)
    )
    filled = list(DocBin().from_disk(tmp_path / "filled.spacy").get_docs(nlp.vocab))
    # "Osprey" was accepted, so its lower-cased form propagates before any pattern runs; a
    # reject of "Deuter" does not rule out the longer "Deuter pack", but a rejected "Zion" stays
    assert [[e.text for e in d.ents] for d in filled] == [
        ["Rab", "Osprey"], ["rab"], ["Deuter pack", "osprey"], []
    ]  # fmt: skip
    assert result.pattern_ents == 3  # "Rab", "rab", "Deuter pack"
    assert (result.strategy, result.missing_after) == ("outside", 3)  # jacket, Deuter, Zion


def test_fill_binary_refuses_invalid_patterns_and_writes_nothing(tmp_path, nlp, write_jsonl):
    DocBin(docs=[binary_doc(nlp, "Rab gear", accepted=[(0, 1, "B")])]).to_disk(
        tmp_path / "train.spacy"
    )
    bad = write_jsonl([BRAND_PATTERNS[0], {"label": "B"}, "{not json"], name="patterns.jsonl")
    with pytest.raises(PatternError) as err:
        fill_binary(tmp_path / "train.spacy", tmp_path / "filled.spacy", patterns=bad)
    assert f"{bad}:2" in str(err.value) and f"{bad}:3" in str(err.value)
    assert not (tmp_path / "filled.spacy").exists()
    args = ["fill-binary", str(tmp_path / "train.spacy"), str(tmp_path / "filled.spacy")]
    out = CliRunner().invoke(app, [*args, "--patterns", str(bad)])
    assert out.exit_code == 1 and "Invalid patterns" in out.output and f"{bad}:2" in out.output
    assert not (tmp_path / "filled.spacy").exists()


def test_fill_binary_cli_base_model_option_runs_the_constrained_fill(tmp_path, nlp, trained_model):
    docs = [binary_doc(nlp, f"I took my Osprey pack on trip {i}", rejected=[(6, 7, "BRAND")])
            for i in range(2)]  # fmt: skip
    DocBin(docs=docs).to_disk(tmp_path / "train.spacy")
    args = ["fill-binary", str(tmp_path / "train.spacy"), str(tmp_path / "filled.spacy")]
    out = CliRunner().invoke(app, [*args, "-s", "constrained", "-b", str(trained_model)])
    assert out.exit_code == 0, out.output
    assert "Strategy: constrained (chosen explicitly)" in out.output
    filled = list(DocBin().from_disk(tmp_path / "filled.spacy").get_docs(nlp.vocab))
    assert [e.text for d in filled for e in d.ents] == ["Osprey"] * 2


def test_fill_binary_cli_bad_strategy_and_missing_base_model_are_usage_errors(tmp_path, nlp):
    DocBin(docs=[binary_doc(nlp, "Rab gear", accepted=[(0, 1, "B")])]).to_disk(
        tmp_path / "train.spacy"
    )
    args = ["fill-binary", str(tmp_path / "train.spacy"), str(tmp_path / "filled.spacy")]
    out = CliRunner().invoke(app, [*args, "--strategy", "guess"])
    assert out.exit_code == 2 and "guess" in out.output
    for strategy in ("constrained", "confident"):
        out = CliRunner().invoke(app, [*args, "--strategy", strategy])
        assert out.exit_code == 2 and "--base-model" in out.output, out.output
        assert out.exception is None or isinstance(out.exception, SystemExit)
    assert not (tmp_path / "filled.spacy").exists()


def test_fill_binary_bad_input_raises_and_prints_nothing(tmp_path, nlp, write_jsonl, capsys):
    with pytest.raises(PluginError, match="Input not found"):
        fill_binary(tmp_path / "missing.spacy", tmp_path / "filled.spacy")
    with pytest.raises(UsageError, match="needs the base model"):
        fill_binary(tmp_path / "missing.spacy", tmp_path / "filled.spacy", strategy="constrained")
    DocBin(docs=[binary_doc(nlp, "Rab gear", accepted=[(0, 1, "B")])]).to_disk(
        tmp_path / "train.spacy"
    )
    bad = write_jsonl([{"label": "B"}], name="patterns.jsonl")
    with pytest.raises(PluginError, match="Invalid patterns"):
        fill_binary(tmp_path / "train.spacy", tmp_path / "filled.spacy", patterns=bad)
    assert capsys.readouterr() == ("", "")


def one_sentence_corpus(path, n_tokens, nlp):
    """A `.spacy` corpus of one CoNLL sentence of `n_tokens` tokens, converted as data-to-spacy
    converts it (read, normalize, build the doc)."""
    from spacy_ner_plugin.annotations.docs import record_to_doc
    from spacy_ner_plugin.annotations.formats import read_records
    from spacy_ner_plugin.annotations.normalize import normalize_record

    (line,) = read_records(one_sentence_conll(path.with_suffix(".conll"), n_tokens))
    doc = record_to_doc(normalize_record(line.record, nlp.vocab), nlp.vocab, nlp.make_doc)
    DocBin(docs=[doc]).to_disk(path)
    return path


@pytest.mark.slow
def test_fill_binary_of_a_conll_sentence_of_200k_tokens_takes_linear_time(tmp_path, nlp):
    small = one_sentence_corpus(tmp_path / "small.spacy", 50_000, nlp)
    large = one_sentence_corpus(tmp_path / "large.spacy", 200_000, nlp)
    fill_binary(small, tmp_path / "warm.spacy")  # warm up
    t_small = min(
        cpu_timed(fill_binary, small, tmp_path / "small.filled.spacy")[0] for _ in range(2)
    )
    t_large, result = cpu_timed(fill_binary, large, tmp_path / "large.filled.spacy")
    # 4x the tokens: ~4x the time; a pattern Doc per entity copied the whole doc (~16x)
    assert t_large < 8 * t_small + 0.2, (t_small, t_large)
    assert (result.n_docs, result.n_partial, result.missing_after) == (1, 0, 0)
    (filled,) = DocBin().from_disk(tmp_path / "large.filled.spacy").get_docs(nlp.vocab)
    assert len(filled) == 200_000 and len(filled.ents) == 40_000
