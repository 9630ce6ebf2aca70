"""Settle a review unit: a reviewer's decision, agreement, or a conflict policy.

- A settled review record (a person's decision) settles its unit; two that differ conflict.
- One version only (every annotator agrees): settled with `--auto-accept` or any policy.
- Otherwise the policy, if one is given:
  - `majority`: the version most annotators gave (each annotator counts once; `ignore`
    answers abstain); a tie is a conflict.
  - `prefer:A[,B...]`: the version of the first listed annotator who answered (their last
    answer); none of them answered: a conflict.
  - `longest`: the accepted version whose spans cover the most characters, then the one more
    annotators gave; still tied: a conflict. Without an accepted version, `majority`.
- What is not settled is a conflict (several versions) or unreviewed (one version, no
  `--auto-accept`): it goes to the conflicts file for a person.
"""

from dataclasses import dataclass
from typing import Iterable, List, Tuple

from ..errors import UsageError
from .versions import Unit, Version

POLICY_NAMES = ("majority", "prefer:ANNOTATOR[,ANNOTATOR...]", "longest")


@dataclass(frozen=True)
class Policy:
    """A conflict policy: its name and, for `prefer`, the annotators in order of trust."""

    name: str
    preferred: Tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"prefer:{','.join(self.preferred)}" if self.name == "prefer" else self.name


@dataclass
class Decision:
    """How a unit was settled (`version` None: not settled) and why, in a few words."""

    status: str
    version: Version | None = None
    reason: str = ""
    reviewed: bool = False


def parse_policy(value: str | None) -> Policy | None:
    """`majority`, `longest` or `prefer:alice,bob`; raises `UsageError` on anything else."""
    if value is None or not value.strip():
        return None
    name, _, rest = value.strip().partition(":")
    if name in ("majority", "longest") and not rest:
        return Policy(name)
    if name == "prefer":
        preferred = tuple(a.strip() for a in rest.split(",") if a.strip())
        if preferred:
            return Policy("prefer", preferred)
    raise UsageError("Unknown --policy", f"{value!r} (expected one of {', '.join(POLICY_NAMES)})")


def check_preferred(policy: Policy | None, annotators: Iterable[str]) -> List[str]:
    """The annotators `prefer` names that no input has; raises `UsageError` if that is every
    one of them (the policy could settle nothing), listing the annotators found."""
    if policy is None or policy.name != "prefer":
        return []
    found = list(dict.fromkeys(annotators))
    missing = [name for name in policy.preferred if name not in found]
    if len(missing) == len(policy.preferred):
        raise UsageError(
            "No input has the annotator(s) --policy prefers",
            f"{', '.join(missing)}; annotators found: {', '.join(found) or 'none'}",
        )
    return missing


def decide(unit: Unit, policy: Policy | None, auto_accept: bool) -> Decision:
    """Settle `unit` or say why it stays a conflict."""
    settled = [review for review in unit.reviews if review.settled]
    if settled:
        decisions = {review.decision for review in settled}
        if len(decisions) == 1:
            version = unit.versions.get(settled[0].decision)
            return Decision("reviewed", version, reviewed=True)
        return Decision("conflict", reason=f"{len(decisions)} reviewed decisions differ")
    versions = unit.ordered()
    if len(versions) == 1:
        if auto_accept or policy is not None:
            n = len(versions[0].sessions)
            return Decision("agreed" if n > 1 else "one annotator", versions[0])
        return Decision("unreviewed", reason="one version, not auto-accepted")
    if policy is None:
        return Decision("conflict", reason=f"{len(versions)} versions")
    version, reason = choose(unit, policy)
    if version is None:
        return Decision("conflict", reason=reason)
    return Decision(f"policy {policy.name}", version)


def choose(unit: Unit, policy: Policy) -> Tuple[Version | None, str]:
    """The version `policy` picks among the unit's versions, or None and why not."""
    if policy.name == "prefer":
        latest = unit.latest
        for annotator in policy.preferred:
            if annotator in latest:
                return unit.versions[latest[annotator].key], ""
        return None, "none of the preferred annotators answered"
    if policy.name == "longest":
        accepted = [v for v in unit.ordered() if v.decision == "accept"]
        if accepted:
            return _best(accepted, lambda v: (_covered(v), len(v.sessions)), "longest")
    voting = [v for v in unit.ordered() if v.decision != "ignore"]
    if not voting:
        return unit.ordered()[0], ""  # every answer ignored the text: settled as ignored
    return _best(voting, lambda v: (len(v.sessions),), "majority")


def _best(versions: List[Version], score, name: str) -> Tuple[Version | None, str]:
    ranked = sorted(versions, key=score, reverse=True)
    if len(ranked) > 1 and score(ranked[0]) == score(ranked[1]):
        return None, f"{name}: tie between versions"
    return ranked[0], ""


def _covered(version: Version) -> int:
    """Characters covered by the version's accepted spans."""
    return sum(end - start for (start, end, _), claim in version.claims if claim == "accept")
