"""A teach session: questions from a model (one suggested span each, with its score) and
`update` to train the model on the answers, so later questions come from the updated model.

The recipe `ner.teach` needs any object with `questions()` (an iterator of tasks, pulled
lazily) and `update(answers)`; `make_teach_session` builds the one it uses. `ModelTeachSession`
is the small built-in one: the entity recognizer's beam gives every candidate entity of a text
a probability, the most uncertain candidates of each text are asked first, and answers train
the recognizer (accepts as entities with the other tokens unknown; rejects as negative
evidence when the `ner` component has an `incorrect_spans_key`, else counted only).
"""

from typing import Any, Dict, Iterable, Iterator, List, Optional, Protocol

from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example

from ..io.hashing import set_hashes

Task = Dict[str, Any]


class TeachSession(Protocol):
    def questions(self) -> Iterator[Task]: ...

    def update(self, answers: List[Task]) -> Any: ...


class ModelTeachSession:
    """Questions from the `ner` component's beam; `update` trains it on each batch."""

    def __init__(
        self,
        nlp: Language,
        tasks: Iterable[Task],
        labels: Optional[Iterable[str]] = None,
        beam_width: int = 16,
        min_score: float = 0.01,
    ) -> None:
        if "ner" not in nlp.pipe_names:
            raise ValueError("ner.teach needs a pipeline with an 'ner' component")
        self.nlp = nlp
        self.ner = nlp.get_pipe("ner")
        self.tasks = tasks
        self.labels = set(labels) if labels else None
        self.beam_width = beam_width
        self.min_score = min_score
        self.version = 0
        self.n_updates = 0
        self.unused_rejects = 0
        self._optimizer = None

    def questions(self) -> Iterator[Task]:
        """One question per candidate entity, the most uncertain of each text first."""
        for task in self.tasks:
            doc = self._doc(task)
            candidates = self.score(doc)
            ranked = sorted(candidates.items(), key=lambda kv: (abs(kv[1] - 0.5), kv[0]))
            for (start, end, label), score in ranked:
                if score < self.min_score:
                    continue
                span = doc[start:end]
                question = {
                    "text": task["text"],
                    "tokens": task["tokens"],
                    "spans": [
                        {
                            "start": span.start_char,
                            "end": span.end_char,
                            "token_start": start,
                            "token_end": end - 1,
                            "label": label,
                        }
                    ],
                    "meta": {**task.get("meta", {}), "score": round(score, 4)},
                    "_model_version": self.version,
                }
                yield set_hashes(question, overwrite=True)

    def score(self, doc: Doc) -> Dict[tuple, float]:
        """Each `(start, end, label)` the beam proposes, with the sum of its parses' scores."""
        beams = self.ner.beam_parse([doc], beam_width=self.beam_width, beam_density=0.0001)
        scores: Dict[tuple, float] = {}
        for prob, parse in self.ner.moves.get_beam_parses(beams[0]):
            for start, end, label in parse:
                if self.labels is None or label in self.labels:
                    scores[(start, end, label)] = scores.get((start, end, label), 0.0) + prob
        return scores

    def update(self, answers: List[Task]) -> Dict[str, float]:
        """Train on a batch of answers; every later question comes from the new weights."""
        examples = [eg for eg in (self._example(a) for a in answers) if eg is not None]
        losses: Dict[str, float] = {}
        if examples:
            if self._optimizer is None:
                self._optimizer = self.nlp.resume_training()
            self.nlp.update(examples, sgd=self._optimizer, losses=losses)
            self.version += 1
            self.n_updates += len(examples)
        return losses

    def _doc(self, task: Task) -> Doc:
        words = [t["text"] for t in task["tokens"]]
        spaces = [bool(t.get("ws")) for t in task["tokens"]]
        return Doc(self.nlp.vocab, words=words, spaces=spaces)

    def _example(self, answer: Task) -> Optional[Example]:
        spans = answer.get("spans") or []
        if answer.get("answer") not in ("accept", "reject") or len(spans) != 1:
            return None
        doc = self._doc(answer)
        span = spans[0]
        start, end = span["token_start"], span["token_end"] + 1
        if answer["answer"] == "accept":
            tags = ["-"] * len(doc)
            if end - start == 1:
                tags[start] = f"U-{span['label']}"
            else:
                tags[start:end] = (
                    [f"B-{span['label']}"]
                    + [f"I-{span['label']}"] * (end - start - 2)
                    + [f"L-{span['label']}"]
                )
            return Example.from_dict(doc, {"entities": tags})
        key = self.ner.incorrect_spans_key
        if key is None:
            self.unused_rejects += 1
            return None
        reference = {"spans": {key: [(span["start"], span["end"], span["label"])]}}
        return Example.from_dict(doc, {"entities": ["-"] * len(doc), **reference})


def make_teach_session(
    nlp: Language, tasks: Iterable[Task], labels: Optional[List[str]] = None
) -> TeachSession:
    """The teach session of `ner.teach` (the built-in one; swap in another here)."""
    return ModelTeachSession(nlp, tasks, labels)
