"""Active correction: the model picks the sentences it is least sure of, suggests their entities,
and learns from each batch of corrected, complete annotations.

`CorrectSession` is a `TeachSession` whose questions are whole sentences in the manual view
(`ner_manual`) instead of one span each: the same beam scorer scores every candidate span of a
sentence, the sentence's score is that of its candidate the sorter prefers most (for
`prefer_uncertain`: the span closest to 0.5; no candidate at all: 0.0, the model is sure there
is nothing), and the same sorter picks the sentences. The model's entities come
pre-highlighted: the spans in more than half of the beam's probability mass (they cannot
overlap: two overlapping spans are never in the same analysis). An annotator corrects them to
a complete annotation, and `update(answers)` trains the in-memory copy on it as gold (every
token not in an entity is "O"), seeded like the teach session's updates, so the sentences read
after it are scored and suggested by the updated model:

    session = CorrectSession.load("training/model-best", labels=["BRAND"])
    questions = session.questions(srsly.read_jsonl("raw.jsonl"))
    while batch := list(islice(questions, 5)):
        session.update([correct(task) for task in batch])  # spans corrected, "answer": "accept"
"""

from typing import Any, Dict, List

from spacy.tokens import Doc

from ..annotations.docs import prodigy_tokens
from ..constants import MANUAL_VIEW
from ..io.hashing import set_hashes
from .scoring import Scored
from .session import TeachSession
from .updates import gold_docs

# A span in more than this share of the beam's probability mass is one of the model's entities.
ENTITY_SCORE = 0.5


class CorrectSession(TeachSession):
    """Correct the model's entities on the sentences it is least sure of; learn from each batch
    of complete annotations. Takes `TeachSession`'s arguments (`patterns` excepted: the
    suggestions are the model's; `update_fill` and `max_answers_per_string` do not apply)."""

    # A sentence is asked once, whatever the model suggests in it after an update.
    question_key = "_input_hash"
    # The answers are complete annotations: `learn_rate` applies, not `binary_learn_rate`.
    binary_answers = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("patterns") is not None:
            raise ValueError("a correct session suggests the model's entities only (no patterns)")
        super().__init__(*args, **kwargs)

    def answer_docs(self, answers: List[Dict[str, Any]]) -> List[Doc]:
        """The training docs of a batch of accepted complete annotations, the latest answer
        about a sentence winning (rejected and ignored answers train nothing)."""
        return gold_docs(self.nlp, answers)

    def _sentence_candidates(
        self, record: Dict[str, Any], doc: Doc, scores: Dict[Any, float], keep: Any
    ) -> List[Scored]:
        """One question per sentence: its text, the model's entities, and the sentence's score."""
        kept = {span: score for span, score in scores.items() if keep(span[2])}
        score = max(kept.values(), key=self.sorter.priority, default=0.0)
        tokens = prodigy_tokens(doc)
        entities = sorted(span for span, p in kept.items() if p > ENTITY_SCORE)
        spans = [
            {
                "start": tokens[start]["start"],
                "end": tokens[end - 1]["end"],
                "token_start": start,
                "token_end": end - 1,
                "label": label,
                "source": self.source,
            }
            for start, end, label in entities
        ]
        task: Dict[str, Any] = {
            "text": doc.text,
            "tokens": tokens,
            "spans": spans,
            "meta": {**(record.get("meta") or {}), "score": round(score, 4)},
            "_view_id": MANUAL_VIEW,
        }
        if "_line" in record:  # where the sentence's text was read (the app's progress)
            task["_line"] = record["_line"]
        return [(score, set_hashes(task, overwrite=True))]

    def _answered_enough(self, task: Dict[str, Any]) -> bool:
        """Never: a sentence is asked whole, whatever was answered about its strings."""
        return False
