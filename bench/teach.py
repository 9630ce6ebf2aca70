"""Active learning simulation (issue 16): does ner.teach's uncertainty sampling save answers?

An oracle answers every question from the gold spans (accept iff the span is a gold entity).
Per dataset, start and seed, the training texts are shuffled; the start is a model trained on
the first --n-seed texts, with their gold annotation ("gold") or with only the dataset's
pattern matches as entities ("patterns": no gold at all, patterns mixed into the questions),
or an untrained model with the patterns mixed in ("blank"). Each arm then runs a
`TeachSession` on the remaining texts as raw text: rounds of --round-size questions ->
oracle -> `update` -> next round, up to --max-answers. Arms differ only in the sorter:
"uncertain" (prefer_uncertain, EMA), "high" (prefer_high_scores, EMA), "random" (a random
--random-rate of the same candidates).
Measured per arm: the in-loop model's F on the eval set every --eval-every answers; at each
--batch-at checkpoint a model trained from scratch on seed + answers, binary-aware (answered
strings propagated, then fill-binary's default 'outside' fill); the share of candidates each
sorter skipped; seconds of scoring + update per question. Manual baseline: seed + K gold texts,
the texts the uncertainty arm asked about first, for K = answers / ratio (--ratios: a binary
answer takes 1/ratio of a manual text's time), trained the same way.

    flock /tmp/bench.lock python bench/bench_teach.py --datasets fashion_brands --seeds 0 \
        --max-answers 500 --batch-at 500 --out bench/results/teach_fashion_seed0

`--summarize FILE...` merges result files (several seeds or datasets) into one table and plot.
"""

import json
import os
import random
import time
from itertools import chain, islice, repeat
from pathlib import Path
from statistics import mean, stdev
from typing import Any, Callable, Dict, List, Sequence, Tuple

import spacy
import typer
from bench_binary import outside, propagated, train
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.training import Example
from spacy.util import filter_spans, load_config, load_model_from_config
from spacy.vocab import Vocab

from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.curve.plot import nice_ticks
from spacy_ner_plugin.patterns.matcher import PatternMatcher, load_patterns
from spacy_ner_plugin.teach import TeachSession
from spacy_ner_plugin.teach.sorters import (
    Sorter,
    create_prefer_high_scores,
    create_prefer_uncertain,
    create_random_sorter,
)

ROOT = Path(__file__).parent.parent
DATA = Path(os.environ.get("BENCH_DATA", ROOT.parent / "shared" / "data"))  # the shared data
CONFIG = ROOT / "configs" / "ner.cfg"
DATASETS = {
    "fashion_brands": {
        "train": DATA / "fashion_brands" / "fashion_brands_training.jsonl",
        "eval": DATA / "fashion_brands" / "fashion_brands_eval.jsonl",
        "patterns": DATA / "fashion_brands" / "fashion_brands_patterns.jsonl",
    },
    "food_ingredients": {  # no eval file: 20% of the texts held out, seeded (data-to-spacy)
        "train": DATA / "food_ingredients" / "food_data.jsonl",
        "eval": None,
        "patterns": DATA / "food_ingredients" / "food_patterns.jsonl",
    },
}
ARMS = ("uncertain", "high", "random")
STARTS = ("gold", "patterns", "blank")
COLORS = {"uncertain": "#d62728", "high": "#1f77b4", "random": "#7f7f7f"}


def make_sorter(arm: str, seed: int, random_rate: float) -> Sorter:
    if arm == "uncertain":
        return create_prefer_uncertain()
    if arm == "high":
        return create_prefer_high_scores()
    return create_random_sorter(rate=random_rate, seed=seed)


def prepare(dataset: str, work: Path) -> Tuple[List[Doc], List[Doc], Path, Path]:
    """Train and eval docs (gold) of a dataset, with the dev path and labels.json."""
    spec = DATASETS[dataset]
    corpus = work / "corpus"
    if not (corpus / "labels.json").exists():
        data_to_spacy([spec["train"]], corpus, eval_path=spec["eval"], eval_split=0.2, seed=0)
    nlp = spacy.blank("en")
    train_docs = list(DocBin().from_disk(corpus / "train.spacy").get_docs(nlp.vocab))
    dev_docs = list(DocBin().from_disk(corpus / "dev.spacy").get_docs(nlp.vocab))
    return train_docs, dev_docs, corpus / "dev.spacy", corpus / "labels.json"


def untrained_model(labels_path: Path) -> Language:
    """configs/ner.cfg initialized with the labels but never trained (the "blank" start)."""
    config = load_config(CONFIG, overrides={"paths.labels": str(labels_path)})
    nlp = load_model_from_config(config, auto_fill=True)
    nlp.initialize()
    return nlp


def pattern_labelled(docs: List[Doc], patterns: Path) -> List[Doc]:
    """The texts with only the pattern matches as entities (longest first), all else "O":
    the "patterns" start's seed, annotated by no one."""
    matcher = PatternMatcher(spacy.blank("en"), load_patterns(patterns), str(patterns))
    labelled = []
    for doc in docs:
        new = Doc(doc.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])
        label = {key: matcher.patterns[i].label for key, i in matcher.keys.items()}
        spans = [Span(new, s, e, label[key]) for key, s, e in matcher(new) if e > s]
        new.set_ents(filter_spans(spans), default="outside")
        labelled.append(new)
    return labelled


def oracle(gold: List[Tuple[str, set]]) -> Callable[[Dict[str, Any]], str]:
    """Answer a task from the gold spans of the text it came from (`meta.i`)."""

    def answer(task: Dict[str, Any]) -> str:
        text, spans = gold[task["meta"]["i"]]
        span = task["spans"][0]
        offset = text.find(task["text"])
        while offset != -1:  # a sentence may occur twice in its text
            if (offset + span["start"], offset + span["end"], span["label"]) in spans:
                return "accept"
            offset = text.find(task["text"], offset + 1)
        return "reject"

    return answer


def f_score(nlp: Language, dev_docs: List[Doc]) -> Dict[str, float]:
    scores = nlp.evaluate([Example(nlp.make_doc(doc.text), doc) for doc in dev_docs])
    return {k: round((scores[k] or 0.0) * 100, 2) for k in ("ents_p", "ents_r", "ents_f")}


def to_vocab(docs: List[Doc], vocab: Vocab) -> List[Doc]:
    """The docs rebuilt in `vocab` (answer docs come from the session's model)."""
    return list(DocBin(docs=docs, store_user_data=False).get_docs(vocab))


def run_arm(
    base: Language,
    arm: str,
    pool: List[Dict[str, Any]],
    answer: Callable[[Dict[str, Any]], str],
    dev_docs: List[Doc],
    labels: List[str],
    patterns: Path | None,
    opts: Dict[str, Any],
) -> Tuple[Dict[str, Any], TeachSession, List[Dict[str, Any]]]:
    """One teach run: questions in rounds, oracle answers, update after each round."""
    sorter = make_sorter(arm, opts["seed"], opts["random_rate"])
    session = TeachSession(
        base, labels, patterns=patterns, sorter=sorter, update_fill=opts["update_fill"]
    )
    stream = session.questions(chain.from_iterable(repeat(pool, opts["max_passes"])))
    answers: List[Dict[str, Any]] = []
    curve = [{"answers": 0, **f_score(session.nlp, dev_docs)}]
    start = time.perf_counter()
    while len(answers) < opts["max_answers"]:
        batch = list(islice(stream, min(opts["round_size"], opts["max_answers"] - len(answers))))
        if not batch:
            break
        answered = [{**task, "answer": answer(task)} for task in batch]
        session.update(answered)
        before = len(answers)
        answers += answered
        if len(answers) // opts["eval_every"] > before // opts["eval_every"]:
            curve.append({"answers": len(answers), **f_score(session.nlp, dev_docs)})
        print(f"  {arm}: {len(answers)} answers, F {curve[-1]['ents_f']}", flush=True)
    counts = session.counts
    result = {
        "curve": curve,
        "n_answers": len(answers),
        "accepted": sum(a["answer"] == "accept" for a in answers),
        "from_patterns": sum(a["spans"][0].get("pattern_line") is not None for a in answers),
        "skipped_share": round(sorter.counts.skipped_share, 4),
        "candidates_seen": sorter.counts.seen,
        "seconds_per_question": round(counts.seconds_per_question, 4),
        "scoring_s": round(counts.scoring_s, 1),
        "update_s": round(counts.update_s, 1),
        "wall_s": round(time.perf_counter() - start, 1),
    }
    return result, session, answers


def asked_texts(answers: List[Dict[str, Any]], n_texts: int) -> List[int]:
    """Indices of the source texts in the order teach first asked about them."""
    seen: Dict[int, None] = {}
    for answer in answers:
        seen.setdefault(answer["meta"]["i"], None)
    return list(seen)[:n_texts]


def run_seed(dataset: str, start: str, seed: int, opts: Dict[str, Any], out: Path) -> Dict:
    """Every arm, batch-trained checkpoint and manual baseline for one dataset, start, seed."""
    work = out / dataset
    train_docs, dev_docs, dev_path, labels_path = prepare(dataset, work)
    labels = sorted({ent.label_ for doc in train_docs for ent in doc.ents})
    order = list(range(len(train_docs)))
    random.Random(seed).shuffle(order)
    n_seed = opts["n_seed"] if start != "blank" else 0
    seed_docs = [train_docs[i] for i in order[:n_seed]]
    if start == "patterns":
        seed_docs = pattern_labelled(seed_docs, DATASETS[dataset]["patterns"])
    pool_ids = order[n_seed:]
    pool = [{"text": train_docs[i].text, "meta": {"i": i}} for i in pool_ids]
    gold = [(d.text, {(e.start_char, e.end_char, e.label_) for e in d.ents}) for d in train_docs]
    steps = opts["train_steps"]
    run_dir = work / f"{start}_seed{seed}"
    args = (run_dir, dev_path, labels_path, steps, seed, True)
    patterns = DATASETS[dataset]["patterns"] if opts["mix_patterns"] or start != "gold" else None
    if start == "blank":
        base = untrained_model(labels_path)
    else:
        base = spacy.load(train("seed_model", seed_docs, *args))
    result: Dict[str, Any] = {
        "dataset": dataset,
        "start": start,
        "seed": seed,
        "n_seed": n_seed,
        "seed_f": f_score(base, dev_docs)["ents_f"],
        "arms": {},
        "manual": {},
    }
    first_texts: List[int] = []
    for arm in opts["arms"]:
        print(f"{dataset} {start} seed {seed}: {arm}", flush=True)
        arm_result, session, answers = run_arm(
            base, arm, pool, oracle(gold), dev_docs, labels, patterns, {**opts, "seed": seed}
        )
        arm_result["batch"] = {}
        for n in opts["batch_at"]:
            if n > len(answers):
                continue
            docs = seed_docs + to_vocab(session.answer_docs(answers[:n]), train_docs[0].vocab)
            model = train(f"{arm}_batch{n}", outside(propagated(docs)), *args)
            arm_result["batch"][str(n)] = f_score(spacy.load(model), dev_docs)
        if arm == "uncertain" or not first_texts:
            first_texts = asked_texts(answers, len(pool))
        result["arms"][arm] = arm_result
    # manual annotation of the texts teach asked about first, at equal annotation time
    filler = [i for i in pool_ids if i not in set(first_texts)]
    for n in opts["batch_at"]:
        for ratio in opts["ratios"]:
            k = round(n / ratio)
            texts = (first_texts + filler)[:k]
            key = f"manual_{k}"
            if key not in result["manual"]:
                docs = seed_docs + [train_docs[i] for i in texts]
                model = train(key, docs, *args)
                result["manual"][key] = {"n_texts": k, **f_score(spacy.load(model), dev_docs)}
    return result


def summarize(runs: List[Dict[str, Any]], ratios: Sequence[int]) -> Dict[str, Any]:
    """Mean ± std over seeds per dataset and start, and whether each goal was met."""
    groups: Dict[str, List[Dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault(f"{run['dataset']}/{run['start']}", []).append(run)
    summary: Dict[str, Any] = {}
    for name, group in groups.items():
        arms = [arm for arm in ARMS if all(arm in run["arms"] for run in group)]
        table: Dict[str, Any] = {"seeds": [run["seed"] for run in group], "arms": {}}
        for arm in arms:
            results = [run["arms"][arm] for run in group]
            # a run whose stream ran dry before N answers has no point at N: each point is
            # the mean over the seeds that reached it, and says how many did
            f_by_answers = [{row["answers"]: row["ents_f"] for row in r["curve"]} for r in results]
            curve = [
                {"answers": n, **_stat([f[n] for f in f_by_answers if n in f])}
                for n in sorted(set().union(*f_by_answers))
            ]
            checkpoints = sorted({n for r in results for n in r["batch"]}, key=int)
            batch = {
                n: _stat([r["batch"][n]["ents_f"] for r in results if n in r["batch"]])
                for n in checkpoints
            }
            table["arms"][arm] = {
                "curve": curve,
                "batch": batch,
                "answers": _stat([r["n_answers"] for r in results]),
                "skipped_share": _stat([r["skipped_share"] for r in results]),
                "accept_rate": _stat([r["accepted"] / max(1, r["n_answers"]) for r in results]),
                "seconds_per_question": _stat([r["seconds_per_question"] for r in results]),
            }
        manual_keys = sorted(group[0]["manual"], key=lambda k: group[0]["manual"][k]["n_texts"])
        table["manual"] = {
            key: {
                "n_texts": group[0]["manual"][key]["n_texts"],
                **_stat([run["manual"][key]["ents_f"] for run in group if key in run["manual"]]),
            }
            for key in manual_keys
        }
        table["goals"] = goals(table, ratios)
        table["ratios"] = list(ratios)
        summary[name] = table
    return summary


def goals(table: Dict[str, Any], ratios: Sequence[int]) -> Dict[str, Any]:
    """Goal 1: uncertainty reaches random's final F with <= 0.6x the answers, on the in-loop
    curves and on the models retrained from scratch (means over seeds). Goal 2, per ratio:
    batch-trained teach answers (uncertainty) beat manual annotation of answers/ratio texts."""
    arms = table["arms"]
    found: Dict[str, Any] = {}
    if "uncertain" in arms and "random" in arms and arms["random"]["curve"]:
        found["uncertain_reaches_random_final"] = _reaches(
            arms["uncertain"]["curve"], arms["random"]["curve"]
        )
    if "uncertain" in arms and "random" in arms and arms["random"]["batch"]:
        found["uncertain_reaches_random_final_retrained"] = _reaches(
            _batch_rows(arms["uncertain"]), _batch_rows(arms["random"]), in_loop=False
        )
    if "uncertain" in arms:
        per_ratio = {}
        for n, stat in arms["uncertain"]["batch"].items():
            for ratio in ratios:
                k = round(int(n) / ratio)
                manual = table["manual"].get(f"manual_{k}")
                if manual is None:
                    continue
                per_ratio[f"{n} answers at 1/{ratio}"] = {
                    "teach_f": stat["mean"],
                    "manual_texts": k,
                    "manual_f": manual["mean"],
                    "teach_wins": stat["mean"] > manual["mean"],
                }
        found["teach_vs_manual"] = per_ratio
    return found


def _batch_rows(arm: Dict[str, Any]) -> List[Dict[str, Any]]:
    """An arm's models retrained from scratch as curve rows, by number of answers."""
    rows = [{"answers": int(n), **stat} for n, stat in arm["batch"].items()]
    return sorted(rows, key=lambda row: row["answers"])


def _reaches(
    uncertain: List[Dict[str, Any]], random_: List[Dict[str, Any]], in_loop: bool = True
) -> Dict[str, Any]:
    """The fewest answers at which uncertainty's mean F reaches random's final mean F."""
    final = random_[-1]
    row = next((r for r in uncertain if r["answers"] > 0 and r["mean"] >= final["mean"]), None)
    reached = None if row is None else row["answers"]
    share = reached / final["answers"] if reached is not None and final["answers"] else None
    met = share is not None and share <= 0.6
    return {
        "random_final_answers": final["answers"],
        "random_final_f": final["mean"],
        "seeds": {"random": final["n"], "uncertain": None if row is None else row["n"]},
        "uncertain_answers_needed": reached,
        "share": None if share is None else round(share, 2),
        # in the loop, undecided when random ends no better than it started: nothing to reach
        "met": met if not in_loop or final["mean"] > random_[0]["mean"] else None,
    }


def _stat(values: List[float]) -> Dict[str, Any]:
    return {
        "mean": round(mean(values), 4) if values else None,
        "std": round(stdev(values), 4) if len(values) > 1 else 0.0,
        "n": len(values),
        "min": min(values) if values else None,
    }


def plot(name: str, table: Dict[str, Any]) -> str:
    """SVG: in-loop F against answers per arm (mean ± std), batch-trained points as squares,
    manual baselines as diamonds at answers = ratio x texts for the smallest ratio."""
    width, height, left, right, top, bottom = 680, 420, 64, 140, 48, 56
    series = {arm: data["curve"] for arm, data in table["arms"].items()}
    xs = [row["answers"] for rows in series.values() for row in rows]
    ys = [row["mean"] for rows in series.values() for row in rows]
    ys += [s["mean"] for data in table["arms"].values() for s in data["batch"].values()]
    ys += [m["mean"] for m in table["manual"].values()]
    x_ticks = nice_ticks(0, max(xs))
    y_ticks = nice_ticks(max(0.0, min(ys) - 5), min(100.0, max(ys) + 5), 5)

    def px(x: float) -> float:
        return left + (width - left - right) * x / x_ticks[-1]

    def py(y: float) -> float:
        span = y_ticks[-1] - y_ticks[0]
        return height - bottom - (height - top - bottom) * (y - y_ticks[0]) / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{(width - right) / 2}" y="22" text-anchor="middle" font-size="15">'
        f"ner.teach simulation: {name} (seeds {table['seeds']})</text>",
    ]
    for tick in y_ticks:
        parts.append(
            f'<line x1="{left}" y1="{py(tick):.1f}" x2="{width - right}" y2="{py(tick):.1f}" '
            f'stroke="#e5e5e5"/><text x="{left - 8}" y="{py(tick) + 4:.1f}" '
            f'text-anchor="end">{tick:g}</text>'
        )
    for tick in x_ticks:
        parts.append(
            f'<text x="{px(tick):.1f}" y="{height - bottom + 20}" text-anchor="middle">'
            f"{tick:g}</text>"
        )
    parts.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 14}" text-anchor="middle">'
        "answers (binary questions)</text>"
        f'<text transform="translate(18 {(top + height - bottom) / 2}) rotate(-90)" '
        'text-anchor="middle">entity F-score (%), eval set</text>'
    )
    for i, (arm, rows) in enumerate(series.items()):
        color = COLORS.get(arm, "#2ca02c")
        points = " ".join(f"{px(r['answers']):.1f},{py(r['mean']):.1f}" for r in rows)
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
        for row in rows:
            parts.append(
                f'<circle cx="{px(row["answers"]):.1f}" cy="{py(row["mean"]):.1f}" r="3" '
                f'fill="{color}"><title>{arm} in loop, {row["answers"]} answers: F '
                f"{row['mean']} ± {row['std']}</title></circle>"
            )
        for n, stat in table["arms"][arm]["batch"].items():
            x, y = px(int(n)), py(stat["mean"])
            parts.append(
                f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="none" '
                f'stroke="{color}" stroke-width="2"><title>{arm} batch-trained, {n} answers: F '
                f"{stat['mean']}</title></rect>"
            )
        legend_y = top + 18 * i
        parts.append(
            f'<line x1="{width - right + 12}" y1="{legend_y}" x2="{width - right + 32}" '
            f'y2="{legend_y}" stroke="{color}" stroke-width="2"/><text x="{width - right + 38}" '
            f'y="{legend_y + 4}">{arm}</text>'
        )
    for n in {n for data in table["arms"].values() for n in data["batch"]}:
        for i, ratio in enumerate(sorted(table.get("ratios", []))):
            manual = table["manual"].get(f"manual_{round(int(n) / ratio)}")
            if manual is None:
                continue
            x, y = px(int(n)) - 10 - 8 * i, py(manual["mean"])
            parts.append(
                f'<path d="M{x:.1f} {y - 6:.1f}l6 6l-6 6l-6 -6z" fill="black"><title>manual, '
                f"{manual['n_texts']} texts (1/{ratio} of a text per answer): F "
                f"{manual['mean']}</title></path>"
            )
    legend_y = top + 18 * len(series) + 10
    parts.append(
        f'<text x="{width - right + 12}" y="{legend_y}" fill="#555">line: in-loop model</text>'
        f'<text x="{width - right + 12}" y="{legend_y + 16}" fill="#555">square: retrained</text>'
        f'<text x="{width - right + 12}" y="{legend_y + 32}" fill="#555">from scratch</text>'
        f'<text x="{width - right + 12}" y="{legend_y + 48}" fill="#555">diamond: manual</text>'
        f'<text x="{width - right + 12}" y="{legend_y + 64}" fill="#555">texts, same time</text>'
        f'<text x="{width - right + 12}" y="{legend_y + 80}" fill="#555">(1/3, 1/4, 1/5)</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


GOAL_1 = ("uncertain_reaches_random_final", "uncertain_reaches_random_final_retrained")


def markdown(summary: Dict[str, Any]) -> str:
    """The summary as Markdown tables: in-loop F per arm, retrained and manual F, the goals."""
    lines = [
        "| dataset/start | goal 1 in loop | goal 1 retrained | goal 2: teach F vs manual F |",
        "|---|---|---|---|",
    ]
    for name, table in summary.items():
        found = table["goals"]
        reach = [found.get(k, {}) for k in GOAL_1]
        versus = "; ".join(
            f"{key}: {row['teach_f']:.1f} vs {row['manual_f']:.1f}"
            for key, row in found.get("teach_vs_manual", {}).items()
        )
        cells = [_goal_cell(row) for row in reach]
        lines.append(f"| {name} | {cells[0]} | {cells[1]} | {versus} |")
    lines.append("")
    for name, table in summary.items():
        arms = table["arms"]
        points = sorted({row["answers"] for data in arms.values() for row in data["curve"]})
        lines += [f"### {name} (seeds {table['seeds']})", ""]
        lines.append("| answers | " + " | ".join(f"{arm} (in loop)" for arm in arms) + " |")
        lines.append("|---" * (len(arms) + 1) + "|")
        for n in points:
            cells = []
            for data in arms.values():
                row = next((r for r in data["curve"] if r["answers"] == n), None)
                cells.append("" if row is None else _cell(row, of=len(table["seeds"])))
            lines.append(f"| {n} | " + " | ".join(cells) + " |")
        for n in sorted({n for data in arms.values() for n in data["batch"]}, key=int):
            cells = [
                _cell(data["batch"][n], of=len(table["seeds"])) if n in data["batch"] else ""
                for data in arms.values()
            ]
            lines.append(f"| {n}, retrained from scratch | " + " | ".join(cells) + " |")
        lines += [
            "",
            "| arm | answers (stream ran dry below 1,000) | skipped share | accepted share "
            "| s / question |",
            "|---|---|---|---|---|",
        ]
        for arm, data in arms.items():
            lines.append(
                f"| {arm} | {_answers_cell(data['answers'])} "
                f"| {_cell(data['skipped_share'], 100)} | {_cell(data['accept_rate'], 100)} "
                f"| {_cell(data['seconds_per_question'], 1, 3)} |"
            )
        lines += ["", "| manual: K gold texts (+ the start's seed texts) | F |", "|---|---|"]
        lines += [f"| {m['n_texts']} | {_cell(m)} |" for m in table["manual"].values()]
        lines += ["", "```json", json.dumps(table["goals"], indent=1), "```", ""]
    return "\n".join(lines)


def _answers_cell(stat: Dict[str, Any]) -> str:
    """Answers per run: mean, and the fewest when a stream ran dry."""
    return f"{stat['mean']:.0f}" + (
        f" (min {stat['min']:.0f})" if stat["min"] < stat["mean"] else ""
    )


def _goal_cell(row: Dict[str, Any]) -> str:
    """Goal 1 as "met/not met (answers needed / random's answers)"."""
    if not row:
        return ""
    verdict = {True: "met", False: "not met", None: "undecided"}[row["met"]]
    needed = row["uncertain_answers_needed"] or "never"
    return f"{verdict} ({needed} / {row['random_final_answers']})"


def _cell(stat: Dict[str, Any], scale: float = 1.0, digits: int = 1, of: int = 0) -> str:
    """Mean ± std; `(n=K)` when only K of the `of` seeds have the value."""
    if stat["mean"] is None:
        return ""
    mean_, std = stat["mean"] * scale, stat["std"] * scale
    if 0 < stat["n"] < of:
        return f"{mean_:.{digits}f} (n={stat['n']})"
    return f"{mean_:.{digits}f} ± {std:.{digits}f}" if stat["n"] > 1 else f"{mean_:.{digits}f}"


def write_outputs(out: Path, runs: List[Dict[str, Any]], opts: Dict[str, Any]) -> None:
    summary = summarize(runs, opts["ratios"])
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(
        json.dumps({"options": opts, "summary": summary, "runs": runs}, indent=1)
    )
    (out / "results.md").write_text(markdown(summary))
    for name, table in summary.items():
        (out / f"{name.replace('/', '_')}.svg").write_text(plot(name, table))
    print(json.dumps(summary, indent=1))


def main(
    out: Path = typer.Option(Path("bench/results/teach"), help="Working and result directory"),
    datasets: str = typer.Option("fashion_brands", help="Comma-separated: " + ",".join(DATASETS)),
    starts: str = typer.Option(
        "gold",
        help="Comma-separated: gold (seed texts), patterns (the seed texts labelled by "
        "patterns only), blank (an untrained model); the last two mix patterns in",
    ),
    seeds: str = typer.Option("0", help="Comma-separated seeds (text order, training)"),
    arms: str = typer.Option(",".join(ARMS), help="Comma-separated sorters to compare"),
    n_seed: int = typer.Option(100, help="Gold texts the 'gold' start trains on"),
    max_answers: int = typer.Option(1000, help="Answers per arm"),
    round_size: int = typer.Option(50, help="Questions per round (one update each)"),
    eval_every: int = typer.Option(100, help="Score the in-loop model every N answers"),
    batch_at: str = typer.Option("500,1000", help="Answers at which to retrain from scratch"),
    ratios: str = typer.Option("3,4,5", help="Manual text time / binary answer time"),
    train_steps: int = typer.Option(600, help="Step budget of every from-scratch training"),
    random_rate: float = typer.Option(0.2, help="'random': share of candidates asked"),
    max_passes: int = typer.Option(3, help="Passes over the pool before a run gives up"),
    mix_patterns: bool = typer.Option(False, help="Mix patterns into the 'gold' start too"),
    update_fill: str = typer.Option(
        "missing", help="In-loop updates: unanswered tokens 'missing' or 'outside'"
    ),
    summarize_files: List[Path] = typer.Option(
        [], "--summarize", help="Only merge these results.json files into OUT"
    ),
) -> None:
    opts = {
        "datasets": datasets.split(","),
        "starts": starts.split(","),
        "seeds": [int(s) for s in seeds.split(",")],
        "arms": arms.split(","),
        "n_seed": n_seed,
        "max_answers": max_answers,
        "round_size": round_size,
        "eval_every": eval_every,
        "batch_at": [int(n) for n in batch_at.split(",") if n],
        "ratios": [int(r) for r in ratios.split(",")],
        "train_steps": train_steps,
        "random_rate": random_rate,
        "max_passes": max_passes,
        "mix_patterns": mix_patterns,
        "update_fill": update_fill,
        "config": str(CONFIG.relative_to(ROOT)),
    }
    if summarize_files:
        results = [json.loads(path.read_text()) for path in summarize_files]
        runs = [run for result in results for run in result["runs"]]
        write_outputs(
            out, runs, {**results[0]["options"], "merged": list(map(str, summarize_files))}
        )
        return
    unknown = [a for a in opts["arms"] if a not in ARMS] + [
        s for s in opts["starts"] if s not in STARTS
    ] + [d for d in opts["datasets"] if d not in DATASETS]  # fmt: skip
    if unknown:
        raise typer.BadParameter(f"unknown: {unknown}")
    start = time.time()
    runs = []
    for dataset in opts["datasets"]:
        for start_kind in opts["starts"]:
            for seed in opts["seeds"]:
                runs.append(run_seed(dataset, start_kind, seed, opts, out))
                write_outputs(out, runs, {**opts, "wall_s": round(time.time() - start)})


if __name__ == "__main__":
    typer.run(main)
