"""`annotate`: serve a recipe's tasks in the browser and save every answer in the database."""

from pathlib import Path
from typing import Annotated, List

import typer

from ..db.inputs import database_file
from ..errors import UsageError
from ..io.files import check_overwrites
from ._util import app, import_code, printer, reports_errors, split_labels
from .options import Db, Labels


@app.command("annotate")
def annotate_cli(
    recipe: Annotated[str, typer.Argument(
        help="ner.manual, ner.correct, ner.teach, review, or a registered recipe's name")],
    dataset: Annotated[str, typer.Argument(help="Dataset the answers are saved to")],
    source: Annotated[str, typer.Argument(
        help="Raw texts (.jsonl with text/meta, or .txt) or tasks; review: datasets a,b")],
    labels: Labels = "",
    patterns: Annotated[Path | None, typer.Option("--patterns",
        help="Pattern file whose matches are pre-highlighted")] = None,
    model: Annotated[str | None, typer.Option("--model", "-m",
        help="Pipeline: suggests entities (correct, teach) or tokenizes")] = None,
    lang: Annotated[str | None, typer.Option("--lang",
        help="Language of a blank tokenizer (instead of --model); default en")] = None,
    unsegmented: Annotated[bool, typer.Option("--unsegmented",
        help="One task per text instead of per sentence")] = False,
    exclude: Annotated[str, typer.Option("--exclude",
        help="Comma-separated datasets whose texts are skipped too")] = "",
    db: Db = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on")] = 8080,
    token: Annotated[str | None, typer.Option("--token",
        help="Access token (made and printed for a non-loopback --host)")] = None,
    feed_overlap: Annotated[bool, typer.Option("--feed-overlap",
        help="Give every session every task (agreement studies)")] = False,
    timeout: Annotated[float, typer.Option("--timeout",
        help="Seconds before an unanswered task goes to another session")] = 600.0,
    code_path: Annotated[Path | None, typer.Option("--code", "-c",
        help="Python file with registered functions (your recipes)")] = None,
) -> None:  # fmt: skip
    """Annotate in the browser: serve a recipe's tasks and save every answer in the database.

    Prints the page's URL (with ?token=... for a non-loopback --host); each annotator adds
    ?session=NAME. Answers are committed as the page sends them, and a restart resumes where
    the dataset left off. Stop the server with Ctrl+C.
    """
    with reports_errors():
        annotate(
            recipe, dataset, source, labels=split_labels(labels),
            patterns=str(patterns) if patterns else None, model=model, lang=lang,
            segment=not unsegmented, exclude=split_labels(exclude), db=db, host=host, port=port,
            token=token, feed_overlap=feed_overlap, timeout=timeout, code_path=code_path,
            silent=False,
        )  # fmt: skip


def annotate(
    recipe: str, dataset: str, source: str, *, labels: List[str] | None = None,
    patterns: str | None = None, model: str | None = None, lang: str | None = None,
    segment: bool = True, exclude: List[str] | None = None, db: str | None = None,
    host: str = "127.0.0.1", port: int = 8080, token: str | None = None,
    feed_overlap: bool = False, timeout: float = 600.0, code_path: Path | None = None,
    silent: bool = True,
) -> None:  # fmt: skip
    """Serve `recipe` until interrupted (the server needs the app extra)."""
    msg = printer(silent)
    import_code(code_path)
    if model and lang:
        raise UsageError("Give --model or --lang, not both")
    check_overwrites([source, patterns, model], [database_file(db)])
    try:
        import uvicorn

        from ..app.server import make_app, page_url
    except ImportError as err:
        raise UsageError(
            "The annotation app needs its extra", "pip install 'spacy_ner_plugin[app]'"
        ) from err
    web_app, annotation = make_app(
        recipe, dataset, source, db=db, host=host, token=token, feed_overlap=feed_overlap,
        exclude=exclude, timeout=timeout, labels=labels, patterns=patterns, model=model,
        lang=lang or "en", segment=segment,
    )  # fmt: skip
    stats = annotation.db.stats(dataset)
    msg.info(f"Dataset '{dataset}': {stats.answers} answers so far", annotation.db.url)
    msg.good(
        f"Annotate with {recipe} at {page_url(host, port, annotation.token)}",
        "add ?session=NAME per annotator" if not annotation.token else "add &session=NAME",
    )
    uvicorn.run(web_app, host=host, port=port, log_level="warning")
