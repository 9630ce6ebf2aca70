"""`ls-backend`: serve pre-annotation to Label Studio as an ML backend that learns from its
annotations."""

from pathlib import Path
from typing import Annotated, List

import typer

from ..db.database import Database, safe_url
from ..db.inputs import database_file
from ..errors import UsageError
from ..io.files import check_overwrites
from ._util import app, ensure_inputs_exist, printer, reports_errors, split_labels
from .options import Db, Labels


@app.command("ls-backend")
def ls_backend_cli(
    patterns: Annotated[Path | None, typer.Option("--patterns", "-p", exists=True,
        dir_okay=False, help="Pattern JSONL whose matches are predicted")] = None,
    model: Annotated[str | None, typer.Option("--model", "-m",
        help="Pipeline whose entities are predicted (and that learns): package or path")] = None,
    lang: Annotated[str | None, typer.Option("--lang",
        help="Language of a blank tokenizer (instead of --model); default en")] = None,
    labels: Labels = "",
    db: Db = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on")] = 9090,
) -> None:  # fmt: skip
    """Serve Label Studio as its ML backend: predictions, and learning from its annotations.

    Predictions come from the patterns and/or the model, for the project's <Labels> over
    <Text>. Every annotation Label Studio's webhook sends is stored in the dataset
    ls-project-ID and learnt by the served model (in memory; each update bumps the model
    version). Connect it in Label Studio under Settings > Model (docs/label_studio.md).
    """
    with reports_errors():
        ls_backend(
            patterns=patterns, model=model, lang=lang, labels=split_labels(labels), db=db,
            host=host, port=port, silent=False,
        )  # fmt: skip


def ls_backend(
    *, patterns: Path | None = None, model: str | None = None, lang: str | None = None,
    labels: List[str] | None = None, db: str | None = None, host: str = "127.0.0.1",
    port: int = 9090, silent: bool = True,
) -> None:  # fmt: skip
    """Serve the backend until interrupted (the server needs the app extra)."""
    msg = printer(silent)
    if model and lang:
        raise UsageError("Give --model or --lang, not both")
    ensure_inputs_exist(patterns)
    check_overwrites([patterns, model], [database_file(db)])
    try:
        import uvicorn

        from ..labelstudio.backend import LabelStudioBackend
        from ..labelstudio.server import create_app
    except ImportError as err:
        raise UsageError(
            "The Label Studio backend needs the app extra", "pip install 'spacy_ner_plugin[app]'"
        ) from err
    database = Database(db)
    backend = LabelStudioBackend.from_options(
        database, patterns=str(patterns) if patterns else None, model=model,
        lang=lang or "en", labels=labels,
    )  # fmt: skip
    if not backend.preannotator.suggesters:
        msg.warn("No patterns and no entity recognizer: nothing is predicted until it learns")
    msg.info(f"Answers go to datasets ls-project-ID of {safe_url(database.url)}")
    msg.good(f"Label Studio ML backend {backend.model_version} at http://{host}:{port}",
             "a Label Studio on this machine needs ML_BLOCK_LOCAL_IP=false and "
             "SSRF_PROTECTION_ENABLED=false to reach it")  # fmt: skip
    if host not in ("127.0.0.1", "localhost", "::1"):
        msg.warn(f"Listening on {host}: anyone who reaches it can read texts' predictions "
                 "and add answers (it has no authentication)")  # fmt: skip
    uvicorn.run(create_app(backend), host=host, port=port, log_level="warning")
