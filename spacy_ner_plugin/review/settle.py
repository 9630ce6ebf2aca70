"""The review step between reading and writing: answers per text → settled records + figures."""

from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List

from spacy.language import Language

from ..annotations.merge import Answer
from ..constants import GOLD
from ..io.records import Reject
from .agreement import Agreement, text_disagreement
from .consistency import Consistency
from .policies import Decision, Policy, decide
from .records import unit_record
from .versions import Unit, input_hash_of, text_units

TEXT_SHOWN = 100


@dataclass
class Outcome:
    """One unit, how it was decided, and the record written for it."""

    unit: Unit
    decision: Decision
    record: Dict[str, Any]

    @property
    def settled(self) -> bool:
        return self.decision.version is not None or self.decision.reviewed


def settle(
    groups: Iterable[List[Answer]],
    nlp: Language,
    reject: Callable[[Reject], None],
    *,
    policy: Policy | None = None,
    auto_accept: bool = False,
    labels: set | None = None,
    from_versions: bool = False,
) -> Iterator[Outcome]:
    """Every unit of every text's answers (`groups`), decided and written as a record
    (`from_versions`: review records count as their versions' votes, see `text_units`)."""
    for answers in groups:
        for unit in text_units(answers, nlp, reject, labels, from_versions):
            decision = decide(unit, policy, auto_accept)
            yield Outcome(unit, decision, unit_record(unit, decision))


def measure(outcome: Outcome, agreement: Agreement, consistency: Consistency | None) -> None:
    """Add one unit to the agreement figures and the consistency check."""
    unit = outcome.unit
    latest = unit.latest
    if unit.kind != GOLD:
        answers = {a: v.decision for a, v in latest.items() if v.decision in ("accept", "reject")}
        agreement.add_task(answers)
        return
    where = {
        "_input_hash": input_hash_of(unit),
        "text": unit.text[:TEXT_SHOWN],
        "annotators": list(latest),
        "versions": len(unit.versions),
        "lines": unit.lines,
    }
    annotations = {a: v.spans for a, v in latest.items() if v.decision == "accept"}
    if annotations:
        agreement.add_text(unit.doc, annotations, where)
    if consistency is not None:
        spans = _chosen_spans(outcome)
        if spans is not None:
            place = {"_input_hash": where["_input_hash"], "lines": unit.lines}
            consistency.add(unit.doc, spans, place)


def unit_agreement(unit: Unit) -> float | None:
    """The agreement of the unit's annotators (their last votes): the mean pairwise exact span F
    of the accepted annotations of a text, or of the accept/reject answers to a question (a
    reject claims no span); None under two annotators."""
    latest = unit.latest
    voting = ("accept",) if unit.kind == GOLD else ("accept", "reject")
    annotations = {a: v.spans for a, v in latest.items() if v.decision in voting}
    if len(annotations) < 2:
        return None
    return round(1 - text_disagreement(annotations), 4)


def _chosen_spans(outcome: Outcome) -> List | None:
    """The accepted spans of the text's written (or, for a conflict, pre-filled) version."""
    record = outcome.record
    answer = record.get("answer", "accept")
    if not outcome.settled:
        default = [v for v in record.get("versions", []) if v.get("default")]
        answer = default[0].get("answer", "accept") if default else answer
    if answer != "accept":
        return None
    return [(s["start"], s["end"], s["label"]) for s in record.get("spans") or []]
