"""The advice as JSON: the walk's path, the facts behind each decision, and the next command."""

from dataclasses import asdict
from typing import Any, Dict

from . import flowchart as chart
from .facts import FactResult, Missing
from .walk import Walk


def _fact_json(fact: FactResult | None) -> Dict[str, Any] | None:
    """A fact as JSON: its summary and values, or why it is missing and which step supplies it."""
    if fact is None:
        return None
    if isinstance(fact, Missing):
        return {"missing": fact.reason, "step": fact.step}
    return {"summary": fact.summary, "value": fact.value}


def advice_report(result: Walk, facts: Dict[str, FactResult], command: str) -> Dict[str, Any]:
    """The chart, the path with each step's question, answer and fact, where it ended, the next
    step's command, and every fact (those off the path named)."""
    steps = []
    for step in result.steps:
        steps.append(
            {
                "node": step.decision.name,
                "question": step.question(facts),
                "answer": None if step.answer is None else ("yes" if step.answer else "no"),
                "passed": step.passed,
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
    on_path = {step.decision.fact for step in result.steps}
    return {
        "flowchart": chart.FLOWCHART,
        "path": result.path,
        "steps": steps,
        "end": end,
        "next_step": result.next_step,
        "next_command": command,
        "facts": {name: _fact_json(fact) for name, fact in facts.items()},
        "facts_off_path": sorted(set(facts) - on_path - {"path"}),
    }
