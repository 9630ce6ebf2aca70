"""Registered span suggesters for pre-annotation, and the rules that combine their suggestions.

A suggester is registered in `spacy.registry.misc` and returns a factory: given the pipeline
that tokenizes the texts, the factory returns a callable `Doc -> list of Suggestion` (or None
when it has nothing to suggest with that pipeline, e.g. the model suggester on a blank one).
`configs/preannotate.cfg` names the suggesters to use; a user registers their own the same way
and names it there (passing the file with `--code`).

Combining: whitespace tokens are trimmed off both ends of every suggestion (a span never
begins or ends on one), then overlaps are resolved greedily by a policy:
- "longest": the longest span wins, then the earliest, then the first suggester in the config
  and the first pattern in the file (spaCy's `filter_spans` / `EntityRuler` rule);
- a comma-separated order of suggester names, e.g. "patterns" or "model,patterns": the listed
  suggesters' spans win over the others' in that order, "longest" deciding within each;
- "keep": every suggestion, overlapping or nested (span categorization: `spans.manual`).
"""

from dataclasses import dataclass, replace
from operator import attrgetter
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry

from ..errors import PluginError
from ..patterns.matcher import PatternMatcher, load_patterns

LONGEST, KEEP = "longest", "keep"
START = attrgetter("start")


@dataclass(slots=True)
class Suggestion:
    """A suggested entity: token offsets (end exclusive), label, and where it came from."""

    start: int
    end: int
    label: str
    source: str
    pattern_id: str | None = None
    pattern_line: int | None = None


Suggest = Callable[[Doc], List[Suggestion]]
SuggesterFactory = Callable[[Language], Suggest | None]


class PatternSuggester:
    """Pattern matches as suggestions, each naming its pattern's id and line."""

    def __init__(self, matcher: PatternMatcher, source: str) -> None:
        self.matcher = matcher
        self.source = source
        patterns = matcher.patterns
        self._origins = {
            key: (patterns[i].label, patterns[i].id, patterns[i].line)
            for key, i in matcher.keys.items()
        }

    def __call__(self, doc: Doc) -> List[Suggestion]:
        origins, source = self._origins, self.source
        return [
            Suggestion(start, end, label, source, pattern_id, line)
            for key, start, end in self.matcher(doc)
            if start < end
            for label, pattern_id, line in (origins[key],)
        ]


@registry.misc("spacy_ner_plugin.pattern_suggester.v1")
def create_pattern_suggester(path: str | None = None) -> SuggesterFactory:
    """Suggest the matches of a pattern JSONL file (none if `path` is null).

    The patterns are validated here, when the config is resolved, so an invalid one fails the
    run before any text is read.
    """
    if path is None:
        return lambda nlp: None
    patterns = load_patterns(path)

    def build(nlp: Language) -> Suggest:
        return PatternSuggester(PatternMatcher(nlp, patterns, str(path)), Path(path).name)

    return build


@registry.misc("spacy_ner_plugin.model_suggester.v1")
def create_model_suggester(source: str | None = None) -> SuggesterFactory:
    """Suggest the entities the pipeline's own components predict (`ner`, rulers, ...).

    Inactive on a pipeline where no component declares it sets `doc.ents` (a blank tokenizer).
    `source` names the suggestions; default: the pipeline's `lang_name` from its meta.
    """

    def build(nlp: Language) -> Suggest | None:
        if not any("doc.ents" in nlp.get_pipe_meta(name).assigns for name in nlp.pipe_names):
            return None
        name = source or f"{nlp.meta.get('lang', nlp.lang)}_{nlp.meta.get('name', 'pipeline')}"
        return lambda doc: [Suggestion(ent.start, ent.end, ent.label_, name) for ent in doc.ents]

    return build


def trim_whitespace(doc: Doc, suggestions: List[Suggestion]) -> List[Suggestion]:
    """Suggestions with whitespace tokens cut off both ends; whitespace-only ones dropped."""
    trimmed = []
    for suggestion in suggestions:
        start, end = suggestion.start, suggestion.end
        if doc[start].is_space or doc[end - 1].is_space:
            while start < end and doc[start].is_space:
                start += 1
            while end > start and doc[end - 1].is_space:
                end -= 1
            if start == end:
                continue
            suggestion = replace(suggestion, start=start, end=end)
        trimmed.append(suggestion)
    return trimmed


def parse_overlap_policy(policy: str, names: Sequence[str]) -> Dict[str, int] | None:
    """The rank of each suggester name under `policy` (None: "keep", no ranking); raises
    `PluginError` for an unknown name."""
    if policy == KEEP:
        return None
    if policy == LONGEST:
        return {name: 0 for name in names}
    order = [name.strip() for name in policy.split(",") if name.strip()]
    unknown = [name for name in order if name not in names]
    if not order or unknown:
        expected = ", ".join([LONGEST, KEEP, *names])
        raise PluginError(
            "Invalid overlap policy",
            f"unknown overlap policy {policy!r} (expected one of: {expected})",
        )
    return {name: (order.index(name) if name in order else len(order)) for name in names}


def resolve_overlaps(
    groups: Sequence[Tuple[str, List[Suggestion]]], ranks: Dict[str, int] | None
) -> List[Suggestion]:
    """Non-overlapping suggestions chosen greedily by rank, then length, then position (every
    suggestion where `ranks` is None: the "keep" policy).

    `groups` holds each suggester's name and suggestions in config order; ties keep that order
    (and a suggester's own order), so the result is deterministic. Sorted by start.
    """
    by_start = sorted((s for _, suggestions in groups for s in suggestions), key=START)
    if ranks is None:
        return by_start
    previous_end = 0
    for suggestion in by_start:
        if suggestion.start < previous_end:
            break
        previous_end = suggestion.end
    else:
        return by_start  # no overlaps (the common case): every suggestion is kept
    candidates = [
        (ranks[name], -(s.end - s.start), s.start, group_index, index, s)
        for group_index, (name, suggestions) in enumerate(groups)
        for index, s in enumerate(suggestions)
    ]
    candidates.sort(key=lambda c: c[:5])
    taken = set()
    chosen = []
    for *_, s in candidates:
        tokens = range(s.start, s.end)
        if any(i in taken for i in tokens):
            continue
        taken.update(tokens)
        chosen.append(s)
    chosen.sort(key=START)
    return chosen
