"""spaCy plugin for the NER annotation-to-model workflow: convert, pre-annotate, train, review."""

__version__ = "0.1.0"
