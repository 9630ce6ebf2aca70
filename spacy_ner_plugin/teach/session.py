"""The model in the loop: questions from a model that learns from each batch of answers.

`TeachSession` holds an in-memory copy of a trained pipeline (the pipeline on disk is never
changed). `questions(texts)` is a lazy stream: texts are split into sentences, every candidate
entity is scored by the beam (pattern matches interleaved when patterns are given), tasks
already answered or asked are dropped, and the sorter picks the questions. `update(answers)`
trains the copy on a batch of answers, as the same docs fill-binary trains on (accepted span →
entity, rejected → `incorrect_spans`, every other token missing), so the questions read after
it come from the updated model (the texts of the beam batch not yet read are scored again).
So that the model does not drift, each update also trains on `replay` earlier gold texts (the
complete annotations in `exclude` and those answered in the session), its step is ramped up
over the first `warmup_updates`, and the model predicts with averaged weights
(`average_weights`; see `updates`).
Every question carries `_model_version`, the number of updates applied before it was scored
(and `_line` when its text's record has one). The randomness of the updates (dropout) is the
session's own, seeded by `seed`: the same model, texts, answers and seed give the same
questions. A tool, the app's `ner.teach`, or a notebook drives the loop:

    session = TeachSession.load("training/model-best", labels=["BRAND"])
    questions = session.questions(srsly.read_jsonl("raw.jsonl"))
    while batch := list(islice(questions, 10)):
        session.update([ask(task) for task in batch])  # task + "answer": accept/reject/ignore
"""

import random
import time
from collections import Counter, defaultdict
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import (
    Any,
    ContextManager,
    Dict,
    Iterable,
    Iterator,
    List,
    Sequence,
    Set,
    Tuple,
    Union,
)

import numpy
import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import load_model_from_config

from ..annotations.docs import prodigy_tokens
from ..annotations.kinds import answer_kind
from ..annotations.merge import Answer, merge_answers
from ..binary.beam import find_ner
from ..binary.fill import fill_outside
from ..constants import BINARY, GOLD, INCORRECT_SPANS_KEY
from ..io.hashing import task_hash, text_hash
from ..patterns.matcher import Pattern
from .mixing import PatternScorer, interleave
from .scoring import (
    BeamScorer,
    Scored,
    Segmenter,
    batched,
    model_source,
    scored_sentences,
    span_task,
)
from .sorters import Sorter, create_prefer_uncertain
from .updates import AveragedWeights, Replay, gold_docs, warmup_rate

UPDATE_FILLS = ("missing", "outside")


@dataclass
class TeachCounts:
    """What the session did: texts read and skipped, candidates scored, questions, answers,
    and the seconds spent scoring and updating."""

    texts: int = 0
    texts_excluded: int = 0
    sentences: int = 0
    candidates: int = 0
    candidates_excluded: int = 0
    candidates_string_answered: int = 0
    questions: int = 0
    answers: int = 0
    updates: int = 0
    scoring_s: float = 0.0
    update_s: float = 0.0
    replayed: int = 0

    @property
    def seconds_per_question(self) -> float:
        """Scoring and updating time per question asked so far."""
        return (self.scoring_s + self.update_s) / self.questions if self.questions else 0.0


@dataclass
class Exclusions:
    """What not to ask again: answered tasks (by task hash), texts fully annotated already
    (by input hash), and how often each string was answered with each label (binary answers,
    accepted or rejected), so that a string answered often enough is not asked again. The
    accepted complete annotations (`gold`, the latest per text) are what updates replay."""

    tasks: Set[int] = field(default_factory=set)
    inputs: Set[int] = field(default_factory=set)
    strings: Counter[Tuple[str, str]] = field(default_factory=Counter)
    gold: Dict[int, Dict[str, Any]] = field(default_factory=dict)

    def add_answers(self, records: Iterable[Dict[str, Any]]) -> None:
        """Exclude every answered task; a text with an accepted complete (gold) annotation is
        excluded whole. Stored hashes are honoured, and recomputed ones too."""
        for record in records:
            text = record.get("text")
            if not isinstance(text, str):
                continue
            if isinstance(record.get("_task_hash"), int):
                self.tasks.add(record["_task_hash"])
            self.tasks.add(task_hash(record))
            kind = answer_kind(record)
            if kind == GOLD and record.get("answer", "accept") == "accept":
                self.inputs.add(text_hash(text))
                self.gold[text_hash(text)] = record
                if isinstance(record.get("_input_hash"), int):
                    self.inputs.add(record["_input_hash"])
            elif kind == BINARY and record.get("answer") in ("accept", "reject"):
                self.strings.update(span_string(text, span) for span in record.get("spans") or [])

    def string_answers(self, task: Dict[str, Any]) -> int:
        """How often the string of a question's span was answered with its label."""
        return self.strings[span_string(task["text"], task["spans"][0])]


def span_string(text: str, span: Dict[str, Any]) -> Tuple[str, str]:
    """A span's `(string, label)`, as answers about the same string are counted."""
    return text[span.get("start", 0) : span.get("end", 0)], str(span.get("label"))


class TeachSession:
    """Ask what the model is least sure of; learn from each batch of answers.

    `labels`: those to ask about (default: all the ner's; one it lacks raises ValueError
    unless `new_labels`). `patterns`: a pattern file or `Pattern` list whose matches are asked
    about too. `scorer`, `sorter`: a `BeamScorer` and a `Sorter` (defaults: beam 16, density
    1e-4; prefer_uncertain). `segment`: one question per sentence. `exclude`: `Exclusions`
    (answered tasks, annotated texts). `score_batch_size`: texts per beam batch. `drop`,
    `update_fill` ("missing" or "outside"): how `update` trains. `seed`: of the updates'
    randomness. `max_answers_per_string`: a string answered this many times with a label (in
    this session or in `exclude`) is not asked about with that label again. `replay`: earlier
    gold texts trained on again in each update; `warmup_updates`: updates over which the step
    size ramps up to `learn_rate` (None: the pipeline's training config's; for binary answers
    `binary_learn_rate`, unless None); `average_weights`:
    predict with the moving average of the weights. `copy`: work on a copy of `nlp` (`load`
    skips it: the loaded pipeline is already one).
    """

    # What makes a question the one asked before: its task hash (the text and the one span).
    question_key = "_task_hash"
    # The answers are yes/no on one span each (their updates take `binary_learn_rate`).
    binary_answers = True

    def __init__(
        self,
        nlp: Language,
        labels: Sequence[str] | None = None,
        *,
        patterns: Union[str, Path, Sequence[Pattern]] | None = None,
        scorer: BeamScorer | None = None,
        sorter: Sorter | None = None,
        segment: bool = True,
        exclude: Exclusions | None = None,
        score_batch_size: int = 16,
        drop: float = 0.1,
        update_fill: str = "missing",
        new_labels: bool = False,
        seed: int = 0,
        max_answers_per_string: int = 3,
        replay: int = 40,
        warmup_updates: int = 20,
        learn_rate: float | None = None,
        binary_learn_rate: float | None = 0.0001,
        average_weights: bool = True,
        copy: bool = True,
    ) -> None:
        if update_fill not in UPDATE_FILLS:
            raise ValueError(f"unknown update_fill {update_fill!r} (expected {UPDATE_FILLS})")
        if max_answers_per_string < 1:
            raise ValueError(
                f"max_answers_per_string must be at least 1, got {max_answers_per_string}"
            )
        self.nlp = copy_pipeline(nlp) if copy else nlp
        self.scorer = scorer or BeamScorer()
        self.ner_name = find_ner(self.nlp, self.scorer.component)
        ner = self.nlp.get_pipe(self.ner_name)
        self.labels = list(labels) if labels else sorted(ner.labels)
        self.added_labels = [label for label in self.labels if label not in ner.labels]
        if self.added_labels and not new_labels:
            raise ValueError(
                f"label(s) {self.added_labels} unknown to the {self.ner_name!r} component "
                f"(it predicts {', '.join(sorted(ner.labels))})"
            )
        for label in self.added_labels:
            ner.add_label(label)
        self.neg_key = _ensure_negative_key(ner)
        self.optimizer = self.nlp.resume_training()
        self.trained = _trained_with(self.nlp, self.ner_name)
        self.learn_rate = self.optimizer.learn_rate if learn_rate is None else learn_rate
        if self.binary_answers and binary_learn_rate is not None:
            self.learn_rate = binary_learn_rate
        self.warmup_updates = warmup_updates
        self.replay = Replay(replay, seed)
        self.averaged = (
            AveragedWeights(self.nlp, self.trained, self.optimizer) if average_weights else None
        )
        self.patterns = (
            PatternScorer(self.nlp, patterns, self.labels) if patterns is not None else None
        )
        self.sorter = sorter if sorter is not None else create_prefer_uncertain()
        self.segmenter = Segmenter(self.nlp, self.ner_name, segment)
        self.exclude = exclude if exclude is not None else Exclusions()
        self.asked: Set[int] = set()
        self.score_batch_size = score_batch_size
        self.drop = drop
        self.update_fill = update_fill
        self.max_answers_per_string = max_answers_per_string
        self.source = model_source(self.nlp)
        self.counts = TeachCounts()
        self.randomness = Randomness(seed)

    @property
    def version(self) -> int:
        """The model's version: how many updates it has had."""
        return self.counts.updates

    @classmethod
    def load(cls, model: Union[str, Path], labels: Sequence[str] | None = None, **kwargs: Any):
        """A session on a pipeline loaded from a package name or path (the copy in memory)."""
        return cls(spacy.load(model), labels, copy=False, **kwargs)

    def questions(self, texts: Iterable[Union[str, Dict[str, Any]]]) -> Iterator[Dict[str, Any]]:
        """The stream of questions about `texts` (strings or `{"text", "meta"}` records)."""
        return self._remember(self.sorter(self.candidates(texts)))

    def candidates(self, texts: Iterable[Union[str, Dict[str, Any]]]) -> Iterator[Scored]:
        """`(score, task)` for every candidate not answered or asked before, model and pattern
        candidates of each sentence taken in turn; scored lazily, a batch of texts at a time.

        After an update, the texts of the batch not yet read through are scored again, so each
        candidate comes from the model as it is when the candidate is read."""
        for records in batched(self._new_texts(texts), self.score_batch_size):
            while records:
                version = self.version
                rest: List[Dict[str, Any]] = []
                for i, found in enumerate(self._score(records)):
                    for n, (score, task) in enumerate(found):
                        if not self._is_new(task):
                            continue
                        yield score, task
                        if self.version != version:  # updated: score the rest of the batch again
                            rest = records[i + 1 :] if n == len(found) - 1 else records[i:]
                            break
                    if self.version != version:
                        break
                records = rest

    def update(self, answers: Iterable[Dict[str, Any]]) -> Dict[str, float]:
        """Train the in-memory model on a batch of answered tasks; return the losses.

        Answers about the same text merge into one doc; `ignore` answers only stop the task
        from being asked again. Pattern answers also update their pattern's score. `replay`
        gold texts answered before this batch are trained on with it.
        """
        start = time.perf_counter()
        answers = list(answers)
        docs = self.answer_docs(answers)
        replayed = self.replay.draw(self.exclude.gold) if docs else []
        self.counts.answers += len(answers)
        self.exclude.add_answers(answers)
        if self.patterns is not None:
            self.patterns.update(answers)
        docs += gold_docs(self.nlp, replayed)
        examples = [Example(_unannotated(doc), doc) for doc in docs]
        losses: Dict[str, float] = {}
        if examples:
            self.optimizer.learn_rate = warmup_rate(
                self.learn_rate, self.warmup_updates, self.counts.updates
            )
            with self.randomness.active(), self._training_weights():
                self.nlp.update(
                    examples,
                    sgd=self.optimizer,
                    drop=self.drop,
                    losses=losses,
                    exclude=[name for name in self.nlp.pipe_names if name not in self.trained],
                )
            self.counts.updates += 1
            self.counts.replayed += len(replayed)
        self.counts.update_s += time.perf_counter() - start
        return losses

    def _training_weights(self) -> ContextManager[None]:
        """The weights an update trains: the raw ones when the model predicts with averages."""
        return self.averaged.training() if self.averaged is not None else nullcontext()

    def answer_docs(self, answers: Iterable[Dict[str, Any]]) -> List[Doc]:
        """The training docs of a batch of answers, merged per text as data-to-spacy does."""
        by_text: Dict[int, List[Answer]] = defaultdict(list)
        for i, record in enumerate(answers):
            if record.get("answer") in ("accept", "reject") and isinstance(record.get("text"), str):
                by_text[text_hash(record["text"])].append(Answer("answers", i + 1, record, BINARY))
        docs = []
        for group in by_text.values():
            merged = merge_answers(group, self.nlp, policy="latest")
            if merged.doc is None:
                continue
            doc = merged.doc
            if self.neg_key != INCORRECT_SPANS_KEY and INCORRECT_SPANS_KEY in doc.spans:
                doc.spans[self.neg_key] = doc.spans[INCORRECT_SPANS_KEY]
            docs.append(fill_outside(doc) if self.update_fill == "outside" else doc)
        return docs

    def _score(self, records: List[Dict[str, Any]]) -> List[List[Scored]]:
        """Each record's candidates, by the model as it is now (`_model_version`)."""
        start = time.perf_counter()
        keep = set(self.labels).__contains__
        found: List[List[Scored]] = [[] for _ in records]
        for i, doc, scores in scored_sentences(self.nlp, records, self.segmenter, self.scorer):
            self.counts.sentences += 1
            if text_hash(doc.text) not in self.exclude.inputs:
                found[i].extend(self._sentence_candidates(records[i], doc, scores, keep))
        for _, task in (candidate for candidates in found for candidate in candidates):
            task["_model_version"] = self.version
        self.counts.scoring_s += time.perf_counter() - start
        return found

    def _is_new(self, task: Dict[str, Any]) -> bool:
        """Whether a candidate was never answered or asked, and its string was not answered
        `max_answers_per_string` times with its label (counted either way)."""
        if task["_task_hash"] in self.exclude.tasks or task[self.question_key] in self.asked:
            self.counts.candidates_excluded += 1
            return False
        if self._answered_enough(task):
            self.counts.candidates_string_answered += 1
            return False
        self.counts.candidates += 1
        return True

    def _answered_enough(self, task: Dict[str, Any]) -> bool:
        """Whether the question's string was answered `max_answers_per_string` times."""
        return self.exclude.string_answers(task) >= self.max_answers_per_string

    def _new_texts(self, texts: Iterable[Union[str, Dict[str, Any]]]) -> Iterator[Dict[str, Any]]:
        for text in texts:
            record = {"text": text} if isinstance(text, str) else text
            if not isinstance(record.get("text"), str) or not record["text"].strip():
                continue
            self.counts.texts += 1
            if text_hash(record["text"]) in self.exclude.inputs:
                self.counts.texts_excluded += 1
                continue
            yield record

    def _sentence_candidates(
        self, record: Dict[str, Any], doc: Doc, scores: Dict[Any, float], keep: Any
    ) -> List[Scored]:
        tokens = prodigy_tokens(doc)
        meta = record.get("meta")
        model = [
            (scores[span], span_task(doc, tokens, span, scores[span], meta, source=self.source))
            for span in sorted(s for s in scores if keep(s[2]))
        ]
        found = model
        if self.patterns is not None:
            matched = [
                (score, span_task(doc, tokens, span, score, meta, **info))
                for score, span, info in self.patterns(doc)
            ]
            found = list(interleave(model, matched))
        if "_line" in record:  # where the question's text was read (the app's progress)
            for _, task in found:
                task["_line"] = record["_line"]
        return found

    def _remember(self, tasks: Iterable[Dict[str, Any]]) -> Iterator[Dict[str, Any]]:
        for task in tasks:
            if task[self.question_key] in self.asked:  # the same span from model and patterns
                continue
            self.asked.add(task[self.question_key])
            self.counts.questions += 1
            yield task


class Randomness:
    """A session's own random state (Python's and numpy's, which spaCy's updates draw from:
    dropout, the parser's oracle cut), swapped in around each update: seeded, the updates are
    reproducible, and the caller's random state is left as it was."""

    def __init__(self, seed: int) -> None:
        self.python = random.Random(seed).getstate()
        self.numpy = numpy.random.RandomState(seed).get_state()

    @contextmanager
    def active(self) -> Iterator[None]:
        saved = random.getstate(), numpy.random.get_state()
        random.setstate(self.python)
        numpy.random.set_state(self.numpy)
        try:
            yield
        finally:
            self.python, self.numpy = random.getstate(), numpy.random.get_state()
            random.setstate(saved[0])
            numpy.random.set_state(saved[1])


def copy_pipeline(nlp: Language) -> Language:
    """An independent copy of a pipeline (config and weights), so updates leave `nlp` as it is."""
    copy = load_model_from_config(nlp.config, auto_fill=False, validate=False)
    return copy.from_bytes(nlp.to_bytes())


def _ensure_negative_key(ner: Any) -> str:
    """The span group the ner reads rejected spans from; set on a ner that has none, so that
    rejects are negative evidence (the pipeline on disk is unchanged)."""
    key = ner.cfg.get("incorrect_spans_key")
    if key is None:
        key = INCORRECT_SPANS_KEY
        ner.cfg["incorrect_spans_key"] = key
        ner.moves.cfg["neg_key"] = key
    return key


def _trained_with(nlp: Language, ner_name: str) -> Set[str]:
    """The ner and the shared embedding components it listens to: what an update trains."""
    return {ner_name} | {
        name
        for name, pipe in nlp.pipeline
        if ner_name in (getattr(pipe, "listening_components", None) or [])
    }


def _unannotated(doc: Doc) -> Doc:
    return Doc(doc.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])
