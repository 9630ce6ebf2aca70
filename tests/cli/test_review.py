"""The review step: versions, policies, review-shaped records, nothing lost, data-to-spacy."""

import json
from pathlib import Path

import pytest
from spacy.tokens import DocBin
from typer.testing import CliRunner

from spacy_ner_plugin.annotations.kinds import answer_kind
from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.cli.review import review
from spacy_ner_plugin.constants import BINARY, GOLD, INCORRECT_SPANS_KEY
from spacy_ner_plugin.errors import UsageError

from ..conftest import ROOT, task

PCT = "We hiked the Pacific Crest Trail in May"
AGREED = "My Osprey pack held up"


def read(path: Path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def by_text(records):
    return {r["text"]: r for r in records}


@pytest.fixture
def three(write_jsonl):
    """Three annotators: a and c agree on PCT, b includes "the"; all agree on AGREED."""
    files = {
        "a": [task(PCT, "Pacific Crest Trail", label="TRAIL"), task(AGREED, "Osprey")],
        "b": [task(PCT, "the Pacific Crest Trail", label="TRAIL"), task(AGREED, "Osprey")],
        "c": [task(PCT, "Pacific Crest Trail", label="TRAIL"), task(AGREED, "Osprey")],
    }
    return [
        write_jsonl([{**r, "_annotator_id": name} for r in records], f"{name}.jsonl")
        for name, records in files.items()
    ]


def spans_of(record):
    return [s["text"] for s in record["spans"]]


@pytest.mark.parametrize(
    "policy,chosen",
    [("majority", "Pacific Crest Trail"), ("longest", "the Pacific Crest Trail"),
     ("prefer:b", "the Pacific Crest Trail"), ("prefer:zed,c", "Pacific Crest Trail")],
)  # fmt: skip
def test_each_policy_settles_the_conflict(three, tmp_path, policy, chosen):
    result = review(three, tmp_path / "out.jsonl", policy=policy)
    out = by_text(read(tmp_path / "out.jsonl"))
    assert spans_of(out[PCT]) == [chosen]
    assert out[PCT]["answer"] == "accept"
    assert out[PCT]["_review_status"] == f"policy {policy.partition(':')[0]}"
    default = [v for v in out[PCT]["versions"] if v["default"]]
    assert len(default) == 1 and default[0]["spans"] == out[PCT]["spans"]
    assert out[AGREED]["_review_status"] == "agreed"
    assert result.units == {f"policy {policy.partition(':')[0]}": 1, "agreed": 1}
    assert read(tmp_path / "out.conflicts.jsonl") == []


def test_without_a_policy_conflicts_go_to_the_conflicts_file(three, tmp_path):
    # (c.jsonl is annotator c's input: the conflicts once overwrote it)
    conflicts = tmp_path / "conflicts.jsonl"
    review(three, tmp_path / "out.jsonl", conflicts=conflicts, auto_accept=True)
    (settled,) = read(tmp_path / "out.jsonl")
    (conflict,) = read(conflicts)
    assert settled["text"] == AGREED and settled["versions"][0]["sessions"] == ["a", "b", "c"]
    assert conflict["text"] == PCT
    assert (conflict["answer"], conflict["_review_status"]) == ("ignore", "conflict")
    versions = {tuple(spans_of(v)): v["sessions"] for v in conflict["versions"]}
    assert versions == {("Pacific Crest Trail",): ["a", "c"], ("the Pacific Crest Trail",): ["b"]}
    assert spans_of(conflict) == ["Pacific Crest Trail"]  # the leading version, pre-filled


def test_no_auto_accept_leaves_even_agreed_texts_for_a_person(three, tmp_path):
    result = review(three, tmp_path / "out.jsonl")
    assert read(tmp_path / "out.jsonl") == []
    statuses = {r["text"]: r["_review_status"] for r in read(tmp_path / "out.conflicts.jsonl")}
    assert statuses == {PCT: "conflict", AGREED: "unreviewed"}
    assert result.units == {"conflict": 1, "unreviewed": 1}


def test_majority_tie_and_preferred_annotator_absent_stay_conflicts(three, tmp_path):
    review(three[:2], tmp_path / "tie.jsonl", policy="majority")
    assert [r["_review_reason"] for r in read(tmp_path / "tie.conflicts.jsonl")] == [
        "majority: tie between versions"
    ]
    # zed answered only AGREED, so PCT, where a, b and c disagree, stays a conflict
    zed = three[0].parent / "zed_answers.jsonl"
    zed.write_text(json.dumps({**task(AGREED, "Osprey"), "_annotator_id": "zed"}) + "\n")
    review([*three, zed], tmp_path / "zed.jsonl", policy="prefer:zed")
    (conflict,) = read(tmp_path / "zed.conflicts.jsonl")
    assert conflict["_review_reason"] == "none of the preferred annotators answered"


def test_reject_and_ignore_are_versions_and_ignore_abstains(write_jsonl, tmp_path):
    paths = [
        write_jsonl([{**task(AGREED, "Osprey"), "_annotator_id": "a"}], "a.jsonl"),
        write_jsonl(
            [{**task(AGREED, "Osprey"), "answer": "ignore", "_annotator_id": "b"}], "b.jsonl"
        ),
        write_jsonl([{**task(AGREED), "answer": "reject", "_annotator_id": "c"}], "c.jsonl"),
    ]
    review(paths, tmp_path / "out.jsonl", auto_accept=True)
    (conflict,) = read(tmp_path / "out.conflicts.jsonl")
    assert sorted(v["answer"] for v in conflict["versions"]) == ["accept", "ignore", "reject"]
    review(paths[:2], tmp_path / "maj.jsonl", policy="majority")
    (settled,) = read(tmp_path / "maj.jsonl")
    assert (settled["answer"], spans_of(settled)) == ("accept", ["Osprey"])


def test_binary_answers_are_grouped_by_question(write_jsonl, tmp_path):
    def answer(span, value, who):
        return {**task(AGREED, span), "answer": value, "_view_id": "ner", "_annotator_id": who}

    paths = [
        write_jsonl([answer("Osprey", "accept", "a"), answer("pack", "reject", "a")], "a.jsonl"),
        write_jsonl([answer("Osprey", "reject", "b"), answer("pack", "reject", "b")], "b.jsonl"),
    ]
    result = review(paths, tmp_path / "out.jsonl", auto_accept=True)
    (settled,) = read(tmp_path / "out.jsonl")
    (conflict,) = read(tmp_path / "out.conflicts.jsonl")
    assert spans_of(settled) == ["pack"] and settled["answer"] == "reject"
    assert settled["view_id"] == "ner" and answer_kind(settled) == BINARY
    assert spans_of(conflict) == ["Osprey"]
    assert sorted(v["answer"] for v in conflict["versions"]) == ["accept", "reject"]
    (binary,) = result.agreement["binary"]
    assert binary["tasks"] == 2 and binary["agreement"] == 0.5


def test_same_spans_with_different_token_data_are_one_version(write_jsonl, nlp, tmp_path):
    with_tokens = task(AGREED, "Osprey", _annotator_id="a")
    with_tokens["tokens"] = [
        {"text": t.text, "start": t.idx, "end": t.idx + len(t), "id": t.i}
        for t in nlp.make_doc(AGREED)
    ]
    with_tokens["spans"][0].update(token_start=1, token_end=1)
    paths = [
        write_jsonl([with_tokens], "a.jsonl"),
        write_jsonl([task(AGREED, "Osprey", _annotator_id="b")], "b.jsonl"),
    ]
    review(paths, tmp_path / "out.jsonl", auto_accept=True)
    (settled,) = read(tmp_path / "out.jsonl")
    assert len(settled["versions"]) == 1 and settled["_review_status"] == "agreed"


def test_annotator_falls_back_to_session_then_file(write_jsonl, tmp_path):
    paths = [
        write_jsonl([task(AGREED, "Osprey", _session_id="ds-x", _annotator_id=None)], "a.jsonl"),
        write_jsonl([task(AGREED, "Osprey")], "b.jsonl"),
    ]
    result = review(paths, tmp_path / "out.jsonl", auto_accept=True)
    assert list(result.agreement["annotators"]) == ["ds-x", str(paths[1])]


PRODIGY_REVIEW = {
    "text": AGREED,
    "_input_hash": 123,
    "_task_hash": 456,
    "tokens": [
        {"text": w, "start": AGREED.index(w), "end": AGREED.index(w) + len(w), "id": i}
        for i, w in enumerate(AGREED.split())
    ],
    "spans": [{"start": 3, "end": 9, "token_start": 1, "token_end": 1, "label": "BRAND"}],
    "answer": "accept",
    "_view_id": "review",
    "view_id": "ner_manual",
    "versions": [
        {
            "text": AGREED,
            "spans": [{"start": 3, "end": 9, "token_start": 1, "token_end": 1, "label": "BRAND"}],
            "answer": "accept",
            "_view_id": "ner_manual",
            "_input_hash": 123,
            "_task_hash": 456,
            "sessions": ["news-alex", "news-sam"],
            "default": True,
        },
        {
            "text": AGREED,
            "spans": [{"start": 3, "end": 14, "token_start": 1, "token_end": 2, "label": "BRAND"}],
            "answer": "accept",
            "_view_id": "ner_manual",
            "_input_hash": 123,
            "_task_hash": 789,
            "sessions": ["news-kim"],
            "default": False,
        },
    ],
    "_session_id": "news_review-jo",
    "_annotator_id": "news_review-jo",
    "_timestamp": 1700000000,
}


def test_prodigy_review_records_read_back_unchanged(write_jsonl, tmp_path):
    path = write_jsonl([PRODIGY_REVIEW], "prodigy_review.jsonl")
    result = review([path], tmp_path / "out.jsonl")
    assert read(tmp_path / "out.jsonl") == [PRODIGY_REVIEW]
    assert result.units == {"reviewed": 1}
    # its versions are the annotators' votes: agreement figures come from a review export too
    assert set(result.agreement["annotators"]) == {"news-alex", "news-sam", "news-kim"}
    assert answer_kind(PRODIGY_REVIEW) == GOLD


def test_our_output_reads_back_unchanged(three, tmp_path):
    review(three, tmp_path / "one.jsonl", auto_accept=True)
    result = review(
        [tmp_path / "one.jsonl", tmp_path / "one.conflicts.jsonl"], tmp_path / "two.jsonl"
    )
    assert (tmp_path / "two.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    two = (tmp_path / "two.conflicts.jsonl").read_bytes()
    assert two == (tmp_path / "one.conflicts.jsonl").read_bytes()
    assert result.units == {"reviewed": 1, "conflict": 1}


def test_new_answers_are_added_to_a_reviewed_record(write_jsonl, tmp_path):
    reviewed = write_jsonl([PRODIGY_REVIEW], "reviewed.jsonl")
    late = write_jsonl([task(AGREED, "Osprey pack", _annotator_id="lee")], "late.jsonl")
    review([reviewed, late], tmp_path / "out.jsonl")
    (record,) = read(tmp_path / "out.jsonl")
    assert record["spans"] == PRODIGY_REVIEW["spans"]  # the reviewer's decision stands
    assert record["versions"][1]["sessions"] == ["news-kim", "lee"]


def test_nothing_is_lost_and_the_counts_add_up(write_jsonl, tmp_path, capsys):
    paths = [ROOT / "assets" / "sample" / n for n in ("annotator_b.jsonl", "annotator_c.jsonl")]
    paths.append(ROOT / "assets" / "sample" / "train.jsonl")
    bad = {**task(AGREED, "Osprey"), "spans": [{"start": 3, "end": 5, "label": "BRAND"}]}
    paths.append(write_jsonl([bad, task(AGREED, "Osprey")], "extra.jsonl"))
    result = review(paths, tmp_path / "out.jsonl", auto_accept=True, silent=False)
    printed = capsys.readouterr().out
    counts = result.counts
    assert counts.read == 100 + 100 + 400 + 2
    assert counts.rejected == 1 and len(read(tmp_path / "out.rejects.jsonl")) == 1
    n_out, n_conflicts = counts.written["in output"], counts.written["in conflicts"]
    assert n_out + n_conflicts + counts.rejected == counts.read
    for label, n in (("read", counts.read), ("in output", n_out), ("in conflicts", n_conflicts)):
        assert any(line.split() == [*label.split(), str(n)] for line in printed.splitlines())
    records = read(tmp_path / "out.jsonl") + read(tmp_path / "out.conflicts.jsonl")
    sources = [s for r in records for v in r["versions"] for s in v["_sources"]]
    expected = [f"{p}:{i}" for p in paths[:3] for i in range(1, len(read(p)) + 1)]
    expected.append(f"{paths[3]}:2")
    assert sorted(sources) == sorted(expected)
    assert len(records) == sum(result.units.values()) == 401


@pytest.mark.slow  # over half a second of CPU: review, then data-to-spacy
def test_an_edited_conflicts_file_goes_through_data_to_spacy(three, tmp_path):
    review(three, tmp_path / "out.jsonl", auto_accept=True)
    conflicts = read(tmp_path / "out.conflicts.jsonl")
    # unedited, the conflict trains nothing
    result = data_to_spacy(
        [tmp_path / "out.jsonl", tmp_path / "out.conflicts.jsonl"], tmp_path / "c1", eval_split=0
    )
    assert result.counts.written["train"] == 1
    assert result.counts.skipped["answer ignore"] == 1
    # a person picks b's version: copies its spans to the top level and accepts
    (record,) = conflicts
    (version,) = [v for v in record["versions"] if "b" in v["sessions"]]
    record.update(spans=version["spans"], answer="accept")
    edited = tmp_path / "edited.jsonl"
    edited.write_text(json.dumps(record) + "\n")
    result = data_to_spacy([tmp_path / "out.jsonl", edited], tmp_path / "c2", eval_split=0)
    assert result.counts.written["train"] == 2 and result.counts.rejected == 0
    docs = list(DocBin().from_disk(tmp_path / "c2" / "train.spacy").get_docs(_vocab()))
    ents = {doc.text: [(e.text, e.label_) for e in doc.ents] for doc in docs}
    assert ents == {PCT: [("the Pacific Crest Trail", "TRAIL")], AGREED: [("Osprey", "BRAND")]}
    # and the edited record is settled when read back into review
    assert review([edited], tmp_path / "again.jsonl").units == {"reviewed": 1}


def test_data_to_spacy_reads_prodigy_binary_review_records(write_jsonl, tmp_path):
    binary = {
        **task(AGREED, "pack"),
        "answer": "reject",
        "_view_id": "review",
        "view_id": "ner",
        "versions": [{**task(AGREED, "pack"), "answer": "reject", "sessions": ["x"]}],
    }
    gold = task(AGREED, "Osprey")
    path = write_jsonl([gold, binary], "mixed.jsonl")
    data_to_spacy([path], tmp_path / "corpus", eval_split=0)
    (doc,) = DocBin().from_disk(tmp_path / "corpus" / "train.spacy").get_docs(_vocab())
    assert [e.text for e in doc.ents] == ["Osprey"]
    assert [s.text for s in doc.spans[INCORRECT_SPANS_KEY]] == ["pack"]


def _vocab():
    import spacy

    return spacy.blank("en").vocab


def test_consistency_findings(write_jsonl, tmp_path):
    records = [
        task("I love my Osprey pack", "Osprey"),
        task("Bought a new Osprey pack", label="BRAND"),
        task("Osprey is great", "Osprey", label="TRAIL"),
        task("Wearing the North Face jacket", "the North Face"),
        task("My North Face jacket", "North Face"),
        task("An osprey flew by"),
    ]
    path = write_jsonl(records, "one.jsonl")
    result = review([path], tmp_path / "out.jsonl", auto_accept=True, consistency=True)
    found = result.consistency
    (conflict,) = found["label_conflicts"]
    assert conflict["surface"] == "osprey" and set(conflict["labels"]) == {"BRAND", "TRAIL"}
    assert conflict["labels"]["TRAIL"]["texts"][0]["lines"] == [f"{path}:3"]
    (unlabelled,) = found["unlabelled"]
    assert unlabelled["surface"] == "Osprey"
    assert [t["lines"] for t in unlabelled["unlabelled"]["texts"]] == [[f"{path}:2"]]
    (boundary,) = found["boundaries"]
    assert boundary["short"] == "north face"
    assert [x["long"] for x in boundary["longer"]] == ["the north face"]
    assert boundary["longer"][0]["labelled"]["texts"][0]["lines"] == [f"{path}:4"]
    assert found["label_confusion"] == [{"labels": ["BRAND", "TRAIL"], "surface_forms": 1}]


def test_bad_options_exit_with_usage_errors(three, tmp_path):
    runner = CliRunner()
    args = ["review", *map(str, three), "--output", str(tmp_path / "out.jsonl")]
    assert runner.invoke(app, [*args, "--policy", "loudest"]).exit_code == 2
    assert runner.invoke(app, [*args, "--input-format", "xml"]).exit_code == 2
    with pytest.raises(UsageError):
        review(three, tmp_path / "out.jsonl", conflicts=tmp_path / "out.jsonl")
    out = runner.invoke(app, [*args, "-A", "--policy", "majority", "-r", str(tmp_path / "r.json")])
    assert out.exit_code == 0, out.output
    assert json.loads((tmp_path / "r.json").read_text())["units"] == {
        "agreed": 1,
        "policy majority": 1,
    }


def test_prefer_an_annotator_no_input_has_is_a_usage_error_naming_the_annotators(three, tmp_path):
    out = tmp_path / "out.jsonl"
    with pytest.raises(UsageError, match="zed") as err:
        review(three, out, policy="prefer:zed,zoe")
    assert "a, b, c" in str(err.value)
    assert not out.exists() and not (tmp_path / "out.conflicts.jsonl").exists()


def test_prefer_an_annotator_who_reviewed_nothing_is_told_apart_from_the_versions_sessions(
    write_jsonl, tmp_path
):
    # the reviewer's own session is no annotator: only the versions' sessions can be preferred
    path = write_jsonl([PRODIGY_REVIEW], "prodigy_review.jsonl")
    with pytest.raises(UsageError, match="news-alex, news-sam, news-kim"):
        review([path], tmp_path / "out.jsonl", policy="prefer:news_review-jo", from_versions=True)


def _by_session_id(record):
    """A Prodigy review record whose versions name their annotator by `_session_id` only."""
    versions = [
        {**{k: v for k, v in version.items() if k != "sessions"}, "_session_id": session}
        for version, session in zip(record["versions"], ["news-alex", "news-kim"])
    ]
    return {**record, "versions": versions}


@pytest.mark.parametrize("record", [PRODIGY_REVIEW, _by_session_id(PRODIGY_REVIEW)])
def test_from_versions_readjudicates_a_prodigy_review_export(write_jsonl, tmp_path, record):
    path = write_jsonl([record], "prodigy_review.jsonl")
    result = review([path], tmp_path / "out.jsonl", policy="prefer:news-kim", from_versions=True)
    (out,) = read(tmp_path / "out.jsonl")
    assert spans_of(out) == ["Osprey pack"]  # news-kim's version, not the reviewer's decision
    assert (out["answer"], out["_review_status"]) == ("accept", "policy prefer")
    assert result.units == {"policy prefer": 1}
    assert {s for v in out["versions"] for s in v["sessions"]} == set(
        result.agreement["annotators"]
    )
    assert result.agreement["pairs"] and result.notes == []
    # without a policy, the versions are a conflict again, for a person to settle
    result = review([path], tmp_path / "again.jsonl", from_versions=True)
    (conflict,) = read(tmp_path / "again.conflicts.jsonl")
    assert (conflict["answer"], conflict["_review_status"]) == ("ignore", "conflict")
    assert result.units == {"conflict": 1}


def test_reviewed_input_is_reported_with_the_from_versions_hint(write_jsonl, tmp_path, capsys):
    path = write_jsonl([PRODIGY_REVIEW], "prodigy_review.jsonl")
    report = tmp_path / "report.json"
    result = review([path], tmp_path / "out.jsonl", policy="majority", report=report, silent=False)
    assert result.units == {"reviewed": 1}
    (note,) = result.notes
    assert "1 text" in note and "already reviewed" in note and "--from-versions" in note
    assert json.loads(report.read_text())["notes"] == [note]
    assert "--from-versions" in capsys.readouterr().out
