"""`review`: merge several annotators' answers, measure their agreement, settle conflicts."""

from pathlib import Path
from typing import Annotated, List, Sequence, Union

import typer

from ..annotations.formats import InputFormat
from ..annotations.ingest import detect_input_kinds, parse_inputs
from ..errors import choice
from ..io.loading import load_pipeline
from ..review.policies import POLICY_NAMES, parse_policy
from ..review.report import report_sections
from ..review.run import ReviewOptions, ReviewResult, check_review_files, run_review
from ._util import app, printer, reports_errors, split_labels
from .options import Db, Format, RecordsLang


@app.command("review")
def review_cli(
    inputs: Annotated[List[str], typer.Argument(help="Annotation files of any supported format, "
        "or dataset:NAME (several annotators' answers)")],
    output: Annotated[Path, typer.Option("--output", "-o",
        help="JSONL of settled records in Prodigy's review shape")],
    conflicts: Annotated[Path | None, typer.Option("--conflicts",
        help="Where unsettled texts go (default: --output's name + .conflicts)")] = None,
    auto_accept: Annotated[bool, typer.Option("--auto-accept", "-A",
        help="Settle the texts on which every annotator agrees")] = False,
    policy: Annotated[str | None, typer.Option("--policy",
        help=f"Settle conflicts by: {', '.join(POLICY_NAMES)}")] = None,
    labels: Annotated[str, typer.Option("--label", "-l",
        help="Comma-separated labels; a span with another rejects its record")] = "",
    input_format: Format = None,
    report: Annotated[Path | None, typer.Option("--report", "-r",
        help="Write counts, agreement figures and findings as JSON")] = None,
    consistency: Annotated[bool, typer.Option("--consistency",
        help="Also check the chosen annotations for internal consistency")] = False,
    guidelines_draft: Annotated[Path | None, typer.Option("--guidelines-draft",
        help="Write a draft guidelines page (Markdown) from the consistency findings "
        "(implies --consistency)")] = None,
    from_versions: Annotated[bool, typer.Option("--from-versions", help="Settle review records "
        "(e.g. Prodigy's review output) again from their versions: their sessions become the "
        "annotators")] = False,
    lang: RecordsLang = "en",
    db: Db = None,
) -> None:  # fmt: skip
    """Merge several annotators' answers, measure their agreement and settle conflicts.

    Manual answers are grouped per text, binary ones per question, into distinct versions; the
    annotator is _annotator_id, _session_id, or else the file or dataset (dataset:NAME inputs
    read the annotation database). With --auto-accept the texts every annotator agrees on are
    settled, and --policy settles the rest where it can; settled records go to --output in
    Prodigy's review shape, the others to the conflicts file (answer "ignore" until a person
    picks a version). Prints span, token (Cohen's kappa) and Krippendorff agreement per pair
    of annotators and label, and the worst texts. Review records read in keep their reviewer's
    decision; --from-versions settles them again from their versions. --guidelines-draft
    writes the consistency findings as a guidelines page to decide on, a section per label.
    """
    with reports_errors():
        review(
            inputs, output, conflicts=conflicts, auto_accept=auto_accept, policy=policy,
            labels=split_labels(labels), input_format=input_format, report=report,
            consistency=consistency, from_versions=from_versions, lang=lang, db=db,
            guidelines_draft=guidelines_draft, silent=False,
        )  # fmt: skip


def review(
    inputs: Sequence[Union[str, Path]], output: Path, *, conflicts: Path | None = None,
    auto_accept: bool = False, policy: str | None = None, labels: List[str] | None = None,
    input_format: Union[str, InputFormat] | None = None, report: Path | None = None,
    consistency: bool = False, from_versions: bool = False, lang: str = "en",
    db: str | None = None, guidelines_draft: Path | None = None, silent: bool = True,
) -> ReviewResult:  # fmt: skip
    """Review `inputs` (files or `dataset:NAME`s of database `db`) into `output` and the
    conflicts file; return counts and figures (a `UsageError` if `prefer:` names no annotator)."""
    msg = printer(silent)
    specs = parse_inputs(inputs)
    output = Path(output)
    conflicts = check_review_files(specs, output, conflicts, report, guidelines_draft, db)
    options = ReviewOptions(
        parse_policy(policy), auto_accept, set(labels) if labels else None,
        None if input_format is None else choice(InputFormat, input_format, "--input-format").value,
        consistency or guidelines_draft is not None, from_versions,
    )  # fmt: skip
    for note in detect_input_kinds(specs, options.input_format):
        msg.info(note)
    nlp = load_pipeline(lang)
    result = run_review(specs, output, conflicts, nlp, options, report, guidelines_draft)
    msg.rejects(result.shown_rejects, result.counts.rejected, result.paths.get("rejects"))
    for messages, tables in report_sections(result):
        msg.messages(messages)
        msg.tables(tables)
    return result
