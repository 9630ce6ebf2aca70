"""The review run: answers of several annotators → settled records, conflicts and figures."""

from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Sequence, Set, Tuple

from spacy.language import Language

from ..annotations.counts import ConversionCounts
from ..annotations.ingest import InputSpec, JsonlSpool, RejectLog, check_inputs, ingest, input_paths
from ..annotations.store import AnswerStore
from ..annotations.transfer import rejects_path
from ..errors import UsageError
from ..io.files import check_overwrites, write_json_atomic
from .agreement import Agreement
from .consistency import Consistency
from .guidelines import write_guidelines_draft
from .policies import Policy, check_preferred
from .settle import Outcome, measure, settle

LOGS = ("output", "conflicts")  # where settled and unsettled units' records go


@dataclass
class ReviewResult:
    """What one review run did: counts, units by status, figures and the files written."""

    counts: ConversionCounts
    units: Counter = field(default_factory=Counter)
    agreement: Dict[str, Any] = field(default_factory=dict)
    consistency: Dict[str, Any] | None = None
    paths: Dict[str, Path] = field(default_factory=dict)
    shown_rejects: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)

    def to_json(self) -> Dict[str, Any]:
        counts = self.counts
        return {
            "answers": {
                "read": counts.read,
                **dict(counts.written),
                "rejected": counts.rejected,
                **{f"skipped: {k}": n for k, n in counts.skipped.items()},
            },
            "units": dict(self.units),
            "agreement": self.agreement,
            "consistency": self.consistency,
            "paths": {name: str(path) for name, path in self.paths.items()},
            "notes": self.notes,
        }


def reviewed_note(n: int) -> str:
    """What happened to `n` review records read in without --from-versions, and the way out."""
    return (
        f"{n} {'text or question' if n == 1 else 'texts or questions'} already reviewed "
        "(records with a reviewer's decision, e.g. Prodigy's review output) kept that decision: "
        "--policy and --auto-accept do not apply to them, and their versions count only in the "
        "agreement figures. Use --from-versions to settle them again from their versions."
    )


@dataclass
class ReviewOptions:
    """How a review settles: the conflict policy, whether agreed texts are accepted, allowed
    labels (None: any), the input format (None: detected), whether the chosen annotations are
    checked for consistency, and whether review records are settled again from their versions."""

    policy: Policy | None = None
    auto_accept: bool = False
    labels: Set[str] | None = None
    input_format: str | None = None
    consistency: bool = False
    from_versions: bool = False


def check_review_files(
    specs: Sequence[InputSpec],
    output: Path,
    conflicts: Path | None,
    report: Path | None,
    guidelines_draft: Path | None,
    db: str | None,
) -> Path:
    """The conflicts file (default: beside `output`), once it differs from `output`, no output
    would overwrite an input, and every input exists (`db`: that of `dataset:` inputs)."""
    conflicts = Path(conflicts) if conflicts else output.with_suffix(".conflicts.jsonl")
    if conflicts.resolve() == output.resolve():
        raise UsageError("--conflicts must differ from --output", str(output))
    outputs = [output, conflicts, rejects_path(output), report, guidelines_draft]
    check_overwrites(input_paths(specs, db), outputs)
    check_inputs(specs, db)
    return conflicts


def run_review(
    specs: Sequence[InputSpec],
    output: Path,
    conflicts: Path,
    nlp: Language,
    options: ReviewOptions,
    report: Path | None = None,
    guidelines_draft: Path | None = None,
) -> ReviewResult:
    """Review `specs` into `output` (settled records) and `conflicts`, with `output`'s rejects
    report beside it, the figures in `report` and a guidelines page drafted from the
    consistency findings in `guidelines_draft` (if given); `nlp` tokenizes.

    Raises `UsageError` before writing anything when `prefer:` names no annotator of the
    inputs, and `InternalError` if the counts do not add up.
    """
    result = ReviewResult(ConversionCounts())
    agreement = Agreement()
    checker = Consistency(nlp.vocab) if options.consistency else None
    with ExitStack() as stack:
        # spooled beside the output, where the next run sweeps what a kill left
        store = stack.enter_context(AnswerStore(beside=output))
        rejects = stack.enter_context(RejectLog(result.counts, beside=output))
        logs = {key: stack.enter_context(JsonlSpool(beside=output)) for key in LOGS}
        ingest(specs, store, result.counts, rejects.add, options.input_format)
        outcomes = settle(
            (answers for _, _, answers, _ in store.groups()), nlp, rejects.add,
            policy=options.policy, auto_accept=options.auto_accept, labels=options.labels,
            from_versions=options.from_versions,
        )  # fmt: skip
        annotators, reviewed = _write_outcomes(outcomes, logs, result, agreement, checker)
        missing = check_preferred(options.policy, annotators)
        result.paths = {"output": output, "conflicts": conflicts}
        for key, log in logs.items():
            log.save(result.paths[key])
        if result.counts.rejected:
            result.paths["rejects"] = rejects_path(output)
            rejects.save(result.paths["rejects"])
        result.shown_rejects = [str(r) for r in rejects.shown]
    result.counts.check()
    if missing:
        result.notes.append(f"--policy: no input has {', '.join(missing)}")
    if reviewed:
        result.notes.append(reviewed_note(reviewed))
    result.agreement = agreement.report()
    result.consistency = checker.report() if checker is not None else None
    if guidelines_draft is not None and result.consistency is not None:
        write_guidelines_draft(guidelines_draft, result.consistency)
        result.paths["guidelines_draft"] = Path(guidelines_draft)
    if report is not None:
        write_json_atomic(report, result.to_json())
        result.paths["report"] = Path(report)
    return result


def _write_outcomes(
    outcomes: Iterable[Outcome],
    logs: Dict[str, JsonlSpool],
    result: ReviewResult,
    agreement: Agreement,
    checker: Consistency | None,
) -> Tuple[List[str], int]:
    """Spool each settled unit's record to the output, the others' to the conflicts, count
    and measure them; return the annotators seen and how many units were already reviewed."""
    annotators: Dict[str, None] = {}
    reviewed = 0
    for outcome in outcomes:
        where = "output" if outcome.settled else "conflicts"
        logs[where].write(outcome.record)
        result.counts.written[f"in {where}"] += outcome.unit.n_records
        result.units[outcome.decision.status] += 1
        annotators.update(dict.fromkeys(outcome.unit.latest))
        reviewed += outcome.decision.reviewed
        measure(outcome, agreement, checker)
    return list(annotators), reviewed
