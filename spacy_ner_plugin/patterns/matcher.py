"""Load, validate and match Prodigy/EntityRuler pattern JSONL at tokenizer speed.

Each line is `{"label": ..., "pattern": ..., "id": ...}` with a string pattern (matched on
exact text, like the EntityRuler's phrase patterns) or a token pattern (a list of token dicts).
Every line is validated, with spaCy's own token pattern schema, before any text is processed.

Token patterns that test a single exact `ORTH`/`TEXT` or `LOWER` value per token, with no
operators, run on a `PhraseMatcher` (an order of magnitude faster than the `Matcher`); the rest
run on the `Matcher`. The matches are the same as spaCy's `EntityRuler` finds.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.schemas import validate_token_pattern
from spacy.tokens import Doc
from spacy.vocab import Vocab

from ..errors import PluginError
from ..io.records import read_jsonl

PHRASE_ATTRS = {"ORTH": "ORTH", "TEXT": "ORTH", "LOWER": "LOWER"}
# Token attributes the Matcher can only test on Docs that a pipeline component annotated.
ANNOTATED_ATTRS = ("TAG", "POS", "MORPH", "LEMMA", "DEP")


@dataclass
class Pattern:
    """One validated pattern and the line it came from."""

    label: str
    pattern: Union[str, List[Dict[str, Any]]]
    line: int
    id: Optional[str] = None


class PatternError(PluginError):
    """Invalid patterns, each named with its file and line."""

    def __init__(self, path: Union[str, Path], problems: List[Tuple[int, str]]) -> None:
        self.path = str(path)
        self.problems = problems
        lines = "\n".join(f"{self.path}:{line} {reason}" for line, reason in problems)
        super().__init__(f"Invalid patterns ({len(problems)}), nothing was done", lines)


def load_patterns(path: Union[str, Path]) -> List[Pattern]:
    """Every pattern of a JSONL file; raises `PatternError` listing all invalid lines."""
    if not Path(path).is_file():
        raise PluginError("Patterns not found", str(path))
    patterns: List[Pattern] = []
    problems: List[Tuple[int, str]] = []
    for line in read_jsonl(path):
        if line.reject is not None:
            problems.append((line.line, line.reject.reason))
            continue
        try:
            patterns.append(parse_pattern(line.record, line.line))
        except ValueError as err:
            problems.append((line.line, str(err)))
    if problems:
        raise PatternError(path, problems)
    return patterns


def parse_pattern(record: Dict[str, Any], line: int) -> Pattern:
    """A `Pattern` from one parsed line; raises ValueError saying what is wrong with it."""
    label = record.get("label")
    if not isinstance(label, str) or not label.strip():
        raise ValueError("[label] missing or empty 'label'")
    if label != label.strip() or any(ch.isspace() for ch in label):
        raise ValueError(f"[label] label {label!r} contains whitespace")
    pattern_id = record.get("id")
    if pattern_id is not None and not isinstance(pattern_id, (str, int)):
        raise ValueError(f"[id] 'id' must be a string, got {type(pattern_id).__name__}")
    pattern = record.get("pattern")
    if isinstance(pattern, str):
        if not pattern.strip():
            raise ValueError("[pattern] empty pattern")
    elif isinstance(pattern, list):
        if not pattern:
            raise ValueError("[pattern] empty pattern")
        errors = validate_token_pattern(pattern)
        if errors:
            raise ValueError(f"[pattern] invalid token pattern: {'; '.join(errors)}")
    elif pattern is None:
        raise ValueError("[pattern] missing 'pattern'")
    else:
        raise ValueError(
            f"[pattern] 'pattern' must be a string or a list of token dicts, "
            f"got {type(pattern).__name__}"
        )
    return Pattern(label, pattern, line, None if pattern_id is None else str(pattern_id))


def phrase_form(pattern: Pattern, vocab: Vocab) -> Optional[Tuple[str, Doc]]:
    """`(attr, pattern Doc)` if a token pattern can run on a PhraseMatcher with identical matches.

    That holds when every token tests exactly one exact string value of the same attribute
    (`ORTH`/`TEXT` or `LOWER`) and no operator; a `LOWER` value must also be its own lower
    form, since a PhraseMatcher compares the pattern token's lower form instead.
    """
    if not isinstance(pattern.pattern, list):
        return None
    attrs = set()
    words: List[str] = []
    for token in pattern.pattern:
        if len(token) != 1:
            return None
        ((key, value),) = token.items()
        attr = PHRASE_ATTRS.get(str(key).upper())
        if attr is None or not isinstance(value, str) or not value:
            return None
        attrs.add(attr)
        words.append(value)
    if len(attrs) != 1:
        return None
    attr = attrs.pop()
    doc = Doc(vocab, words=words)
    if attr == "LOWER" and [token.lower_ for token in doc] != words:
        return None
    return attr, doc


def annotated_attrs(pattern: Pattern) -> List[str]:
    """The attributes a token pattern tests that need an annotating pipeline component."""
    if not isinstance(pattern.pattern, list):
        return []
    keys = {str(key).upper() for token in pattern.pattern for key in token}
    return [attr for attr in ANNOTATED_ATTRS if attr in keys]


class PatternMatcher:
    """All patterns on spaCy's matchers: `(match key, start, end)` for every match."""

    def __init__(self, nlp: Language, patterns: List[Pattern], path: str = "patterns") -> None:
        self.patterns = patterns
        self.path = path
        vocab = nlp.vocab
        self.phrase_matchers: Dict[str, PhraseMatcher] = {}
        self.matcher = Matcher(vocab)
        self.n_phrase = 0
        self.keys: Dict[int, int] = {}
        for i, pattern in enumerate(patterns):
            key = f"spacy_ner_plugin.pattern.{i}"
            self.keys[vocab.strings.add(key)] = i
            if isinstance(pattern.pattern, str):
                form: Optional[Tuple[str, Doc]] = ("ORTH", nlp.make_doc(pattern.pattern))
            else:
                form = phrase_form(pattern, vocab)
            if form is not None:
                attr, doc = form
                if attr not in self.phrase_matchers:
                    self.phrase_matchers[attr] = PhraseMatcher(vocab, attr=attr)
                self.phrase_matchers[attr].add(key, [doc])
                self.n_phrase += 1
                continue
            try:
                self.matcher.add(key, [pattern.pattern])
            except (ValueError, KeyError) as err:
                raise PatternError(path, [(pattern.line, f"[pattern] {err}")]) from None
        self.n_token = len(patterns) - self.n_phrase
        self._check_annotations(nlp)

    def _check_annotations(self, nlp: Language) -> None:
        """Fail before any text is read if a pattern needs annotations the pipeline lacks."""
        probe = nlp("Probe text.")
        problems = []
        for pattern in self.patterns:
            missing = [attr for attr in annotated_attrs(pattern) if not probe.has_annotation(attr)]
            if missing:
                reason = (
                    f"[pattern] tests {', '.join(missing)}, which the pipeline does not set: "
                    "use a model with a component that does"
                )
                problems.append((pattern.line, reason))
        if problems:
            raise PatternError(self.path, problems)

    def __call__(self, doc: Doc) -> List[Tuple[int, int, int]]:
        """`(match key, start, end)` from every matcher; `keys` maps a key to its pattern.

        May include empty matches (start == end) of token patterns that are all optional.
        """
        matches: List[Tuple[int, int, int]] = []
        if self.n_token:
            matches.extend(self.matcher(doc))
        for matcher in self.phrase_matchers.values():
            matches.extend(matcher(doc))
        return matches
