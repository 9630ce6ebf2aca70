"""The app `annotate` serves, built from its options once they are checked, and serving it:
importable without the app extra, so that a missing FastAPI is a usage error, not a traceback."""

from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Tuple

from ..db.inputs import database_file
from ..errors import UsageError
from ..io.files import check_overwrites

if TYPE_CHECKING:  # the app extra
    from fastapi import FastAPI

    from .server import Annotation

EXTRA_HINT = "pip install 'spacy_ner_plugin[app]'"


def annotation_app(
    recipe_name: str,
    dataset: str,
    source: str,
    recipe_options: Dict[str, Any],
    *,
    db: str | None = None,
    guidelines: Path | None = None,
    **serving: Any,
) -> Tuple["FastAPI", "Annotation"]:
    """`server.make_app` for `annotate`: the recipe options given (not None), a blank `en`
    tokenizer unless a model or language is named (not both), no input that is the database;
    `serving`: make_app's other keyword arguments. `UsageError` for an unreadable `guidelines`
    file too."""
    options = {k: v for k, v in recipe_options.items() if v is not None}
    if options.get("model") and options.get("lang"):
        raise UsageError("Give --model or --lang, not both")
    options.setdefault("lang", "en")
    inputs = [source, options.get("patterns"), options.get("model"), options.get("config")]
    check_overwrites([*inputs, guidelines], [database_file(db)])
    try:
        import uvicorn  # noqa: F401  (what serves the app)

        from . import server
    except ImportError as err:
        raise UsageError("The annotation app needs its extra", EXTRA_HINT) from err
    return server.make_app(
        recipe_name, dataset, source, db=db, guidelines=guidelines, **serving, **options
    )


def serve(web_app: "FastAPI", host: str, port: int) -> None:
    """Serve `web_app` (this app, or the Label Studio backend's) until interrupted."""
    import uvicorn  # the app extra, which building the app found

    uvicorn.run(web_app, host=host, port=port, log_level="warning")
