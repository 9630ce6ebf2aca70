"""`data-to-spacy`: annotations of any format → train.spacy / dev.spacy / labels.json + reports."""

from functools import partial
from pathlib import Path
from typing import Annotated, List, Sequence, Union

import typer

from ..annotations.convert import Conversion, ConvertOptions, check_conversion, convert
from ..annotations.docs import AlignMode
from ..annotations.formats import InputFormat
from ..annotations.ingest import detect_input_kinds, parse_inputs
from ..annotations.merge import ConflictPolicy
from ..annotations.spans import DEFAULT_SPANS_KEY
from ..binary.rehearse import labels_to_rehearse, rehearse_groups
from ..errors import UsageError
from ..io.loading import load_pipeline
from ..io.shards import DEFAULT_SHARD_SIZE
from ._util import app, printer, reports_errors, split_labels
from .options import Align, Db, Format


@app.command("data-to-spacy")
def data_to_spacy_cli(
    inputs: Annotated[List[str], typer.Argument(help="Annotation files of any supported format, "
        "or dataset:NAME; prefix eval: for a dedicated eval set, binary: for yes/no answers "
        "without _view_id")],
    output_dir: Annotated[Path, typer.Option("--output", "-o",
        help="Directory for train.spacy, dev.spacy, labels.json and the reports")],
    eval_path: Annotated[str, typer.Option("--eval",
        help="Dedicated eval file or dataset:NAME; empty: split the inputs instead")] = "",
    eval_split: Annotated[float, typer.Option("--eval-split",
        help="Share of distinct texts held out for dev when no eval set is given")] = 0.2,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the train/dev split")] = 0,
    lang: Annotated[str, typer.Option("--lang",
        help="Language of the blank tokenizer for records without tokens")] = "en",
    base_model: Annotated[str | None, typer.Option("--base-model", "-b",
        help="Pipeline whose tokenizer is used instead of a blank --lang (and, with "
        "--rehearse, whose entities are rehearsed)")] = None,
    rehearse: Annotated[bool, typer.Option("--rehearse", help="Add --base-model's own entities "
        "of the labels your data never annotates to the training texts, where your annotation "
        "says nothing, so training on top of it keeps them")] = False,
    labels: Annotated[str, typer.Option("--label", "-l",
        help="Comma-separated labels; a span with any other label rejects its record")] = "",
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first bad record")] = False,
    input_format: Format = None,
    align: Align = AlignMode.strict,
    conflicts: Annotated[ConflictPolicy, typer.Option("--conflicts",
        help="Contradicting answers: report (skip), first, latest, majority")
    ] = ConflictPolicy.report,
    shard_size: Annotated[int, typer.Option("--shard-size",
        help="Docs per .spacy shard; more make a directory")] = DEFAULT_SHARD_SIZE,
    binary: Annotated[bool | None, typer.Option("--binary/--no-binary", help="Read records that "
        "do not declare their kind as yes/no answers (or gold); default: detected per file")
    ] = None,
    db: Db = None,
    spans_key: Annotated[str | None, typer.Option("--spans-key", help="Span categorization: "
        f"spans (overlaps kept) to doc.spans[KEY] ({DEFAULT_SPANS_KEY}: configs/spancat.cfg's), "
        "entities left unannotated, binary answers skipped")] = None,
) -> None:  # fmt: skip
    """Convert annotations into train.spacy / dev.spacy / labels.json.

    Reads Prodigy JSONL (manual and binary), doccano, Label Studio, CoNLL/IOB, spaCy v2 JSON
    and .spacy. All answers about one text are merged into one doc (gold spans with "O"
    elsewhere, accepted binary spans with the rest missing, rejected ones as incorrect_spans);
    conflicts go to conflicts.jsonl, bad records to rejects.jsonl with file, line and reason.
    The split is seeded and by text, keeping each label in dev where the data allows.
    """
    with reports_errors():
        data_to_spacy(
            inputs, output_dir, eval_path=eval_path or None, eval_split=eval_split, seed=seed,
            lang=lang, base_model=base_model, rehearse=rehearse, strict=strict,
            labels=split_labels(labels), input_format=input_format, align=align,
            conflicts=conflicts, shard_size=shard_size, binary=binary, db=db, spans_key=spans_key,
            silent=False,
        )  # fmt: skip


def data_to_spacy(
    inputs: Sequence[Union[str, Path]], output_dir: Path, *,
    eval_path: Union[str, Path] | None = None, eval_split: float = 0.2, seed: int = 0,
    lang: str = "en", base_model: str | None = None, rehearse: bool = False,
    labels: List[str] | None = None, strict: bool = False,
    input_format: Union[str, InputFormat] | None = None,
    align: Union[str, AlignMode] = AlignMode.strict,
    conflicts: Union[str, ConflictPolicy] = ConflictPolicy.report,
    shard_size: int = DEFAULT_SHARD_SIZE, binary: bool | None = None, db: str | None = None,
    spans_key: str | None = None, silent: bool = True,
) -> Conversion:  # fmt: skip
    """Convert `inputs` (and `eval_path`: files or `dataset:NAME`s of database `db`, with the
    usual prefixes) into `output_dir/{train,dev}.spacy`, `labels.json` and reports.

    Rehearsal: `binary.rehearse` (dev texts stay as annotated); spans: `annotations.spans`. The
    run streams (`annotations.convert`): outputs move into place only once every record has been
    processed, so a failure leaves earlier outputs untouched. Choices take an Enum member or its
    string value. Raises `PluginError` (`StrictModeError` for `strict`) on bad input and
    `InternalError` if the counts do not add up; prints only with `silent=False`.
    """
    msg = printer(silent)
    specs = parse_inputs(inputs, eval_path)
    output_dir = Path(output_dir)
    check_conversion(specs, output_dir, db, base_model)
    options = ConvertOptions.checked(
        input_format, align, conflicts, labels, eval_split=eval_split, seed=seed, strict=strict,
        shard_size=shard_size, spans_key=spans_key,
    )  # fmt: skip
    for note in detect_input_kinds(specs, options.input_format, binary):
        msg.info(note)
    nlp = load_pipeline(lang, base_model)
    if rehearse and spans_key:
        raise UsageError("--rehearse adds entities, --spans-key trains spans", "use one of them")
    rehearsed = (
        labels_to_rehearse(nlp, specs, options.input_format, base_model) if rehearse else set()
    )
    if rehearsed:
        msg.info(f"Rehearsing {base_model}'s labels: {', '.join(sorted(rehearsed))}")
    hook = partial(rehearse_groups, nlp=nlp, labels=rehearsed) if rehearsed else None
    result = convert(specs, output_dir, nlp, options, hook, progress=not silent)
    msg.rejects(result.shown_rejects, result.counts.rejected, result.paths["rejects"])
    msg.tables(result.tables())
    msg.messages(result.messages())
    return result
