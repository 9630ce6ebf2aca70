"""`data-to-spacy`: annotations of any format → train.spacy / dev.spacy / labels.json + reports."""

from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import List, Sequence, Set, Union

import typer
from spacy.language import Language
from wasabi import Printer

from ..annotations.convert import (
    OUTPUT_FILES,
    SPLITS,
    DataToSpacyResult,
    _no_records_reason,
    _remove_if_empty,
    _write_groups,
    ner_label_data,
)
from ..annotations.counts import ConversionCounts
from ..annotations.docs import AlignMode
from ..annotations.formats import InputFormat
from ..annotations.gold import merged_groups
from ..annotations.ingest import (
    InputSpec,
    JsonlSpool,
    RejectLog,
    check_inputs,
    detect_input_kinds,
    input_paths,
    parse_input,
)
from ..annotations.merge import ConflictPolicy
from ..annotations.store import AnswerStore
from ..binary.rehearse import annotated_labels, pipeline_labels, rehearsal_labels, rehearse_groups
from ..errors import PluginError, UsageError, choice
from ..io.files import check_overwrites, write_json_atomic
from ..io.shards import DEFAULT_SHARD_SIZE, ShardedDocBinWriter
from ._util import (
    app,
    db_option,
    load_tokenizer_pipeline,
    printer,
    reports_errors,
    split_labels,
)


@app.command("data-to-spacy")
def data_to_spacy_cli(
    # fmt: off
    inputs: List[str] = typer.Argument(
        ...,
        help="Annotation files of any supported format, or dataset:NAME; prefix eval: for a "
        "dedicated eval set, binary: for yes/no answers without _view_id",
    ),
    output_dir: Path = typer.Option(
        ...,
        "--output",
        "-o",
        help="Directory for train.spacy, dev.spacy, labels.json and the reports",
    ),
    eval_path: str = typer.Option(
        "", "--eval", help="Dedicated eval file or dataset:NAME; empty: split the inputs instead"
    ),
    eval_split: float = typer.Option(
        0.2,
        "--eval-split",
        help="Share of distinct texts held out for dev when no eval set is given",
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the train/dev split"),
    lang: str = typer.Option(
        "en", "--lang", help="Language of the blank tokenizer for records without tokens"
    ),
    base_model: str | None = typer.Option(
        None,
        "--base-model",
        "-b",
        help="Pipeline whose tokenizer is used instead of a blank --lang (and, with "
        "--rehearse, whose entities are rehearsed)",
    ),
    rehearse: bool = typer.Option(
        False,
        "--rehearse",
        help="Add --base-model's own entities of the labels your data never annotates to the "
        "training texts, where your annotation says nothing, so training on top of it keeps "
        "them",
    ),
    labels: str = typer.Option(
        "",
        "--label",
        "-l",
        help="Comma-separated labels; a span with any other label rejects its record",
    ),
    strict: bool = typer.Option(False, "--strict", help="Stop at the first bad record"),
    input_format: InputFormat | None = typer.Option(
        None, "--input-format", help="Force the input format (default: detected from content)"
    ),
    align: AlignMode = typer.Option(
        AlignMode.strict,
        "--align",
        help="Spans off token boundaries: strict (reject), expand, contract",
    ),
    conflicts: ConflictPolicy = typer.Option(
        ConflictPolicy.report,
        "--conflicts",
        help="Contradicting answers: report (skip), first, latest, majority",
    ),
    shard_size: int = typer.Option(
        DEFAULT_SHARD_SIZE, "--shard-size", help="Docs per .spacy shard; more make a directory"
    ),
    binary: bool | None = typer.Option(
        None,
        "--binary/--no-binary",
        help="Read records that do not declare their kind as yes/no answers (or gold); "
        "default: detected per file",
    ),
    db: str | None = db_option(),
    # fmt: on
) -> None:
    """Convert annotations into train.spacy / dev.spacy / labels.json.

    Reads Prodigy JSONL (manual and binary), doccano, Label Studio, CoNLL/IOB, spaCy v2 JSON
    and .spacy. All answers about one text are merged into one doc (gold spans with "O"
    elsewhere, accepted binary spans with the rest missing, rejected ones as incorrect_spans);
    conflicts go to conflicts.jsonl, bad records to rejects.jsonl with file, line and reason.
    The split is seeded and by text, keeping each label in dev where the data allows.
    """
    with reports_errors():
        data_to_spacy(
            inputs,
            output_dir,
            eval_path=eval_path or None,
            eval_split=eval_split,
            seed=seed,
            lang=lang,
            base_model=base_model,
            rehearse=rehearse,
            strict=strict,
            labels=split_labels(labels),
            input_format=input_format,
            align=align,
            conflicts=conflicts,
            shard_size=shard_size,
            binary=binary,
            db=db,
            silent=False,
        )


def data_to_spacy(
    inputs: Sequence[Union[str, Path]],
    output_dir: Path,
    *,
    eval_path: Union[str, Path] | None = None,
    eval_split: float = 0.2,
    seed: int = 0,
    lang: str = "en",
    base_model: str | None = None,
    rehearse: bool = False,
    labels: List[str] | None = None,
    strict: bool = False,
    input_format: Union[str, InputFormat] | None = None,
    align: Union[str, AlignMode] = AlignMode.strict,
    conflicts: Union[str, ConflictPolicy] = ConflictPolicy.report,
    shard_size: int = DEFAULT_SHARD_SIZE,
    binary: bool | None = None,
    db: str | None = None,
    silent: bool = True,
) -> DataToSpacyResult:
    """Convert `inputs` into `output_dir/{train,dev}.spacy`, `labels.json` and reports.

    Inputs (and `eval_path`) are files or `dataset:NAME`s of database `db`, with the usual
    prefixes (`eval:`, `binary:`). With `rehearse`, the training texts get `base_model`'s own
    entities of the labels the inputs never annotate, where the annotation says nothing
    (`binary.rehearse`); dev texts stay as annotated.

    Streams: records are grouped by text in a temporary sqlite store, merged one text at a
    time, and written in shards. All outputs are moved into place only once every record has
    been processed, so a failure (or `strict=True` stopping at a bad record) leaves earlier
    outputs untouched. Choices take an Enum member or its string value. Raises `PluginError`
    (`StrictModeError` for `strict`) on bad input and `InternalError` if the counts do not add
    up; prints only with `silent=False`.
    """
    msg = printer(silent)
    specs = [parse_input(spec) for spec in inputs]
    if eval_path is not None:
        spec = parse_input(str(eval_path))
        spec.eval = True
        specs.append(spec)
    output_dir = Path(output_dir)
    paths = {key: output_dir / name for key, name in OUTPUT_FILES.items()}
    check_overwrites([*input_paths(specs, db), base_model], paths.values())
    if output_dir.exists() and not output_dir.is_dir():
        raise UsageError(f"The output folder {output_dir} is a file", "give a folder")
    check_inputs(specs, db)
    align = choice(AlignMode, align, "--align").value
    conflicts = choice(ConflictPolicy, conflicts, "--conflicts").value
    if input_format:
        input_format = choice(InputFormat, input_format, "--input-format").value
    for note in detect_input_kinds(specs, input_format, binary):
        msg.info(note)
    nlp = load_tokenizer_pipeline(lang, base_model)
    rehearsed = _rehearsal_labels(nlp, specs, input_format, base_model) if rehearse else set()
    if rehearsed:
        msg.info(f"Rehearsing {base_model}'s labels: {', '.join(sorted(rehearsed))}")
    label_set = set(labels) if labels else None
    counts = ConversionCounts()
    result = DataToSpacyResult(counts, {split: Counter() for split in SPLITS})
    with ExitStack() as stack:
        if not output_dir.exists():  # runs last: a failed run leaves no folder for its spools
            stack.callback(_remove_if_empty, output_dir)
        # spooled beside train.spacy, where the next run sweeps what a kill left
        store = stack.enter_context(AnswerStore(seed, beside=paths["train"]))
        rejects = stack.enter_context(RejectLog(counts, strict, beside=paths["train"]))
        conflict_log = stack.enter_context(JsonlSpool(beside=paths["train"]))
        change_log = stack.enter_context(JsonlSpool(beside=paths["train"]))
        writers = {split: ShardedDocBinWriter(paths[split], shard_size) for split in SPLITS}
        groups = merged_groups(
            store,
            specs,
            nlp,
            counts,
            rejects.add,
            input_format=input_format,
            align=align,
            policy=conflicts,
            labels=label_set,
            eval_split=eval_split,
        )
        if rehearsed:
            groups = rehearse_groups(groups, nlp, rehearsed)
        try:
            _write_groups(groups, writers, result, conflict_log, change_log, silent)
            if not counts.written["train"]:
                raise PluginError("No usable training records", _no_records_reason(rejects, specs))
            counts.check()  # before any output moves into place
        except BaseException:
            for writer in writers.values():
                writer.discard()
            raise
        for split in SPLITS:
            writers[split].close()
            result.paths[split] = writers[split].path
        all_labels = sorted(set(result.labels["train"]) | set(result.labels["dev"]))
        write_json_atomic(paths["labels"], ner_label_data(all_labels))
        rejects.save(paths["rejects"])
        result.shown_rejects = [str(r) for r in rejects.shown]
        conflict_log.save(paths["conflicts"])
        change_log.save(paths["span_changes"])
        result.paths.update({key: paths[key] for key in OUTPUT_FILES if key not in SPLITS})
        result.conflicts, result.span_changes = conflict_log.count, change_log.count
    _print_summary(result, msg)
    return result


def _rehearsal_labels(
    nlp: Language, specs: Sequence[InputSpec], input_format: str | None, base_model: str | None
) -> Set[str]:
    """The base pipeline's labels to rehearse; a usage error without a base pipeline."""
    if not base_model:
        raise UsageError("--rehearse needs --base-model", "the pipeline whose entities to keep")
    base = pipeline_labels(nlp)
    if not base:
        raise UsageError("--rehearse: the base pipeline predicts no entities", base_model)
    return rehearsal_labels(base, annotated_labels(specs, input_format))


def _print_summary(result: DataToSpacyResult, msg: Printer) -> None:
    counts = result.counts
    for reject in result.shown_rejects:
        msg.warn(reject)
    if counts.rejected > len(result.shown_rejects):
        msg.warn(f"... and {counts.rejected - len(result.shown_rejects)} more")
    rows = [("read", counts.read)]
    rows += [(f"written: {split}", counts.written[split]) for split in SPLITS]
    rows += [("rejected", counts.rejected)]
    rows += [(f"skipped: {reason}", n) for reason, n in sorted(counts.skipped.items())]
    msg.table(rows, title="Records", aligns=("l", "r"))
    labels = sorted(set(result.labels["train"]) | set(result.labels["dev"]))
    table = [
        (label, result.labels["train"][label], result.labels["dev"][label]) for label in labels
    ]
    msg.table(table, header=("label", "train", "dev"), aligns=("l", "r", "r"), title="Entities")
    if counts.rejected:
        msg.warn(f"{counts.rejected} records rejected, see {result.paths['rejects']}")
    if result.conflicts:
        msg.warn(
            f"{result.conflicts} texts with conflicting answers, see {result.paths['conflicts']}"
        )
    if result.span_changes:
        msg.warn(
            f"{result.span_changes} spans moved or dropped to fit tokens, "
            f"see {result.paths['span_changes']}"
        )
    msg.good(f"Saved {', '.join(str(p) for p in result.paths.values())}")
