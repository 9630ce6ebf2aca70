"""`review --consistency --guidelines-draft`: the consistency findings as a guidelines page, a
section per label with counts and example sentences, written atomically."""

import pytest
from typer.testing import CliRunner

from spacy_ner_plugin.cli import app
from spacy_ner_plugin.cli.review import review
from spacy_ner_plugin.errors import UsageError
from spacy_ner_plugin.review.guidelines import escape_markdown, guidelines_draft

from ..conftest import task

RECORDS = [
    task("I took aspirin for the pain", "aspirin", label="DRUG"),
    task("She took aspirin daily", "aspirin", label="DRUG"),
    task("He took aspirin again", label="DRUG"),  # left unlabelled after "took"
    task("Ibuprofen is a drug", "Ibuprofen", label="DRUG"),
    task("Ibuprofen is an NSAID", "Ibuprofen", label="CHEMICAL"),
    task("Wearing the North Face jacket", "the North Face", label="BRAND"),
    task("My North Face jacket", "North Face", label="BRAND"),
    task("A *bold* <script>x</script> North Face", "North Face", label="BRAND"),
]


def sections(text):
    found, name = {}, None
    for line in text.splitlines():
        if line.startswith("## "):
            name = line[3:]
            found[name] = []
        elif name is not None and line:
            found[name].append(line)
    return found


def test_the_draft_has_a_section_per_label_with_counts_and_examples(write_jsonl, tmp_path):
    path = write_jsonl(RECORDS)
    draft = tmp_path / "guidelines.md"
    result = review([path], tmp_path / "out.jsonl", auto_accept=True, guidelines_draft=draft)
    assert result.consistency is not None  # implied by the draft
    assert result.paths["guidelines_draft"] == draft
    text = draft.read_text()
    assert text.startswith("# Annotation guidelines (draft)")
    found = sections(text)
    assert set(found) == {"DRUG", "BRAND", "Between labels"}
    drug = found["DRUG"]
    assert drug[0] == (
        '- **"aspirin"**: labelled DRUG 2 times, left unlabelled once in a similar context. '
        "Decide: always DRUG, or when not?"
    )
    assert drug[1].startswith("    - labelled DRUG: …I took **aspirin** for the pain… (")
    assert drug[1].endswith(f"(`{path}:1`)")
    assert drug[3].startswith("    - left unlabelled: …He took **aspirin** again…")
    brand = found["BRAND"]
    assert brand[0].startswith('- **"north face"**: a span of its own 2 times, and inside')
    assert '"the north face" once' in brand[0]
    # the example text is literal Markdown: its markup and HTML escaped
    assert any(r"A \*bold\* \<script\>x\</script\> **North Face**" in line for line in brand)

    between = found["Between labels"]
    assert between[0] == "Strings given different labels: CHEMICAL / DRUG (1)."
    assert between[1].startswith('- **"ibuprofen"**: CHEMICAL once, DRUG once.')


def test_a_consistent_dataset_gets_a_page_saying_so(write_jsonl, tmp_path):
    path = write_jsonl([task("I took aspirin", "aspirin", label="DRUG")])
    draft = tmp_path / "g.md"
    out = CliRunner().invoke(
        app,
        ["review", str(path), "-o", str(tmp_path / "o.jsonl"), "--consistency",
         "--guidelines-draft", str(draft)],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "No inconsistencies found" in draft.read_text()
    assert not list(tmp_path.glob(".g.md*"))  # no temporary file left


def test_the_draft_may_not_overwrite_an_input(write_jsonl, tmp_path):
    path = write_jsonl(RECORDS)
    with pytest.raises(UsageError, match="is the input"):
        review([path], tmp_path / "out.jsonl", guidelines_draft=path)


def test_escape_markdown_keeps_text_literal_and_on_one_line():
    assert escape_markdown("a_b *c*\n[d](javascript:x) <i>") == (
        r"a\_b \*c\* \[d\]\(javascript:x\) \<i\>"
    )
    findings = {"texts": 0, "label_conflicts": [], "unlabelled": [], "boundaries": [],
                "label_confusion": []}  # fmt: skip
    assert "No inconsistencies found" in guidelines_draft(findings)


def test_an_example_keeps_the_texts_own_spacing_around_the_span():
    place = {"span": "Osprey", "before": "My ", "after": "'s zip", "lines": ["a.jsonl:1"]}
    other = {"span": "Osprey", "before": "(", "after": ") pack", "lines": ["a.jsonl:2"]}
    finding = {
        "surface": "Osprey",
        "labelled": {"count": 1, "texts": [place], "labels": {"BRAND": 1}},
        "unlabelled": {"count": 1, "texts": [other]},
    }
    findings = {"texts": 2, "label_conflicts": [], "unlabelled": [finding], "boundaries": [],
                "label_confusion": []}  # fmt: skip
    text = guidelines_draft(findings)
    assert "    - labelled BRAND: …My **Osprey**'s zip… (`a.jsonl:1`)" in text
    assert r"    - left unlabelled: …\(**Osprey**\) pack… (`a.jsonl:2`)" in text
