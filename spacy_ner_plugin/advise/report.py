"""The advice as JSON: the walk's path, the facts behind each decision, the warnings off the
path, the next command, and the loop that won on the user's data (when its curves were read)."""

from dataclasses import asdict
from typing import Any, Dict

from . import flowchart as chart
from .facts import Fact, FactResult, Missing
from .walk import COMMANDS, Context, Walk, next_command


def _fact_json(fact: FactResult | None) -> Dict[str, Any] | None:
    """A fact as JSON: its summary and values, or why it is missing, which step supplies it
    and the flag that answers it."""
    if fact is None:
        return None
    if isinstance(fact, Missing):
        found = {"missing": fact.reason, "step": fact.step}
        return {**found, "flag": fact.flag} if fact.flag else found
    return {"summary": fact.summary, "value": fact.value}


def _outcome(decision: chart.Decision) -> chart.Outcome:
    """The outcome a warning's answer leads to: the node after it, or the first outcome the
    chart reaches from there on yes answers (a warned decision leads to an outcome directly)."""
    node = chart.NODES[decision.yes if decision.warn_if else decision.no]
    while isinstance(node, chart.Decision):
        node = chart.NODES[node.yes]
    return node


def advice_report(
    result: Walk, facts: Dict[str, FactResult], context: Context, loop: Fact | None = None
) -> Dict[str, Any]:
    """The chart, the path with each step's column, question, answer and fact, where it ended,
    the next step's command, the warnings (each with the command of the outcome it would
    lead to), every fact (those off the path named), and the `loop` that won (or null)."""
    steps = []
    for step in result.steps:
        steps.append(
            {
                "node": step.decision.name,
                "column": step.decision.column,
                "question": step.decision.question,
                "answer": None if step.answer is None else ("yes" if step.answer else "no"),
                "fact": step.decision.fact,
                **(_fact_json(step.fact) or {}),
            }
        )
    end: Dict[str, Any]
    if result.outcome is not None:
        end = asdict(result.outcome)
    else:
        assert result.missing is not None
        end = {"missing": result.missing.name, "reason": result.missing.reason}
        if result.missing.flag:
            end["needs_your_answer"] = result.missing.flag
    warnings = [
        {
            "node": w.decision.name,
            "question": w.decision.question,
            "answer": "yes" if w.decision.warn_if else "no",
            "fact": w.fact.name,
            "summary": w.fact.summary,
            "outcome": _outcome(w.decision).name,
            "command": COMMANDS[_outcome(w.decision).step](context),
        }
        for w in result.warnings
    ]
    on_path = {step.decision.fact for step in result.steps}
    return {
        "flowchart": chart.FLOWCHART,
        "column": result.column,
        "steps": steps,
        "end": end,
        "next_step": result.next_step,
        "next_command": next_command(result, context),
        "warnings": warnings,
        "facts": {name: _fact_json(fact) for name, fact in facts.items()},
        "facts_off_path": sorted(set(facts) - on_path),
        "loop": _fact_json(loop),
    }
