import json

import pytest
import spacy

from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.cli.evaluate import evaluate
from spacy_ner_plugin.cli.evaluate_patterns import evaluate_patterns

from ..conftest import task

# A rule-based "model" predicts exactly "Osprey" as BRAND and "Half Dome" as TRAIL, so every
# count below follows from the texts by hand.
PATTERNS = [{"label": "BRAND", "pattern": "Osprey"}, {"label": "TRAIL", "pattern": "Half Dome"}]
EVAL = [
    # BRAND right, TRAIL right
    {
        "text": "My Osprey bag went up Half Dome",
        "spans": [
            {"start": 3, "end": 9, "label": "BRAND"},
            {"start": 22, "end": 31, "label": "TRAIL"},
        ],
    },
    task("My Osprey pack again", "Osprey"),  # BRAND right
    task("Deuter packs are fine", "Deuter"),  # BRAND missed
    {"text": "Half Dome was closed", "spans": []},  # TRAIL predicted where there is none
    task("The Osprey Loop is muddy", "Osprey", label="TRAIL"),  # BRAND predicted, TRAIL missed
    {"text": "We hiked in the fog all day", "spans": []},  # nothing either way
]
# BRAND: 2 right, 1 wrong, 1 missed; TRAIL: 1 right, 1 wrong, 1 missed; all: 3, 2, 2.
EXPECTED = {
    "BRAND": {"p": 2 / 3, "r": 2 / 3, "f": 2 / 3},
    "TRAIL": {"p": 1 / 2, "r": 1 / 2, "f": 1 / 2},
}


@pytest.fixture(scope="module")
def ruler_model(tmp_path_factory: pytest.TempPathFactory):
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns(PATTERNS)
    path = tmp_path_factory.mktemp("ruler") / "model"
    nlp.to_disk(path)
    return path


def test_evaluate_scores_what_the_model_gets_right_per_label(ruler_model, write_jsonl, tmp_path):
    scores = evaluate(str(ruler_model), write_jsonl([*EVAL, "{broken"]), tmp_path / "scores.json")
    assert scores["n_examples"] == len(EVAL) and scores["n_rejected"] == 1
    assert scores["ents_per_type"] == {
        label: pytest.approx(values) for label, values in EXPECTED.items()
    }
    assert scores["ents_p"] == scores["ents_r"] == scores["ents_f"] == pytest.approx(3 / 5)
    saved = json.loads((tmp_path / "scores.json").read_text())
    assert saved["ents_f"] == scores["ents_f"] and saved["n_rejected"] == 1
    assert saved["ents_per_type"]["BRAND"] == pytest.approx(EXPECTED["BRAND"])


@pytest.mark.slow  # over half a second of CPU: two evaluations and a conversion
def test_evaluate_jsonl_and_spacy_give_the_same_scores(ruler_model, write_jsonl, tmp_path):
    from_jsonl = evaluate(str(ruler_model), write_jsonl(EVAL, "dev.jsonl"))
    data_to_spacy(
        [write_jsonl([task("Some other Osprey text", "Osprey")], "train.jsonl")],
        tmp_path / "corpus",
        eval_path=tmp_path / "dev.jsonl",
    )
    from_spacy = evaluate(str(ruler_model), tmp_path / "corpus" / "dev.spacy")
    assert from_spacy["n_examples"] == len(EVAL) and from_spacy["n_rejected"] == 0
    for key in ("ents_p", "ents_r", "ents_f", "ents_per_type"):
        assert from_spacy[key] == from_jsonl[key]


def test_evaluate_of_a_missing_file_raises_a_plugin_error(ruler_model, tmp_path):
    from spacy_ner_plugin.errors import PluginError

    with pytest.raises(PluginError, match="Input not found"):
        evaluate(str(ruler_model), tmp_path / "missing.jsonl")


def test_error_examples_carry_the_input_files_input_hash(ruler_model, write_jsonl):
    from spacy_ner_plugin.io.hashing import text_hash

    # Prodigy's hashes are its own: a user finds the text by the file's `_input_hash`
    records = [{**record, "_input_hash": 1000 + i} for i, record in enumerate(EVAL[:4])]
    records += EVAL[4:]  # no `_input_hash`: ours
    scores = evaluate(str(ruler_model), write_jsonl(records))
    found = {example["input_hash"] for example in scores["errors"]["examples"]}
    assert found == {1002, 1003, text_hash(EVAL[4]["text"])}


@pytest.mark.parametrize("step", ["evaluate", "evaluate-patterns"])
def test_a_step_shows_the_first_20_rejects_and_counts_the_rest(
    step, ruler_model, write_jsonl, capsys
):
    gold = write_jsonl([*EVAL, *["{broken"] * 25])
    if step == "evaluate":
        scores = evaluate(str(ruler_model), gold, silent=False)
    else:
        patterns = write_jsonl(PATTERNS, "patterns.jsonl")
        scores = evaluate_patterns(patterns, gold, silent=False)
    out = capsys.readouterr().out
    shown = [line for line in out.splitlines() if f"{gold}:" in line]
    assert scores["n_rejected"] == 25
    assert [line.split(f"{gold}:")[1].split()[0] for line in shown] == [
        str(len(EVAL) + i) for i in range(1, 21)
    ]
    assert "... and 5 more" in out
