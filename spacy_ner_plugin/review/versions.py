"""Group every answer about one text into review units and their distinct versions.

A unit is what one review decision settles, as in Prodigy's review recipe: all manual (gold)
answers about a text, grouped by `_input_hash`, or all binary answers to one question (the same
text, spans and label: the `_task_hash`). Within a unit, answers that say the same thing (same
answer, same spans and labels, whatever token data differs) are one `Version`; the annotators
behind a version are its `sessions`. Answers are validated exactly as `data-to-spacy` validates
them (`merge.answer_claims`), so a version here is a version there.

A record in Prodigy's review shape (top-level decision plus `versions`) is read as what it is:
the annotators' votes (from its versions) and a reviewer's decision, settled unless it is one
of our own conflict records that nobody has edited yet. With `from_versions` the reviewer's
decision is set aside and only the votes count, so the text can be settled again.
"""

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Tuple

from spacy.language import Language
from spacy.tokens import Doc

from ..annotations.merge import Answer, SpanKey, answer_claims, base_doc
from ..constants import GOLD
from ..db.inputs import dataset_name
from ..io.hashing import text_hash
from ..io.records import InvalidRecord, Reject

STATUS_KEY = "_review_status"
# Our conflict file's records: answer "ignore" (so nothing trains on them) until a person
# picks a version and sets the answer.
UNSETTLED = ("conflict", "unreviewed")

Claim = Tuple[SpanKey, str]
VersionKey = Tuple[str, Tuple[Claim, ...]]


@dataclass
class Vote:
    """One annotator's answer in a unit: what they said, and where it was read."""

    annotator: str
    decision: str
    claims: Tuple[Claim, ...]
    sources: List[str]
    seq: int = 0

    @property
    def key(self) -> VersionKey:
        return (self.decision, self.claims)

    @property
    def spans(self) -> Tuple[SpanKey, ...]:
        """The spans this vote accepts as entities (none for a rejected or ignored answer)."""
        if self.decision != "accept":
            return ()
        return tuple(span for span, claim in self.claims if claim == "accept")


@dataclass
class Version:
    """One distinct answer in a unit and the votes that gave it, in input order."""

    decision: str
    claims: Tuple[Claim, ...]
    votes: List[Vote] = field(default_factory=list)

    @property
    def key(self) -> VersionKey:
        return (self.decision, self.claims)

    @property
    def sessions(self) -> List[str]:
        """The annotators who gave this version, each once, in input order."""
        return list(dict.fromkeys(vote.annotator for vote in self.votes))

    @property
    def sources(self) -> List[str]:
        return [source for vote in self.votes for source in vote.sources]


@dataclass
class Reviewed:
    """A review-shaped input record: its decision, and whether a person settled it."""

    answer: Answer
    decision: VersionKey
    settled: bool
    votes: List[Vote] = field(default_factory=list)


@dataclass
class Unit:
    """What one review decision settles: a text's gold answers, or one binary question."""

    kind: str
    text: str
    doc: Doc
    first: Dict[str, Any]
    label: str | None = None
    versions: Dict[VersionKey, Version] = field(default_factory=dict)
    reviews: List[Reviewed] = field(default_factory=list)
    lines: List[str] = field(default_factory=list)
    n_votes: int = 0

    @property
    def n_records(self) -> int:
        """Input records in this unit (a review record is one, whatever its versions)."""
        return len(self.lines)

    def add(self, vote: Vote) -> None:
        vote.seq = self.n_votes
        self.n_votes += 1
        version = self.versions.setdefault(vote.key, Version(vote.decision, vote.claims))
        version.votes.append(vote)

    @property
    def latest(self) -> Dict[str, Vote]:
        """Each annotator's last vote in input order: what they meant in the end."""
        votes = [vote for version in self.ordered() for vote in version.votes]
        return {vote.annotator: vote for vote in sorted(votes, key=lambda v: v.seq)}

    def ordered(self) -> List[Version]:
        """Versions in the order their first vote was read."""
        return list(self.versions.values())


def annotator_of(record: Dict[str, Any], path: str) -> str:
    """Who gave an answer: `_annotator_id`, else `_session_id`, else the file it came from
    (or the dataset's name, for an answer read from `dataset:NAME`)."""
    for key in ("_annotator_id", "_session_id"):
        value = record.get(key)
        if value is not None and value != "":
            return str(value)
    return dataset_name(path) or path


def is_review_record(record: Dict[str, Any]) -> bool:
    """Whether a record is in Prodigy's review shape (a decision plus its `versions`)."""
    return isinstance(record.get("versions"), list)


def text_units(
    answers: List[Answer],
    nlp: Language,
    reject: Callable[[Reject], None],
    labels: set | None = None,
    from_versions: bool = False,
) -> List[Unit]:
    """The review units of one text's answers; invalid answers go to `reject`.

    `from_versions`: a review record counts as its versions' votes only, not as a decision.
    """
    doc, doc_text, token_source = base_doc(answers, nlp)
    units: Dict[Tuple, Unit] = {}
    for answer in answers:
        try:
            votes, review = _read_answer(answer, doc, doc_text, token_source, nlp, labels)
            if from_versions and review is not None:
                if not votes:
                    raise InvalidRecord("versions", "no versions to settle again from")
                review = None
        except InvalidRecord as err:
            reject(Reject(answer.path, answer.line, err.field, err.reason, answer.record))
            continue
        assert doc is not None and doc_text is not None
        key = _unit_key(answer, votes, review)
        unit = units.get(key)
        if unit is None:
            label = answer.record.get("label") if answer.kind != GOLD else None
            unit = units[key] = Unit(answer.kind, doc_text, doc, answer.record, label)
        unit.lines.append(f"{answer.path}:{answer.line}")
        for vote in votes:
            unit.add(vote)
        if review is not None:
            unit.reviews.append(review)
    return list(units.values())


def _read_answer(
    answer: Answer,
    doc: Doc | None,
    doc_text: str | None,
    token_source: Answer | None,
    nlp: Language,
    labels: set | None,
) -> Tuple[List[Vote], Reviewed | None]:
    """The votes of one input record, and its decision when it is a review record."""
    record = answer.record
    where = f"{answer.path}:{answer.line}"

    def claims_of(part: Dict[str, Any]) -> VersionKey:
        found = answer_claims(
            Answer(answer.path, answer.line, part, answer.kind),
            doc,
            doc_text,
            token_source if part is record else None,
            nlp,
            labels=labels,
        )
        return (found.decision, found.claims)

    if not is_review_record(record):
        decision, claims = claims_of(record)
        annotator = annotator_of(record, answer.path)
        return [Vote(annotator, decision, claims, [where])], None
    votes = []
    for i, version in enumerate(record["versions"]):
        if not isinstance(version, dict):
            raise InvalidRecord("versions", f"version {i} must be an object")
        part = {key: value for key, value in version.items() if key != "tokens"}
        part["text"] = record.get("text")
        try:
            decision, claims = claims_of(part)
        except InvalidRecord as err:
            raise InvalidRecord("versions", f"version {i}: {err.reason}") from None
        sessions = version.get("sessions") or [annotator_of(version, answer.path)]
        if not isinstance(sessions, list):
            sessions = [sessions]
        sources = version.get("_sources")
        sources = [s for s in sources if isinstance(s, str)] if isinstance(sources, list) else []
        sources = sources or [where]  # Prodigy's versions do not say where they were read
        for n, session in enumerate(sessions):
            votes.append(Vote(str(session), decision, claims, sources if n == 0 else []))
    decision = claims_of(record)
    status = record.get(STATUS_KEY)
    settled = not (decision[0] == "ignore" and status in UNSETTLED)
    return votes, Reviewed(answer, decision, settled, votes)


def _unit_key(answer: Answer, votes: List[Vote], review: Reviewed | None) -> Tuple:
    """Gold answers share their text's unit; a binary answer's unit is its question."""
    if answer.kind == GOLD:
        return (GOLD,)
    claims = review.decision[1] if review is not None else votes[0].claims
    return (answer.kind, tuple(sorted({span for span, _ in claims})), answer.record.get("label"))


def input_hash_of(unit: Unit) -> int:
    """The unit's `_input_hash`: the one its records carry, else ours."""
    value = unit.first.get("_input_hash")
    return value if isinstance(value, int) else text_hash(unit.text)
