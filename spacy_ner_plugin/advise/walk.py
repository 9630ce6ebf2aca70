"""Walk the flowchart with measured facts, and turn where it ends into a command line.

The walk starts at `flowchart.START` and follows each decision's yes or no edge as its fact
answers it. A decision that does not apply on the user's path is passed on its yes edge. When a
decision's fact is missing, the walk stops there: the next step is the one that supplies it.
"""

import shlex
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Sequence

from . import flowchart as chart
from .facts import Fact, FactResult, Missing


@dataclass
class Step:
    """One decision on the path: its answer (None when passed or missing) and its fact."""

    decision: chart.Decision
    answer: bool | None
    fact: FactResult | None
    passed: bool = False

    def question(self, facts: Dict[str, FactResult]) -> str:
        """The question, with the path's threshold filled in where it has one."""
        fact = facts.get(self.decision.fact)
        threshold = fact.value.get("threshold") if isinstance(fact, Fact) else None
        return self.decision.question.format(threshold=threshold or 0)


@dataclass
class Walk:
    """The path taken, and where it ended: an outcome, or the fact it could not measure."""

    path: str
    steps: List[Step]
    outcome: chart.Outcome | None = None
    missing: Missing | None = None

    @property
    def next_step(self) -> str:
        """The `COMMANDS` key of the step to run next."""
        if self.missing is not None:
            return self.missing.step
        assert self.outcome is not None
        return self.outcome.step


def walk(facts: Dict[str, FactResult], path: str, start: str = chart.START) -> Walk:
    """Follow the chart from `start` with `facts` on `path` until an outcome or a missing fact."""
    steps: List[Step] = []
    node = chart.NODES[start]
    while isinstance(node, chart.Decision):
        if path not in node.paths:
            steps.append(Step(node, None, None, passed=True))
            node = chart.NODES[node.yes]
            continue
        fact = facts.get(node.fact) or Missing(node.fact, "not measured", "evaluate")
        if isinstance(fact, Missing):
            steps.append(Step(node, None, fact))
            return Walk(path, steps, missing=fact)
        answer = bool(node.test(fact.value))
        steps.append(Step(node, answer, fact))
        node = chart.NODES[node.yes if answer else node.no]
    return Walk(path, steps, outcome=node)


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
    extra: Dict[str, Any] = field(default_factory=dict)

    def files(self) -> str:
        return " ".join(shlex.quote(a) for a in self.annotations) or "ANNOTATIONS.jsonl"


PLUGIN = "python -m spacy_ner_plugin"


def _preannotate(c: Context, output: str) -> str:
    source = f"--patterns {c.patterns}" if c.patterns else ""
    if c.base_model:
        source = f"{source} --base-model {c.base_model}".strip()
    if not source:
        source = "--patterns PATTERNS.jsonl"
    html = output.replace(".jsonl", ".html")
    return f"{PLUGIN} preannotate {c.raw or 'RAW_TEXTS.jsonl'} {output} {source} --preview {html}"


def _review(c: Context) -> str:
    return f"{PLUGIN} review {c.files()} --output corpus/reviewed.jsonl --consistency"


def _model(c: Context) -> str:
    return c.model or "training/model-best"


def _dev(c: Context) -> str:
    return c.dev or c.eval_path or "corpus/dev.spacy"


COMMANDS: Dict[str, Callable[[Context], str]] = {
    "evaluate_patterns": lambda c: (
        f"{PLUGIN} evaluate-patterns {c.patterns or 'PATTERNS.jsonl'} "
        f"{c.eval_path or (c.annotations[0] if c.annotations else 'GOLD.jsonl')}"
    ),
    "annotate_eval": lambda c: _preannotate(c, "corpus/eval_tasks.jsonl"),
    "preannotate": lambda c: _preannotate(c, "corpus/tasks.jsonl"),
    "rehearse": lambda c: (
        f"{PLUGIN} data-to-spacy {c.files()} --output corpus --base-model {c.base_model} "
        "--rehearse"
        f" && python -m spacy train configs/ner_update.cfg --output training "
        f"--paths.base_model {c.base_model} --paths.train corpus/train.spacy "
        "--paths.dev corpus/dev.spacy"
    ),
    "spancat": lambda c: (
        f"python -m spacy init config configs/spancat.cfg --lang {c.lang} --pipeline spancat"
    ),
    "review": _review,
    "pretrain": lambda c: (
        f"{PLUGIN} pretrain configs/ner.cfg training/pretrain "
        f"--paths.raw_text {c.raw or 'RAW_TEXTS.jsonl'}"
    ),
    "error_analysis": lambda c: (
        f"{PLUGIN} evaluate {_model(c)} {_dev(c)} --errors metrics/errors.html"
    ),
    "evaluate": lambda c: f"{PLUGIN} evaluate {_model(c)} {_dev(c)} --output {c.scores}",
    "train_curve": lambda c: (
        f"{PLUGIN} train-curve configs/ner.cfg --output {c.curve} "
        "--paths.train corpus/train.spacy --paths.dev corpus/dev.spacy "
        "--paths.labels corpus/labels.json"
    ),
}


def next_command(result: Walk, context: Context) -> str:
    """The command line of the step the walk recommends."""
    return COMMANDS[result.next_step](context)
