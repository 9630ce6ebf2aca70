"""The typer app every step registers on, and helpers shared by the step modules."""

from pathlib import Path
from typing import Optional

import spacy
import typer
from spacy.language import Language
from wasabi import Printer

msg = Printer()

app = typer.Typer(
    name="spacy_ner_plugin",
    help="NER annotation-to-model workflow steps for spaCy projects.",
    no_args_is_help=True,
    add_completion=False,
)

COMMAND = "python -m spacy_ner_plugin"


def load_tokenizer_pipeline(lang: str = "en", base_model: Optional[str] = None) -> Language:
    """The pipeline whose tokenizer and vocab build Docs: a base model, or a blank `lang`."""
    if base_model:
        return spacy.load(base_model)
    return spacy.blank(lang)


def ensure_inputs_exist(*paths: Optional[Path]) -> None:
    """Fail with a clear message before any work if an input file is missing."""
    for path in paths:
        if path is not None and not Path(path).exists():
            msg.fail("Input not found", str(path), exits=1)
