"""Walk the flowchart with measured facts, and turn where it ends into a command line.

The walk starts at `flowchart.FIRST` and follows each decision's yes or no edge as its fact
answers it. When a decision's fact is missing, the walk stops there: the next step is the one
that supplies it, or (a question only the user can answer) advise again with its flag.
Decisions off the path whose measured fact fails its bar are the walk's warnings.
"""

import shlex
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Sequence

from ..annotations.spans import DEFAULT_SPANS_KEY as SPANS_KEY
from . import flowchart as chart
from .facts import Fact, FactResult, Missing


@dataclass
class Step:
    """One decision on the path: its answer (None when its fact is missing) and its fact."""

    decision: chart.Decision
    answer: bool | None
    fact: FactResult


@dataclass
class Warning_:
    """A decision off the path whose measured fact fails its bar."""

    decision: chart.Decision
    fact: Fact


@dataclass
class Walk:
    """The path taken, where it ended (an outcome, or the fact it could not measure), and the
    decisions off the path that fail their bar."""

    steps: List[Step]
    outcome: chart.Outcome | None = None
    missing: Missing | None = None
    warnings: List[Warning_] = field(default_factory=list)

    @property
    def column(self) -> str:
        """The chart's column the walk ended in (start: it ended before choosing one)."""
        columns = [s.decision.column for s in self.steps if s.decision.column != chart.START]
        return columns[0] if columns else chart.START

    @property
    def next_step(self) -> str:
        """The `COMMANDS` key of the step to run next."""
        if self.missing is not None:
            return self.missing.step
        assert self.outcome is not None
        return self.outcome.step


def walk(facts: Dict[str, FactResult], start: str = chart.FIRST) -> Walk:
    """Follow the chart from `start` with `facts` until an outcome or a missing fact; then
    collect the decisions off the path whose facts fail their bars."""
    steps: List[Step] = []
    node = chart.NODES[start]
    result = Walk(steps)
    while isinstance(node, chart.Decision):
        fact = facts.get(node.fact) or Missing(node.fact, "not measured", "evaluate")
        if isinstance(fact, Missing):
            steps.append(Step(node, None, fact))
            result.missing = fact
            break
        answer = bool(node.test(fact.value))
        steps.append(Step(node, answer, fact))
        node = chart.NODES[node.yes if answer else node.no]
    else:
        result.outcome = node
    result.warnings = off_path_warnings(facts, {s.decision.fact for s in steps})
    return result


def off_path_warnings(facts: Dict[str, FactResult], on_path: set) -> List[Warning_]:
    """The decisions with a `warn_if` answer whose fact, measured and not on the path, gives
    that answer (one per fact)."""
    found: List[Warning_] = []
    seen = set(on_path)
    for decision in chart.DECISIONS:
        fact = facts.get(decision.fact)
        if decision.warn_if is None or decision.fact in seen or not isinstance(fact, Fact):
            continue
        if bool(decision.test(fact.value)) == decision.warn_if:
            found.append(Warning_(decision, fact))
            seen.add(decision.fact)
    return found


@dataclass
class Context:
    """What the command lines can name: the user's files, or placeholders where unknown."""

    annotations: Sequence[str] = ()
    eval_path: str | None = None
    patterns: str | None = None
    base_model: str | None = None
    raw: str | None = None
    curve: str = "metrics/train_curve.json"
    scores: str = "metrics/scores.json"
    model: str | None = None
    dev: str | None = None
    lang: str = "en"
    labels: Sequence[str] = ()
    best_config: str = "configs/tuned.cfg"
    advise_args: Sequence[str] = ()
    extra: Dict[str, Any] = field(default_factory=dict)

    def files(self) -> str:
        return " ".join(shlex.quote(a) for a in self.annotations) or "ANNOTATIONS.jsonl"


PLUGIN = "python -m spacy_ner_plugin"
CORPUS = "--paths.train corpus/train.spacy --paths.dev corpus/dev.spacy"


def _preannotate(c: Context, output: str) -> str:
    source = f"--patterns {c.patterns}" if c.patterns else ""
    if c.base_model:
        source = f"{source} --base-model {c.base_model}".strip()
    if not source:
        source = "--patterns PATTERNS.jsonl"
    if c.labels:
        source += f" --label {','.join(c.labels)}"
    html = output.replace(".jsonl", ".html")
    return f"{PLUGIN} preannotate {c.raw or 'RAW_TEXTS.jsonl'} {output} {source} --preview {html}"


def _spancat(c: Context) -> str:
    """Convert with every span kept (overlaps too) in doc.spans, train spancat, score spans."""
    data = f"{c.files()} --eval {shlex.quote(c.eval_path)}" if c.eval_path else c.files()
    return (
        f"{PLUGIN} data-to-spacy {data} --output corpus/spans --spans-key {SPANS_KEY} && "
        f"python -m spacy train configs/spancat.cfg --output training/spancat "
        "--paths.train corpus/spans/train.spacy --paths.dev corpus/spans/dev.spacy "
        "--paths.labels corpus/spans/labels.json && "
        f"{PLUGIN} evaluate training/spancat/model-best corpus/spans/dev.spacy "
        f"--spans-key {SPANS_KEY} --output metrics/spans_scores.json"
    )


def _review(c: Context) -> str:
    return (
        f"{PLUGIN} find-errors {c.files()} --output corpus/suspects.jsonl && "
        f"{PLUGIN} review {c.files()} --output corpus/reviewed.jsonl --consistency"
    )


def _model(c: Context) -> str:
    return c.model or "training/model-best"


def _dev(c: Context) -> str:
    return c.dev or c.eval_path or "corpus/dev.spacy"


def _advise(c: Context, *more: str) -> str:
    return " ".join([PLUGIN, "advise", *(shlex.quote(a) for a in c.advise_args), *more])


COMMANDS: Dict[str, Callable[[Context], str]] = {
    "export": lambda c: f"python -m spacy package {_model(c)} packages",
    "evaluate_patterns": lambda c: (
        f"{PLUGIN} evaluate-patterns {c.patterns or 'PATTERNS.jsonl'} "
        f"{c.eval_path or (c.annotations[0] if c.annotations else 'GOLD.jsonl')}"
    ),
    "annotate_eval": lambda c: _preannotate(c, "corpus/eval_tasks.jsonl"),
    "raw_data": lambda c: _preannotate(
        Context(**{**c.__dict__, "raw": "MORE_RAW_TEXTS.jsonl"}), "corpus/tasks.jsonl"
    ),
    "preannotate": lambda c: _preannotate(c, "corpus/tasks.jsonl"),
    "rehearse": lambda c: (
        f"{PLUGIN} data-to-spacy {c.files()} --output corpus --base-model {c.base_model} "
        "--rehearse"
        f" && python -m spacy train configs/ner_update.cfg --output training "
        f"--paths.base_model {c.base_model} {CORPUS}"
    ),
    "spancat": _spancat,
    "review": _review,
    "pretrain": lambda c: (
        f"{PLUGIN} pretrain configs/ner.cfg training/pretrain "
        f"--paths.raw_text {c.raw or 'RAW_TEXTS.jsonl'}"
    ),
    "find_errors": lambda c: (
        f"{PLUGIN} find-errors {c.files()} --output corpus/suspects.jsonl && "
        f"{PLUGIN} evaluate {_model(c)} {_dev(c)} --errors metrics/errors.html"
    ),
    "evaluate": lambda c: f"{PLUGIN} evaluate {_model(c)} {_dev(c)} --output {c.scores}",
    "train_curve": lambda c: (
        f"{PLUGIN} train-curve configs/ner.cfg --output {c.curve} {CORPUS} "
        "--paths.labels corpus/labels.json"
    ),
    "tune": lambda c: _advise(
        c, "--tune configs/ner.cfg", CORPUS, "--paths.labels corpus/labels.json"
    ),
    "train_tuned": lambda c: f"python -m spacy train {c.best_config} --output training {CORPUS}",
}


def next_command(result: Walk, context: Context) -> str:
    """The command line of the step the walk recommends: for a question only the user can
    answer, advise again with its flag."""
    if result.missing is not None and result.missing.step == "answer":
        flag = (result.missing.flag or "").split(" ")[0]
        return _advise(context, flag)
    return COMMANDS[result.next_step](context)
