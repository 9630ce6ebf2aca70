"""Pattern matches as questions beside the model's, for the cold start.

A fresh model proposes little worth asking; pattern matches give the annotator something to
accept or reject from the first question. Each match becomes a task whose span names its
source (the pattern file), pattern id and line. A pattern's score is its share of accepted
matches so far, `(accepts + 1) / (answers + 2)`: 0.5 before any answer, falling towards 0 as
its matches are rejected, so a noisy pattern fades from an uncertainty-sorted stream.
"""

from itertools import chain, zip_longest
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Sequence, Tuple, TypeVar, Union

from spacy.language import Language
from spacy.tokens import Doc

from ..patterns.matcher import Pattern, PatternMatcher, load_patterns

T = TypeVar("T")
Match = Tuple[float, Tuple[int, int, str], Dict[str, Any]]  # score, span, span info


class PatternScorer:
    """Pattern matches with each pattern's running share of accepted answers."""

    def __init__(
        self,
        nlp: Language,
        patterns: Union[str, Path, Sequence[Pattern]],
        labels: Iterable[str] | None = None,
        source: str | None = None,
    ) -> None:
        path = str(patterns) if isinstance(patterns, (str, Path)) else "patterns"
        loaded = load_patterns(patterns) if isinstance(patterns, (str, Path)) else list(patterns)
        if labels is not None:
            wanted = set(labels)
            loaded = [pattern for pattern in loaded if pattern.label in wanted]
        self.source = source or Path(path).name
        self.matcher = PatternMatcher(nlp, loaded, path)
        self.answers: Dict[int, List[int]] = {}  # pattern line → [accepted, rejected]

    def score(self, line: int) -> float:
        accepted, rejected = self.answers.get(line, (0, 0))
        return (accepted + 1) / (accepted + rejected + 2)

    def __call__(self, doc: Doc) -> List[Match]:
        """Every match in `doc` by position; where patterns give the same span, the first one."""
        patterns = self.matcher.patterns
        found: Dict[Tuple[int, int, str], Match] = {}
        for key, start, end in sorted(self.matcher(doc), key=lambda m: (m[1], m[2])):
            pattern = patterns[self.matcher.keys[key]]
            span = (start, end, pattern.label)
            if start >= end or span in found:
                continue
            info: Dict[str, Any] = {"source": self.source, "pattern_line": pattern.line}
            if pattern.id is not None:
                info["pattern_id"] = pattern.id
            found[span] = (self.score(pattern.line), span, info)
        return list(found.values())

    def update(self, answers: Iterable[Dict[str, Any]]) -> None:
        """Count each answered pattern match as accepted or rejected for its pattern."""
        for answer in answers:
            decision = answer.get("answer")
            if decision not in ("accept", "reject"):
                continue
            for span in answer.get("spans") or []:
                line = span.get("pattern_line") if span.get("source") == self.source else None
                if line is None:
                    continue
                counts = self.answers.setdefault(line, [0, 0])
                counts[0 if span.get("answer", decision) == "accept" else 1] += 1


def interleave(*groups: Sequence[T]) -> Iterator[T]:
    """The items of the groups taken in turn: a, b, a, b, ..., then the rest of the longest."""
    missing = object()
    for item in chain.from_iterable(zip_longest(*groups, fillvalue=missing)):
        if item is not missing:
            yield item
