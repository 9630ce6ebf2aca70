"""Binary-answer training with a simulated annotator (issue: binary training).

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
Every variant is scored on the eval set (default: fashion_brands, training file --train and
its 500 eval texts --eval). With --teach-rounds N the answers are collected ner.teach style, in
N batches, the proposer retrained (default fill) after each; `python -m bench.binary_seeds`
averages runs made with different --seed.

    python -m bench.binary --work /tmp/bench_binary --output bench/results/binary.json \
        --max-steps 1500
"""

import random
import time
import zlib
from dataclasses import asdict, dataclass
from enum import Enum
from functools import partial
from math import ceil
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import spacy
import typer
from spacy.tokens import Doc, Span, SpanGroup
from wasabi import msg

from spacy_ner_plugin.annotations.partial import accepted_spans, is_partial
from spacy_ner_plugin.binary.fill import (
    add_pattern_entities,
    beam_parses,
    fill_constrained,
    fill_doc,
    fill_outside,
)
from spacy_ner_plugin.constants import INCORRECT_SPANS_KEY
from spacy_ner_plugin.patterns.matcher import PatternMatcher, load_patterns

from .common import (
    NER_CONFIG,
    ROOT,
    Dataset,
    corpus,
    dataset,
    outside,
    propagated,
    run_info,
    score,
    train_docs,
    write_results,
)

Answer = Tuple[Doc, Tuple[int, int, str], bool]  # the text, the proposed span, accepted?
Fit = Callable[[str, List[Doc]], Path]  # trains a variant on docs, returns model-best
FILLS = ("constrained", "outside", "missing", "confident", "sample")
PREFIXES = ("", "propagate+", "propagate+patterns+")
STRATEGIES = (*(prefix + fill for prefix in PREFIXES for fill in FILLS), "self", "self+confident")
DEFAULT_STRATEGIES = (
    "missing,outside,constrained,propagate+missing,propagate+outside,propagate+constrained,self"
)


class Proposal(str, Enum):
    top = "top"
    uncertain = "uncertain"


@dataclass(frozen=True)
class Settings:
    """The simulation's sizes, seeds and fill parameters."""

    max_steps: int = 1500
    n_seed: int = 100
    n_answers: int = 1000
    beam_width: int = 16
    seed: int = 0
    proposal: str = "top"
    uncertain: float = 0.3
    resume: bool = False
    teach_rounds: int = 1
    sample_rate: float = 0.3


app = typer.Typer(add_completion=False)


@app.command()
def binary_cli(
    train: Path | None = typer.Option(
        None, help="Annotated training file (default: fashion_brands' training file)"
    ),
    eval: Path | None = typer.Option(
        None, help="Scored file (default: fashion_brands' eval file; with --train: 20% held out)"
    ),
    work: Path = typer.Option(Path("/tmp/bench_binary"), help="Working directory"),
    output: Path | None = typer.Option(None, help="Results JSON (default: WORK/results.json)"),
    max_steps: int = typer.Option(1500, help="Training steps for every variant"),
    n_seed: int = typer.Option(100, help="Gold seed texts"),
    n_answers: int = typer.Option(1000, help="Simulated binary answers"),
    beam_width: int = typer.Option(16, help="Beam for proposals and constrained filling"),
    seed: int = typer.Option(0, help="Seed for the text order and training"),
    proposal: Proposal = typer.Option(Proposal.top, help="Span proposed per text"),
    uncertain: float = typer.Option(
        0.3, help="'constrained', 'confident': tokens inside an entity this likely stay missing"
    ),
    resume: bool = typer.Option(
        False, help="Reuse a variant's model already in WORK (same options and data only)"
    ),
    teach_rounds: int = typer.Option(
        1, help="Collect the answers in this many batches, retraining the proposer after each"
    ),
    sample_rate: float = typer.Option(0.3, help="'sample': share of unknown tokens made 'O'"),
    patterns: Path | None = typer.Option(
        None, help="Pattern JSONL: 'propagate+patterns+X' labels its matches; adds b_*_patterns"
    ),
    strategies: str = typer.Option(
        DEFAULT_STRATEGIES, help="Fill strategies for (a); 'propagate+X' propagates first"
    ),
) -> None:
    """Train on simulated binary answers with every fill strategy and the baselines; score."""
    names = strategies.split(",")
    unknown = [name for name in names if name not in STRATEGIES]
    if unknown:  # fail before hours of training, not after
        raise typer.BadParameter(f"unknown strategies {unknown}; known: {', '.join(STRATEGIES)}")
    if not patterns and "+patterns+" in strategies:
        raise typer.BadParameter("the '+patterns+' strategies need --patterns")
    settings = Settings(
        max_steps, n_seed, n_answers, beam_width, seed, proposal.value, uncertain, resume,
        teach_rounds, sample_rate,
    )  # fmt: skip
    data = dataset(None, train, eval)
    output = output or work / "results.json"
    results = binary(data, names, settings, work, output, patterns)["scores"]
    rows = [(name, s["ents_p"], s["ents_r"], s["ents_f"]) for name, s in results.items()]
    msg.table(rows, header=("trained on", "P", "R", "F"), aligns=("l", "r", "r", "r"))
    msg.good(f"Saved {output}")


def binary(
    data: Dataset,
    strategies: List[str],
    settings: Settings,
    work: Path,
    output: Path,
    patterns: Path | None = None,
) -> Dict:
    """Simulate the answers, train every variant, score each on the eval set; write `output`."""
    start = time.time()
    files = corpus(data, work / "corpus")
    nlp = spacy.blank("en")
    train, dev_docs = files.docs(nlp.vocab)
    random.Random(settings.seed).shuffle(train)
    seed_docs, rest = train[: settings.n_seed], train[settings.n_seed :]
    fit: Fit = partial(
        train_docs,
        work=work,
        data=files,
        steps=settings.max_steps,
        seed=settings.seed,
        resume=settings.resume,
    )
    results: Dict[str, Dict] = {}
    seed_model = fit("d_seed_only", seed_docs)
    results["d_seed_only"] = score(spacy.load(seed_model), dev_docs)
    answers, base = collect_answers(spacy.load(seed_model), seed_docs, rest, fit, settings)
    variants = {"c_gold": seed_docs + [doc for doc, _, _ in answers]}
    matcher = PatternMatcher(nlp, load_patterns(patterns), str(patterns)) if patterns else None
    variants.update(naive_inputs(seed_docs, answers, matcher))
    for key, docs in variants.items():
        results[key] = score(spacy.load(fit(key, docs)), dev_docs)
    binary_docs = seed_docs + [answer_doc(answer) for answer in answers]
    for name in strategies:
        docs = filled(name, binary_docs, base, matcher, fit, settings)
        results[f"a_binary_{name}"] = score(spacy.load(fit(f"a_binary_{name}", docs)), dev_docs)
    summary = {
        "dataset": f"{data.name} eval ({len(dev_docs)})",
        "config": str(NER_CONFIG.relative_to(ROOT)),
        "max_steps": settings.max_steps,
        "seed": settings.seed,
        "n_seed": settings.n_seed,
        "n_answers": len(answers),
        "n_accept": sum(ok for _, _, ok in answers),
        "proposal": settings.proposal,
        "teach_rounds": settings.teach_rounds,
        "uncertain": settings.uncertain,
        "scores": results,
        "wall_s": round(time.time() - start),
    }
    inputs = {"train": data.train, "eval": data.eval, "patterns": patterns}
    summary["run"] = run_info(**inputs, strategies=strategies, **asdict(settings))
    write_results(output, summary)
    return summary


def collect_answers(
    base: spacy.Language, seed_docs: List[Doc], pool: List[Doc], fit: Fit, settings: Settings
) -> Tuple[List[Answer], spacy.Language]:
    """The simulated answers, and the model that proposed the last of them."""

    def retrain(answers: List[Answer], round_: int) -> spacy.Language:
        """The proposer for the next teach round: seed + answers so far, default fill."""
        docs = outside(propagated(seed_docs + [answer_doc(answer) for answer in answers]))
        return spacy.load(fit(f"teach_round{round_}", docs))

    return teach_answers(
        base,
        pool,
        settings.n_answers,
        settings.teach_rounds,
        retrain,
        settings.beam_width,
        settings.proposal,
    )


def naive_inputs(
    seed_docs: List[Doc], answers: List[Answer], matcher: PatternMatcher | None
) -> Dict[str, List[Doc]]:
    """(b): accepted spans as gold, everything else "O", rejects ignored (b_naive_all) or their
    texts dropped (b_naive); with a matcher also given the pattern matches as gold."""
    accepts_only = [binary_doc(doc, [span] if ok else [], []) for doc, span, ok in answers]
    sources = {"": accepts_only}
    if matcher:
        sources["_patterns"] = [add_pattern_entities(doc, matcher) for doc in accepts_only]
    inputs = {}
    for suffix, docs in sources.items():
        every = [fill_outside(doc) for doc in docs]
        kept = [doc for doc, (_, _, ok) in zip(every, answers) if ok]
        inputs[f"b_naive{suffix}"] = seed_docs + kept
        inputs[f"b_naive_all{suffix}"] = seed_docs + every
    return inputs


def filled(
    name: str,
    docs: List[Doc],
    base: spacy.Language,
    matcher: PatternMatcher | None,
    fit: Fit,
    settings: Settings,
) -> List[Doc]:
    """(a): the seed texts and merged answers, filled by strategy `name`."""
    beam, uncertain = settings.beam_width, settings.uncertain
    if name.startswith("propagate+") or name.startswith("self"):
        docs = propagated(docs)
    if "+patterns+" in name:
        docs = [add_pattern_entities(doc, matcher) for doc in docs]
    if name == "self+confident":  # a recall-oriented model picks the surely-"O" tokens
        first = spacy.load(fit("a_binary_propagate+missing", docs))
        return list(fill_constrained(docs, first, beam, uncertain, add_entities=False))
    if name == "self":  # refill with a model trained on the 'outside' fill, train again
        first = spacy.load(fit(f"a_binary_{name}_round1", outside(docs)))
        return list(fill_constrained(docs, first, beam_width=beam))
    fill = name.split("+")[-1]
    if fill == "constrained":
        return list(fill_constrained(docs, base, beam, uncertain))
    if fill == "confident":
        return list(fill_constrained(docs, base, beam, uncertain, add_entities=False))
    if fill == "outside":
        return outside(docs)
    if fill == "sample":
        rate, seed = settings.sample_rate, settings.seed
        return [fill_sampled(doc, rate, seed) if is_partial(doc) else doc for doc in docs]
    return docs  # missing


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


def fill_sampled(doc: Doc, rate: float, seed: int) -> Doc:
    """Negative sampling: a seeded random share `rate` of the unknown tokens become "O", the
    rest stay missing (a token-level take on Li et al. 2021's remedy for unlabeled entities)."""
    rng = random.Random(zlib.crc32(doc.text.encode()) + seed)
    draws = [rng.random() for _ in doc]  # a token stays missing when its draw is >= rate
    return fill_doc(doc, sorted(accepted_spans(doc)), draws, uncertain=rate)


if __name__ == "__main__":
    app()
