"""Which annotation loop pays, at equal annotator time (issue 30, point 4)? A simulation on your
own data: POOL is a gold-annotated file whose annotations play the annotator (the oracle).

Every arm starts from the same --n-seed random texts, annotated by hand, and the model trained
on them; then each spends the annotator's time its own way until each budget point, where a
model is trained from scratch (in process, --train-steps updates, the last model kept: nothing
is chosen on the eval set) and scored on EVAL:
- manual_random: whole texts annotated by hand, in random order;
- manual_uncertain: whole texts by hand, the pool ranked by the uncertainty of the model
  trained at the previous point (its least certain candidate entity, the beam's score nearest
  0.5), least certain first;
- correct: active correction (`CorrectSession`): sentences picked by the model's uncertainty,
  its entities pre-highlighted, the oracle corrects them, the model updated every 5; the
  in-loop model's F is recorded too (`f_in_loop`);
- teach: binary answers (`TeachSession`, prefer_uncertain), retrained the binary-aware way
  bench.teach does (answered strings propagated, fill-binary's 'outside' fill);
- teach_correct: teach's questions pick the sentences, which the oracle corrects whole (the
  model's entities pre-highlighted); the model learns from the corrected sentences.

Cost model (seconds, linear; Haertel et al. 2008 from the user study of Ringger et al. 2008):
a text or sentence shown costs `per_unit` + `per_token` x its tokens + `per_mark` x the
entities marked (by hand) or edits made (correction: spans added, removed, fixed); a binary
answer costs `ratio` x the reading cost of an average pool text. Each point stores the raw
counts, so `report` re-prices the curves under other constants and ratios (see docs/loop.md).

    flock /tmp/bench.lock nice -n 5 python -m bench.loop \
        --pool ../shared/data/fashion_brands/fashion_brands_training.jsonl \
        --eval ../shared/data/fashion_brands/fashion_brands_eval.jsonl \
        --seeds 0,1,2 --out bench/results/loop/fashion_brands
    python -m bench.loop report bench/results/loop/fashion_brands
"""

import json
import random
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from itertools import chain, islice, repeat
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

import typer
from spacy.language import Language
from spacy.tokens import Doc
from wasabi import msg

from spacy_ner_plugin.advise.loop import f_at
from spacy_ner_plugin.constants import MANUAL_VIEW
from spacy_ner_plugin.teach import CorrectSession, TeachSession
from spacy_ner_plugin.teach.scoring import score_texts
from spacy_ner_plugin.teach.sorters import create_prefer_uncertain, uncertainty

from .common import (
    NER_CONFIG,
    Dataset,
    data_name,
    outside,
    propagated,
    run_info,
    score,
    train_in_process,
    write_results,
)
from .drift import binary, corrected
from .teach import prepare, to_vocab

ARMS = ("manual_random", "manual_uncertain", "correct", "teach", "teach_correct")
BASELINE = "manual_random"
CORRECT_BATCH = 5  # corrected sentences per in-loop update (the app's ner.correct batch)
TEACH_BATCH = 20  # binary answers per in-loop update
Span = Tuple[int, int, str]

app = typer.Typer(add_completion=False)
report_app = typer.Typer(add_completion=False)


# The cost model


@dataclass(frozen=True)
class CostModel:
    """Seconds per unit shown (a text or a sentence), per token read, per entity marked or edit,
    and per binary answer, as `ratio` x the reading cost of a pool text of `mean_tokens`.

    Defaults: Haertel et al. (2008)'s hourly cost model, fitted to the user study of Ringger
    et al. (2008) (POS tagging, correcting pre-annotated sentences): 12.57 s per sentence,
    3.795 s per token, 5.387 s per tag corrected."""

    per_unit: float = 12.57
    per_token: float = 3.795
    per_mark: float = 5.387
    ratio: float = 0.2
    mean_tokens: float = 0.0

    @property
    def per_question(self) -> float:
        """A binary answer: `ratio` x the time to read an average pool text."""
        return self.ratio * (self.per_unit + self.per_token * self.mean_tokens)

    def cost(self, counts: "Counts") -> float:
        """Seconds of annotator time the counts stand for."""
        marks = counts.entities + counts.added + counts.removed + counts.fixed
        return (
            counts.units * self.per_unit
            + counts.tokens * self.per_token
            + marks * self.per_mark
            + counts.questions * self.per_question
        )


@dataclass
class Counts:
    """What the annotator did so far: units shown (texts or sentences), tokens read, entities
    marked by hand, edits of pre-highlighted entities (added, removed, fixed), binary answers."""

    units: int = 0
    tokens: int = 0
    entities: int = 0
    added: int = 0
    removed: int = 0
    fixed: int = 0
    questions: int = 0

    def manual(self, doc: Doc) -> None:
        """A text annotated by hand: read whole, every gold entity marked."""
        self.units += 1
        self.tokens += len(doc)
        self.entities += len(doc.ents)

    def correction(self, n_tokens: int, predicted: Sequence[Span], gold: Sequence[Span]) -> None:
        """A sentence read whole and its pre-highlighted entities corrected to gold."""
        self.units += 1
        self.tokens += n_tokens
        for kind, n in span_edits(predicted, gold).items():
            setattr(self, kind, getattr(self, kind) + n)

    def copy(self) -> "Counts":
        return replace(self)


def span_edits(predicted: Sequence[Span], gold: Sequence[Span]) -> Dict[str, int]:
    """The edits that turn the `predicted` spans into the `gold` ones: a gold span that no
    prediction overlaps is added; a prediction that overlaps no gold span is removed; a
    prediction overlapping a gold span but not equal to it (boundaries moved or label changed)
    is fixed, one edit, paired one to one in order; further overlapping predictions removed."""
    exact = set(predicted) & set(gold)
    left = sorted(set(predicted) - exact)
    added = fixed = 0
    for start, end, _ in sorted(set(gold) - exact):
        match = next((p for p in left if p[0] < end and start < p[1]), None)
        if match is None:
            added += 1
        else:
            left.remove(match)
            fixed += 1
    return {"added": added, "removed": len(left), "fixed": fixed}


def task_spans(spans: Sequence[Dict[str, Any]]) -> List[Span]:
    """Prodigy spans as `(start, end, label)` character offsets."""
    return [(s["start"], s["end"], s["label"]) for s in spans]


# One run: a dataset and a seed


@dataclass
class Run:
    """What every arm of one seed shares: the data, the seed texts and model, the budgets."""

    train: List[Doc]
    dev: List[Doc]
    labels_path: Path
    config: Path
    steps: int
    seed: int
    seed_docs: List[Doc]
    pool_ids: List[int]
    base: Language
    budgets: List[float]
    costs: CostModel
    max_passes: int
    patterns: Path | None = None
    seed_counts: Counts = field(default_factory=Counts)

    @property
    def labels(self) -> List[str]:
        return sorted({ent.label_ for doc in self.train for ent in doc.ents})

    @property
    def gold(self) -> List[Tuple[str, set]]:
        return [(d.text, set(task_spans(_doc_spans(d)))) for d in self.train]

    def records(self) -> Iterator[Dict[str, Any]]:
        """The pool as raw text records, read at most `max_passes` times."""
        pool = [{"text": self.train[i].text, "meta": {"i": i}} for i in self.pool_ids]
        return chain.from_iterable(repeat(pool, self.max_passes))

    def fit(self, docs: List[Doc]) -> Language:
        return train_in_process(docs, self.config, self.labels_path, self.steps, self.seed)

    def point(self, counts: Counts, answers: int, texts: int, nlp: Language) -> Dict[str, Any]:
        """A budget point: cost, answers, texts, the retrained model's scores, the raw counts."""
        scores = score(nlp, self.dev)
        return {
            "cost": round(self.costs.cost(counts), 1),
            "answers": answers,
            "texts": texts,
            "f": scores["ents_f"],
            "p": scores["ents_p"],
            "r": scores["ents_r"],
            "counts": asdict(counts),
        }


def _doc_spans(doc: Doc) -> List[Dict[str, Any]]:
    return [{"start": e.start_char, "end": e.end_char, "label": e.label_} for e in doc.ents]


def manual_random(run: Run) -> Tuple[List[Dict[str, Any]], bool]:
    """Whole texts by hand in the pool's (shuffled) order."""
    return _manual(run, lambda nlp, remaining: remaining)


def manual_uncertain(run: Run) -> Tuple[List[Dict[str, Any]], bool]:
    """Whole texts by hand, least certain first by the model trained at the previous point."""
    return _manual(run, lambda nlp, remaining: rank_uncertain(nlp, run.train, remaining))


def _manual(
    run: Run, order: Callable[[Language, List[int]], List[int]]
) -> Tuple[List[Dict[str, Any]], bool]:
    counts, chosen, nlp, points = run.seed_counts.copy(), [], run.base, []
    remaining = list(run.pool_ids)
    for budget in run.budgets:
        queue = iter(order(nlp, remaining))
        while run.costs.cost(counts) < budget and (i := next(queue, None)) is not None:
            chosen.append(i)
            counts.manual(run.train[i])
        taken = set(chosen)
        remaining = [i for i in remaining if i not in taken]
        nlp = run.fit(run.seed_docs + [run.train[i] for i in chosen])
        points.append(run.point(counts, len(chosen), len(run.seed_docs) + len(chosen), nlp))
        if not remaining:
            return points, True
    return points, False


def rank_uncertain(nlp: Language, docs: List[Doc], ids: List[int]) -> List[int]:
    """`ids` ordered by the uncertainty of each text's least certain candidate entity (the
    beam's score nearest 0.5), most uncertain first; a text without candidates comes last."""
    priority = uncertainty()
    best: Dict[int, float] = {i: -1.0 for i in ids}
    records = [{"text": docs[i].text, "meta": {"i": i}} for i in ids]
    for value, task in score_texts(nlp, records, segment=False):
        i = task["meta"]["i"]
        best[i] = max(best[i], priority(value))
    return sorted(ids, key=lambda i: -best[i])


def correct(run: Run) -> Tuple[List[Dict[str, Any]], bool]:
    """Active correction: CorrectSession's sentences corrected by the oracle, 5 per update."""
    session = CorrectSession(run.base, run.labels, sorter=create_prefer_uncertain(), seed=run.seed)
    stream = session.questions(run.records())
    fix = corrected(run.gold)

    def next_batch() -> List[Tuple[Dict[str, Any], List[Span]]]:
        batch = list(islice(stream, CORRECT_BATCH))
        return [(fix(task), task_spans(task["spans"])) for task in batch]

    return _corrections(run, session, next_batch)


def teach_correct(run: Run) -> Tuple[List[Dict[str, Any]], bool]:
    """Teach's binary questions pick the sentences; the oracle corrects each whole (the model's
    entities pre-highlighted) instead of answering, and the model learns from the corrections."""
    teach = TeachSession(
        run.base, run.labels, patterns=run.patterns, sorter=create_prefer_uncertain(), seed=run.seed
    )
    session = CorrectSession(teach.nlp, run.labels, seed=run.seed, copy=False)
    stream = teach.questions(run.records())
    fix = corrected(run.gold)
    done: set = set()

    def next_batch() -> List[Tuple[Dict[str, Any], List[Span]]]:
        batch = []
        for task in stream:
            if task["_input_hash"] in done:  # the sentence is annotated already
                continue
            done.add(task["_input_hash"])
            shown = [(e.start_char, e.end_char, e.label_) for e in session.nlp(task["text"]).ents]
            answer = {**fix(task), "_view_id": MANUAL_VIEW}
            batch.append((answer, shown))
            if len(batch) == CORRECT_BATCH:
                break
        teach.exclude.add_answers(answer for answer, _ in batch)
        return batch

    return _corrections(run, session, next_batch)


def _corrections(
    run: Run,
    session: CorrectSession,
    next_batch: Callable[[], List[Tuple[Dict[str, Any], List[Span]]]],
) -> Tuple[List[Dict[str, Any]], bool]:
    """Corrected sentences until each budget; at each, the in-loop model scored and a model
    retrained from the seed texts and the corrections."""
    counts, answers, points, dry = run.seed_counts.copy(), [], [], False
    vocab = run.train[0].vocab
    for budget in run.budgets:
        while not dry and run.costs.cost(counts) < budget:
            batch = next_batch()
            dry = len(batch) == 0
            for answer, shown in batch:
                counts.correction(len(answer["tokens"]), shown, task_spans(answer["spans"]))
            session.update([answer for answer, _ in batch])
            answers += [answer for answer, _ in batch]
        docs = run.seed_docs + to_vocab(session.answer_docs(answers), vocab)
        texts = len(run.seed_docs) + len({a["meta"]["i"] for a in answers})
        point = run.point(counts, len(answers), texts, run.fit(docs))
        point["f_in_loop"] = score(session.nlp, run.dev)["ents_f"]
        points.append(point)
        if dry:
            break
    return points, dry


def teach(run: Run) -> Tuple[List[Dict[str, Any]], bool]:
    """Binary answers from the oracle; at each budget a model retrained binary-aware."""
    session = TeachSession(
        run.base, run.labels, patterns=run.patterns, sorter=create_prefer_uncertain(), seed=run.seed
    )
    stream = session.questions(run.records())
    decide = binary(run.gold)
    counts, answers, points, dry = run.seed_counts.copy(), [], [], False
    vocab = run.train[0].vocab
    for budget in run.budgets:
        while not dry and run.costs.cost(counts) < budget:
            batch = [decide(task) for task in islice(stream, TEACH_BATCH)]
            dry = len(batch) == 0
            counts.questions += len(batch)
            session.update(batch)
            answers += batch
        docs = run.seed_docs + to_vocab(session.answer_docs(answers), vocab)
        texts = len(run.seed_docs) + len({a["meta"]["i"] for a in answers})
        point = run.point(counts, len(answers), texts, run.fit(outside(propagated(docs))))
        point["f_in_loop"] = score(session.nlp, run.dev)["ents_f"]
        points.append(point)
        if dry:
            break
    return points, dry


ARM_RUNS = {
    "manual_random": manual_random,
    "manual_uncertain": manual_uncertain,
    "correct": correct,
    "teach": teach,
    "teach_correct": teach_correct,
}


def budgets(seed_cost: float, max_cost: float, n: int) -> List[float]:
    """`n` budget points evenly spaced from the seed texts' cost to `max_cost`."""
    if max_cost <= seed_cost:
        raise typer.BadParameter(
            f"--max-cost {max_cost:.0f} s is not above the seed texts' cost ({seed_cost:.0f} s)"
        )
    return [round(seed_cost + (max_cost - seed_cost) * k / n, 1) for k in range(1, n + 1)]


def run_seed(data: Dataset, seed: int, opts: Dict[str, Any], work: Path) -> Dict[str, Any]:
    """Every arm's points for one seed (its own seed texts, order and training seed)."""
    train, dev, files = prepare(data, work / data.name)
    order = list(range(len(train)))
    random.Random(seed).shuffle(order)
    seed_docs = [train[i] for i in order[: opts["n_seed"]]]
    seed_counts = Counts()
    for doc in seed_docs:
        seed_counts.manual(doc)
    pool_ids = order[opts["n_seed"] :]
    mean_tokens = statistics.mean(len(train[i]) for i in pool_ids)
    costs = replace(opts["costs"], mean_tokens=round(mean_tokens, 2))
    per_text = costs.cost(Counts(1, round(mean_tokens), 0)) + costs.per_mark * statistics.mean(
        len(train[i].ents) for i in pool_ids
    )
    max_cost = opts["max_cost"] or opts["max_texts"] * per_text
    run = Run(train, dev, files.labels, opts["config"], opts["train_steps"], seed, seed_docs,
              pool_ids, None, budgets(costs.cost(seed_counts), max_cost, opts["n_budgets"]),
              costs, opts["max_passes"], data.patterns, seed_counts)  # fmt: skip
    run.base = run.fit(seed_docs)
    seed_point = run.point(seed_counts, 0, len(seed_docs), run.base)
    result: Dict[str, Any] = {"dataset": data.name, "seed": seed, "seed_point": seed_point,
                              "budgets": run.budgets, "costs": asdict(costs),
                              "arms": {}, "ran_dry": {}, "wall_s": {}}  # fmt: skip
    for arm in opts["arms"]:
        start = time.perf_counter()
        points, dry = ARM_RUNS[arm](run)
        result["arms"][arm] = points
        result["ran_dry"][arm] = dry
        result["wall_s"][arm] = round(time.perf_counter() - start, 1)
        last = points[-1]
        msg.text(f"  {data.name} seed {seed} {arm}: F {[p['f'] for p in points]} "
                 f"(cost {last['cost']:.0f} s, {result['wall_s'][arm]} s)")  # fmt: skip
    return result


@app.command()
def loop_cli(
    pool: Path = typer.Option(
        ..., help="Gold-annotated JSONL: the texts to annotate, and the oracle"
    ),
    eval: Path | None = typer.Option(None, help="Eval set (none: 20% of POOL held out, seeded)"),
    patterns: Path | None = typer.Option(
        None, help="Patterns mixed into teach's questions (teach, teach_correct)"
    ),
    config: Path = typer.Option(NER_CONFIG, help="Training config of every model"),
    seeds: str = typer.Option("0,1,2", help="Comma-separated seeds (seed texts, order, training)"),
    arms: str = typer.Option(",".join(ARMS), help="Comma-separated arms"),
    n_seed: int = typer.Option(50, help="Random texts annotated by hand before any arm starts"),
    max_cost: float | None = typer.Option(
        None, help="Last budget, annotator seconds (default: --max-texts)"
    ),
    max_texts: int = typer.Option(
        300, help="Without --max-cost: the cost of this many average texts by hand"
    ),
    n_budgets: int = typer.Option(4, help="Budget points, evenly spaced from the seed texts' cost"),
    train_steps: int = typer.Option(300, help="Updates of every model trained from scratch"),
    max_passes: int = typer.Option(
        5, help="Passes over the pool before a session's stream runs dry"
    ),
    ratio: float = typer.Option(
        0.2, help="A binary answer's cost / an average text's reading cost"
    ),
    out: Path = typer.Option(..., help="Results folder (results.json)"),
    work: Path = typer.Option(Path("/tmp/bench_loop"), help="Converted corpora"),
) -> None:
    """Simulate the annotation loops on POOL with its gold as the oracle; F against cost."""
    chosen = arms.split(",")
    if set(chosen) - set(ARMS):
        raise typer.BadParameter(f"unknown arms: {sorted(set(chosen) - set(ARMS))}")
    if not 0 < ratio:
        raise typer.BadParameter("--ratio must be positive")
    data = Dataset(data_name(pool), pool, eval, patterns)
    opts = {"n_seed": n_seed, "max_cost": max_cost, "max_texts": max_texts,
            "n_budgets": n_budgets, "train_steps": train_steps, "max_passes": max_passes,
            "config": config, "arms": chosen, "costs": CostModel(ratio=ratio)}  # fmt: skip
    runs = []
    start = time.perf_counter()
    for seed in (int(s) for s in seeds.split(",")):
        runs.append(run_seed(data, seed, opts, work))
        info = run_info(pool=pool, eval=eval, patterns=patterns, seeds=seeds, **opts)
        info["wall_s"] = round(time.perf_counter() - start)
        write_results(out / "results.json", {"run": info, "dataset": data.name, "runs": runs})
    msg.good(f"Saved {out / 'results.json'}")
    print_report([out])


# The report: F against cost under any cost constants


def curves(run: Dict[str, Any], costs: CostModel) -> Dict[str, List[Tuple[float, float]]]:
    """Each arm's `(cost, f)` under `costs`, starting at the seed point."""

    def priced(point: Dict[str, Any]) -> Tuple[float, float]:
        return costs.cost(Counts(**point["counts"])), point["f"]

    start = priced(run["seed_point"])
    return {arm: [start] + [priced(p) for p in points] for arm, points in run["arms"].items()}


def table(runs: List[Dict[str, Any]], costs: CostModel) -> Dict[str, Any]:
    """Mean and spread (population std) of F per arm over the seeds at each budget, the best
    arm and its margin over the baseline. Budget k is the least that any seed's arm spent to
    reach its point k (a stream that ran dry left out), so every arm that did not run dry
    reaches it in every seed; under the run's own costs, that is the run's budget k."""
    priced = [curves(run, costs) for run in runs]
    n_points = min(len(run["arms"][BASELINE]) for run in runs)
    rows = []
    for k in range(n_points):
        budget = min(
            curve[k + 1][0]
            for run, priced_run in zip(runs, priced)
            for arm, curve in priced_run.items()
            if k + 1 < len(curve) - run["ran_dry"][arm]  # a dry stream's last point: not a budget
        )
        texts = statistics.mean(run["arms"][BASELINE][k]["texts"] for run in runs)
        row: Dict[str, Any] = {"budget_s": round(budget), "texts": round(texts), "arms": {}}
        for arm in runs[0]["arms"]:
            values = [f_at(c[arm], budget) for c in priced]
            if any(v is None for v in values):
                row["arms"][arm] = None
                continue
            row["arms"][arm] = {
                "mean": round(statistics.mean(values), 1),
                "spread": round(statistics.pstdev(values), 1) if len(values) > 1 else 0.0,
            }
        reached = {a: v["mean"] for a, v in row["arms"].items() if v is not None}
        row["best"] = max(reached, key=reached.get)
        row["margin"] = round(reached[row["best"]] - reached[BASELINE], 1)
        rows.append(row)
    return {"rows": rows}


def settings(
    run_costs: Dict[str, Any], ratios: List[float], marks: List[float]
) -> Iterator[CostModel]:
    base = CostModel(**run_costs)
    for mark in marks:
        for ratio in ratios:
            yield replace(base, ratio=ratio, per_mark=mark)


def print_report(dirs: List[Path], ratios: str = "0.2,0.333,0.5", marks: str = "") -> Dict:
    """For each results folder and cost setting, the table of mean F at each budget."""
    out: Dict[str, Any] = {}
    for folder in dirs:
        results = json.loads((folder / "results.json").read_text())
        runs = results["runs"]
        base = runs[0]["costs"]
        mark_values = [float(m) for m in marks.split(",") if m] or [
            base["per_mark"],
            3 * base["per_mark"],
        ]
        lines = []
        for costs in settings(base, [float(r) for r in ratios.split(",")], mark_values):
            name = (
                f"binary answer = {costs.ratio:g} x a text's reading, {costs.per_mark:g} s per mark"
            )
            result = table(runs, costs)
            out[f"{results['dataset']}: {name}"] = result
            msg.divider(f"{results['dataset']} ({len(runs)} seeds): {name}")
            arms = list(runs[0]["arms"])
            rows = [
                [f"{r['budget_s'] / 3600:.1f} h (~{r['texts']} texts)"]
                + [f"{v['mean']} ± {v['spread']}" if v else "—" for v in r["arms"].values()]
                + [r["best"], f"{r['margin']:+.1f}"]
                for r in result["rows"]
            ]
            header = ["budget"] + arms + ["best", "over " + BASELINE]
            msg.table(rows, header=header, divider=True)
            lines.append(markdown(name, header, rows))
        (folder / "report.md").write_text("\n".join(lines))
    return out


def markdown(title: str, header: List[str], rows: List[List[str]]) -> str:
    body = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    body += ["| " + " | ".join(row) + " |" for row in rows]
    return f"**{title}**\n\n" + "\n".join(body) + "\n"


@report_app.command()
def report_cli(
    dirs: List[Path] = typer.Argument(..., help="Results folders of bench.loop"),
    ratios: str = typer.Option("0.2,0.333,0.5", help="Binary answer / a text's reading cost"),
    marks: str = typer.Option(
        "", help="Seconds per entity marked or edit (default: 1x, 3x the run's)"
    ),
) -> None:
    """F against cost per arm, re-priced under each ratio and mark cost; writes DIR/report.md."""
    print_report(dirs, ratios, marks)


if __name__ == "__main__":
    if sys.argv[1:2] == ["report"]:
        sys.argv.pop(1)
        report_app()
    else:
        app()
