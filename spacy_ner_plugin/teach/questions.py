"""The teach step's run: the next questions about a file of raw texts, the model only read.

`teach_session` builds its session from the teach config's settings; the app's `ner.teach`
(and `ner.correct --update`) builds its own with it too, so both ask the same questions of the
same model and texts."""

from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Sequence, Type

from spacy.language import Language

from ..errors import PluginError, UsageError
from ..io.partitions import read_raw
from ..io.records import Line, Reject, read_jsonl
from ..messages import Message
from ..patterns.matcher import PatternError
from .session import Exclusions, TeachCounts, TeachSession
from .sorters import SorterCounts

REJECTS_SHOWN = 10  # the rejected input lines a run shows; its count says how many more


@dataclass
class TeachResult:
    """The questions written, what the session counted, and the input lines rejected."""

    questions: List[Dict[str, Any]]
    counts: TeachCounts
    sorter: SorterCounts
    rejects: List[Reject] = field(default_factory=list)
    excluded_tasks: int = 0
    excluded_inputs: int = 0

    @property
    def shown_rejects(self) -> List[Reject]:
        """The first rejected lines, to show."""
        return self.rejects[:REJECTS_SHOWN]

    def tables(self) -> List[tuple]:
        """What the session counted, as a table for the CLI to print: (title, header, rows,
        aligns), as `wasabi`'s `table` takes them."""
        counts = self.counts
        rows = [
            ("texts read", counts.texts),
            ("texts skipped (fully annotated in --exclude)", counts.texts_excluded),
            ("sentences scored", counts.sentences),
            ("candidates (new)", counts.candidates),
            ("candidates skipped (already answered or asked)", counts.candidates_excluded),
            ("candidates skipped (string answered enough)", counts.candidates_string_answered),
            ("share of candidates the sorter skipped", f"{self.sorter.skipped_share:.1%}"),
            ("questions", len(self.questions)),
        ]
        return [("Teach", None, rows, ("l", "r"))]

    def messages(self, batch_size: int, output: Path | None) -> List[Message]:
        """Whether the texts ran out before `batch_size` questions, and where they were saved,
        as (level, title, text) for the CLI to print."""
        n = len(self.questions)
        ran_out = [("warn", f"Only {n} questions: the texts ran out", "")] if n < batch_size else []
        saved = [("good", f"Saved {n} questions", str(output))] if output is not None else []
        return ran_out + saved


def line_records(lines: Iterable[Line], rejects: List[Reject]) -> Iterator[Dict[str, Any]]:
    """The records of `lines`; the rejected lines are appended to `rejects`."""
    for line in lines:
        if line.reject is not None:
            rejects.append(line.reject)
        else:
            yield line.record


def teach_session(
    nlp: Language,
    labels: Sequence[str] | None,
    settings: Dict[str, Any],
    *,
    patterns: Path | None = None,
    exclude: Exclusions | None = None,
    session_type: Type[TeachSession] = TeachSession,
) -> TeachSession:
    """The session of the teach step and of the app's `ner.teach` (or, with `session_type`
    `CorrectSession`, of `ner.correct --update`) on `nlp` (used as is, not copied), with the
    teach config's `settings` (`teach.config.teach_settings`).

    Raises `PluginError` for invalid patterns and `UsageError` for a model that cannot teach.
    """
    try:
        return session_type(nlp, labels, patterns=patterns, exclude=exclude, copy=False, **settings)
    except PatternError as err:
        raise PluginError("Invalid patterns", str(err)) from err
    except ValueError as err:
        raise UsageError("Cannot teach with this model", str(err)) from err


def next_questions(
    nlp: Language,
    source: Path,
    labels: Sequence[str] | None,
    settings: Dict[str, Any],
    *,
    patterns: Path | None = None,
    exclude: Sequence[Path] = (),
    batch_size: int = 50,
) -> TeachResult:
    """The next `batch_size` questions of a session on `nlp` (used as is, not copied) about the
    texts of `source`, skipping what the `exclude` answer files answered or fully annotate.

    `settings`: the session's keyword arguments (`teach.config.teach_settings`). Raises
    `PluginError` for invalid patterns and `UsageError` for a model that cannot teach.
    """
    exclusions = Exclusions()
    rejects: List[Reject] = []
    for path in exclude:
        exclusions.add_answers(line_records(read_jsonl(path), rejects))
    session = teach_session(nlp, labels, settings, patterns=patterns, exclude=exclusions)
    texts = line_records(read_raw(source), rejects)
    questions = list(islice(session.questions(texts), batch_size))
    counts = session.counts
    n_tasks, n_inputs = len(exclusions.tasks), len(exclusions.inputs)
    return TeachResult(questions, counts, session.sorter.counts, rejects, n_tasks, n_inputs)
