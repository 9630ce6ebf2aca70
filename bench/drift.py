"""Why does the in-loop model drift (issue 30, point 2)? Measure before fixing.

From one seed model (configs/ner.cfg trained on --n-seed gold texts), the same pool of texts
is read by a session whose model learns in the loop, and the in-loop model is scored on the
eval set every --eval-every answers. The arms differ in what the updates learn from, so the
curves separate the suspects:
- "teach_missing": binary answers, unanswered tokens missing (as `ner.teach` ships);
- "teach_outside": the same questions' answers with every other token "O";
- "correct": `CorrectSession`, the oracle's complete annotation of each chosen sentence (gold).
If only "teach_missing" falls, the cause is the missing evidence (an update that never says
"O"); if "correct" falls too, it is the updates themselves (optimizer, step size, batch).
The sessions are built from the teach config as the product builds them
(`teach.config.teach_settings`), so its in-loop settings are what is measured: --replay (earlier
gold texts trained on again in each update; the seed model's gold texts are the session's
earlier gold, as a dataset's answers are in the app), --warmup (the first updates' step ramped
up), --learn-rate (the in-loop step size) and --average/--no-average (predict with averaged
weights); each left out is the teach config's default.

    flock /tmp/bench.lock python -m bench.drift --datasets fashion_brands --seeds 0 \
        --output bench/results/drift.json
"""

import random
import time
from itertools import chain, islice, repeat
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import spacy
import typer
from spacy.language import Language
from spacy.tokens import Doc
from wasabi import msg

from spacy_ner_plugin.teach import CorrectSession, Exclusions, TeachSession
from spacy_ner_plugin.teach.config import teach_settings

from .common import datasets, run_info, score, train_docs, write_results
from .teach import oracle, prepare

ARMS = ("teach_missing", "teach_outside", "correct")
app = typer.Typer(add_completion=False)

Gold = List[Tuple[str, set]]


@app.command()
def main(
    dataset_names: str = typer.Option("fashion_brands", "--datasets", help="Comma-separated"),
    train: Path = typer.Option(None, help="Your own dataset's gold JSONL (instead of --datasets)"),
    eval: Path = typer.Option(None, help="Its eval set (none: 20% held out)"),
    seeds: str = typer.Option("0", help="Comma-separated seeds (text order, training, updates)"),
    arms: str = typer.Option(",".join(ARMS), help="Comma-separated arms"),
    n_seed: int = typer.Option(100, help="Gold texts the seed model trains on"),
    max_answers: int = typer.Option(1000, help="Answers per arm"),
    passes: int = typer.Option(3, help="Times the session may read the pool"),
    round_size: int = typer.Option(50, help="Answers per update (teach: questions; correct: 5)"),
    eval_every: int = typer.Option(100, help="Score the in-loop model every N answers"),
    train_steps: int = typer.Option(600, help="Step budget of the seed model's training"),
    learn_rate: float = typer.Option(None, help="teach.learn_rate (none: the config's)"),
    binary_learn_rate: float = typer.Option(None, help="teach.binary_learn_rate (none: config)"),
    replay: int = typer.Option(None, help="teach.replay: earlier gold texts per update"),
    warmup: int = typer.Option(None, help="teach.warmup_updates: updates of the step's ramp"),
    average: bool = typer.Option(None, "--average/--no-average", help="teach.average_weights"),
    output: Path = typer.Option(Path("bench/results/drift.json"), help="Results JSON"),
    work: Path = typer.Option(Path("/tmp/bench_drift"), help="Corpus and seed models"),
) -> None:
    """The in-loop model's F every --eval-every answers, per arm, dataset and seed."""
    in_loop = {"learn_rate": learn_rate, "binary_learn_rate": binary_learn_rate, "replay": replay,
               "warmup_updates": warmup, "average_weights": average}  # fmt: skip
    teach = {key: value for key, value in in_loop.items() if value is not None}
    opts = {"n_seed": n_seed, "max_answers": max_answers, "round_size": round_size,
            "passes": passes, "eval_every": eval_every, "train_steps": train_steps,
            "teach": teach}  # fmt: skip
    chosen = arms.split(",")
    if set(chosen) - set(ARMS):
        raise typer.BadParameter(f"unknown arms: {sorted(set(chosen) - set(ARMS))}")
    runs = []
    for data in datasets(dataset_names, train, eval):
        for seed in (int(s) for s in seeds.split(",")):
            runs.append(run_seed(data, seed, chosen, opts, work))
            info = run_info(datasets=dataset_names, seeds=seeds, arms=chosen, **opts)
            write_results(output, {"run": info, "runs": runs})
    msg.good(f"Saved {output}")


def run_seed(data: Any, seed: int, arms: List[str], opts: Dict[str, Any], work: Path) -> Dict:
    """Every arm's curve from one seed model of a dataset."""
    train, dev_docs, files = prepare(data, work / data.name)
    order = list(range(len(train)))
    random.Random(seed).shuffle(order)
    seed_docs = [train[i] for i in order[: opts["n_seed"]]]
    model = train_docs(
        "seed_model", seed_docs, work / data.name / f"seed{seed}", files, opts["train_steps"],
        seed, resume=True,
    )  # fmt: skip
    base = spacy.load(model)
    pool = [{"text": train[i].text, "meta": {"i": i}} for i in order[opts["n_seed"] :]]
    gold = [(d.text, {(e.start_char, e.end_char, e.label_) for e in d.ents}) for d in train]
    labels = sorted({ent.label_ for doc in train for ent in doc.ents})
    result: Dict[str, Any] = {"dataset": data.name, "seed": seed, "arms": {}}
    for arm in arms:
        msg.info(f"{data.name} seed {seed}: {arm}")
        earlier = [gold_record(doc) for doc in seed_docs]
        result["arms"][arm] = run_arm(base, arm, pool, gold, dev_docs, labels, seed, opts, earlier)
    return result


def run_arm(
    base: Language,
    arm: str,
    pool: List[Dict[str, Any]],
    gold: Gold,
    dev_docs: List[Doc],
    labels: List[str],
    seed: int,
    opts: Dict[str, Any],
    earlier: List[Dict[str, Any]],
) -> Dict[str, Any]:
    """One session over the pool (at most `passes` reads), built from the teach config with the
    in-loop settings of `opts`, the `earlier` gold texts its replay's first pool; updated per
    round and scored as it goes."""
    kind = CorrectSession if arm == "correct" else TeachSession
    fill = "outside" if arm == "teach_outside" else "missing"
    overrides = {f"teach.{key}": value for key, value in opts["teach"].items()}
    settings = teach_settings(None, {**overrides, "teach.seed": seed, "teach.update_fill": fill})
    exclude = Exclusions()
    exclude.add_answers(earlier)
    session = kind(base, labels, exclude=exclude, **settings)
    answer = corrected(gold) if arm == "correct" else binary(gold)
    round_size = 5 if arm == "correct" else opts["round_size"]
    stream = session.questions(chain.from_iterable(repeat(pool, opts["passes"])))
    curve = [{"answers": 0, **score(session.nlp, dev_docs)}]
    n_answers, start = 0, time.perf_counter()
    while n_answers < opts["max_answers"]:
        batch = list(islice(stream, min(round_size, opts["max_answers"] - n_answers)))
        if not batch:
            break
        session.update([answer(task) for task in batch])
        before, n_answers = n_answers, n_answers + len(batch)
        if n_answers // opts["eval_every"] > before // opts["eval_every"]:
            curve.append({"answers": n_answers, **score(session.nlp, dev_docs)})
            msg.text(f"  {arm}: {n_answers} answers, F {curve[-1]['ents_f']}")
    best = max(point["ents_f"] for point in curve)
    return {
        "curve": curve,
        "n_answers": n_answers,
        "best_f": best,
        "last_f": curve[-1]["ents_f"],
        "worst_drop_from_best_so_far": max_drop(curve),
        "replayed": session.counts.replayed,
        "wall_s": round(time.perf_counter() - start, 1),
    }


def max_drop(curve: List[Dict[str, Any]]) -> float:
    """The largest fall of F below its best so far (the issue's criterion: at most 2)."""
    best, drop = 0.0, 0.0
    for point in curve:
        best = max(best, point["ents_f"])
        drop = max(drop, best - point["ents_f"])
    return round(drop, 2)


def gold_record(doc: Doc) -> Dict[str, Any]:
    """A gold text as an accepted complete annotation."""
    spans = [{"start": e.start_char, "end": e.end_char, "label": e.label_} for e in doc.ents]
    return {"text": doc.text, "spans": spans, "answer": "accept", "_view_id": "ner_manual"}


def binary(gold: Gold) -> Callable[[Dict[str, Any]], Dict[str, Any]]:
    """The task with the oracle's accept or reject."""
    decide = oracle(gold)
    return lambda task: {**task, "answer": decide(task)}


def corrected(gold: Gold) -> Callable[[Dict[str, Any]], Dict[str, Any]]:
    """The sentence task with the oracle's complete annotation (the gold entities in it)."""

    def answer(task: Dict[str, Any]) -> Dict[str, Any]:
        text, spans = gold[task["meta"]["i"]]
        offset = max(text.find(task["text"]), 0)
        starts = {t["start"]: t["id"] for t in task["tokens"]}
        ends = {t["end"]: t["id"] for t in task["tokens"]}
        inside = sorted(
            (s - offset, e - offset, label)
            for s, e, label in spans
            if s - offset in starts and e - offset in ends
        )
        entities = [{"start": s, "end": e, "token_start": starts[s], "token_end": ends[e],
                     "label": label} for s, e, label in inside]  # fmt: skip
        return {**task, "spans": entities, "answer": "accept"}

    return answer


if __name__ == "__main__":
    app()
