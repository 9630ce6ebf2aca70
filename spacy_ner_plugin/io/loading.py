"""What a user names to load: a pipeline (package name or path) or a blank language, and a
Python file of registered functions (`--code`), each failing as a `PluginError` that says what."""

from pathlib import Path

import spacy
from spacy.language import Language
from spacy.util import import_file

from ..errors import PluginError, UsageError


def import_code(code_path: Path | None) -> None:
    """Import a Python file with the user's registered functions (`--code`), as spaCy does."""
    if code_path is None:
        return
    if not Path(code_path).is_file():
        raise UsageError("Code file not found", str(code_path))
    try:
        import_file("python_code", code_path)
    except Exception as err:  # the user's code may raise anything; say whose code it was
        raise PluginError(f"Cannot import {code_path}", f"{type(err).__name__}: {err}") from err


def load_pipeline(lang: str = "en", base_model: str | None = None) -> Language:
    """A pipeline (package name or path: the model to run, or whose tokenizer and vocab build
    Docs), or a blank `lang`."""
    try:
        return spacy.load(base_model) if base_model else spacy.blank(lang)
    except (OSError, ImportError) as err:
        raise PluginError("Cannot load the pipeline", str(err)) from err
