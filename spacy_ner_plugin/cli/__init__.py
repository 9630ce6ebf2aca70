"""Typer commands, one module per step; importing this package registers them on `app`."""

from ._util import app
from .data_to_spacy import data_to_spacy
from .evaluate import evaluate

__all__ = ["app", "data_to_spacy", "evaluate"]
