"""`stats`: statistics of annotation files and datasets, with advice and each dataset's progress."""

from typing import Annotated, List, Union

import srsly
import typer

from ..annotations.formats import InputFormat
from ..annotations.ingest import parse_input
from ..annotations.stats import CorpusStats, input_stats
from ..io.loading import load_pipeline
from ..review.progress import TeamProgress, datasets_progress, stats_json
from ._util import app, printer, reports_errors
from .options import BaseModel, Db, Format, RecordsLang, StatsJson


@app.command("stats")
def stats_cli(
    inputs: Annotated[List[str], typer.Argument(
        help="Annotation files of any supported format, or dataset:NAME")],
    input_format: Format = None,
    lang: RecordsLang = "en",
    base_model: BaseModel = None,
    as_json: StatsJson = False,
    db: Db = None,
) -> None:  # fmt: skip
    """Show label, answer and span statistics of annotation files or datasets, and advice.

    Counts per label, answer and source file, span lengths in tokens, texts with no entities,
    overlapping/nested and multi-line spans, duplicates and conflicting answers (merged per
    text as data-to-spacy does). For each dataset:NAME also the team's progress, as the
    app's /progress page shows it: answers and answers per hour per annotator, labels so far
    and agreement on the texts several annotators answered. --json prints the same numbers
    for machines.
    """
    with reports_errors():
        result = stats(
            inputs, input_format=input_format, lang=lang, base_model=base_model, db=db,
            silent=as_json,
        )  # fmt: skip
        progress = team_stats(inputs, lang=lang, base_model=base_model, db=db, silent=as_json)
    if as_json:
        typer.echo(srsly.json_dumps(stats_json(result, progress), indent=2))


def stats(
    inputs: List[str], *, input_format: Union[str, InputFormat] | None = None, lang: str = "en",
    base_model: str | None = None, db: str | None = None, silent: bool = True,
) -> CorpusStats:  # fmt: skip
    """Statistics of `inputs` (paths or `dataset:NAME`s of database `db`, optionally with
    `binary:` prefixes), printed with `silent=False`."""
    msg = printer(silent)
    result = input_stats(inputs, load_pipeline(lang, base_model), input_format, db)
    msg.tables(result.tables())
    msg.rejects(result.reject_examples, result.rejected)
    msg.messages(result.messages())
    return result


def team_stats(
    inputs: List[str], *, lang: str = "en", base_model: str | None = None, db: str | None = None,
    silent: bool = True,
) -> List[TeamProgress]:  # fmt: skip
    """The team progress (`review.progress`) of each `dataset:NAME` among `inputs` of
    database `db`, printed as tables with `silent=False`."""
    msg = printer(silent)
    names = [spec.dataset for spec in map(parse_input, inputs) if spec.dataset]
    if not names:
        return []
    found = []
    for progress in datasets_progress(db, names, load_pipeline(lang, base_model)):
        msg.tables(progress.tables())
        msg.messages(progress.messages())
        found.append(progress)
    return found
