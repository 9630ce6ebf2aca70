"""The facts the flowchart's questions are answered from, each measured from the user's files.

Every fact function returns a `Fact` (a summary line, the number behind the decision, and its
values) or a `Missing` naming the step whose output would supply it. Nothing here trains a
model: annotation counts and entity shapes come from `annotations.stats`, rules-only scores from
`evaluation.rules` (as `evaluate-patterns` scores them), the curve's verdict from
`curve.points.advise` on what `train-curve` wrote, model scores and error classes from what
`evaluate` wrote, and the base model is only asked for its labels and its vocabulary.
"""

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Sequence, Set, Union

from spacy import attrs, symbols
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from ..annotations.gold import read_gold_docs
from ..annotations.ingest import detect_input_kinds, parse_input
from ..annotations.partial import is_partial
from ..annotations.stats import CorpusStats, corpus_stats
from ..curve.points import advise as curve_advice
from ..errors import PluginError
from ..evaluation.rules import evaluate_rules
from ..io.hashing import text_hash
from ..preannotate.preannotator import Preannotator
from . import flowchart as chart


@dataclass
class Fact:
    """A measured fact: one line for the path, and the values the decision reads."""

    name: str
    summary: str
    value: Dict[str, Any]


@dataclass
class Missing:
    """A fact that cannot be measured yet, the step (a `walk.COMMANDS` key) that supplies it,
    and the flag that answers it where only the user can ("answer" is then the step)."""

    name: str
    reason: str
    step: str
    flag: str | None = None


FactResult = Union[Fact, Missing]


@dataclass
class AnnotationData:
    """The user's annotations, counted (`stats`) and merged into one doc per text (`docs`)."""

    stats: CorpusStats
    docs: List[Doc]

    @property
    def gold_docs(self) -> List[Doc]:
        """The completely annotated docs (binary answers alone leave tokens unknown)."""
        return [doc for doc in self.docs if not is_partial(doc)]

    def label_counts(self) -> Counter:
        """Entities per label, over the merged docs."""
        return Counter(ent.label_ for doc in self.docs for ent in doc.ents)


def read_annotations(
    inputs: Sequence[str], nlp: Language, input_format: str | None = None
) -> AnnotationData:
    """Count and merge the annotation files (`binary:` prefixes allowed), as `stats` does."""
    specs = [parse_input(spec) for spec in inputs]
    detect_input_kinds(specs, input_format)
    stats = corpus_stats(specs, nlp, input_format)
    docs = list(read_gold_docs([str(s) for s in inputs], nlp, [], binary=True))
    return AnnotationData(stats, docs)


def base_fact(base_model: str | None, known: Set[str] | None, data: AnnotationData) -> Fact:
    """The base model (if any) and its labels against the user's: which are new to it."""
    user = set(data.label_counts()) | {
        label for label, answers in data.stats.labels.items() if answers["accept"]
    }
    if base_model is None or known is None:
        return Fact(
            "base",
            f"no --base-model; your labels: {', '.join(sorted(user)) or 'none'}",
            {"base_model": None, "user_labels": sorted(user), "new_labels": sorted(user)},
        )
    new, shared = sorted(user - known), sorted(user & known)
    summary = (
        f"{base_model} predicts {', '.join(sorted(known)) or 'no entity type'}; of your labels "
        f"{', '.join(shared) or 'none'} among them, new to it: {', '.join(new) or 'none'}"
    )
    value = {
        "base_model": base_model,
        "base_labels": sorted(known),
        "user_labels": sorted(user),
        "shared_labels": shared,
        "new_labels": new,
    }
    return Fact("base", summary, value)


def annotations_fact(data: AnnotationData, previous: int | None = None) -> Fact:
    """Answered annotations (accepted or rejected; ignored ones do not count), and those added
    since the last training (`previous`: annotations it had; None: unknown)."""
    answers = data.stats.answers
    n = answers["accept"] + answers["reject"]
    additional = None if previous is None else max(n - previous, 0)
    summary = (
        f"{n:,} annotations ({answers['accept']:,} accepted, {answers['reject']:,} rejected, "
        f"{answers['ignore']:,} ignored not counted) about {data.stats.texts:,} texts; "
        + (
            f"{additional:,} additional since the last training ({previous:,})"
            if additional is not None
            else "additional ones unknown (--previous-annotations N)"
        )
    )
    value = {
        "annotations": n,
        "additional": additional,
        "previous": previous,
        "accepted": answers["accept"],
        "rejected": answers["reject"],
        "ignored": answers["ignore"],
        "texts": data.stats.texts,
    }
    return Fact("annotations", summary, value)


def raw_fact(texts: Iterable[str], source: str, nlp: Language) -> Fact:
    """Sentences of raw text (split by spaCy's sentencizer), against the chart's 1,000."""
    sentencizer = nlp.get_pipe("sentencizer") if "sentencizer" in nlp.pipe_names else None
    if sentencizer is None:
        from spacy.pipeline import Sentencizer

        sentencizer = Sentencizer()
    n_texts = n_sentences = 0
    for doc in nlp.tokenizer.pipe(texts, batch_size=256):
        n_texts += 1
        n_sentences += sum(1 for _ in sentencizer(doc).sents)
    answer = n_sentences > chart.RAW_SENTENCES
    summary = (
        f"{n_sentences:,} sentences in {n_texts:,} texts of {source} "
        f"(bar: more than {chart.RAW_SENTENCES:,})"
    )
    value = {"answer": answer, "sentences": n_sentences, "texts": n_texts, "source": source}
    return Fact("raw", summary, value)


def rules_possible_fact(
    pattern_labels: Set[str] | None, user_labels: Sequence[str], flag: bool | None
) -> FactResult:
    """Whether rules capture a large number of the entity types: the share of the user's labels
    the patterns cover (with --patterns), else the user's answer (--rules-possible)."""
    if pattern_labels is not None:
        labels = set(user_labels) or set(pattern_labels)
        covered = sorted(labels & pattern_labels)
        share = len(covered) / len(labels) if labels else 0.0
        summary = (
            f"the patterns cover {len(covered)} of your {len(labels)} labels "
            f"({share:.0%}; bar {chart.RULES_LABEL_SHARE:.0%}): {', '.join(covered) or 'none'}"
        )
        value = {"answer": share >= chart.RULES_LABEL_SHARE, "share": share, "covered": covered}
        return Fact("rules_possible", summary, {**value, "source": "patterns"})
    if flag is None:
        return Missing(
            "rules_possible",
            "no --patterns to measure it",
            "answer",
            flag="--rules-possible/--no-rules-possible",
        )
    word = "--rules-possible" if flag else "--no-rules-possible"
    return Fact("rules_possible", f"your answer: {word}", {"answer": flag, "source": "flag"})


def model_f(scores: Dict[str, Any], path: Union[str, Path] = "the scores") -> float:
    """The model's F in `evaluate`'s scores at `path`: the entities', or the spans' when it
    was scored on span gold alone (`ents_f` null); a `PluginError` when there is neither."""
    f = scores.get("ents_f") if isinstance(scores, dict) else None
    if f is None and isinstance(scores, dict) and "spans_key" in scores:
        f = scores.get(f"spans_{scores['spans_key']}_f")
    if isinstance(f, bool) or not isinstance(f, (int, float)):
        raise PluginError(
            f"{path}: no model F (field ents_f, or spans_KEY_f with spans_key)",
            "give the scores file that evaluate writes (--output)",
        )
    return float(f)


def happy_fact(
    scores: Dict[str, Any] | None, happy: bool | None, target_f: float | None
) -> FactResult:
    """Your answer (--happy/--not-happy), or the trained model's F against --target-f."""
    if happy is not None:
        word = "--happy" if happy else "--not-happy"
        return Fact("happy", f"your answer: {word}", {"answer": happy, "source": "flag"})
    if target_f is None:
        return Missing(
            "happy", "no --happy/--not-happy and no --target-f", "answer", flag=chart.HAPPY_FLAG
        )
    if scores is None:
        return Missing("happy", f"--target-f {target_f:g} but no scores from evaluate", "evaluate")
    f = model_f(scores)
    summary = (
        f"model F {f * 100:.1f} on {scores['n_examples']:,} texts against --target-f "
        f"{target_f:g}: {'reached' if f >= target_f else 'not reached'}"
    )
    value = {"answer": f >= target_f, "f": f, "target_f": target_f, "source": "scores"}
    return Fact("happy", summary, value)


def error_fix_fact(flag: bool | None) -> FactResult:
    """Your answer after error analysis: did it show a fix (--fix-found/--no-fix-found)?"""
    if flag is None:
        return Missing(
            "error_fix",
            "only you can tell what error analysis showed",
            "find_errors",
            flag="--fix-found/--no-fix-found",
        )
    word = "--fix-found" if flag else "--no-fix-found"
    return Fact("error_fix", f"your answer: {word}", {"answer": flag, "source": "flag"})


def type_overlap_fact(base: Language, data: AnnotationData, new: Sequence[str]) -> FactResult:
    """Share of the new types' entities that share a token with an entity the base model
    predicts in the same text (MONTH inside DATE, COMPANY as ORG), per new type."""
    docs = [doc for doc in data.docs if any(ent.label_ in new for ent in doc.ents)]
    if not docs:
        return Missing("type_overlap", "no entity of a new type in the data", "preannotate")
    counts: Dict[str, Counter] = defaultdict(Counter)
    totals: Counter = Counter()
    for doc, predicted in zip(docs, base.pipe(doc.text for doc in docs)):
        for ent in doc.ents:
            if ent.label_ not in new:
                continue
            totals[ent.label_] += 1
            chars = range(ent.start_char, ent.end_char)
            hit = [p.label_ for p in predicted.ents if p.start_char < chars.stop and
                   chars.start < p.end_char]  # fmt: skip
            if hit:
                counts[ent.label_][hit[0]] += 1
    n = sum(totals.values())
    overlapping = sum(sum(c.values()) for c in counts.values())
    per_label = {
        label: {
            "entities": totals[label],
            "overlapping": sum(counts[label].values()),
            "base_labels": dict(counts[label].most_common(3)),
        }
        for label in sorted(totals)
    }
    shown = "; ".join(
        f"{label} {v['overlapping']}/{v['entities']}"
        + (f" (mostly {next(iter(v['base_labels']))})" if v["base_labels"] else "")
        for label, v in per_label.items()
    )
    share = overlapping / n
    summary = (
        f"{overlapping:,} of {n:,} entities of the new types ({share:.1%}; bar "
        f"{chart.TYPE_OVERLAP_SHARE:.0%}) overlap an entity the base model predicts: {shown}"
    )
    return Fact("type_overlap", summary, {"share": share, "entities": n, "per_label": per_label})


def context_fact(data: AnnotationData) -> FactResult:
    """Share of the annotated texts that are bare lists: their entities cover most of their
    words (a text of entities alone teaches no context)."""
    texts = [doc for doc in data.gold_docs if doc.ents]
    if not texts:
        return Missing("context", "the annotations hold no entities", "preannotate")

    def bare(doc: Doc) -> bool:
        words = [t for t in doc if not (t.is_punct or t.is_space)]
        inside = sum(1 for t in words if t.ent_iob_ in ("B", "I"))
        return not words or inside / len(words) >= chart.BARE_TEXT_COVER

    n_bare = sum(bare(doc) for doc in texts)
    share = n_bare / len(texts)
    summary = (
        f"{n_bare:,} of {len(texts):,} annotated texts ({share:.1%}; bar "
        f"{chart.BARE_TEXT_SHARE:.0%}) are little more than their entities (entities cover "
        f"{chart.BARE_TEXT_COVER:.0%} of their words or more)"
    )
    return Fact("context", summary, {"bare_share": share, "bare": n_bare, "texts": len(texts)})


def tuning_fact(sweep: Dict[str, Any] | None, sweep_path: str) -> FactResult:
    """Whether the dropout and batch-size sweep (`tune.sweep`) beat the config's own values."""
    if sweep is None:
        return Missing("tuning", f"no hyperparameter sweep at {sweep_path}", "tune")
    best, base = sweep["best"], sweep["baseline"]
    gain = best["f"] - base["f"]
    answer = gain > chart.TUNING_GAIN
    summary = (
        f"best of {len(sweep['grid']) + 1} settings (the config's own included): dropout "
        f"{best['dropout']:g}, batch size "
        f"{best['batch_size']} → F {best['f']:.1f}, against {base['f']:.1f} with the config's "
        f"own (dropout {base['dropout']:g}, batch size {base['batch_size']}): {gain:+.1f} "
        f"(bar +{chart.TUNING_GAIN:.1f}); best config: {sweep.get('best_config')}"
    )
    value = {"answer": answer, "gain": round(gain, 2), "best": best, "baseline": base,
             "best_config": sweep.get("best_config")}  # fmt: skip
    return Fact("tuning", summary, value)


def pattern_scores(patterns: Path, gold: Union[str, Path], nlp: Language) -> Dict[str, Any]:
    """The patterns' rules-only scores on the gold texts of `gold`, as `evaluate-patterns`
    reports them (with the chart's bar for its advice)."""
    suggest = Preannotator.from_patterns(nlp, patterns).suggest
    try:
        scores = evaluate_rules(suggest, gold, nlp, [])
    except ValueError as err:
        raise PluginError("Cannot score the patterns", str(err)) from err
    return {"patterns": str(patterns), "data": str(gold), **scores}


def rules_fact(scores: Dict[str, Any] | None) -> FactResult:
    """Rules-only F from `pattern_scores` (None: no patterns given)."""
    if scores is None:
        return Missing(
            "rules",
            "no --patterns: the rules-only score is unknown (write patterns for your labels)",
            "evaluate_patterns",
        )
    value = {
        "f": scores["ents_f"],
        "p": scores["ents_p"],
        "r": scores["ents_r"],
        "n_examples": scores["n_examples"],
        "data": scores.get("data"),
        "advice": scores.get("advice"),
    }
    summary = (
        f"rules-only F {value['f'] * 100:.1f} (P {value['p'] * 100:.1f}, "
        f"R {value['r'] * 100:.1f}) on {value['n_examples']:,} gold texts of {value['data']}"
    )
    return Fact("rules", summary, value)


def evaluation_fact(
    data: AnnotationData,
    eval_docs: List[Doc] | None,
    eval_name: str | None,
    scores: Dict[str, Any] | None,
) -> FactResult:
    """Eval size, texts shared with the training annotations, training labels absent from eval.

    With a dedicated eval file its gold texts are compared with the training texts by hash;
    without one, `data-to-spacy` holds out texts by text (nothing shared), and the eval size and
    labels come from the scores `evaluate` wrote.
    """
    train_labels = set(data.label_counts())
    if eval_docs is not None:
        gold = [doc for doc in eval_docs if not is_partial(doc)]
        train_hashes = {text_hash(doc.text) for doc in data.docs}
        shared = sum(text_hash(doc.text) in train_hashes for doc in gold)
        n_eval = len(gold)
        eval_labels = {ent.label_ for doc in gold for ent in doc.ents}
        source = f"eval file {eval_name}"
    elif scores is not None:
        shared = 0
        n_eval = scores["n_examples"]
        eval_labels = set(scores.get("ents_per_type") or {})
        source = f"texts held out by data-to-spacy (scored in {scores.get('data')})"
    else:
        return Missing(
            "evaluation",
            "no --eval file, and no scores from evaluate to tell the eval set's size",
            "evaluate",
        )
    missing = sorted(train_labels - eval_labels)
    summary = (
        f"{n_eval:,} gold eval texts ({source}), {shared:,} of them also in the training "
        f"annotations, labels missing from eval: {', '.join(missing) or 'none'}; the bar: "
        f">= {chart.EVAL_MIN_TEXTS} texts, none shared, every label"
    )
    value = {"n_eval": n_eval, "shared": shared, "labels_missing": missing, "source": source}
    return Fact("evaluation", summary, value)


def curve_fact(curve: Dict[str, Any] | None, curve_path: str) -> FactResult:
    """The last segment of the train curve `train-curve` wrote, judged with its noise."""
    if curve is None:
        return Missing("curve", f"no train curve at {curve_path}", "train_curve")
    rows = curve["curve"]
    threshold = float(curve.get("threshold", 1.0))
    advice = curve_advice(rows, threshold)
    prev, last = rows[-2], rows[-1]
    noise = math.hypot(prev["f"]["std"], last["f"]["std"])
    value = {
        "verdict": advice.verdict,
        "gain": advice.gain,
        "noise": round(noise, 2),
        "margin": advice.margin,
        "threshold": threshold,
        "from": {"fraction": prev["fraction"], "examples": prev["n_examples"]},
        "to": {"fraction": last["fraction"], "examples": last["n_examples"]},
        "f": [round(prev["f"]["mean"], 2), round(last["f"]["mean"], 2)],
        "seeds": last.get("n_seeds", 1),
    }
    summary = (
        f"last segment {prev['fraction']:.0%} → {last['fraction']:.0%} "
        f"({prev['n_examples']:,} → {last['n_examples']:,} examples): F "
        f"{prev['f']['mean']:.1f} → {last['f']['mean']:.1f} ({advice.gain:+.1f}), seeds' "
        f"noise ±{noise:.1f} over {value['seeds']} seed(s), threshold {threshold:.1f}: "
        f"{advice.verdict}"
    )
    return Fact("curve", summary, value)


def labels_fact(known: Set[str], data: AnnotationData) -> Fact:
    """The base model's labels that the new data never annotates (they would be forgotten)."""
    counts = data.label_counts()
    missing = sorted(known - set(counts))
    summary = (
        f"base labels missing from the data: {', '.join(missing) or 'none'} "
        f"({len(known) - len(missing)} of {len(known)} present)"
    )
    value = {
        "base_labels": sorted(known),
        "user_labels": dict(sorted(counts.items())),
        "missing": missing,
        "new": sorted(set(counts) - known),
    }
    return Fact("labels", summary, value)


def _capitalised(tokens: Iterable[Any]) -> bool:
    return any(token.text[:1].isupper() for token in tokens)


def shape_fact(data: AnnotationData) -> FactResult:
    """Entity length and shape: long spans, lower-case phrases, overlapping or nested spans."""
    ents = [ent for doc in data.docs for ent in doc.ents]
    if not ents:
        return Missing("shape", "the annotations hold no entities", "preannotate")
    n = len(ents)
    long = sum(len(ent) > chart.LONG_SPAN_TOKENS for ent in ents)
    lower = sum(len(ent) >= chart.LOWER_PHRASE_TOKENS and not _capitalised(ent) for ent in ents)
    overlapping = data.stats.overlapping_spans + data.stats.nested_spans
    value = {
        "n_entities": n,
        "mean_tokens": round(sum(len(ent) for ent in ents) / n, 2),
        "long_share": long / n,
        "lower_phrase_share": lower / n,
        "capitalised_share": sum(_capitalised(ent) for ent in ents) / n,
        "overlap_share": overlapping / (n + overlapping),
        "length_buckets": dict(data.stats.length_buckets()),
    }
    summary = (
        f"{n:,} entities, {value['mean_tokens']} tokens on average; "
        f"{value['long_share']:.1%} longer than {chart.LONG_SPAN_TOKENS} tokens "
        f"(bar {chart.LONG_SPAN_SHARE:.0%}), {value['lower_phrase_share']:.1%} lower-case "
        f"phrases of {chart.LOWER_PHRASE_TOKENS}+ tokens (bar {chart.LOWER_PHRASE_SHARE:.0%}), "
        f"{value['capitalised_share']:.0%} capitalised, {overlapping} overlapping or nested "
        f"spans (bar {chart.OVERLAP_SHARE:.0%})"
    )
    return Fact("shape", summary, value)


def string_agreement(docs: Sequence[Doc], n_examples: int = 5) -> Dict[str, Any]:
    """How consistently each annotated string is treated wherever it occurs in gold texts.

    Every occurrence (case-sensitive) of a string annotated somewhere is either that exact span
    annotated with some label, or left "O"; occurrences inside or across other entities are
    not counted. A string's disagreements are its occurrences outside its majority treatment.
    """
    if not docs:
        return {"occurrences": 0, "disagreements": 0, "strings": 0, "examples": []}
    matcher = PhraseMatcher(docs[0].vocab, attr="ORTH")
    patterns: Dict[str, Doc] = {}
    for doc in docs:
        for ent in doc.ents:
            patterns.setdefault(ent.text, ent.as_doc())
    for key, pattern in patterns.items():
        matcher.add(key, [pattern])
    treatments: Dict[str, Counter] = defaultdict(Counter)
    for doc in docs:
        ents = {(ent.start, ent.end): ent.label_ for ent in doc.ents}
        for span in matcher(doc, as_spans=True):
            if (span.start, span.end) in ents:
                treatments[span.text][ents[span.start, span.end]] += 1
            elif all(token.ent_iob_ == "O" for token in span):
                treatments[span.text]["O"] += 1
    disagreements = {
        key: sum(c.values()) - max(c.values()) for key, c in treatments.items() if len(c) > 1
    }
    worst = sorted(disagreements, key=lambda key: -disagreements[key])[:n_examples]
    return {
        "occurrences": sum(sum(c.values()) for c in treatments.values()),
        "disagreements": sum(disagreements.values()),
        "strings": len(disagreements),
        "examples": [{"text": key, **dict(treatments[key])} for key in worst],
    }


def consistency_fact(data: AnnotationData) -> Fact:
    """String-level agreement of the gold annotations, and texts with conflicting answers."""
    agreement = string_agreement(data.gold_docs)
    occurrences = agreement["occurrences"]
    share = agreement["disagreements"] / occurrences if occurrences else 0.0
    conflict_share = data.stats.conflicts / data.stats.texts if data.stats.texts else 0.0
    shown = ", ".join(
        f"“{ex['text']}” ({', '.join(f'{k} {v}' for k, v in ex.items() if k != 'text')})"
        for ex in agreement["examples"][:3]
    )
    summary = (
        f"{agreement['disagreements']:,} of {occurrences:,} occurrences of annotated strings "
        f"({share:.1%}, bar {chart.DISAGREEMENT_SHARE:.0%}) go against their string's majority "
        f"treatment{': ' + shown if shown else ''}; {data.stats.conflicts} of "
        f"{data.stats.texts:,} texts have conflicting answers (bar {chart.CONFLICT_SHARE:.0%})"
    )
    value = {
        **agreement,
        "disagreement_share": share,
        "conflicts": data.stats.conflicts,
        "conflict_share": conflict_share,
    }
    return Fact("consistency", summary, value)


SHAPE = re.compile(r"^[Xxd]+$")


def spacy_names() -> Set[str]:
    """spaCy's built-in symbol and attribute names (`nmod`, `prep`, `ORTH`, ...): every string
    store holds them, so they say nothing about what a pipeline has read."""
    names = set(symbols.IDS) | set(attrs.IDS)
    return names | {name.lower() for name in names}


def base_vocabulary(nlp: Language) -> Set[str]:
    """The words a pipeline has seen: its vectors' keys and the strings its training texts
    left in the string store, without spaCy's symbol and attribute names, the pipeline's
    labels, word shapes (`Xxxxx`) and morphological features."""
    strings = nlp.vocab.strings
    words = {strings[key] for key in nlp.vocab.vectors.keys() if key in strings}
    labels = {label for _, pipe in nlp.pipeline for label in getattr(pipe, "labels", ())}
    skip = spacy_names() | {str(label) for label in labels}
    words |= {
        s for s in strings
        if s not in skip and not SHAPE.match(s) and "=" not in s and not s.isspace()
    }  # fmt: skip
    return words


def vocabulary_fact(known: Set[str], data: AnnotationData, base_model: str) -> FactResult:
    """Share of the data's content words (alphabetic, not stop words) the base model has seen.

    Function words are in every English vocabulary and would hide the difference, so the
    decision reads the content words; the share of all words is reported beside it.
    """
    words = [token for doc in data.docs for token in doc if token.is_alpha]
    content = [token for token in words if not token.is_stop]
    if not content:
        return Missing("vocabulary", "the annotations hold no words", "preannotate")

    def unseen(tokens: List[Any]) -> Counter:
        return Counter(t.lower_ for t in tokens if t.text not in known and t.lower_ not in known)

    missing = unseen(content)
    coverage = 1 - sum(missing.values()) / len(content)
    value = {
        "coverage": coverage,
        "coverage_all_words": 1 - sum(unseen(words).values()) / len(words),
        "tokens": len(content),
        "unseen_types": len(missing),
        "frequent_unseen": [word for word, _ in missing.most_common(8)],
    }
    summary = (
        f"{coverage:.1%} of the data's {len(content):,} content-word tokens are in "
        f"{base_model}'s vocabulary ({value['coverage_all_words']:.1%} of all words; bar "
        f"{chart.VOCAB_COVERAGE:.0%} of content words); most frequent unseen: "
        f"{', '.join(value['frequent_unseen']) or 'none'}"
    )
    return Fact("vocabulary", summary, value)


def scores_fact(scores: Dict[str, Any] | None, scores_path: str) -> FactResult:
    """The trained model's scores and error classes, as `evaluate` wrote them."""
    if scores is None:
        return Missing("scores", f"no scores from evaluate at {scores_path}", "evaluate")
    errors = scores.get("errors") or {}
    counts = errors.get("counts") or {}
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    f = model_f(scores, scores_path)
    summary = f"model F {f * 100:.1f} on {scores['n_examples']:,} texts" + (
        "; errors: " + ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in ranked if n)
        if ranked
        else ""
    )
    value = {
        "f": f,
        "model": scores.get("model"),
        "data": scores.get("data"),
        "errors": counts,
        "per_label": errors.get("per_label", {}),
    }
    return Fact("scores", summary, value)


def projection_fact(curve: Dict[str, Any] | None, top: int = 3) -> FactResult:
    """The labels where more data is predicted to pay most: the train curve's points fitted
    per label (`curve.projection.project`), ranked by the predicted F gain at twice the data."""
    if curve is None or not curve.get("points"):
        return Missing("projection", "no train-curve points to project", "train_curve")
    try:
        from ..curve.projection import project
    except ImportError:  # an older plugin without the projection
        return Missing("projection", "this version cannot project train curves", "train_curve")
    try:
        projection = project(curve["points"])
    except PluginError as err:
        return Missing("projection", f"cannot project the curve: {err}", "train_curve")
    ranked = []
    for label, found in projection["labels"].items():
        last = max(found.get("predictions") or [], key=lambda p: p["factor"], default=None)
        if last is not None:
            gain = last.get("gain", last["f"] - found["now"]["f"])
            ranked.append({"label": label, "gain": gain, **last, "now": found["now"]["f"]})
    if not ranked:
        return Missing(
            "projection", "no label has points at enough data sizes to fit", "train_curve"
        )
    ranked.sort(key=lambda r: (-r["gain"], r["label"]))
    best = [r["label"] for r in ranked[:top] if r["gain"] > 0]
    shown = ", ".join(
        f"{r['label']} {r['now'] * 100:.1f} → {r['f'] * 100:.1f} "
        f"[{r['low'] * 100:.1f}, {r['high'] * 100:.1f}] at {r['factor']:g}× ({r['examples']:,} ex.)"
        for r in ranked[:top]
    )
    summary = f"predicted per-label F with twice the data (95% interval): {shown}"
    return Fact("projection", summary, {"labels": best, "ranked": ranked})
