"""Turn raw texts into annotation tasks with pre-highlighted spans, as the config says.

`Preannotator.from_config` builds the pipeline (a model, or a blank tokenizer) and the
configured suggesters; `process` streams input lines to `(line, tasks)` or `(line, reject)` in
input order. Every text is kept, with or without suggestions, so annotators see negatives too.
"""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import (
    Any,
    Dict,
    Iterable,
    Iterator,
    List,
    NamedTuple,
    Sequence,
    Set,
    TextIO,
    Tuple,
    Union,
)

from pydantic import BaseModel, ConfigDict, Field, StrictBool
from spacy.attrs import IDX, IS_SPACE, LENGTH, SPACY
from spacy.cli._util import string_to_list
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Config

from .. import configs
from ..errors import InternalError
from ..io.files import check_overwrites
from ..io.hashing import set_hashes
from ..io.loading import load_pipeline
from ..io.records import InvalidRecord, Line, Reject, get_text, json_line
from ..messages import Message
from .sentences import rule_sentences_for, sentence_ranges, sentence_starts
from .suggesters import (
    Suggest,
    Suggestion,
    create_pattern_suggester,
    parse_overlap_policy,
    resolve_overlaps,
    trim_whitespace,
)

# The built-in config (package data, as spaCy ships its default_config.cfg).
DEFAULT_CONFIG_PATH = Path(__file__).parent / "default_config.cfg"


class PreannotateSettings(BaseModel):
    """The `[preannotate]` section (see default_config.cfg for what each does)."""

    model_config = ConfigDict(extra="forbid")

    model: str | None = None
    lang: str = "en"
    segment: StrictBool = True
    overlaps: str = "longest"
    labels: List[str] | str | None = None  # a list, or "A,B" from an override
    batch_size: int = Field(1000, ge=1)
    max_block_chars: int = Field(100_000, ge=1)


def read_config(
    config_path: Union[str, Path] | None = None, overrides: Dict[str, Any] | None = None
) -> Config:
    """The pre-annotation config (the built-in default without a path), overrides applied."""
    return configs.read_config(config_path, DEFAULT_CONFIG_PATH, overrides)


def load_preannotator(
    config_path: Path | None,
    overrides: Dict[str, Any] | None,
    inputs: Sequence[Union[str, Path] | None],
    outputs: Sequence[Union[str, Path] | None],
) -> Tuple[Config, "Preannotator"]:
    """The config with its overrides, and the preannotator it builds once no output would
    overwrite an input (the config's [paths], patterns and model, are inputs too)."""
    with configs.config_errors(config_path):
        config = read_config(config_path, overrides)
    paths = [value for value in config.get("paths", {}).values() if isinstance(value, str)]
    check_overwrites([*inputs, *paths], outputs)
    with configs.config_errors(config_path):
        return config, Preannotator.from_config(config)


@dataclass
class Counts:
    """What happened to every input line: read = texts + rejected."""

    read: int = 0
    texts: int = 0
    rejected: int = 0
    tasks: int = 0
    texts_with_spans: int = 0
    spans: Counter = field(default_factory=Counter)

    def add(self, other: "Counts") -> None:
        self.read += other.read
        self.texts += other.texts
        self.rejected += other.rejected
        self.tasks += other.tasks
        self.texts_with_spans += other.texts_with_spans
        self.spans.update(other.spans)

    def tables(self) -> List[tuple]:
        """The texts' counts, and the spans per source and label, as tables for the CLI to print:
        (title, header, rows, aligns) each, as `wasabi`'s `table` takes them."""
        rows = [
            ("read", self.read),
            ("texts written", self.texts),
            ("rejected", self.rejected),
            ("texts with suggestions", self.texts_with_spans),
            ("tasks written", self.tasks),
        ]
        tables = [("Texts", None, rows, ("l", "r"))]
        spans = [(source, label, n) for (source, label), n in sorted(self.spans.items())]
        if spans:
            tables.append((None, ("source", "label", "spans"), spans, ("l", "l", "r")))
        return tables

    @property
    def reconciles(self) -> bool:
        return self.read == self.texts + self.rejected

    def check(self) -> None:
        """Raise `InternalError` unless read = texts + rejected."""
        if not self.reconciles:
            raise InternalError(
                "Counts do not add up (a bug: please report it)",
                f"read {self.read} != texts {self.texts} + rejected {self.rejected}",
            )


@dataclass
class PreannotateResult:
    """Counts of one run, the files it wrote, the first rejects and where all of them are, and
    how many tasks the preview shows."""

    counts: Counts
    paths: Dict[str, Union[Path, str]] = field(default_factory=dict)
    shown_rejects: List[Reject] = field(default_factory=list)
    rejects_report: str = ""
    previewed: int = 0

    def messages(self, labels: Set[str] | None = None) -> List[Message]:
        """A warning for each of `labels` that no suggestion has, and the files saved, as
        (level, title, text) messages for the CLI to print."""
        seen = {label for _, label in self.counts.spans}
        messages = [
            ("warn", f"No suggestion has the label {label!r}", "")
            for label in sorted(set(labels or ()) - seen)
        ]
        saved = ", ".join(str(p) for p in self.paths.values())
        return messages + [("good", f"Saved {saved}", "")]


class Preannotator:
    """A pipeline plus suggesters that turns each text into one task per sentence (or text)."""

    def __init__(
        self,
        nlp: Language,
        suggesters: Dict[str, Suggest],
        *,
        overlaps: str = "longest",
        labels: Iterable[str] | None = None,
        segment: bool = True,
        batch_size: int = 1000,
        max_block_chars: int = 100_000,
        configured: Sequence[str] | None = None,
    ) -> None:
        self.nlp = nlp
        self.suggesters = suggesters
        # Validated against every configured suggester, also those inactive in this run.
        self.ranks = parse_overlap_policy(overlaps, list(configured or suggesters))
        if isinstance(labels, str):
            labels = string_to_list(labels)  # "A,B" from a config override
        self.labels = set(labels) if labels is not None else None
        self.segment = segment
        # spaCy's Sentencizer rule where no component sets sentence boundaries
        self.rule_sentences = rule_sentences_for(nlp) if segment else None
        self.batch_size = batch_size
        self.max_block_chars = min(max_block_chars, nlp.max_length)
        self.counts = Counts()

    @classmethod
    def from_config(cls, config: Config) -> "Preannotator":
        """Load the pipeline and build every configured suggester (validating the patterns)."""
        settings = configs.section_settings(config, "preannotate", PreannotateSettings)
        resolved = registry.resolve(config.interpolate())
        model = settings.pop("model")
        lang = settings.pop("lang")
        nlp = load_pipeline(lang, model)
        suggesters = {}
        for name, factory in resolved["suggesters"].items():
            suggest = factory(nlp)
            if suggest is not None:
                suggesters[name] = suggest
        return cls(nlp, suggesters, configured=list(resolved["suggesters"]), **settings)

    def messages(self) -> List[Message]:
        """The suggesters, the tasks' unit and the pipeline, as (level, title, text) messages
        for the CLI to print; a warning when no suggester is active."""
        names = ", ".join(self.suggesters) or "none (tokens only)"
        segment = "one per sentence" if self.segment else "one per text"
        setup = f"Suggesters: {names}; tasks: {segment}; pipeline: {self.nlp.pipe_names}"
        messages = [("info", setup, "")]
        if not self.suggesters:
            messages.append(
                ("warn", "No suggester is active: give --patterns and/or --base-model", "")
            )
        return messages

    @classmethod
    def from_patterns(cls, nlp: Language, patterns: Union[str, Path]) -> "Preannotator":
        """The patterns of one file alone on `nlp`'s tokens, one task per text: what
        `preannotate --patterns` suggests (every pattern validated; the longest match wins)."""
        return cls(nlp, {"patterns": create_pattern_suggester(str(patterns))(nlp)}, segment=False)

    def suggest(self, doc: Doc) -> List[Suggestion]:
        """Every suggester's suggestions, label-filtered, trimmed and without overlaps."""
        groups = []
        for name, suggest in self.suggesters.items():
            suggestions = suggest(doc)
            if self.labels is not None:
                suggestions = [s for s in suggestions if s.label in self.labels]
            groups.append((name, trim_whitespace(doc, suggestions)))
        return resolve_overlaps(groups, self.ranks)

    def process(self, lines: Iterable[Line]) -> Iterator[Tuple[Line, Union[List[dict], Reject]]]:
        """`(line, tasks)` for every usable text and `(line, reject)` for every bad line."""
        stream = self.nlp.pipe(self._blocks(lines), as_tuples=True, batch_size=self.batch_size)
        blocks: List[Doc] = []
        for doc, (line, last) in stream:
            self.counts.read += last
            if line.reject is not None:
                self.counts.rejected += 1
                yield line, line.reject
                continue
            blocks.append(doc)
            if not last:
                continue
            if len(blocks) > 1:
                doc = Doc.from_docs(blocks, ensure_whitespace=False, exclude=["tensor"])
            blocks = []
            tasks = self.tasks(doc, line.record)
            self.counts.texts += 1
            yield line, tasks

    def write(self, lines: Iterable[Line], tasks: TextIO, rejects: TextIO) -> Counts:
        """Process `lines` into task JSONL and rejects JSONL; return the counts of this call.

        The one serialization of tasks, shared by every backend, so their outputs are equal.
        """
        self.counts = Counts()
        for _, result in self.process(lines):
            if isinstance(result, Reject):
                rejects.write(json_line(result.to_json()) + "\n")
                continue
            for task in result:
                tasks.write(json_line(task) + "\n")
        return self.counts

    def _blocks(self, lines: Iterable[Line]) -> Iterator[Tuple[str, Tuple[Line, bool]]]:
        """Each text (in blocks if long) with its line; a bad line as an empty text."""
        for line in lines:
            if line.reject is None:
                try:
                    blocks = self._text_blocks(get_text(line.record))
                except InvalidRecord as err:
                    reject = Reject(line.path, line.line, err.field, err.reason, line.record)
                    line = Line(line.path, line.line, reject=reject)
            if line.reject is not None:
                yield "", (line, True)
                continue
            for i, block in enumerate(blocks):
                yield block, (line, i == len(blocks) - 1)

    def _text_blocks(self, text: str) -> List[str]:
        blocks = text_blocks(text, self.max_block_chars)
        longest = max(len(block) for block in blocks)
        if longest > self.nlp.max_length:
            raise InvalidRecord(
                "text",
                f"a run of {longest} characters without whitespace exceeds the pipeline's "
                f"max_length ({self.nlp.max_length})",
            )
        return blocks

    def tasks(self, doc: Doc, record: Dict[str, Any]) -> List[Dict[str, Any]]:
        """One task per sentence (or for the whole text), suggestions highlighted, hashed."""
        # The record's text is the doc's (tokenization is lossless); `doc.text` rebuilds it.
        text = record["text"]
        spans = self.suggest(doc)
        # Columns, not rows: one Python list per attribute is much cheaper than one per token.
        columns = Columns(*doc.to_array([IDX, LENGTH, SPACY, IS_SPACE]).T.tolist())
        if self.segment:
            starts = sentence_starts(doc, self.rule_sentences)
            ranges = sentence_ranges(starts, len(doc), spans, columns.is_space)
        else:
            ranges = [(0, len(doc))]
        if spans:
            self.counts.texts_with_spans += 1
        tasks = []
        next_span = 0
        for start, end in ranges:
            text_start = columns.idx[start] if self.segment else 0
            text_end = columns.end(end - 1) if self.segment else len(text)
            task: Dict[str, Any] = {"text": text[text_start:text_end]}
            if "meta" in record:
                task["meta"] = record["meta"]
            task["tokens"] = _tokens(task["text"], columns, start, end, text_start)
            task_spans = []
            while next_span < len(spans) and spans[next_span].start < end:
                task_spans.append(_span(spans[next_span], columns, start, text_start))
                self.counts.spans[(spans[next_span].source, spans[next_span].label)] += 1
                next_span += 1
            task["spans"] = task_spans
            tasks.append(set_hashes(task, overwrite=True))
        self.counts.tasks += len(tasks)
        return tasks


class Columns(NamedTuple):
    """Per-token character offset, length, trailing space and whitespace flag of a Doc."""

    idx: List[int]
    length: List[int]
    space: List[int]
    is_space: List[int]

    def end(self, i: int) -> int:
        return self.idx[i] + self.length[i]


def _tokens(text: str, columns: Columns, start: int, end: int, offset: int) -> List[Dict[str, Any]]:
    """Prodigy-style tokens `start:end`, with offsets relative to `offset`."""
    n_chars = len(text)
    tokens = []
    rows = zip(columns.idx[start:end], columns.length[start:end], columns.space[start:end])
    for i, (idx, length, space) in enumerate(rows):
        token_start = idx - offset
        token_end = token_start + length
        tokens.append(
            {
                "text": text[token_start:token_end],
                "start": token_start,
                "end": token_end,
                "id": i,
                "ws": bool(space) and token_end < n_chars,
            }
        )
    return tokens


def _span(s: Suggestion, columns: Columns, first_token: int, offset: int) -> Dict[str, Any]:
    span: Dict[str, Any] = {
        "start": columns.idx[s.start] - offset,
        "end": columns.end(s.end - 1) - offset,
        "token_start": s.start - first_token,
        "token_end": s.end - 1 - first_token,
        "label": s.label,
        "source": s.source,
    }
    if s.pattern_id is not None:
        span["pattern_id"] = s.pattern_id
    if s.pattern_line is not None:
        span["pattern_line"] = s.pattern_line
    return span


def text_blocks(text: str, size: int) -> List[str]:
    """`text` cut into blocks of about `size` characters, each cut just before a non-space
    character that follows whitespace (a line break where one is near), so that tokenizing
    the blocks gives the same tokens as tokenizing the whole text."""
    blocks = []
    start = 0
    while len(text) - start > size:
        limit = start + size
        cut = text.rfind("\n", start + size // 2, limit)
        if cut == -1:
            cut = _last_space(text, start + 1, limit)
        if cut == -1:
            cut = _first_space(text, limit)
        while cut < len(text) and text[cut].isspace():
            cut += 1
        if cut >= len(text):
            break
        blocks.append(text[start:cut])
        start = cut
    blocks.append(text[start:])
    return blocks


def _last_space(text: str, start: int, end: int) -> int:
    for i in range(end - 1, start - 1, -1):
        if text[i].isspace():
            return i
    return -1


def _first_space(text: str, start: int) -> int:
    for i in range(start, len(text)):
        if text[i].isspace():
            return i
    return len(text)
