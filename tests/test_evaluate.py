import json

from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.cli.evaluate import evaluate

from .conftest import task

EVAL = [task(f"My Osprey bag went to camp {i}", "Osprey") for i in range(4)] + [
    {"text": "We hiked in the fog all day", "spans": []}
]


def test_evaluate_jsonl_and_spacy_give_the_same_per_label_scores(
    trained_model, write_jsonl, tmp_path
):
    path = write_jsonl([*EVAL, "{broken"])
    from_jsonl = evaluate(str(trained_model), path, tmp_path / "metrics" / "scores.json")
    train = [task("Some other Osprey text", "Osprey")]
    data_to_spacy(
        [write_jsonl(train, "train.jsonl")],
        tmp_path / "corpus",
        eval_path=write_jsonl(EVAL, "dev.jsonl"),
    )
    from_spacy = evaluate(str(trained_model), tmp_path / "corpus" / "dev.spacy")
    assert from_jsonl["n_examples"] == from_spacy["n_examples"] == 5
    assert from_jsonl["n_rejected"] == 1
    assert from_jsonl["ents_per_type"] == from_spacy["ents_per_type"]
    assert set(from_jsonl["ents_per_type"]) == {"BRAND"}
    assert 0.0 < from_jsonl["ents_f"] <= 1.0
    saved = json.loads((tmp_path / "metrics" / "scores.json").read_text())
    assert saved["ents_f"] == from_jsonl["ents_f"]
