"""`annotate`: serve a recipe's tasks in the browser and save every answer in the database."""

from pathlib import Path
from typing import List

import typer

from ..db.inputs import database_file
from ..errors import UsageError
from ..io.files import check_overwrites
from ._util import app, db_option, import_code, printer, reports_errors, split_labels


@app.command("annotate")
def annotate_cli(
    # fmt: off
    recipe: str = typer.Argument(
        ..., help="ner.manual, ner.correct, ner.teach, review, or a registered recipe's name"
    ),
    dataset: str = typer.Argument(..., help="Dataset the answers are saved to"),
    source: str = typer.Argument(
        ..., help="Raw texts (.jsonl with text/meta, or .txt) or tasks; review: datasets a,b"
    ),
    labels: str = typer.Option("", "--label", "-l", help="Comma-separated labels"),
    patterns: Path | None = typer.Option(
        None, "--patterns", help="Pattern file whose matches are pre-highlighted"
    ),
    model: str | None = typer.Option(
        None, "--model", "-m", help="Pipeline: suggests entities (correct, teach) or tokenizes"
    ),
    lang: str | None = typer.Option(
        None, "--lang", help="Language of a blank tokenizer (instead of --model); default en"
    ),
    unsegmented: bool = typer.Option(
        False, "--unsegmented", help="One task per text instead of per sentence"
    ),
    exclude: str = typer.Option(
        "", "--exclude", help="Comma-separated datasets whose texts are skipped too"
    ),
    db: str | None = db_option(),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on"),
    port: int = typer.Option(8080, "--port", help="Port to listen on"),
    token: str | None = typer.Option(
        None, "--token", help="Access token (made and printed for a non-loopback --host)"
    ),
    feed_overlap: bool = typer.Option(
        False, "--feed-overlap", help="Give every session every task (agreement studies)"
    ),
    timeout: float = typer.Option(
        600.0, "--timeout", help="Seconds before an unanswered task goes to another session"
    ),
    code_path: Path | None = typer.Option(
        None, "--code", "-c", help="Python file with registered functions (your recipes)"
    ),
    # fmt: on
) -> None:
    """Annotate in the browser: serve a recipe's tasks and save every answer in the database.

    Prints the page's URL (with ?token=... for a non-loopback --host); each annotator adds
    ?session=NAME. Answers are committed as the page sends them, and a restart resumes where
    the dataset left off. Stop the server with Ctrl+C.
    """
    with reports_errors():
        import_code(code_path)
        annotate(
            recipe,
            dataset,
            source,
            labels=split_labels(labels),
            patterns=str(patterns) if patterns else None,
            model=model,
            lang=lang,
            segment=not unsegmented,
            exclude=split_labels(exclude),
            db=db,
            host=host,
            port=port,
            token=token,
            feed_overlap=feed_overlap,
            timeout=timeout,
            silent=False,
        )


def annotate(
    recipe: str,
    dataset: str,
    source: str,
    *,
    labels: List[str] | None = None,
    patterns: str | None = None,
    model: str | None = None,
    lang: str | None = None,
    segment: bool = True,
    exclude: List[str] | None = None,
    db: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8080,
    token: str | None = None,
    feed_overlap: bool = False,
    timeout: float = 600.0,
    silent: bool = True,
) -> None:
    """Serve `recipe` until interrupted (the server needs the app extra)."""
    msg = printer(silent)
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
        recipe,
        dataset,
        source,
        db=db,
        host=host,
        token=token,
        feed_overlap=feed_overlap,
        exclude=exclude,
        timeout=timeout,
        labels=labels,
        patterns=patterns,
        model=model,
        lang=lang or "en",
        segment=segment,
    )
    stats = annotation.db.stats(dataset)
    msg.info(f"Dataset '{dataset}': {stats.answers} answers so far", annotation.db.url)
    msg.good(
        f"Annotate with {recipe} at {page_url(host, port, annotation.token)}",
        "add ?session=NAME per annotator" if not annotation.token else "add &session=NAME",
    )
    uvicorn.run(web_app, host=host, port=port, log_level="warning")
