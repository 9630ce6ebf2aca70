"""`stats`: label, answer and span statistics of annotation files, with advice."""

from typing import Annotated, List, Union

import srsly
import typer

from ..annotations.formats import InputFormat
from ..annotations.ingest import check_inputs, detect_input_kinds, parse_input
from ..annotations.stats import CorpusStats, advice, corpus_stats
from ..errors import choice
from ._util import app, load_pipeline, print_rejects, print_tables, printer, reports_errors
from .options import Db, Format, RecordsLang, StatsJson


@app.command("stats")
def stats_cli(
    inputs: Annotated[List[str], typer.Argument(
        help="Annotation files of any supported format, or dataset:NAME")],
    input_format: Format = None,
    lang: RecordsLang = "en",
    base_model: Annotated[str | None, typer.Option("--base-model", "-b",
        help="Pipeline whose tokenizer is used instead of a blank --lang")] = None,
    as_json: StatsJson = False,
    db: Db = None,
) -> None:  # fmt: skip
    """Show label, answer and span statistics of annotation files or datasets, and advice.

    Counts per label, answer and source file, span lengths in tokens, texts with no entities,
    overlapping/nested and multi-line spans, duplicates and conflicting answers (merged per
    text as data-to-spacy does). --json prints the same numbers for machines.
    """
    with reports_errors():
        result = stats(
            inputs, input_format=input_format, lang=lang, base_model=base_model, db=db,
            silent=as_json,
        )  # fmt: skip
    if as_json:
        typer.echo(srsly.json_dumps({**result.to_json(), "advice": advice(result)}, indent=2))


def stats(
    inputs: List[str], *, input_format: Union[str, InputFormat] | None = None, lang: str = "en",
    base_model: str | None = None, db: str | None = None, silent: bool = True,
) -> CorpusStats:  # fmt: skip
    """Statistics of `inputs` (paths or `dataset:NAME`s of database `db`, optionally with
    `binary:` prefixes).

    Printed as tables with `silent=False`. Raises `PluginError` on a missing input or a bad
    choice.
    """
    msg = printer(silent)
    specs = [parse_input(spec) for spec in inputs]
    check_inputs(specs, db)
    if input_format:
        input_format = choice(InputFormat, input_format, "--input-format").value
    detect_input_kinds(specs, input_format)
    result = corpus_stats(specs, load_pipeline(lang, base_model), input_format)
    print_tables(msg, result.tables())
    print_rejects(msg, result.reject_examples, result.rejected)
    for note in advice(result):
        msg.info(note)
    return result
