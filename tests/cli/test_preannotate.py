import json
import subprocess
import sys

import pytest
import spacy
from typer.testing import CliRunner

from spacy_ner_plugin.annotations.docs import record_to_doc
from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.preannotate import preannotate
from spacy_ner_plugin.errors import InternalError, PluginError
from spacy_ner_plugin.io.hashing import input_hash, task_hash
from spacy_ner_plugin.io.records import Line, Reject
from spacy_ner_plugin.patterns.matcher import PatternError
from spacy_ner_plugin.preannotate.preannotator import (
    DEFAULT_CONFIG_PATH,
    Counts,
    Preannotator,
)
from spacy_ner_plugin.preannotate.suggesters import create_pattern_suggester

from ..conftest import BIG, read_lines

PATTERNS = [
    {"label": "BRAND", "pattern": "Osprey", "id": "osprey"},
    {"label": "BRAND", "pattern": [{"lower": "black"}, {"lower": "diamond"}]},
    {"label": "TRAIL", "pattern": [{"IS_TITLE": True, "OP": "+"}, {"LOWER": "trail"}]},
    {"label": "GAP", "pattern": [{"ORTH": "\n"}, {"LOWER": "gap"}, {"ORTH": "\n"}]},
]
RAW = [
    {"text": "My Osprey pack broke. Black Diamond fixed it.", "meta": {"id": 1}},
    {"text": "Nothing to see here."},
    {"text": "We hiked the Pacific Crest Trail.\ngap\nDone."},
]


def read(path):
    with open(path, encoding="utf8") as file_:
        return [json.loads(line) for line in file_]


@pytest.fixture
def files(write_jsonl):
    return write_jsonl(RAW, name="raw.jsonl"), write_jsonl(PATTERNS, name="patterns.jsonl")


def run(raw, patterns, output, **overrides):
    options = {"paths.patterns": str(patterns), **overrides}
    return preannotate(raw, output, overrides=options)


def test_tasks_have_tokens_spans_sources_and_hashes(files, tmp_path):
    raw, patterns = files
    result = run(raw, patterns, tmp_path / "out.jsonl")
    tasks = read(tmp_path / "out.jsonl")
    texts = [task["text"] for task in tasks]
    assert texts == [
        "My Osprey pack broke.",
        "Black Diamond fixed it.",
        "Nothing to see here.",
        "We hiked the Pacific Crest Trail.",
        "gap\nDone.",
    ]
    first = tasks[0]
    assert first["meta"] == {"id": 1} and tasks[1]["meta"] == {"id": 1}
    assert first["spans"] == [
        {
            "start": 3,
            "end": 9,
            "token_start": 1,
            "token_end": 1,
            "label": "BRAND",
            "source": "patterns.jsonl",
            "pattern_id": "osprey",
            "pattern_line": 1,
        }
    ]
    assert tasks[1]["spans"][0]["pattern_line"] == 2 and "pattern_id" not in tasks[1]["spans"][0]
    assert tasks[2]["spans"] == []
    for task in tasks:
        assert task["_input_hash"] == input_hash(task) and task["_task_hash"] == task_hash(task)
        for token in task["tokens"]:
            assert task["text"][token["start"] : token["end"]] == token["text"]
        for span in task["spans"]:
            tokens = task["tokens"][span["token_start"] : span["token_end"] + 1]
            assert (tokens[0]["start"], tokens[-1]["end"]) == (span["start"], span["end"])
    assert result.counts.read == 3 and result.counts.tasks == len(tasks)


def test_tasks_read_back_as_gold_docs(files, tmp_path, nlp):
    raw, patterns = files
    run(raw, patterns, tmp_path / "out.jsonl")
    for task in read(tmp_path / "out.jsonl"):
        doc = record_to_doc(task, nlp.vocab, nlp.make_doc)
        assert [(e.start_char, e.end_char) for e in doc.ents] == [
            (s["start"], s["end"]) for s in task["spans"]
        ]


def test_unsegmented_keeps_each_text_whole(files, tmp_path):
    raw, patterns = files
    run(raw, patterns, tmp_path / "out.jsonl", **{"preannotate.segment": False})
    tasks = read(tmp_path / "out.jsonl")
    assert [task["text"] for task in tasks] == [record["text"] for record in RAW]
    assert [s["label"] for s in tasks[0]["spans"]] == ["BRAND", "BRAND"]
    assert [s["label"] for s in tasks[2]["spans"]] == ["TRAIL", "GAP"]


def test_whitespace_tokens_never_begin_or_end_a_span(files, tmp_path):
    raw, patterns = files
    run(raw, patterns, tmp_path / "out.jsonl", **{"preannotate.segment": False})
    task = read(tmp_path / "out.jsonl")[2]
    gap = [s for s in task["spans"] if s["label"] == "GAP"][0]
    assert task["text"][gap["start"] : gap["end"]] == "gap"
    for span in task["spans"]:
        for i in (span["token_start"], span["token_end"]):
            assert task["tokens"][i]["text"].strip()


def test_a_sentence_boundary_inside_a_span_keeps_the_sentences_together(write_jsonl, tmp_path):
    raw = write_jsonl([{"text": "I love Yahoo! Mail. Ok then."}], name="raw.jsonl")
    patterns = write_jsonl([{"label": "P", "pattern": "Yahoo! Mail"}], name="p.jsonl")
    run(raw, patterns, tmp_path / "out.jsonl")
    tasks = read(tmp_path / "out.jsonl")
    assert [t["text"] for t in tasks] == ["I love Yahoo! Mail.", "Ok then."]
    assert tasks[0]["spans"][0]["end"] - tasks[0]["spans"][0]["start"] == len("Yahoo! Mail")


def test_plain_text_input_one_text_per_line(tmp_path, files):
    _, patterns = files
    raw = tmp_path / "raw.txt"
    raw.write_text("Osprey rocks\n\nNo brand\n", encoding="utf8")
    result = run(raw, patterns, tmp_path / "out.jsonl")
    assert [t["text"] for t in read(tmp_path / "out.jsonl")] == ["Osprey rocks", "No brand"]
    assert result.counts.read == 2 and result.counts.texts_with_spans == 1


def test_bad_lines_go_to_the_rejects_report_and_counts_add_up(write_jsonl, files, tmp_path):
    _, patterns = files
    raw = write_jsonl(
        [
            RAW[0],
            {"meta": {"id": 2}},
            b'{"text": "caf\xe9"}',
            "{not json",
            {"text": "   "},
            {"text": 5},
            RAW[1],
        ],
        name="raw.jsonl",
    )
    result = run(raw, patterns, tmp_path / "out.jsonl")
    rejects = read(tmp_path / "out.rejects.jsonl")
    assert [(r["line"], r["field"]) for r in rejects] == [
        (2, "text"),
        (3, None),
        (4, None),
        (5, "text"),
        (6, "text"),
    ]
    assert "not valid UTF-8" in rejects[1]["reason"] and "malformed JSON" in rejects[2]["reason"]
    assert result.counts.read == 7 and result.counts.texts == 2 and result.counts.rejected == 5
    assert result.counts.reconciles


def test_invalid_pattern_fails_before_anything_is_written(write_jsonl, files, tmp_path):
    raw, _ = files
    output = tmp_path / "out.jsonl"
    output.write_text("previous\n")
    patterns = write_jsonl(
        [PATTERNS[0], {"label": "X", "pattern": [{"lowr": "x"}]}], name="p.jsonl"
    )
    with pytest.raises(PatternError, match=r"p\.jsonl:2 .*lowr"):
        run(raw, patterns, output)
    assert output.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "out.jsonl",
        "p.jsonl",
        "patterns.jsonl",
        "raw.jsonl",
    ]


@pytest.mark.slow
def test_cli_reports_invalid_pattern_with_its_line(write_jsonl, files, tmp_path):
    raw, _ = files
    patterns = write_jsonl([{"pattern": "x"}], name="p.jsonl")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy_ner_plugin",
            "preannotate",
            str(raw),
            str(tmp_path / "o.jsonl"),
            "-p",
            str(patterns),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert f"{patterns}:1 [label] missing" in out.stdout.replace("\n", " ")
    assert not (tmp_path / "o.jsonl").exists()


def test_two_workers_write_exactly_what_one_does(write_jsonl, files, tmp_path):
    _, patterns = files
    records = [dict(RAW[i % 3], meta={"i": i}) for i in range(300)] + ["{bad"]
    raw = write_jsonl(records, name="raw.jsonl")
    one = run(raw, patterns, tmp_path / "one.jsonl")
    two = preannotate(
        raw, tmp_path / "two.jsonl", overrides={"paths.patterns": str(patterns)}, n_process=2
    )
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert (tmp_path / "one.rejects.jsonl").read_bytes() == (
        tmp_path / "two.rejects.jsonl"
    ).read_bytes()
    assert one.counts == two.counts


def test_long_texts_are_processed_in_blocks_with_the_same_result(nlp, tmp_path, files):
    _, patterns = files
    text = " ".join(RAW[i % 3]["text"] for i in range(200))
    suggest = create_pattern_suggester(str(patterns))
    whole = Preannotator(spacy.blank("en"), {"p": suggest(nlp)}, segment=False)
    small = spacy.blank("en")
    small.max_length = 1000
    blocked = Preannotator(small, {"p": suggest(small)}, segment=False, max_block_chars=500)
    assert len(text) > 5 * small.max_length
    doc = whole.nlp(text)
    expected = whole.tasks(doc, {"text": text})
    ((_, tasks),) = list(blocked.process([Line("x", 1, record={"text": text})]))
    assert tasks == expected and len(expected[0]["spans"]) > 100


@pytest.mark.slow  # over half a second of CPU: three model runs
def test_model_suggestions_with_labels_filter_and_new_pattern_labels(
    trained_model, write_jsonl, tmp_path
):
    assert spacy.load(trained_model).get_pipe("ner").labels == ("BRAND",)
    text = "I took my Osprey pack on trip 2 along the Muir Trail"
    raw = write_jsonl([{"text": text}], name="raw.jsonl")
    patterns = write_jsonl([PATTERNS[2]], name="p.jsonl")
    overrides = {"paths.model": str(trained_model), "preannotate.segment": False}
    preannotate(raw, tmp_path / "model.jsonl", overrides=overrides)
    (task,) = read(tmp_path / "model.jsonl")
    found = {(text[s["start"] : s["end"]], s["label"], s["source"]) for s in task["spans"]}
    assert ("Osprey", "BRAND", str(trained_model)) in found
    overrides["paths.patterns"] = str(patterns)
    preannotate(raw, tmp_path / "both.jsonl", overrides=overrides)
    (task,) = read(tmp_path / "both.jsonl")
    found = {(text[s["start"] : s["end"]], s["label"], s["source"]) for s in task["spans"]}
    assert {("Osprey", "BRAND", str(trained_model)), ("Muir Trail", "TRAIL", "p.jsonl")} <= found
    overrides["preannotate.labels"] = ["TRAIL"]
    preannotate(raw, tmp_path / "trail.jsonl", overrides=overrides)
    (task,) = read(tmp_path / "trail.jsonl")
    assert [s["label"] for s in task["spans"]] == ["TRAIL"]


@pytest.mark.slow  # over half a second of CPU: three model runs
def test_overlap_policy_decides_between_model_and_patterns(trained_model, write_jsonl, tmp_path):
    raw = write_jsonl([{"text": "I took my Osprey pack on trip 2"}], name="raw.jsonl")
    patterns = write_jsonl([{"label": "GEAR", "pattern": "Osprey pack"}], name="p.jsonl")
    base = {"paths.model": str(trained_model), "paths.patterns": str(patterns)}
    labels = {}
    for policy in ("longest", "model", "patterns"):
        preannotate(
            raw, tmp_path / f"{policy}.jsonl", overrides={**base, "preannotate.overlaps": policy}
        )
        labels[policy] = [s["label"] for s in read(tmp_path / f"{policy}.jsonl")[0]["spans"]]
    assert labels == {"longest": ["GEAR"], "model": ["BRAND"], "patterns": ["GEAR"]}


def test_preview_renders_tasks_with_suggestions(files, tmp_path):
    raw, patterns = files
    preannotate(
        raw,
        tmp_path / "out.jsonl",
        overrides={"paths.patterns": str(patterns)},
        preview=tmp_path / "p.html",
        preview_n=2,
    )
    html = (tmp_path / "p.html").read_text()
    assert "Osprey" in html and "Black Diamond" in html and "BRAND" in html
    assert "Pacific" not in html and "Nothing to see" not in html


CUSTOM_CODE = """
import spacy
from spacy_ner_plugin.preannotate.suggesters import Suggestion


@spacy.registry.misc("test.numbers.v1")
def make_numbers(label: str):
    def build(nlp):
        return lambda doc: [Suggestion(t.i, t.i + 1, label, "numbers") for t in doc if t.like_num]
    return build
"""


@pytest.fixture
def custom(files, tmp_path):
    """A `--code` file registering a numbers suggester, a config naming it, a raw text."""
    code = tmp_path / "code.py"
    code.write_text(CUSTOM_CODE)
    config = tmp_path / "custom.cfg"
    default = DEFAULT_CONFIG_PATH.read_text(encoding="utf8")
    config.write_text(
        default + '\n[suggesters.numbers]\n@misc = "test.numbers.v1"\nlabel = "NUM"\n'
    )
    raw = tmp_path / "raw.txt"
    raw.write_text("Osprey has 2 packs\n")
    return code, config, raw, files[1]


def test_custom_suggester_registered_in_code_and_named_in_the_config(custom, tmp_path):
    code, config, raw, patterns = custom
    overrides = {"paths.patterns": str(patterns)}
    preannotate(raw, tmp_path / "o.jsonl", config_path=config, overrides=overrides, code_path=code)
    (task,) = read(tmp_path / "o.jsonl")
    assert [(s["label"], s["source"]) for s in task["spans"]] == [
        ("BRAND", "patterns.jsonl"),
        ("NUM", "numbers"),
    ]


def test_config_overrides_and_unknown_policy(files, tmp_path):
    raw, patterns = files
    with pytest.raises(PluginError, match="unknown overlap policy"):
        run(raw, patterns, tmp_path / "o.jsonl", **{"preannotate.overlaps": "rules"})


def test_a_model_that_cannot_be_loaded_is_an_error_naming_it_and_writes_nothing(files, tmp_path):
    raw, patterns = files
    missing = tmp_path / "no_model"
    with pytest.raises(PluginError, match="Cannot load the pipeline") as err:
        run(raw, patterns, tmp_path / "o.jsonl", **{"preannotate.model": str(missing)})
    assert str(missing) in err.value.text
    assert not (tmp_path / "o.jsonl").exists()


def test_unknown_setting_is_named(files, tmp_path):
    raw, patterns = files
    with pytest.raises(PluginError, match="unknown \\[preannotate\\] setting.*segmnt"):
        run(raw, patterns, tmp_path / "o.jsonl", **{"preannotate.segmnt": False})


def test_a_text_too_long_to_cut_at_whitespace_is_rejected(nlp, files):
    _, patterns = files
    small = spacy.blank("en")
    small.max_length = 1000
    preannotator = Preannotator(small, {}, max_block_chars=500)
    lines = [Line("raw.jsonl", 1, record={"text": "ab" * 600}), Line("raw.jsonl", 2, record=RAW[1])]
    results = list(preannotator.process(lines))
    assert isinstance(results[0][1], Reject) and "max_length" in results[0][1].reason
    assert results[1][1][0]["text"] == RAW[1]["text"]
    assert preannotator.counts.reconciles and preannotator.counts.rejected == 1


def test_a_bad_input_raises_a_plugin_error_and_prints_nothing(write_jsonl, files, tmp_path, capsys):
    raw, _ = files
    patterns = write_jsonl([{"pattern": "x"}], name="p.jsonl")
    with pytest.raises(PluginError, match=r"p\.jsonl:1 \[label\] missing"):
        run(raw, patterns, tmp_path / "o.jsonl")
    with pytest.raises(PluginError, match="Patterns not found"):
        run(raw, tmp_path / "missing.jsonl", tmp_path / "o.jsonl")
    assert capsys.readouterr() == ("", "")


def test_counts_that_do_not_add_up_fail_the_run():
    Counts(read=2, texts=1, rejected=1).check()
    with pytest.raises(InternalError, match="read 3 != texts 1 \\+ rejected 1"):
        Counts(read=3, texts=1, rejected=1).check()


def test_cli_label_keeps_only_the_labels_named(files, tmp_path):
    """`--label` points pre-annotation at the labels that need data (train-curve's projection)."""
    raw, patterns = files
    args = ["preannotate", str(raw), str(tmp_path / "o.jsonl"), "-p", str(patterns)]
    out = CliRunner().invoke(app, [*args, "--unsegmented", "--label", "TRAIL,GAP,MISSING"])
    assert out.exit_code == 0, out.output
    spans = [[s["label"] for s in task["spans"]] for task in read(tmp_path / "o.jsonl")]
    assert spans == [[], [], ["TRAIL", "GAP"]]
    assert "No suggestion has the label 'MISSING'" in out.output


def test_cli_options_code_is_c_and_config_has_no_short_alias(custom, tmp_path):
    code, config, raw, patterns = custom
    args = ["preannotate", str(raw), str(tmp_path / "o.jsonl"), "-p", str(patterns)]
    out = CliRunner().invoke(app, [*args, "-c", str(code), "--config", str(config), "-l", "NUM"])
    assert out.exit_code == 0, out.output
    (task,) = read(tmp_path / "o.jsonl")
    assert [(s["label"], s["source"]) for s in task["spans"]] == [("NUM", "numbers")]
    out = CliRunner().invoke(app, [*args, "-c", str(config)])  # -c is --code: not a config
    assert out.exit_code == 1 and "Cannot import" in out.output


def test_base_model_option_suggests_the_models_entities(trained_model, write_jsonl, tmp_path):
    raw = write_jsonl([{"text": "I took my Osprey pack on trip 2"}], name="raw.jsonl")
    args = ["preannotate", str(raw), str(tmp_path / "o.jsonl"), "-b", str(trained_model)]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    (task,) = read(tmp_path / "o.jsonl")
    assert [(s["label"], s["source"]) for s in task["spans"]] == [("BRAND", str(trained_model))]
    out = CliRunner().invoke(app, [*args[:3], "--model", str(trained_model)])
    assert out.exit_code == 2 and "No such option '--model'" in out.output  # now --base-model


def test_preannotate_writes_big_integer_meta_as_valid_json(write_jsonl, tmp_path):
    raw = tmp_path / "raw.jsonl"
    raw.write_text(f'{{"text": "Hello there.", "meta": {{"id": {BIG}}}}}\n', encoding="utf8")
    result = preannotate(raw, tmp_path / "out.jsonl", overrides={"paths.patterns": None})
    (task,) = read_lines(tmp_path / "out.jsonl")
    assert task["meta"] == {"id": BIG}
    assert result.counts.texts == 1


def test_preannotate_rejects_raw_records_whose_meta_is_not_an_object(tmp_path):
    raw = tmp_path / "raw.jsonl"
    raw.write_text('{"text": "Hi.", "meta": 5}\n{"text": "Ok."}\n', encoding="utf8")
    result = preannotate(raw, tmp_path / "out.jsonl", overrides={"paths.patterns": None})
    (reject,) = read_lines(tmp_path / "out.rejects.jsonl")
    assert (reject["line"], reject["field"]) == (1, "meta")
    assert result.counts.texts == 1 and result.counts.reconciles
