"""`ls-backend`: Label Studio's ML backend: pre-annotation, and learning from its annotations."""

from pathlib import Path
from typing import Annotated, List

import typer

from ..app.serving import serve
from ..labelstudio.serving import backend_app
from ._util import app, printer, reports_errors, split_labels
from .annotate import Host, Lang, Port
from .options import Db, Labels


@app.command("ls-backend")
def ls_backend_cli(
    patterns: Annotated[Path | None, typer.Option("--patterns", "-p", exists=True,
        dir_okay=False, help="Pattern JSONL whose matches are predicted")] = None,
    model: Annotated[str | None, typer.Option("--model", "-m",
        help="Pipeline whose entities are predicted (and that learns): package or path")] = None,
    lang: Lang = None,
    labels: Labels = "",
    db: Db = None,
    host: Host = "127.0.0.1",
    port: Port = 9090,
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
    web_app, backend = backend_app(db, patterns=patterns, model=model, lang=lang, labels=labels)
    msg.messages(backend.messages(host, port))
    serve(web_app, host, port)
