"""Active learning (ner.teach): beam-scored candidates, stream sorters, patterns for the cold
start, and a session that updates a copy of the model from each batch of answers; active
correction (ner.correct with the model in the loop) on the same engine."""

from .correct import CorrectSession
from .mixing import PatternScorer
from .scoring import BeamScorer, score_texts
from .session import Exclusions, TeachSession
from .sorters import Sorter

__all__ = [
    "BeamScorer",
    "CorrectSession",
    "Exclusions",
    "PatternScorer",
    "Sorter",
    "TeachSession",
    "score_texts",
]
