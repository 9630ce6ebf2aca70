"""`review`: merge several annotators' answers, measure their agreement, settle conflicts."""

from contextlib import ExitStack
from enum import Enum
from pathlib import Path
from typing import Any, Dict, List, Sequence, Union

import typer
from wasabi import Printer

from ..annotations.counts import ConversionCounts
from ..annotations.formats import READERS
from ..annotations.ingest import (
    JsonlSpool,
    RejectLog,
    check_inputs,
    detect_input_kinds,
    ingest,
    input_paths,
    parse_input,
)
from ..annotations.store import AnswerStore
from ..errors import UsageError
from ..io.files import check_overwrites, write_json_atomic
from ..review.agreement import Agreement
from ..review.consistency import Consistency
from ..review.policies import POLICY_NAMES, check_preferred, parse_policy
from ..review.run import ReviewResult, reviewed_note
from ..review.settle import measure, settle
from ._util import (
    app,
    db_option,
    load_tokenizer_pipeline,
    printer,
    reports_errors,
    split_labels,
)

InputFormat = Enum("InputFormat", {name: name for name in READERS}, type=str)
FINDINGS_SHOWN = 5


@app.command("review")
def review_cli(
    # fmt: off
    inputs: List[str] = typer.Argument(
        ...,
        help="Annotation files of any supported format, or dataset:NAME (several annotators' "
        "answers)",
    ),
    output: Path = typer.Option(
        ..., "--output", "-o", help="JSONL of settled records in Prodigy's review shape"
    ),
    conflicts: Path | None = typer.Option(
        None, "--conflicts", help="Where unsettled texts go (default: --output's name + .conflicts)"
    ),
    auto_accept: bool = typer.Option(
        False, "--auto-accept", "-A", help="Settle the texts on which every annotator agrees"
    ),
    policy: str | None = typer.Option(
        None, "--policy", help=f"Settle conflicts by: {', '.join(POLICY_NAMES)}"
    ),
    labels: str = typer.Option(
        "", "--label", "-l", help="Comma-separated labels; a span with another rejects its record"
    ),
    input_format: InputFormat | None = typer.Option(
        None, "--input-format", help="Force the input format (default: detected from content)"
    ),
    report: Path | None = typer.Option(
        None, "--report", "-r", help="Write counts, agreement figures and findings as JSON"
    ),
    consistency: bool = typer.Option(
        False, "--consistency", help="Also check the chosen annotations for internal consistency"
    ),
    from_versions: bool = typer.Option(
        False,
        "--from-versions",
        help="Settle review records (e.g. Prodigy's review output) "
        "again from their versions: their sessions become the annotators",
    ),
    lang: str = typer.Option("en", "--lang", help="Blank tokenizer for records without tokens"),
    db: str | None = db_option(),
    # fmt: on
) -> None:
    """Merge several annotators' answers, measure their agreement and settle conflicts.

    Manual answers are grouped per text, binary ones per question, into distinct versions; the
    annotator is _annotator_id, _session_id, or else the file or dataset (dataset:NAME inputs
    read the annotation database). With --auto-accept the texts every annotator agrees on are
    settled, and --policy settles the rest where it can; settled records go to --output in
    Prodigy's review shape, the others to the conflicts file (answer "ignore" until a person
    picks a version). Prints span, token (Cohen's kappa) and Krippendorff agreement per pair
    of annotators and label, and the worst texts. Review records read in keep their reviewer's
    decision; --from-versions settles them again from their versions.
    """
    with reports_errors():
        review(
            inputs,
            output,
            conflicts=conflicts,
            auto_accept=auto_accept,
            policy=policy,
            labels=split_labels(labels),
            input_format=input_format.value if input_format is not None else None,
            report=report,
            consistency=consistency,
            from_versions=from_versions,
            lang=lang,
            db=db,
            silent=False,
        )


def review(
    inputs: Sequence[Union[str, Path]],
    output: Path,
    *,
    conflicts: Path | None = None,
    auto_accept: bool = False,
    policy: str | None = None,
    labels: List[str] | None = None,
    input_format: str | None = None,
    report: Path | None = None,
    consistency: bool = False,
    from_versions: bool = False,
    lang: str = "en",
    db: str | None = None,
    silent: bool = True,
) -> ReviewResult:
    """Review `inputs` (files or `dataset:NAME`s of database `db`) into `output` and the
    conflicts file; return counts and figures.

    Review records read in (ours or Prodigy's) keep their reviewer's decision, and a note says
    so; with `from_versions` they are settled again from their versions' votes. Raises
    `UsageError` before writing anything when `prefer:` names no annotator of the inputs.
    """
    msg = printer(silent)
    specs = [parse_input(spec) for spec in inputs]
    output = Path(output)
    conflicts = Path(conflicts) if conflicts else output.with_suffix(".conflicts.jsonl")
    if conflicts.resolve() == output.resolve():
        raise UsageError("--conflicts must differ from --output", str(output))
    rejects_path = output.with_suffix(".rejects.jsonl")
    check_overwrites(input_paths(specs, db), [output, conflicts, rejects_path, report])
    check_inputs(specs, db)
    chosen_policy = parse_policy(policy)
    if input_format is not None and input_format not in READERS:
        raise UsageError("Unknown --input-format", f"{input_format!r}")
    for note in detect_input_kinds(specs, input_format):
        msg.info(note)
    nlp = load_tokenizer_pipeline(lang)
    result = ReviewResult(ConversionCounts())
    counts = result.counts
    agreement = Agreement()
    checker = Consistency(nlp.vocab) if consistency else None
    annotators: Dict[str, None] = {}
    reviewed = 0
    with ExitStack() as stack:
        # spooled beside the output, where the next run sweeps what a kill left
        store = stack.enter_context(AnswerStore(beside=output))
        rejects = stack.enter_context(RejectLog(counts, beside=output))
        settled_log = stack.enter_context(JsonlSpool(beside=output))
        conflict_log = stack.enter_context(JsonlSpool(beside=output))
        ingest(specs, store, counts, rejects.add, input_format)
        groups = (answers for _, _, answers, _ in store.groups())
        outcomes = settle(
            groups,
            nlp,
            rejects.add,
            policy=chosen_policy,
            auto_accept=auto_accept,
            labels=set(labels) if labels else None,
            from_versions=from_versions,
        )
        for outcome in outcomes:
            log, where = (settled_log, "output") if outcome.settled else (conflict_log, "conflicts")
            log.write(outcome.record)
            counts.written[f"in {where}"] += outcome.unit.n_records
            result.units[outcome.decision.status] += 1
            annotators.update(dict.fromkeys(outcome.unit.latest))
            reviewed += outcome.decision.reviewed
            measure(outcome, agreement, checker)
        missing = check_preferred(chosen_policy, annotators)
        settled_log.save(output)
        conflict_log.save(conflicts)
        result.paths = {"output": output, "conflicts": conflicts}
        if counts.rejected:
            result.paths["rejects"] = rejects_path
            rejects.save(rejects_path)
        result.shown_rejects = [str(r) for r in rejects.shown]
    counts.check()
    if missing:
        result.notes.append(f"--policy: no input has {', '.join(missing)}")
    if reviewed:
        result.notes.append(reviewed_note(reviewed))
    result.agreement = agreement.report()
    result.consistency = checker.report() if checker is not None else None
    if report is not None:
        write_json_atomic(report, result.to_json())
        result.paths["report"] = Path(report)
    print_review(result, msg)
    return result


def print_review(result: ReviewResult, msg: Printer) -> None:
    """Notes, counts, agreement tables, the worst texts and (if checked) consistency findings."""
    counts = result.counts
    for reject in result.shown_rejects:
        msg.warn(reject)
    for note in result.notes:
        msg.warn(note)
    rows = [("read", counts.read), *sorted(counts.written.items()), ("rejected", counts.rejected)]
    msg.table(rows, title="Answers (read = output + conflicts + rejected)", aligns=("l", "r"))
    msg.table(sorted(result.units.items()), title="Texts and questions", aligns=("l", "r"))
    print_agreement(result.agreement, msg)
    if result.consistency is not None:
        print_consistency(result.consistency, msg)
    msg.good("Saved", ", ".join(str(p) for p in result.paths.values()))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_agreement(figures: Dict[str, Any], msg: Printer) -> None:
    """The agreement figures as tables (see `review.agreement`)."""
    annotators = [
        (name, c.get("texts", 0), c.get("spans", 0), c.get("binary_answers", 0))
        for name, c in figures["annotators"].items()
    ]
    header = ("annotator", "texts", "spans", "binary answers")
    msg.table(annotators, header=header, aligns=("l", "r", "r", "r"), title="Annotators")
    if not figures["pairs"] and not figures["binary"]:
        msg.info("No text or question was answered by two annotators: no agreement figures")
        return
    rows = []
    for pair in figures["pairs"]:
        labels = [("ALL", pair), *((label, s) for label, s in pair["per_label"].items())]
        for label, s in labels:
            rows.append(
                (
                    f"{pair['reference']} / {pair['other']}" if label == "ALL" else "",
                    label,
                    pair["texts"] if label == "ALL" else "",
                    *(_pct(s["exact"][k]) for k in "prf"),
                    *(_pct(s["overlap"][k]) for k in "prf"),
                    _num(pair["token_kappa"]) if label == "ALL" else "",
                    _num(pair["token_kappa_not_both_o"]) if label == "ALL" else "",
                )
            )
    header = ("reference / other", "label", "texts", "P", "R", "F", "P~", "R~", "F~", "κ", "κ-O")
    msg.table(
        rows,
        header=header,
        aligns=("l", "l", *"r" * 9),
        title="Span agreement: exact, ~ overlap; token Cohen's κ (κ-O without both-'O' tokens)",
    )
    one_label = [p for p in figures["pairs"] if "token_kappa_not_both_o_note" in p]
    if one_label:
        agreement = ", ".join(
            f"{p['reference']} / {p['other']} {_num(p['token_positive_agreement'])}"
            for p in one_label
        )
        msg.info(
            f"No κ-O: {one_label[0]['token_kappa_not_both_o_note']}. "
            f"Positive specific agreement on the tokens: {agreement}"
        )
    alpha = figures["krippendorff_alpha"]
    if alpha.get("alpha") is not None:
        without_o = (
            f"positive specific agreement {_num(alpha['positive_agreement'])} (one label: no "
            "alpha without the all-'O' tokens)"
            if "alpha_not_all_o_note" in alpha
            else f"{_num(alpha['alpha_not_all_o'])} without the all-'O' tokens"
        )
        msg.info(
            f"Krippendorff's alpha over {alpha['annotators']} annotators: "
            f"{_num(alpha['alpha'])} on {alpha['tokens']} tokens, {without_o}"
        )
    for pair in figures["pairs"]:
        for a, b, n in pair["label_confusion"][:FINDINGS_SHOWN]:
            msg.text(f"Same span, {pair['reference']} says {a}, {pair['other']} says {b}: {n}")
    if figures["binary"]:
        rows = [
            (f"{b['reference']} / {b['other']}", b["tasks"], _pct(b["agreement"]), _num(b["kappa"]))
            for b in figures["binary"]
        ]
        header = ("reference / other", "questions", "agree %", "κ")
        msg.table(rows, header=header, aligns=("l", "r", "r", "r"), title="Binary answers")
    worst = figures["worst_texts"]
    if worst:
        rows = [
            (_num(w["disagreement"]), w["versions"], w["lines"][0], w["text"][:60]) for w in worst
        ]
        msg.table(
            rows,
            header=("disagreement", "versions", "first answer", "text"),
            title=f"{figures['disagreeing_texts']} texts with disagreements; the worst "
            f"{len(worst)}",
        )


def print_consistency(findings: Dict[str, Any], msg: Printer) -> None:
    """How many findings of each kind, and the first few."""
    msg.divider(f"Consistency of the chosen annotations ({findings['texts']} texts)")
    for f in findings["label_conflicts"][:FINDINGS_SHOWN]:
        labels = ", ".join(f"{label} x{p['count']}" for label, p in f["labels"].items())
        msg.text(f"label conflict: {f['surface']!r}: {labels}")
    for f in findings["unlabelled"][:FINDINGS_SHOWN]:
        msg.text(
            f"unlabelled: {f['surface']!r} labelled x{f['labelled']['count']}, "
            f"unlabelled x{f['unlabelled']['count']} in a similar context"
        )
    for f in findings["boundaries"][:FINDINGS_SHOWN]:
        longer = ", ".join(f"{x['long']!r} x{x['labelled']['count']}" for x in f["longer"][:3])
        more = f" and {len(f['longer']) - 3} more" if len(f["longer"]) > 3 else ""
        msg.text(
            f"boundaries: {f['short']!r} x{f['short_labelled']['count']} inside {longer}{more}"
        )
    for pair in findings["label_confusion"]:
        msg.text(f"label confusion: {' / '.join(pair['labels'])}: {pair['surface_forms']} forms")
    rows = [(kind, len(findings[kind])) for kind in ("label_conflicts", "unlabelled", "boundaries")]
    msg.table(rows, title="Consistency findings (all in --report)", aligns=("l", "r"))
