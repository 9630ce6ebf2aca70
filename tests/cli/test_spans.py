"""The span categorization path: data-to-spacy --spans-key keeps overlapping spans and still
rejects bad ones, evaluate scores spans, and (slow) the sample with nested spans trains
configs/spancat.cfg end to end."""

import json

import pytest
import spacy
import srsly
from spacy.cli.train import train
from spacy.training import Example
from typer.testing import CliRunner

from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.cli.evaluate import evaluate
from spacy_ner_plugin.errors import UsageError

from ..conftest import ROOT, read_docs, task
from .test_data_to_spacy import BAD_RECORDS, assert_reconciles

NESTED = [
    task(f"My Big Agnes sleeping pad, night {i}", "Big Agnes", "Big Agnes sleeping pad")
    for i in range(6)
]
for record in NESTED:
    record["spans"][1]["label"] = "ITEM"
CROSSING = task("Black Diamond poles", "Black Diamond", "Diamond poles")


def groups(path, nlp):
    return [[(s.text, s.label_) for s in doc.spans["sc"]] for doc in read_docs(path, nlp)]


def test_overlapping_and_nested_spans_go_to_the_span_group(write_jsonl, tmp_path, nlp):
    binary = {**task("My Big Agnes pad", "Big Agnes"), "_view_id": "ner"}
    path = write_jsonl([*NESTED, CROSSING, binary])
    result = data_to_spacy([path], tmp_path / "out", eval_split=0.2, spans_key="sc")
    assert_reconciles(result, tmp_path / "out" / "rejects.jsonl", 0)
    assert result.counts.skipped == {"binary answer (spans need complete annotations)": 1}
    found = groups(tmp_path / "out" / "train.spacy", nlp)
    found += groups(tmp_path / "out" / "dev.spacy", nlp)
    assert found.count([("Big Agnes", "BRAND"), ("Big Agnes sleeping pad", "ITEM")]) == 6
    assert [("Black Diamond", "BRAND"), ("Diamond poles", "BRAND")] in found
    assert not any(doc.ents for doc in read_docs(tmp_path / "out" / "train.spacy", nlp))
    assert json.loads((tmp_path / "out" / "labels.json").read_text()) == ["BRAND", "ITEM"]
    assert result.tables()[1][0] == "Spans (doc.spans['sc'])"


@pytest.mark.parametrize("name", [name for name in BAD_RECORDS if name != "overlapping spans"])
def test_every_other_bad_record_is_still_rejected_with_its_reason(name, write_jsonl, tmp_path):
    bad, field, reason = BAD_RECORDS[name]
    path = write_jsonl([*NESTED[:3], bad, *NESTED[3:]])
    result = data_to_spacy([path], tmp_path / "out", eval_split=0.2, spans_key="sc")
    assert_reconciles(result, tmp_path / "out" / "rejects.jsonl", 1)
    (reject,) = srsly.read_jsonl(tmp_path / "out" / "rejects.jsonl")
    assert reject["line"] == 4 and reject["field"] == field and reason in reject["reason"]


def test_spans_key_and_rehearse_exclude_each_other(write_jsonl, tmp_path, trained_model):
    with pytest.raises(UsageError, match="--rehearse"):
        data_to_spacy(
            [write_jsonl(NESTED)], tmp_path / "out", spans_key="sc", rehearse=True,
            base_model=str(trained_model),
        )  # fmt: skip
    assert not (tmp_path / "out").exists()


def test_a_bad_spans_key_exits_2_on_the_command_line(write_jsonl, tmp_path):
    args = ["data-to-spacy", str(write_jsonl(NESTED)), "--output", str(tmp_path / "out")]
    result = CliRunner().invoke(app, [*args, "--spans-key", "incorrect_spans"])
    assert result.exit_code == 2 and "group of rejected binary" in result.output


# A span_ruler "model" writes both nested spans to doc.spans["sc"]; an entity_ruler with the same
# patterns can set only one entity there (it keeps the longer), so its BRAND is always missed.
RULES = [
    {"label": "BRAND", "pattern": "Big Agnes"},
    {"label": "ITEM", "pattern": "Big Agnes sleeping pad"},
]


@pytest.mark.parametrize(
    "component, config, spans_key, predicted, brand_recall",
    [
        # the span_ruler's key is found without --spans-key; the entity model's is given
        ("span_ruler", {"spans_key": "sc"}, None, "doc.spans['sc']", 1.0),
        ("entity_ruler", {}, "sc", "doc.ents", 0.0),
    ],
)
def test_evaluate_scores_spans_of_a_span_model_and_of_an_entity_model(
    component, config, spans_key, predicted, brand_recall, write_jsonl, tmp_path
):
    nlp = spacy.blank("en")
    nlp.add_pipe(component, config=config).add_patterns(RULES)
    nlp.to_disk(tmp_path / "model")
    output = tmp_path / "scores.json"
    result = evaluate(str(tmp_path / "model"), write_jsonl(NESTED), output, spans_key=spans_key)
    assert result["ents_f"] is None and result["spans_n_examples"] == len(NESTED)
    assert result["spans_predicted"] == predicted and result["spans_sc_p"] == 1.0
    assert result["spans_sc_r"] == pytest.approx((1 + brand_recall) / 2)
    per_type = result["spans_sc_per_type"]
    assert per_type["ITEM"]["r"] == 1.0 and per_type["BRAND"]["r"] == brand_recall
    assert json.loads(output.read_text())["spans_sc_per_type"] == per_type


@pytest.mark.slow
def test_the_spans_sample_trains_spancat_and_evaluate_reports_span_scores(tmp_path):
    corpus = tmp_path / "corpus"
    sample = ROOT / "assets" / "spans_sample.jsonl"
    converted = data_to_spacy([sample], corpus, eval_split=0.2, spans_key="sc")
    assert converted.counts.rejected == 0 and converted.counts.written["dev"] > 0
    dev = read_docs(corpus / "dev.spacy", spacy.blank("en"))
    nested = [(a, b) for d in dev for a, b in zip(list(d.spans["sc"]), list(d.spans["sc"])[1:])]
    assert any(a.end > b.start for a, b in nested), "the dev set has overlapping spans"
    overrides = {
        "paths.train": str(corpus / "train.spacy"),
        "paths.dev": str(corpus / "dev.spacy"),
        "paths.labels": str(corpus / "labels.json"),
        "training.max_steps": 60,
        "training.eval_frequency": 30,
    }
    train(ROOT / "configs" / "spancat.cfg", tmp_path / "model", overrides=overrides)
    model = tmp_path / "model" / "model-last"
    result = evaluate(str(model), corpus / "dev.spacy")
    assert result["spans_key"] == "sc" and result["spans_predicted"] == "doc.spans['sc']"
    assert result["spans_n_examples"] == converted.counts.written["dev"]
    assert set(result["spans_sc_per_type"]) <= {"GEAR_BRAND", "GEAR_ITEM", "TRAIL"}
    assert result["spans_sc_p"] > 0, "60 seeded steps find some spans"
    # the figures spaCy's own evaluation of the pipeline gives
    nlp = spacy.load(model)
    own = nlp.evaluate([Example(nlp.make_doc(doc.text), doc) for doc in dev])
    for key in "prf":
        assert result[f"spans_sc_{key}"] == pytest.approx(own[f"spans_sc_{key}"])
