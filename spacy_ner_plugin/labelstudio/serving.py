"""The backend `ls-backend` serves and its app: importable without the app extra, so that a
missing FastAPI is a usage error, not a traceback."""

from pathlib import Path
from typing import TYPE_CHECKING, Sequence, Tuple

from ..db.database import Database
from ..db.inputs import database_file
from ..errors import PluginError, UsageError
from ..io.files import check_overwrites
from .backend import LabelStudioBackend

if TYPE_CHECKING:  # the app extra
    from fastapi import FastAPI


def backend_app(
    db: str | None,
    *,
    patterns: Path | None = None,
    model: str | None = None,
    lang: str | None = None,
    labels: Sequence[str] | None = None,
) -> Tuple["FastAPI", LabelStudioBackend]:
    """The FastAPI app over a `LabelStudioBackend.from_options` that stores into database
    `db` (opened only once the options are checked and the extra is found)."""
    if model and lang:
        raise UsageError("Give --model or --lang, not both")
    if patterns is not None and not Path(patterns).exists():
        raise PluginError("Input not found", str(patterns))
    check_overwrites([patterns, model], [database_file(db)])
    try:
        import uvicorn  # noqa: F401  (what serves the app)

        from .server import create_app
    except ImportError as err:
        raise UsageError(
            "The Label Studio backend needs the app extra", "pip install 'spacy_ner_plugin[app]'"
        ) from err
    patterns_path = str(patterns) if patterns else None
    backend = LabelStudioBackend.from_options(
        Database(db), patterns=patterns_path, model=model, lang=lang or "en", labels=labels
    )
    return create_app(backend), backend
