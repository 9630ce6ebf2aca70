"""What the advise step prints, as (level, title, text) messages (`messages.Message`): the
path with each answer, where it ends, the next command, the warnings and the loop."""

from typing import List

from ..messages import Message
from . import flowchart as chart
from .facts import Fact
from .run import Advice


def advice_messages(advice: Advice, explain: bool) -> List[Message]:
    """The path with the answer of each question (and with `explain` the number behind it),
    the recommendation, the next command line, the warnings, and (`explain`) the other facts,
    as `StepPrinter.messages` prints them; "plain" lines are unwrapped (a command survives copy and
    paste)."""
    report, facts = advice.report, advice.facts
    lines: List[Message] = [("divider", chart.FLOWCHART, "")]
    column = None
    for i, step in enumerate(report["steps"], start=1):
        if step["column"] != column:
            column = step["column"]
            title = f"Column: {column}" if column != chart.START else "Flowchart start"
            lines.append(("info", title, ""))
        if step["answer"] is None:
            needs = f"needs your answer: {step['flag']}" if step.get("flag") else "cannot tell"
            lines.append(("warn", f"{i}. {step['question']} — {needs} ({step['missing']})", ""))
            continue
        lines.append(("plain", f"{i}. {step['question']} → {step['answer'].upper()}", ""))
        if explain:
            lines.append(("plain", f"   {step['summary']}", ""))
    lines.append(outcome_message(advice))
    lines += [("info", "Next:", ""), ("plain", report["next_command"], "")]
    if report["warnings"]:
        lines.append(("divider", "Warnings off the path", ""))
    if advice.loop is not None:
        lines += loop_messages(advice.loop)
    for warning in report["warnings"]:
        outcome = warning["outcome"].replace("_", " ")
        title = (
            f"{warning['question']} → {warning['answer'].upper()} (the chart's outcome: {outcome})"
        )
        lines += [("warn", title, warning["summary"]), ("plain", warning["command"], "")]
    if explain and report["facts_off_path"]:
        lines.append(("divider", "Facts off the path", ""))
        for name in report["facts_off_path"]:
            fact = facts[name]
            summary = fact.summary if isinstance(fact, Fact) else f"missing: {fact.reason}"
            lines.append(("plain", f"- {name}: {summary}", ""))
    return lines


def outcome_message(advice: Advice) -> Message:
    """Where the walk ended: the outcome with what backs it, or what the walk still needs."""
    result, facts, end = advice.walk, advice.facts, advice.report["end"]
    if result.outcome is not None:
        text = result.outcome.text
        scores = facts.get("scores")
        if result.outcome.name == "error_analysis" and isinstance(scores, Fact):
            text += f" Last evaluation: {scores.summary}."
        projection = facts.get("projection")
        if result.outcome.name == "annotate_more" and isinstance(projection, Fact):
            text += f" Where more data pays most: {projection.summary}."
        if result.outcome.back_to:
            text += f" Then back to: {result.outcome.back_to}"
        level = "good" if result.outcome.favourable else "warn"
        return (level, f"Outcome: {result.outcome.title}", text)
    if end.get("needs_your_answer"):
        return ("warn", f"Answer with {end['needs_your_answer']} and advise again", "")
    return ("warn", "Run the step that measures the missing fact, then advise again", "")


def loop_messages(loop: Fact) -> List[Message]:
    """The loop that won on the user's data, every loop's F at the budget, and its command."""
    lines: List[Message] = [("divider", "The annotation loop that won on your data", "")]
    lines.append(
        ("warn" if loop.value["caution"] else "good", loop.summary, loop.value["caution"] or "")
    )
    for score in loop.value["scores"]:
        lines.append(
            ("plain", f"- {score['arm']}: F {score['mean']:.1f} ± {score['spread']:.1f}", "")
        )
    for arm in loop.value["not_reached"]:
        lines.append(("plain", f"- {arm}: did not reach this budget on every seed", ""))
    for line in (loop.value["hint"], loop.value.get("note")):
        if line:
            lines.append(("info", line, ""))
    return [*lines, ("plain", loop.value["command"], "")]
