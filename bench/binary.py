"""Binary-answer training on fashion_brands with a simulated annotator (issue: binary training).

A seed model trained on 100 gold texts proposes its top-scored (or most uncertain, --proposal
uncertain) span for each other training text; an oracle accepts it when it exactly matches a
gold span, else rejects. Then the same config is trained on the seed texts plus those answers:
  (a) binary-aware: accepted -> ents, rejected -> incorrect_spans, rest filled by a strategy
      ("self": propagate, train on the 'outside' fill, refill constrained by that model, train;
      "self+confident": propagate, train on the 'missing' fill, let that recall-oriented model
      pick the tokens that are confidently "O", train; "sample": a random share of the unknown
      tokens "O", the rest missing);
  (b) naive: accepted spans as gold, everything else "O", rejected answers ignored -- read two
      ways: b_naive trains on the accepted texts only (rejected tasks dropped, as a non-binary
      `prodigy train` does), b_naive_all on every answered text (a rejected text is all "O");
  (c) gold: full annotations of the same texts (ceiling);  (d) seed texts only.
With --patterns, 'propagate+patterns+X' labels pattern matches over still-unknown tokens before
fill X, and b_naive_patterns / b_naive_all_patterns give the naive baselines the same matches
as gold, so that what the patterns add is told apart from what binary-awareness adds.
Every variant is scored on the fashion_brands eval set (500 texts). With --teach-rounds N the
answers are collected ner.teach style, in N batches, the proposer retrained (default fill) after
each; bench/binary_seeds.py averages runs made with different --seed.

    python bench/bench_binary.py --out bench/results/binary --max-steps 1500
"""

import json
import random
import subprocess
import sys
import time
import zlib
from math import ceil
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import spacy
import typer
from spacy.tokens import Doc, DocBin, Span, SpanGroup

from spacy_ner_plugin.annotations.partial import accepted_spans, is_partial
from spacy_ner_plugin.binary.fill import (
    add_pattern_entities,
    answer_matcher,
    beam_parses,
    fill_constrained,
    fill_doc,
    fill_outside,
    propagate_answers,
)
from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.constants import INCORRECT_SPANS_KEY
from spacy_ner_plugin.patterns.matcher import PatternMatcher, load_patterns

ROOT = Path(__file__).parent.parent
DATA = ROOT.parent / "shared" / "data" / "fashion_brands"
CONFIG = ROOT / "configs" / "ner.cfg"
Answer = Tuple[Doc, Tuple[int, int, str], bool]  # the text, the proposed span, accepted?
PROPOSALS = ("top", "uncertain")
FILLS = ("constrained", "outside", "missing", "confident", "sample")
PREFIXES = ("", "propagate+", "propagate+patterns+")
STRATEGIES = (*(prefix + fill for prefix in PREFIXES for fill in FILLS), "self", "self+confident")


def spacy_train(
    train_path: Path,
    dev: Path,
    labels: Path,
    output: Path,
    steps: int,
    seed: int,
    eval_frequency: int,
    extra: Tuple[str, ...] = (),
) -> Path:
    """Plain `spacy train configs/ner.cfg` with a fixed step budget; return model-best."""
    cmd = [
        sys.executable, "-m", "spacy", "train", str(CONFIG), "--output", str(output),
        "--paths.train", str(train_path), "--paths.dev", str(dev), "--paths.labels", str(labels),
        "--training.max_steps", str(steps), "--training.eval_frequency", str(eval_frequency),
        "--training.patience", "0", "--system.seed", str(seed), *extra,
    ]  # fmt: skip
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return output / "model-best"


def save_summary(out: Path, summary: Dict) -> None:
    """Write a bench's summary to OUT/results.json and print it."""
    (out / "results.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


def train(
    name: str,
    docs: List[Doc],
    out: Path,
    dev: Path,
    labels: Path,
    steps: int,
    seed: int,
    resume: bool = False,
) -> Path:
    """Train configs/ner.cfg on `docs` with a fixed step budget (or, with `resume`, reuse the
    model already trained for this variant); return model-best."""
    best = out / name / "model" / "model-best"
    if resume and (best / "meta.json").exists():
        return best
    corpus = out / name / "train.spacy"
    corpus.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs).to_disk(corpus)
    return spacy_train(corpus, dev, labels, out / name / "model", steps, seed, eval_frequency=200)


def evaluate(model: Path, dev_docs: List[Doc]) -> Dict[str, float]:
    from spacy.training import Example

    nlp = spacy.load(model)
    scores = nlp.evaluate([Example(nlp.make_doc(d.text), d) for d in dev_docs])
    return {k: round(scores[k] * 100, 2) for k in ("ents_p", "ents_r", "ents_f")}


def simulate_answers(
    nlp: spacy.Language, docs: List[Doc], beam_width: int, proposal: str = "top"
) -> List[Answer]:
    """The proposer's span for each text, answered by the gold-annotation oracle.

    `proposal`: "top" proposes the span with the highest beam probability, "uncertain" the
    one whose probability is closest to 0.5 (ner.teach's default sorter).
    """
    answers = []
    for doc, parses in zip(docs, beam_parses(nlp, docs, beam_width)):
        marginals: Dict[Tuple[int, int, str], float] = {}
        for prob, ents in parses:
            for ent in ents:
                marginals[ent] = marginals.get(ent, 0.0) + prob
        if not marginals:
            continue
        if proposal == "uncertain":
            span = min(sorted(marginals), key=lambda key: abs(marginals[key] - 0.5))
        else:
            span = max(sorted(marginals), key=lambda key: marginals[key])
        gold = {(e.start, e.end, e.label_) for e in doc.ents}
        answers.append((doc, span, span in gold))
    return answers


def binary_doc(
    doc: Doc, accepted: List[Tuple[int, int, str]], rejected: List[Tuple[int, int, str]]
) -> Doc:
    """The merged representation: accepted -> ents (rest missing), rejected -> incorrect_spans."""
    out = Doc(doc.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])
    out.set_ents([Span(out, s, e, label) for s, e, label in accepted], default="missing")
    out.spans[INCORRECT_SPANS_KEY] = SpanGroup(
        out, spans=[Span(out, s, e, label) for s, e, label in rejected]
    )
    return out


def answer_doc(answer: Answer) -> Doc:
    """One simulated answer as a merged binary doc."""
    doc, span, ok = answer
    return binary_doc(doc, [span] if ok else [], [] if ok else [span])


def teach_answers(
    base: spacy.Language,
    docs: List[Doc],
    n_answers: int,
    rounds: int,
    retrain: Callable[[List[Answer], int], spacy.Language],
    beam_width: int,
    proposal: str,
) -> Tuple[List[Answer], spacy.Language]:
    """Collect `n_answers` in `rounds` equal batches, ner.teach style: after each batch but the
    last, `retrain` makes the model that proposes the next batch's spans. Returns the answers
    and the model that proposed the last batch (with one round: the seed model, no retraining).
    """
    answers: List[Answer] = []
    position = 0
    for round_ in range(1, rounds + 1):
        if round_ > 1:
            base = retrain(answers, round_ - 1)
        target = min(n_answers, ceil(n_answers * round_ / rounds))
        while len(answers) < target and position < len(docs):
            chunk = docs[position : position + target - len(answers)]
            position += len(chunk)
            answers += simulate_answers(base, chunk, beam_width, proposal)
    return answers, base


def propagated(docs: List[Doc]) -> List[Doc]:
    """The docs with every clearly answered string propagated to its unknown occurrences."""
    matcher = answer_matcher(docs, docs[0].vocab)
    return [propagate_answers(doc, matcher) for doc in docs]


def outside(docs: List[Doc]) -> List[Doc]:
    """The 'outside' fill of the partial docs; complete docs pass unchanged."""
    return [fill_outside(doc) if is_partial(doc) else doc for doc in docs]


def fill_sampled(doc: Doc, rate: float, seed: int) -> Doc:
    """Negative sampling: a seeded random share `rate` of the unknown tokens become "O", the
    rest stay missing (a token-level take on Li et al. 2021's remedy for unlabeled entities)."""
    rng = random.Random(zlib.crc32(doc.text.encode()) + seed)
    draws = [rng.random() for _ in doc]  # a token stays missing when its draw is >= rate
    return fill_doc(doc, sorted(accepted_spans(doc)), draws, uncertain=rate)


def main(
    out: Path = typer.Option(Path("bench/results/binary"), help="Working and result directory"),
    max_steps: int = typer.Option(1500, help="Training steps for every variant"),
    n_seed: int = typer.Option(100, help="Gold seed texts"),
    n_answers: int = typer.Option(1000, help="Simulated binary answers"),
    beam_width: int = typer.Option(16, help="Beam for proposals and constrained filling"),
    seed: int = typer.Option(0, help="Seed for the text order and training"),
    proposal: str = typer.Option("top", help=f"Span proposed per text: {' or '.join(PROPOSALS)}"),
    uncertain: float = typer.Option(
        0.3, help="'constrained', 'confident': tokens inside an entity this likely stay missing"
    ),
    resume: bool = typer.Option(
        False, help="Reuse a variant's model already in OUT (same options and data only)"
    ),
    teach_rounds: int = typer.Option(
        1, help="Collect the answers in this many batches, retraining the proposer after each"
    ),
    sample_rate: float = typer.Option(0.3, help="'sample': share of unknown tokens made 'O'"),
    patterns: Path = typer.Option(
        None, help="Pattern JSONL: 'propagate+patterns+X' labels its matches; adds b_*_patterns"
    ),
    strategies: str = typer.Option(
        "missing,outside,constrained,propagate+missing,propagate+outside,propagate+constrained,self",
        help="Fill strategies for (a); 'propagate+X' propagates answered strings first",
    ),
) -> None:
    unknown = [name for name in strategies.split(",") if name not in STRATEGIES]
    if not patterns and "+patterns+" in strategies:
        raise typer.BadParameter("the '+patterns+' strategies need --patterns")
    if proposal not in PROPOSALS or unknown:  # fail before hours of training, not after
        raise typer.BadParameter(
            f"unknown {'strategies ' + ', '.join(unknown) if unknown else 'proposal ' + proposal}"
            f"; proposals: {', '.join(PROPOSALS)}; strategies: {', '.join(STRATEGIES)}"
        )
    start = time.time()
    out.mkdir(parents=True, exist_ok=True)
    corpus = out / "corpus"
    data_to_spacy(
        [DATA / "fashion_brands_training.jsonl"],
        corpus,
        eval_path=DATA / "fashion_brands_eval.jsonl",
    )
    nlp = spacy.blank("en")
    train_docs = list(DocBin().from_disk(corpus / "train.spacy").get_docs(nlp.vocab))
    dev_docs = list(DocBin().from_disk(corpus / "dev.spacy").get_docs(nlp.vocab))
    random.Random(seed).shuffle(train_docs)
    seed_docs, rest = train_docs[:n_seed], train_docs[n_seed:]
    args = (out, corpus / "dev.spacy", corpus / "labels.json", max_steps, seed, resume)
    results: Dict[str, Dict] = {}

    seed_model = train("d_seed_only", seed_docs, *args)
    results["d_seed_only"] = evaluate(seed_model, dev_docs)

    def retrain(answers: List[Answer], round_: int) -> spacy.Language:
        """The proposer for the next teach round: seed + answers so far, default fill."""
        docs = outside(propagated(seed_docs + [answer_doc(answer) for answer in answers]))
        return spacy.load(train(f"teach_round{round_}", docs, *args))

    base = spacy.load(seed_model)
    answers, base = teach_answers(
        base, rest, n_answers, teach_rounds, retrain, beam_width, proposal
    )
    answered = [doc for doc, _, _ in answers]
    n_accept = sum(ok for _, _, ok in answers)
    binary = [answer_doc(answer) for answer in answers]
    matcher = PatternMatcher(nlp, load_patterns(patterns), str(patterns)) if patterns else None

    results["c_gold"] = evaluate(train("c_gold", seed_docs + answered, *args), dev_docs)
    # (b): accepted spans as gold, everything else "O", rejects ignored (or their texts dropped);
    # with --patterns also given the pattern matches as gold
    accepts_only = [binary_doc(doc, [span] if ok else [], []) for doc, span, ok in answers]
    naive_inputs = {"": accepts_only}
    if matcher:
        naive_inputs["_patterns"] = [add_pattern_entities(doc, matcher) for doc in accepts_only]
    for suffix, docs in naive_inputs.items():
        every = [fill_outside(doc) for doc in docs]
        kept = [doc for doc, (_, _, ok) in zip(every, answers) if ok]
        for key, naive in ((f"b_naive{suffix}", kept), (f"b_naive_all{suffix}", every)):
            results[key] = evaluate(train(key, seed_docs + naive, *args), dev_docs)
    fills = {
        "constrained": lambda docs: list(fill_constrained(docs, base, beam_width, uncertain)),
        "outside": outside,
        "missing": lambda docs: docs,
        "sample": lambda docs: [
            fill_sampled(doc, sample_rate, seed) if is_partial(doc) else doc for doc in docs
        ],
        "confident": lambda docs: list(
            fill_constrained(docs, base, beam_width, uncertain, add_entities=False)
        ),
    }
    for name in strategies.split(","):
        key = f"a_binary_{name}"
        docs = seed_docs + binary
        if name.startswith("propagate+") or name.startswith("self"):
            docs = propagated(docs)
        if "+patterns+" in name:
            docs = [add_pattern_entities(doc, matcher) for doc in docs]
        if name == "self+confident":  # a recall-oriented model picks the surely-"O" tokens
            first = spacy.load(train("a_binary_propagate+missing", docs, *args))
            docs = list(fill_constrained(docs, first, beam_width, uncertain, add_entities=False))
        elif name == "self":  # refill with a model trained on the 'outside' fill, train again
            first = spacy.load(train(f"{key}_round1", outside(docs), *args))
            docs = list(fill_constrained(docs, first, beam_width=beam_width))
        else:
            docs = fills[name.split("+")[-1]](docs)
        results[key] = evaluate(train(key, docs, *args), dev_docs)
    summary = {
        "dataset": "fashion_brands eval (500)",
        "config": str(CONFIG.relative_to(ROOT)),
        "max_steps": max_steps,
        "seed": seed,
        "n_seed": n_seed,
        "n_answers": len(answers),
        "n_accept": n_accept,
        "proposal": proposal,
        "teach_rounds": teach_rounds,
        "uncertain": uncertain,
        "scores": results,
        "wall_s": round(time.time() - start),
    }
    save_summary(out, summary)


if __name__ == "__main__":
    typer.run(main)
