"""Which annotation loop won on the user's own data (issue 30, point 5): the curves of the loop
simulation (`python -m bench.loop --pool ... --out DIR` writes `DIR/results.json`: per seed, each
arm's points of annotator cost in seconds and the F of a model trained at that cost) read and
checked, every arm's F compared at one budget, and the best recommended with the command that
runs that loop here, its margin over manual annotation in random order, and a caution when
the margin is within the spread over seeds."""

import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any, Dict, List, Tuple

import srsly
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import PluginError
from .facts import Fact
from .walk import CORPUS, PLUGIN, Context

BASELINE = "manual_random"
ARM_NAMES = {
    "manual_random": "manual annotation in random order",
    "manual_uncertain": "manual annotation of the texts the model is least sure of",
    "correct": "active correction (the model picks, suggests and learns)",
    "teach": "binary answers (ner.teach), then a model retrained from them",
    "teach_correct": "the texts ner.teach picks, corrected whole",
}

# What the command of an arm cannot say by itself.
NOTES = {
    "manual_uncertain": "no recipe serves the least certain texts without suggestions: "
    "ner.correct --update asks them in that order; clear its suggestions to annotate by hand",
    "teach_correct": "ner.correct shows each question's sentence with its one span; complete "
    "the annotation of the whole sentence",
}


class LoopPoint(BaseModel):
    """A point of an arm's curve: annotator seconds spent, answers and texts, and F."""

    model_config = ConfigDict(extra="allow")

    cost: float = Field(ge=0)
    answers: int = Field(ge=0)
    texts: int = Field(ge=0)
    f: float = Field(ge=0, le=100)


class LoopRun(BaseModel):
    """One seed's curves, per arm, and the cost constants they were priced with."""

    model_config = ConfigDict(extra="allow")

    seed: int
    arms: Dict[str, Annotated[List[LoopPoint], Field(min_length=1)]]
    seed_point: LoopPoint | None = None
    costs: Dict[str, float] = {}


class LoopResults(BaseModel):
    """What `bench.loop` wrote: the dataset's name and one run per seed."""

    model_config = ConfigDict(extra="allow")

    dataset: str = ""
    runs: List[LoopRun] = Field(min_length=1)


@dataclass
class ArmScore:
    """An arm's F at the budget: mean and spread (population standard deviation) over seeds."""

    arm: str
    mean: float
    spread: float
    per_seed: List[float]


@dataclass
class LoopChoice:
    """The arms compared at `budget` seconds, the best, its margin over the baseline, and the
    caution when that margin is within the spread over seeds (None: it is not)."""

    path: str
    dataset: str
    budget: float
    largest_common: float
    scores: List[ArmScore]
    not_reached: List[str]
    best: str
    margin: float
    caution: str | None
    costs: Dict[str, float]
    hint: str | None = None


def _field(loc: Tuple[Any, ...]) -> str:
    """A pydantic error location as a path into the JSON, e.g. `runs[0].arms.correct[2].f`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".") or "(top level)"


def read_loop_results(path: Path) -> LoopResults:
    """The loop simulation's results, checked: a missing or malformed file or field is a
    `PluginError` naming the file and the field; every seed must have the same arms,
    `manual_random` among them."""
    try:
        data = srsly.read_json(path)
    except (OSError, ValueError) as err:
        raise PluginError(f"Cannot read the loop results {path}", str(err)) from err
    try:
        results = LoopResults.model_validate(data)
    except ValidationError as err:
        problems = [f"{_field(e['loc'])}: {e['msg']}" for e in err.errors()]
        raise PluginError(f"Invalid loop results {path}", "; ".join(problems)) from None
    arms = set(results.runs[0].arms)
    for i, run in enumerate(results.runs):
        if BASELINE not in run.arms:
            raise PluginError(
                f"Invalid loop results {path}",
                f"runs[{i}].arms: no {BASELINE!r} arm to compare with",
            )
        if set(run.arms) != arms:
            raise PluginError(
                f"Invalid loop results {path}",
                f"runs[{i}].arms: {sorted(run.arms)} differ from runs[0]'s {sorted(arms)}",
            )
    return results


def curve(run: LoopRun, arm: str) -> List[Tuple[float, float]]:
    """An arm's `(cost, F)` points by cost, from the seed texts' point when there is one."""
    points = ([run.seed_point] if run.seed_point is not None else []) + run.arms[arm]
    return sorted((point.cost, point.f) for point in points)


def f_at(points: List[Tuple[float, float]], budget: float) -> float | None:
    """F at `budget` on the piecewise-linear curve; None outside it (never spent that much)."""
    for (c0, f0), (c1, f1) in zip(points, points[1:]):
        if c0 <= budget <= c1:
            return f0 if c1 == c0 else f0 + (f1 - f0) * (budget - c0) / (c1 - c0)
    if points and points[0][0] == budget:
        return points[0][1]
    return None


def choose_loop(results: LoopResults, path: str, budget: float | None = None) -> LoopChoice:
    """The arm with the best mean F over seeds at `budget` (default: the largest cost every
    arm reached on every seed), its margin over manual annotation in random order, and a
    caution when the margin is within the larger of the two arms' spreads over seeds.

    Raises `PluginError` when `manual_random` never reached the budget."""
    arms = list(results.runs[0].arms)
    curves = {arm: [curve(run, arm) for run in results.runs] for arm in arms}
    reach = {arm: min(points[-1][0] for points in per_seed) for arm, per_seed in curves.items()}
    largest = min(reach.values())
    hint = None
    if budget is None and reach[BASELINE] > largest:  # an arm stopped early (its stream ran dry)
        short = min(reach, key=reach.__getitem__)
        hint = (
            f"{short}'s curve ends at {largest:.0f} s; --budget {reach[BASELINE]:.0f} compares "
            f"the loops that went on at {BASELINE}'s last point"
        )
    budget = largest if budget is None else budget
    scores, not_reached = [], []
    for arm in arms:
        values = [f_at(points, budget) for points in curves[arm]]
        if any(value is None for value in values):
            not_reached.append(arm)
            continue
        found = [round(value, 2) for value in values if value is not None]
        spread = statistics.pstdev(found) if len(found) > 1 else 0.0
        scores.append(ArmScore(arm, round(statistics.mean(found), 2), round(spread, 2), found))
    if BASELINE in not_reached:
        raise PluginError(
            f"The budget {budget:.0f} s is outside {BASELINE}'s curve in {path}",
            f"every arm reached {largest:.0f} s on every seed: choose a budget up to that",
        )
    scores.sort(key=lambda score: score.mean, reverse=True)
    best, base = scores[0], next(score for score in scores if score.arm == BASELINE)
    margin = round(best.mean - base.mean, 2)
    caution = None
    if best.arm != BASELINE and len(results.runs) < 2:
        caution = "one seed: no spread to judge the margin by; run more seeds"
    elif best.arm != BASELINE and margin <= max(best.spread, base.spread):
        noise = max(best.spread, base.spread)
        caution = (
            f"the margin ({margin:.1f} F) is within the spread over seeds (±{noise:.1f}): it may "
            "be noise; more seeds or a larger budget would tell"
        )
    costs = results.runs[0].costs
    return LoopChoice(path, results.dataset, round(budget, 1), round(largest, 1), scores,
                      not_reached, best.arm, margin, caution, costs, hint)  # fmt: skip


def loop_command(arm: str, context: Context) -> str:
    """The command lines that run an arm's loop in this project, on the user's raw texts and
    model (placeholders where the advise run does not know them)."""
    raw = context.raw or "RAW_TEXTS.jsonl"
    model = context.model or context.base_model or "training/model-best"
    train = f"python -m spacy train configs/ner.cfg --output training {CORPUS}"
    to_spacy = f"{PLUGIN} data-to-spacy dataset:DATASET --output corpus"
    if arm == "correct":
        return f"{PLUGIN} annotate ner.correct DATASET {raw} --model {model} --update && " + (
            f"{to_spacy} && {train}"
        )
    if arm == "manual_uncertain":  # the same order; the suggestions only save marking
        return f"{PLUGIN} annotate ner.correct DATASET {raw} --model {model} --update"
    if arm == "teach":
        return (
            f"{PLUGIN} annotate ner.teach DATASET {raw} --model {model} && {to_spacy} && "
            f"{PLUGIN} fill-binary corpus/train.spacy corpus/train.filled.spacy --base-model "
            f"{model} && {train.replace('corpus/train.spacy', 'corpus/train.filled.spacy')}"
        )
    if arm == "teach_correct":
        return (
            f"{PLUGIN} teach {model} {raw} --batch-size 500 --output corpus/questions.jsonl && "
            f"{PLUGIN} annotate ner.correct DATASET corpus/questions.jsonl --model {model}"
        )
    return f"{PLUGIN} annotate ner.manual DATASET {raw} && {to_spacy} && {train}"


def loop_fact(path: Path, context: Context, budget: float | None = None) -> Fact:
    """The loop that won in the simulation's results at `path`, as a fact for the report:
    its summary, the comparison, and the command that runs it here."""
    choice = choose_loop(read_loop_results(path), str(path), budget)
    mean = {score.arm: score for score in choice.scores}
    best = mean[choice.best]
    summary = (
        f"{ARM_NAMES.get(choice.best, choice.best)} did best at {choice.budget / 3600:.2g} h "
        f"of annotator time: F {best.mean:.1f} ± {best.spread:.1f} over "
        f"{len(best.per_seed)} seed(s), {choice.margin:+.1f} over {BASELINE} "
        f"({mean[BASELINE].mean:.1f} ± {mean[BASELINE].spread:.1f})"
    )
    value = {**asdict(choice), "command": loop_command(choice.best, context)}
    if choice.best in NOTES:
        value["note"] = NOTES[choice.best]
    return Fact("loop", summary, value)
