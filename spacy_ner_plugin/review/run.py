"""The review run: answers of several annotators → settled records, conflicts and figures."""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List

from ..annotations.counts import ConversionCounts


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
