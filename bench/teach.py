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

Datasets: --datasets names shared ones (fashion_brands, food_ingredients); or one dataset of
your own: --train, --eval (none: 20% held out) and --patterns, with --datasets as its name.

    flock /tmp/bench.lock python -m bench.teach --datasets fashion_brands --seeds 0 \
        --max-answers 500 --batch-at 500 --output bench/results/teach_fashion_seed0

`python -m bench.teach_report` merges result files (several seeds or datasets) into one table
and plot.
"""

import random
import time
from itertools import chain, islice, repeat
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import spacy
import typer
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.util import filter_spans, load_config, load_model_from_config
from spacy.vocab import Vocab
from wasabi import msg

from spacy_ner_plugin.patterns.matcher import PatternMatcher, load_patterns
from spacy_ner_plugin.teach import TeachSession
from spacy_ner_plugin.teach.sorters import (
    RANDOM_RATE,
    Sorter,
    create_prefer_high_scores,
    create_prefer_uncertain,
    create_random_sorter,
)

from .common import (
    NER_CONFIG,
    RESULTS,
    ROOT,
    Corpus,
    Dataset,
    corpus,
    datasets,
    outside,
    propagated,
    score,
    train_docs,
)
from .teach_report import ARMS, write_report

STARTS = ("gold", "patterns", "blank")

app = typer.Typer(add_completion=False)


@app.command()
def teach_cli(
    output: Path = typer.Option(RESULTS / "teach", help="Results folder (json, md, svg)"),
    work: Path | None = typer.Option(None, help="Corpora and models (default: OUTPUT)"),
    dataset_names: str | None = typer.Option(
        None, "--datasets", help="Comma-separated: fashion_brands (default), food_ingredients"
    ),
    train: Path | None = typer.Option(None, help="Own dataset: annotated training texts"),
    eval: Path | None = typer.Option(None, help="Own dataset: eval set (none: 20% held out)"),
    patterns: Path | None = typer.Option(None, help="Own dataset: patterns"),
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
    random_rate: float = typer.Option(RANDOM_RATE, help="'random': share of candidates asked"),
    max_passes: int = typer.Option(3, help="Passes over the pool before a run gives up"),
    mix_patterns: bool = typer.Option(False, help="Mix patterns into the 'gold' start too"),
    update_fill: str = typer.Option(
        "missing", help="In-loop updates: unanswered tokens 'missing' or 'outside'"
    ),
) -> None:
    """Simulate ner.teach with an oracle for each dataset, start, seed and sorter."""
    data = datasets(dataset_names, train, eval, patterns)
    opts = {
        "datasets": [d.name for d in data],
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
        "config": str(NER_CONFIG.relative_to(ROOT)),
    }
    unknown = [a for a in opts["arms"] if a not in ARMS]
    unknown += [s for s in opts["starts"] if s not in STARTS]
    if unknown:
        raise typer.BadParameter(f"unknown: {unknown}")
    needs_patterns = mix_patterns or set(opts["starts"]) - {"gold"}
    if needs_patterns and any(d.patterns is None for d in data):
        raise typer.BadParameter("the 'patterns' and 'blank' starts need --patterns")
    teach(data, opts, output, work or output)


def teach(data: List[Dataset], opts: Dict[str, Any], output: Path, work: Path) -> Dict:
    """`run_seed` for every dataset, start and seed; the report is rewritten after each."""
    start = time.time()
    runs = []
    summary: Dict[str, Any] = {}
    for dataset in data:
        for start_kind in opts["starts"]:
            for seed in opts["seeds"]:
                runs.append(run_seed(dataset, start_kind, seed, opts, work))
                wall = {**opts, "wall_s": round(time.time() - start)}
                summary = write_report(output, runs, wall)
    msg.good(f"Saved {output}")
    return summary


def make_sorter(arm: str, seed: int, random_rate: float) -> Sorter:
    if arm == "uncertain":
        return create_prefer_uncertain()
    if arm == "high":
        return create_prefer_high_scores()
    return create_random_sorter(rate=random_rate, seed=seed)


def prepare(data: Dataset, work: Path) -> Tuple[List[Doc], List[Doc], Corpus]:
    """Train and eval docs (gold) of a dataset, and its corpus files."""
    files = corpus(data, work / "corpus")
    train, dev = files.docs(spacy.blank("en").vocab)
    return train, dev, files


def untrained_model(labels_path: Path) -> Language:
    """configs/ner.cfg initialized with the labels but never trained (the "blank" start)."""
    config = load_config(NER_CONFIG, overrides={"paths.labels": str(labels_path)})
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
        base, labels, patterns=patterns, sorter=sorter, update_fill=opts["update_fill"],
        seed=opts["seed"],
    )  # fmt: skip
    stream = session.questions(chain.from_iterable(repeat(pool, opts["max_passes"])))
    answers: List[Dict[str, Any]] = []
    curve = [{"answers": 0, **score(session.nlp, dev_docs)}]
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
            curve.append({"answers": len(answers), **score(session.nlp, dev_docs)})
        msg.text(f"  {arm}: {len(answers)} answers, F {curve[-1]['ents_f']}")
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


def run_seed(data: Dataset, start: str, seed: int, opts: Dict[str, Any], work: Path) -> Dict:
    """Every arm, batch-trained checkpoint and manual baseline for one dataset, start, seed."""
    work = work / data.name
    train, dev_docs, files = prepare(data, work)
    order = list(range(len(train)))
    random.Random(seed).shuffle(order)
    n_seed = opts["n_seed"] if start != "blank" else 0
    seed_docs = [train[i] for i in order[:n_seed]]
    if start == "patterns":
        seed_docs = pattern_labelled(seed_docs, data.patterns)
    fit = _trainer(work / f"{start}_seed{seed}", files, opts["train_steps"], seed)
    base = (
        untrained_model(files.labels)
        if start == "blank"
        else spacy.load(fit("seed_model", seed_docs))
    )
    result: Dict[str, Any] = {
        "dataset": data.name,
        "start": start,
        "seed": seed,
        "n_seed": n_seed,
        "seed_f": score(base, dev_docs)["ents_f"],
        "arms": {},
    }
    patterns = data.patterns if opts["mix_patterns"] or start != "gold" else None
    pool_ids = order[n_seed:]
    first_texts: List[int] = []
    for arm in opts["arms"]:
        msg.info(f"{data.name} {start} seed {seed}: {arm}")
        arm_result, answers = run_arm_and_retrain(
            base, arm, train, pool_ids, seed_docs, dev_docs, patterns, fit, {**opts, "seed": seed}
        )
        if arm == "uncertain" or not first_texts:
            first_texts = asked_texts(answers, len(pool_ids))
        result["arms"][arm] = arm_result
    result["manual"] = manual_baselines(
        train, seed_docs, first_texts, pool_ids, dev_docs, fit, opts
    )
    return result


def _trainer(
    run_dir: Path, files: Corpus, steps: int, seed: int
) -> Callable[[str, List[Doc]], Path]:
    """Trains a named model of the run on docs (reusing one trained before); model-best."""
    return lambda name, docs: train_docs(name, docs, run_dir, files, steps, seed, resume=True)


def run_arm_and_retrain(
    base: Language,
    arm: str,
    train: List[Doc],
    pool_ids: List[int],
    seed_docs: List[Doc],
    dev_docs: List[Doc],
    patterns: Path | None,
    fit: Callable[[str, List[Doc]], Path],
    opts: Dict[str, Any],
) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """One arm's teach run, then a model retrained from scratch at each --batch-at answers."""
    labels = sorted({ent.label_ for doc in train for ent in doc.ents})
    pool = [{"text": train[i].text, "meta": {"i": i}} for i in pool_ids]
    gold = [(d.text, {(e.start_char, e.end_char, e.label_) for e in d.ents}) for d in train]
    arm_result, session, answers = run_arm(
        base, arm, pool, oracle(gold), dev_docs, labels, patterns, opts
    )
    arm_result["batch"] = {}
    for n in opts["batch_at"]:
        if n > len(answers):
            continue
        docs = seed_docs + to_vocab(session.answer_docs(answers[:n]), train[0].vocab)
        model = fit(f"{arm}_batch{n}", outside(propagated(docs)))
        arm_result["batch"][str(n)] = score(spacy.load(model), dev_docs)
    return arm_result, answers


def manual_baselines(
    train: List[Doc],
    seed_docs: List[Doc],
    first_texts: List[int],
    pool_ids: List[int],
    dev_docs: List[Doc],
    fit: Callable[[str, List[Doc]], Path],
    opts: Dict[str, Any],
) -> Dict[str, Any]:
    """Manual annotation of the texts teach asked about first, at equal annotation time."""
    manual: Dict[str, Any] = {}
    filler = [i for i in pool_ids if i not in set(first_texts)]
    for n in opts["batch_at"]:
        for ratio in opts["ratios"]:
            k = round(n / ratio)
            key = f"manual_{k}"
            if key not in manual:
                docs = seed_docs + [train[i] for i in (first_texts + filler)[:k]]
                model = fit(key, docs)
                manual[key] = {"n_texts": k, **score(spacy.load(model), dev_docs)}
    return manual


if __name__ == "__main__":
    app()
