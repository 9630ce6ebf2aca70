"""`data-to-spacy`: annotation JSONL → train.spacy / dev.spacy / labels.json + rejects report."""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import spacy
import typer
from spacy.tokens import Doc, DocBin
from tqdm import tqdm

from ..convert import ConversionCounts, RecordConverter, StrictModeError, accepted_text_hashes
from ..files import atomic_path, write_json_atomic, write_jsonl_atomic
from ..split import choose_dev_texts
from ._util import app, ensure_inputs_exist, load_tokenizer_pipeline, msg

SPLITS = ("train", "dev")
MAX_REJECTS_SHOWN = 20


@dataclass
class DataToSpacyResult:
    """Counts and label statistics of one conversion run."""

    counts: ConversionCounts
    labels: Dict[str, Counter] = field(default_factory=dict)
    paths: Dict[str, Path] = field(default_factory=dict)


@app.command("data-to-spacy")
def data_to_spacy_cli(
    # fmt: off
    inputs: List[Path] = typer.Argument(
        ...,
        help="Annotation JSONL files (Prodigy ner.manual / ner.correct exports)",
        exists=True,
        dir_okay=False,
    ),
    output_dir: Path = typer.Argument(
        ..., help="Directory for train.spacy, dev.spacy, labels.json, rejects.jsonl"
    ),
    eval_path: str = typer.Option(
        "", "--eval", help="Dedicated eval JSONL file; empty: split the inputs instead"
    ),
    eval_split: float = typer.Option(
        0.2, "--eval-split", help="Share of distinct texts held out for dev when no --eval is given"
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the train/dev split"),
    lang: str = typer.Option(
        "en", "--lang", help="Language of the blank tokenizer for records without tokens"
    ),
    base_model: Optional[str] = typer.Option(
        None, "--base-model", help="Pipeline whose tokenizer is used instead of a blank --lang"
    ),
    labels: str = typer.Option(
        "",
        "--labels",
        help="Comma-separated labels; a span with any other label rejects its record",
    ),
    strict: bool = typer.Option(False, "--strict", help="Stop at the first bad record"),
    # fmt: on
) -> None:
    """Convert annotation JSONL into train.spacy / dev.spacy / labels.json.

    Reads Prodigy JSONL (with or without `tokens`). Accepted answers become training docs (a
    text with no spans is an all-"O" example), bad records go to rejects.jsonl with file, line
    and reason, and the split is seeded and by text, so the same text never lands in both train
    and dev.
    """
    try:
        data_to_spacy(
            inputs,
            output_dir,
            eval_path=Path(eval_path) if eval_path else None,
            eval_split=eval_split,
            seed=seed,
            lang=lang,
            base_model=base_model,
            strict=strict,
            labels=[label for label in labels.split(",") if label] or None,
        )
    except StrictModeError as err:
        msg.fail(
            "Stopped at the first bad record (--strict); nothing was written", str(err), exits=1
        )
    except ValueError as err:
        msg.fail(str(err), exits=1)


def data_to_spacy(
    inputs: List[Path],
    output_dir: Path,
    *,
    eval_path: Optional[Path] = None,
    eval_split: float = 0.2,
    seed: int = 0,
    lang: str = "en",
    base_model: Optional[str] = None,
    labels: Optional[List[str]] = None,
    strict: bool = False,
) -> DataToSpacyResult:
    """Convert `inputs` into `output_dir/{train,dev}.spacy`, `labels.json` and `rejects.jsonl`.

    All outputs are written atomically once every record has been processed, so a failure
    (or `strict=True` stopping at a bad record) leaves earlier outputs untouched.
    """
    ensure_inputs_exist(*inputs, eval_path)
    nlp = load_tokenizer_pipeline(lang, base_model)
    converter = RecordConverter(nlp, strict=strict, labels=set(labels) if labels else None)
    result = DataToSpacyResult(converter.counts, {split: Counter() for split in SPLITS})
    bins = {split: DocBin(store_user_data=False) for split in SPLITS}
    for split, doc in tqdm(
        _routed_docs(converter, inputs, eval_path, eval_split, seed),
        desc="Converting",
        unit=" docs",
        disable=None,
    ):
        bins[split].add(doc)
        converter.counts.written[split] += 1
        result.labels[split].update(ent.label_ for ent in doc.ents)
    if not converter.counts.written["train"]:
        raise ValueError("No usable training records: see the rejects above")
    output_dir = Path(output_dir)
    for split in SPLITS:
        result.paths[split] = output_dir / f"{split}.spacy"
        with atomic_path(result.paths[split]) as tmp:
            bins[split].to_disk(tmp)
    labels = sorted(set(result.labels["train"]) | set(result.labels["dev"]))
    result.paths["labels"] = output_dir / "labels.json"
    write_json_atomic(result.paths["labels"], ner_label_data(labels))
    result.paths["rejects"] = output_dir / "rejects.jsonl"
    write_jsonl_atomic(result.paths["rejects"], (r.to_json() for r in converter.rejects))
    _print_summary(result, converter)
    return result


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


def _routed_docs(
    converter: RecordConverter,
    inputs: List[Path],
    eval_path: Optional[Path],
    eval_split: float,
    seed: int,
) -> Iterator[Tuple[str, Doc]]:
    """Every usable doc tagged with its split: a dedicated eval file, or a seeded text split."""
    if eval_path is not None:
        eval_texts = accepted_text_hashes([eval_path])
        for _, doc in converter.docs(eval_path):
            yield "dev", doc
        for path in inputs:
            for _, doc in converter.docs(path, exclude_texts=eval_texts):
                yield "train", doc
        return
    dev_texts = choose_dev_texts(accepted_text_hashes(inputs), eval_split, seed)
    for path in inputs:
        for key, doc in converter.docs(path):
            yield ("dev" if key in dev_texts else "train"), doc


def _print_summary(result: DataToSpacyResult, converter: RecordConverter) -> None:
    counts = result.counts
    for reject in converter.rejects[:MAX_REJECTS_SHOWN]:
        msg.warn(str(reject))
    if len(converter.rejects) > MAX_REJECTS_SHOWN:
        msg.warn(f"... and {len(converter.rejects) - MAX_REJECTS_SHOWN} more")
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
    if not counts.reconciles:
        msg.fail("Counts do not add up: this is a bug, please report it")
    msg.good(f"Saved {', '.join(str(p) for p in result.paths.values())}")
