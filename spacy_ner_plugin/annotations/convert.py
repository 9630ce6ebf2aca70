"""The conversion run of `data-to-spacy`: annotations of any format → train.spacy, dev.spacy,
labels.json and the reports (rejects, conflicts, span changes)."""

from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

import spacy
from tqdm import tqdm

from ..io.shards import ShardedDocBinWriter
from .counts import ConversionCounts
from .ingest import InputSpec, JsonlSpool, RejectLog
from .merge import Merged

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
MAX_REASONS = 5


@dataclass
class DataToSpacyResult:
    """Counts, label statistics, conflicts and alignment changes of one conversion run."""

    counts: ConversionCounts
    labels: Dict[str, Counter] = field(default_factory=dict)
    paths: Dict[str, Path] = field(default_factory=dict)
    conflicts: int = 0
    span_changes: int = 0
    shown_rejects: List[str] = field(default_factory=list)


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
    groups: Iterable[Tuple[bool, Merged]],
    writers: Dict[str, ShardedDocBinWriter],
    result: DataToSpacyResult,
    conflict_log: JsonlSpool,
    change_log: JsonlSpool,
    silent: bool = True,
) -> None:
    """Write each text's merged doc to its split's shards, and its conflict and span changes."""
    progress = tqdm(groups, desc="Merging", unit=" texts", disable=True if silent else None)
    for is_dev, merged in progress:
        split = "dev" if is_dev else "train"
        if merged.conflict is not None:
            conflict_log.write(merged.conflict)
        for change in merged.changes:
            change_log.write(change)
        if merged.doc is not None:
            writers[split].add(merged.doc)
            result.counts.written[split] += 1
            result.labels[split].update(merged.labels)


def ner_label_data(labels: List[str]) -> Dict[str, Dict[str, int]]:
    """The `ner` component's label data, in the format `spacy init labels` writes.

    configs/ner.cfg reads it in `[initialize.components.ner.labels]`, so initialization does
    not have to scan the whole corpus for labels.
    """
    nlp = spacy.blank("xx")
    ner = nlp.add_pipe("ner")
    for label in labels:
        ner.add_label(label)
    nlp.initialize()
    return {str(action): dict(counts) for action, counts in ner.label_data.items()}
