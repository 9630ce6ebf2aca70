"""The teach step's run: the next questions about a file of raw texts, the model only read."""

from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List

from ..io.records import Reject
from .session import TeachCounts
from .sorters import SorterCounts


@dataclass
class TeachResult:
    """The questions written, what the session counted, and the input lines rejected."""

    questions: List[Dict[str, Any]]
    counts: TeachCounts
    sorter: SorterCounts
    rejects: List[Reject] = field(default_factory=list)
    excluded_tasks: int = 0
    excluded_inputs: int = 0


def _records(lines: Any, rejects: List[Reject]) -> Iterator[Dict[str, Any]]:
    for line in lines:
        if line.reject is not None:
            rejects.append(line.reject)
        else:
            yield line.record
