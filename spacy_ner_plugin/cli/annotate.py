"""`annotate`: serve a recipe's tasks in the browser and save every answer in the database."""

from pathlib import Path
from typing import Annotated, Any, Dict, List

import typer

from ..app.serving import annotation_app, serve
from ..io.loading import import_code
from ..teach.config import SorterChoice
from ._util import OVERRIDES_CONTEXT, app, config_overrides, printer, reports_errors, split_labels
from .options import Db, Labels

# The step's own options (spaCy's Arg/Opt idea), so that the command reads as a list.
TEACHING = "ner.teach, ner.correct --update: "
Recipe = Annotated[
    str,
    typer.Argument(
        help="ner.manual, spans.manual, ner.correct, ner.teach, review, or a registered "
        "recipe's name"
    ),
]
Dataset = Annotated[str, typer.Argument(help="Dataset the answers are saved to")]
Source = Annotated[
    str,
    typer.Argument(
        help="Raw texts (.jsonl with text/meta, or .txt) or tasks; review: datasets a,b"
    ),
]
Patterns = Annotated[
    Path | None, typer.Option("--patterns", help="Pattern file whose matches are pre-highlighted")
]
Model = Annotated[
    str | None,
    typer.Option("--model", "-m", help="Pipeline: suggests entities (correct, teach) or tokenizes"),
]
Lang = Annotated[
    str | None,
    typer.Option("--lang", help="Language of a blank tokenizer (instead of --model); default en"),
]
Unsegmented = Annotated[
    bool, typer.Option("--unsegmented", help="One task per text instead of per sentence")
]
Exclude = Annotated[
    str, typer.Option("--exclude", help="Comma-separated datasets whose texts are skipped too")
]
Host = Annotated[str, typer.Option("--host", help="Address to listen on")]
Port = Annotated[int, typer.Option("--port", help="Port to listen on")]
Token = Annotated[
    str | None,
    typer.Option("--token", help="Shared access token (one is made for a non-loopback --host)"),
]
Sessions = Annotated[
    str,
    typer.Option(
        "--sessions", help="Comma-separated annotators: each gets a token of their own and a URL"
    ),
]
FeedOverlap = Annotated[
    bool, typer.Option("--feed-overlap", help="Give every session every task (agreement studies)")
]
PerTask = Annotated[
    int,
    typer.Option(
        "--annotations-per-task",
        min=1,
        help="Hand each text to N distinct sessions (agreement on a sample)",
    ),
]
Timeout = Annotated[
    float,
    typer.Option("--timeout", help="Seconds before an unanswered task goes to another session"),
]
InstantSubmit = Annotated[
    bool,
    typer.Option("--instant-submit", help="Save each answer at once (else within a few seconds)"),
]
Update = Annotated[
    bool,
    typer.Option(
        "--update",
        help="ner.correct: active correction, the model in the loop: the sentences it is least "
        "sure of first, and it learns from every saved batch",
    ),
]
TeachConfig = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help=f"{TEACHING}teach config (scorer, sorter); default: the built-in one",
        exists=True,
        dir_okay=False,
    ),
]
Sorter = Annotated[
    SorterChoice | None,
    typer.Option("--sorter", help=f"{TEACHING}which questions to ask; default: the config's"),
]
Seed = Annotated[
    int | None,
    typer.Option("--seed", help=f"{TEACHING}same model, texts and seed give the same questions"),
]
Policy = Annotated[
    str | None,
    typer.Option("--policy", help="review: version shown first: majority, longest or prefer:A,B"),
]
Guidelines = Annotated[
    Path | None,
    typer.Option(
        "--guidelines",
        help="Markdown guidelines the page shows (key g); a section headed by a label's name is "
        "shown while that label is chosen",
    ),
]
Code = Annotated[
    Path | None,
    typer.Option("--code", "-c", help="Python file with registered functions (your recipes)"),
]


@app.command("annotate", context_settings=OVERRIDES_CONTEXT)
def annotate_cli(
    ctx: typer.Context, recipe: Recipe, dataset: Dataset, source: Source, labels: Labels = "",
    patterns: Patterns = None, model: Model = None, lang: Lang = None,
    unsegmented: Unsegmented = False, exclude: Exclude = "", db: Db = None,
    host: Host = "127.0.0.1", port: Port = 8080, token: Token = None, sessions: Sessions = "",
    feed_overlap: FeedOverlap = False, annotations_per_task: PerTask = 1,
    timeout: Timeout = 600.0, instant_submit: InstantSubmit = False, update: Update = False,
    config_path: TeachConfig = None, sorter: Sorter = None, seed: Seed = None,
    policy: Policy = None, guidelines: Guidelines = None, code_path: Code = None,
) -> None:  # fmt: skip
    """Annotate in the browser: serve a recipe's tasks and save every answer in the database.

    Prints the page's URL: one per annotator with --sessions (the session comes from the
    token in it); else each annotator adds ?session=NAME on a loopback --host. Answers are
    committed as the page sends them, and a restart resumes where the dataset left off.
    The team's progress is at /progress. Extra `--section.key value` arguments override the
    teach config of ner.teach and ner.correct --update. Stop the server with Ctrl+C.
    """
    with reports_errors():
        options = {
            "labels": split_labels(labels), "patterns": str(patterns) if patterns else None,
            "model": model, "lang": lang, "segment": not unsegmented,
            "config": str(config_path) if config_path else None,
            "overrides": config_overrides(ctx.args), "sorter": sorter.value if sorter else None,
            "seed": seed, "policy": policy, "update": update or None,
        }  # fmt: skip
        annotate(
            recipe, dataset, source, exclude=split_labels(exclude), db=db, host=host,
            port=port, token=token, sessions=split_labels(sessions), feed_overlap=feed_overlap,
            annotations_per_task=annotations_per_task, timeout=timeout,
            instant_submit=instant_submit, guidelines=guidelines, code_path=code_path,
            recipe_options=options, silent=False,
        )  # fmt: skip


def annotate(
    recipe: str, dataset: str, source: str, *, exclude: List[str] | None = None,
    db: str | None = None, host: str = "127.0.0.1", port: int = 8080, token: str | None = None,
    sessions: List[str] | None = None, feed_overlap: bool = False,
    annotations_per_task: int = 1, timeout: float = 600.0, instant_submit: bool = False,
    guidelines: Path | None = None, code_path: Path | None = None,
    recipe_options: Dict[str, Any] | None = None, silent: bool = True,
) -> None:  # fmt: skip
    """Serve `recipe` until interrupted (the server needs the app extra). `recipe_options`:
    what the recipe takes (labels, patterns, model, lang, segment, update, config, overrides,
    sorter, seed, policy), each passed only to a recipe whose signature has it."""
    msg = printer(silent)
    import_code(code_path)
    web_app, annotation = annotation_app(
        recipe, dataset, source, recipe_options or {}, db=db, host=host, token=token,
        sessions=sessions, feed_overlap=feed_overlap, annotations_per_task=annotations_per_task,
        exclude=exclude, timeout=timeout, instant_submit=instant_submit, guidelines=guidelines,
    )  # fmt: skip
    msg.messages(annotation.messages(recipe, host, port))
    serve(web_app, host, port)
