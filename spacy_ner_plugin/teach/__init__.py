"""Active learning (ner.teach): beam-scored candidates, stream sorters, patterns for the cold
start, and a session that updates a copy of the model from each batch of answers."""

from .mixing import PatternScorer
from .scoring import BeamScorer, score_texts
from .session import Exclusions, TeachSession
from .sorters import Sorter

__all__ = ["BeamScorer", "Exclusions", "PatternScorer", "Sorter", "TeachSession", "score_texts"]
