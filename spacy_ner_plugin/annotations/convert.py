"""The conversion run of `data-to-spacy`: annotations of any format → train.spacy, dev.spacy,
labels.json and the reports (rejects, conflicts, span changes).

Records are grouped by text in a temporary store, merged one text at a time
(`gold.merged_groups`), and written in shards; every output moves into place only once every
record has been processed and the counts add up, so a failure leaves earlier outputs whole.
"""

from collections import Counter
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Sequence, Set, Tuple, Union

import spacy
from spacy.language import Language
from tqdm import tqdm

from ..errors import PluginError, UsageError, choice
from ..io.files import check_overwrites, write_json_atomic
from ..io.shards import DEFAULT_SHARD_SIZE, ShardedDocBinWriter
from ..messages import Message
from .counts import ConversionCounts
from .docs import AlignMode
from .formats import InputFormat
from .gold import merged_groups
from .ingest import InputSpec, JsonlSpool, RejectLog, check_inputs, input_paths
from .merge import ConflictPolicy, Merged
from .spans import check_spans_key, spancat_label_data
from .store import AnswerStore

SPLITS = ("train", "dev")
# What the step writes into its output folder (nothing else there is touched).
OUTPUT_FILES = {
    "train": "train.spacy",
    "dev": "dev.spacy",
    "labels": "labels.json",
    "rejects": "rejects.jsonl",
    "conflicts": "conflicts.jsonl",
    "span_changes": "span_changes.jsonl",
}
REPORTS = ("conflicts", "span_changes")
MAX_REASONS = 5
Groups = Iterable[Tuple[bool, Merged]]


@dataclass
class ConvertOptions:
    """How records become docs: their format (None: detected), span alignment, conflict
    policy, allowed labels (None: any), the seeded train/dev split, whether the first bad
    record stops the run, docs per shard, and the span group for span categorization (None:
    entities for ner)."""

    input_format: str | None = None
    align: str = AlignMode.strict.value
    conflicts: str = ConflictPolicy.report.value
    labels: Set[str] | None = None
    eval_split: float = 0.2
    seed: int = 0
    strict: bool = False
    shard_size: int = DEFAULT_SHARD_SIZE
    spans_key: str | None = None

    @classmethod
    def checked(
        cls,
        input_format: Union[str, InputFormat] | None = None,
        align: Union[str, AlignMode] = AlignMode.strict,
        conflicts: Union[str, ConflictPolicy] = ConflictPolicy.report,
        labels: Iterable[str] | None = None,
        spans_key: str | None = None,
        **rest: Any,
    ) -> "ConvertOptions":
        """The options from Enum members or their strings (a `UsageError` for a bad one, or
        for a bad `spans_key`); `rest` as given."""
        align = choice(AlignMode, align, "--align").value
        spans_key = check_spans_key(spans_key) if spans_key is not None else None
        conflicts = choice(ConflictPolicy, conflicts, "--conflicts").value
        if input_format:
            input_format = choice(InputFormat, input_format, "--input-format").value
        labels = set(labels) if labels else None
        return cls(input_format, align, conflicts, labels, spans_key=spans_key, **rest)


@dataclass
class Conversion:
    """Counts, label statistics, conflicts and alignment changes of one conversion run."""

    counts: ConversionCounts
    labels: Dict[str, Counter] = field(default_factory=dict)
    paths: Dict[str, Path] = field(default_factory=dict)
    conflicts: int = 0
    span_changes: int = 0
    shown_rejects: List[str] = field(default_factory=list)
    spans_key: str | None = None

    @property
    def all_labels(self) -> List[str]:
        """Every label of a written doc, in either split, sorted."""
        return sorted(set(self.labels["train"]) | set(self.labels["dev"]))

    def tables(self) -> List[tuple]:
        """The reconciled counts and the entities per split, as tables for the CLI to print:
        (title, header, rows, aligns) each, as `wasabi`'s `table` takes them."""
        counts = self.counts
        rows = [("read", counts.read)]
        rows += [(f"written: {split}", counts.written[split]) for split in SPLITS]
        rows += [("rejected", counts.rejected)]
        rows += [(f"skipped: {reason}", n) for reason, n in sorted(counts.skipped.items())]
        entities = [
            (label, self.labels["train"][label], self.labels["dev"][label])
            for label in self.all_labels
        ]
        kind = f"Spans (doc.spans[{self.spans_key!r}])" if self.spans_key else "Entities"
        return [
            ("Records", None, rows, ("l", "r")),
            (kind, ("label", "train", "dev"), entities, ("l", "r", "r")),
        ]

    def messages(self) -> List[Message]:
        """The reports to read (conflicts, span changes) and the files saved, as (level, title,
        text) messages for the CLI to print."""
        messages = []
        if self.conflicts:
            text = f"{self.conflicts} texts with conflicting answers, see {self.paths['conflicts']}"
            messages.append(("warn", text, ""))
        if self.span_changes:
            text = (
                f"{self.span_changes} spans moved or dropped to fit tokens, "
                f"see {self.paths['span_changes']}"
            )
            messages.append(("warn", text, ""))
        saved = ", ".join(str(p) for p in self.paths.values())
        return messages + [("good", f"Saved {saved}", "")]


def output_paths(output_dir: Path) -> Dict[str, Path]:
    """Every file the conversion writes into `output_dir`, by key of `OUTPUT_FILES`."""
    return {key: Path(output_dir) / name for key, name in OUTPUT_FILES.items()}


def check_conversion(
    specs: Sequence[InputSpec], output_dir: Path, db: str | None, base_model: str | None
) -> None:
    """Fail before any work on an output that would overwrite an input (or `base_model`), an
    output folder that is a file, or a missing input file or dataset."""
    check_overwrites([*input_paths(specs, db), base_model], output_paths(output_dir).values())
    if output_dir.exists() and not output_dir.is_dir():
        raise UsageError(f"The output folder {output_dir} is a file", "give a folder")
    check_inputs(specs, db)


def convert(
    specs: Sequence[InputSpec],
    output_dir: Path,
    nlp: Language,
    options: ConvertOptions,
    rehearse: Callable[[Groups], Groups] | None = None,
    progress: bool = False,
) -> Conversion:
    """Convert `specs` into `output_dir`'s `OUTPUT_FILES`, with `nlp`'s tokenizer.

    `rehearse`, if given, rewrites the merged texts before they are written (the base
    pipeline's entities, `binary.rehearse`). Raises `PluginError` (`StrictModeError` with
    `options.strict`) on bad input and `InternalError` if the counts do not add up; either
    way no output is replaced.
    """
    output_dir, paths = Path(output_dir), output_paths(output_dir)
    result = Conversion(ConversionCounts(), {split: Counter() for split in SPLITS})
    result.spans_key = options.spans_key
    with ExitStack() as stack:
        if not output_dir.exists():  # runs last: a failed run leaves no folder for its spools
            stack.callback(_remove_if_empty, output_dir)
        # spooled beside train.spacy, where the next run sweeps what a kill left
        beside = paths["train"]
        store = stack.enter_context(AnswerStore(options.seed, beside=beside))
        rejects = stack.enter_context(RejectLog(result.counts, options.strict, beside=beside))
        logs = {key: stack.enter_context(JsonlSpool(beside=beside)) for key in REPORTS}
        groups = merged_groups(
            store, specs, nlp, result.counts, rejects.add, input_format=options.input_format,
            align=options.align, policy=options.conflicts, labels=options.labels,
            eval_split=options.eval_split, spans_key=options.spans_key,
        )  # fmt: skip
        writers = {split: ShardedDocBinWriter(paths[split], options.shard_size) for split in SPLITS}
        try:
            _write_groups(rehearse(groups) if rehearse else groups, writers, result, logs, progress)
            if not result.counts.written["train"]:
                raise PluginError("No usable training records", _no_records_reason(rejects, specs))
            result.counts.check()  # before any output moves into place
        except BaseException:
            for writer in writers.values():
                writer.discard()
            raise
        for split in SPLITS:
            writers[split].close()
            result.paths[split] = writers[split].path
        label_data = spancat_label_data if options.spans_key else ner_label_data
        write_json_atomic(paths["labels"], label_data(result.all_labels))
        rejects.save(paths["rejects"])
        result.shown_rejects = [str(r) for r in rejects.shown]
        for key, log in logs.items():
            log.save(paths[key])
        result.paths.update({key: paths[key] for key in OUTPUT_FILES if key not in SPLITS})
        result.conflicts, result.span_changes = logs["conflicts"].count, logs["span_changes"].count
    return result


def _remove_if_empty(folder: Path) -> None:
    """Remove `folder` if nothing is in it (the spools of a failed run were its only files)."""
    with suppress(OSError):
        folder.rmdir()


def _no_records_reason(rejects: RejectLog, specs: Sequence[InputSpec] = ()) -> str:
    """Which inputs, what became of their records, and the first rejects (no report is
    written on failure)."""
    counts = rejects.counts
    sources = ", ".join(_spec_name(spec) for spec in specs)
    lines = [
        f"{sources}: {counts.read} read, {counts.rejected} rejected, "
        f"skipped: {dict(counts.skipped)}"
    ]
    return "\n".join(lines + [str(reject) for reject in rejects.shown[:MAX_REASONS]])


def _spec_name(spec: InputSpec) -> str:
    return f"dataset:{spec.dataset}" if spec.dataset is not None else str(spec.path)


def _write_groups(
    groups: Groups,
    writers: Dict[str, ShardedDocBinWriter],
    result: Conversion,
    logs: Dict[str, JsonlSpool],
    progress: bool = False,
) -> None:
    """Write each text's merged doc to its split's shards, and its conflict and span changes."""
    texts = tqdm(groups, desc="Merging", unit=" texts", disable=None if progress else True)
    for is_dev, merged in texts:
        split = "dev" if is_dev else "train"
        if merged.conflict is not None:
            logs["conflicts"].write(merged.conflict)
        for change in merged.changes:
            logs["span_changes"].write(change)
        if merged.doc is not None:
            writers[split].add(merged.doc)
            result.counts.written[split] += 1
            result.labels[split].update(merged.labels)


def ner_label_data(labels: List[str]) -> Dict[str, Dict[str, int]]:
    """The `ner` component's label data, in the format `spacy init labels` writes.

    configs/ner.cfg reads it in `[initialize.components.ner.labels]`, so initialization does
    not have to scan the whole corpus for labels.
    """
    return {action: dict(counts) for action, counts in _label_data(tuple(labels)).items()}


@lru_cache(maxsize=16)
def _label_data(labels: Tuple[str, ...]) -> Dict[str, Dict[str, int]]:
    """The label data of a `ner` initialized with `labels`, made once per label set (a blank
    pipeline with an initialized ner costs about 0.1 s)."""
    nlp = spacy.blank("xx")
    ner = nlp.add_pipe("ner")
    for label in labels:
        ner.add_label(label)
    nlp.initialize()
    return {str(action): dict(counts) for action, counts in ner.label_data.items()}
