"""The options several steps share, each defined once as an `Annotated` type (spaCy's
`Arg`/`Opt` idea): a step declares `lang: Lang = "en"` and gets the same flag and help as every
other step. A step whose option means something else there declares its own.
"""

from pathlib import Path
from typing import Annotated

import typer

from ..annotations.docs import AlignMode
from ..annotations.formats import InputFormat
from ..annotations.formats.conll import Scheme
from ..annotations.kinds import AnswerKind

Lang = Annotated[
    str, typer.Option("--lang", help="Language of the blank tokenizer (without --base-model)")
]
BaseModel = Annotated[
    str | None,
    typer.Option(
        "--base-model",
        "-b",
        help="Pipeline (package name or path) whose tokenizer is used instead of a blank --lang",
    ),
]
Code = Annotated[
    Path | None,
    typer.Option("--code", "-c", help="Python file with registered functions to import"),
]
Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Annotation database: a SQLite file or a URL (default: $SPACY_NER_PLUGIN_DB, "
        "else annotations.sqlite here)",
    ),
]
Format = Annotated[
    InputFormat | None,
    typer.Option("--input-format", help="Force the input format (default: detected from content)"),
]
Labels = Annotated[str, typer.Option("--label", "-l", help="Comma-separated labels")]
RecordsLang = Annotated[
    str, typer.Option("--lang", help="Blank tokenizer for records without tokens")
]
StatsJson = Annotated[bool, typer.Option("--json", help="Print the statistics as JSON only")]
Kind = Annotated[
    AnswerKind | None,
    typer.Option("--kind", help="Mark every record gold or binary (sets _view_id); default: as is"),
]
ConllScheme = Annotated[Scheme, typer.Option("--scheme", help="CoNLL input tag scheme")]
NSents = Annotated[
    int,
    typer.Option("--n-sents", help="CoNLL sentences per record (0: one per -DOCSTART- document)"),
]
Align = Annotated[
    AlignMode,
    typer.Option("--align", help="Spans off token boundaries: strict (reject), expand, contract"),
]
GpuId = Annotated[int, typer.Option("--gpu-id", "-g", help="GPU id, or -1 for CPU")]
FromProdigy = Annotated[
    str | None,
    typer.Option(
        "--from-prodigy",
        help="A Prodigy database to read (read only): its prodigy.db file or a PostgreSQL URL",
        show_default=False,
    ),
]
