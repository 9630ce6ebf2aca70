"""The one path from annotation records to gold Docs, behind every step that needs gold.

`merged_groups` streams the records of some inputs into an `AnswerStore`, then merges the
answers about each text into one Doc (`merge.merge_answers`, the rules of DESIGN.md).
`data-to-spacy` writes those docs; `read_gold_docs` yields them to `evaluate`,
`evaluate-patterns` and the registered annotation corpus reader, so the three agree on the gold
of any file: duplicates collapse, conflicts are skipped (and counted), binary answers become
partial docs.
"""

from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Sequence, Set, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc

from ..io.hashing import text_hash
from ..io.records import Reject
from ..io.shards import read_docbin_docs
from .counts import ConversionCounts
from .ingest import InputSpec, detect_input_kinds, ingest, parse_input
from .merge import Answer, Merged, merge_answers
from .partial import is_partial
from .spans import has_span_gold
from .store import AnswerStore

PathLike = Union[str, Path]
# where a merged doc keeps its records' own `_input_hash` (Prodigy's are not ours)
INPUT_HASH_KEY = "spacy_ner_plugin.input_hash"
EVAL_CONFLICT = "conflict with the eval set"


def merged_groups(
    store: AnswerStore,
    specs: Sequence[InputSpec],
    nlp: Language,
    counts: ConversionCounts,
    reject: Callable[[Reject], None],
    *,
    input_format: str | None = None,
    align: str = "strict",
    policy: str = "report",
    labels: Set[str] | None = None,
    eval_split: float = 0.0,
    spans_key: str | None = None,
) -> Iterator[Tuple[bool, Merged]]:
    """`(is_dev, merged)` per text of `specs`, in first-seen order; rejects go to `reject`.

    With a dedicated eval input (`eval:`), a dev text keeps only the eval input's answers;
    otherwise `eval_split` of the texts are drawn for dev (seeded by the store's seed). The
    other inputs' answers about an eval text are skipped, and reported as a conflict when
    they disagree with the eval set's (which is kept). A `spans_key` merges for span
    categorization (`merge.merge_answers`).
    """
    ingest(specs, store, counts, reject, input_format)
    store.assign_splits(eval_split, any(spec.eval for spec in specs))
    for _, is_dev, answers, from_eval in store.groups():
        every_answer = answers
        if is_dev and any(from_eval):
            answers = [a for a, is_eval in zip(answers, from_eval) if is_eval]
        merged = merge_answers(
            answers, nlp, align=align, policy=policy, labels=labels, spans_key=spans_key
        )
        if len(answers) < len(every_answer):
            skipped = len(every_answer) - len(answers)
            if merged.conflict is None:
                merged.conflict = _eval_conflict(every_answer, nlp, align, labels, spans_key)
                reason = "text also in eval set" if merged.conflict is None else EVAL_CONFLICT
                counts.skipped[reason] += skipped
            else:
                counts.skipped["text also in eval set"] += skipped
        if merged.doc is not None:
            _keep_input_hash(merged.doc, answers)
        for bad in merged.rejects:
            reject(bad)
        counts.skipped.update(merged.skipped)
        yield is_dev, merged


def _eval_conflict(
    answers: List[Answer],
    nlp: Language,
    align: str,
    labels: Set[str] | None,
    spans_key: str | None = None,
) -> Dict[str, Any] | None:
    """The conflict report of an eval text whose answers from other inputs disagree with the
    eval set's, as `merge_answers` reports any conflict; None when they agree."""
    conflict = merge_answers(answers, nlp, align=align, labels=labels, spans_key=spans_key).conflict
    if conflict is not None:
        conflict["reasons"].append(EVAL_CONFLICT)
    return conflict


def _keep_input_hash(doc: Doc, answers: Sequence[Answer]) -> None:
    """Keep the first `_input_hash` the text's records carry on its doc."""
    for answer in answers:
        value = answer.record.get("_input_hash")
        if isinstance(value, int):
            doc.user_data[INPUT_HASH_KEY] = value
            return


def doc_input_hash(doc: Doc) -> int:
    """The `_input_hash` of the records a gold doc was merged from, else the hash of its text,
    so a report names a text the way the user's own files do."""
    value = doc.user_data.get(INPUT_HASH_KEY)
    return value if isinstance(value, int) else text_hash(doc.text)


def read_gold_docs(
    paths: Union[PathLike, Iterable[PathLike]],
    nlp: Language,
    rejects: List[Reject],
    counts: ConversionCounts | None = None,
    *,
    binary: bool = False,
    db: str | None = None,
    spans_key: str | None = None,
) -> Iterator[Doc]:
    """One gold Doc per text of `paths`: `.spacy` files as they are, annotation files merged.

    Annotation files of any supported format (and `dataset:NAME`s of database `db`) are read
    together, so answers about one text in two files merge into one doc, exactly as
    `data-to-spacy` merges them. A doc that only binary answers annotate is partial (tokens
    missing); it is yielded with `binary`, else skipped and counted. Bad records are appended
    to `rejects`; `counts` (if given) accounts for every record read. With a `spans_key`,
    annotation files merge for span categorization (overlaps kept) and a doc with that span
    group is gold even though its entities are missing.
    """
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    all_specs = [parse_input(p) for p in paths]
    for spec in all_specs:
        spec.db = spec.db or db
    counts = counts if counts is not None else ConversionCounts()
    for spec in all_specs:
        if spec.dataset is None and spec.path.suffix == ".spacy":
            for doc in read_docbin_docs(spec.path, nlp.vocab):
                counts.read += 1
                if _keep(doc, binary, counts, spans_key):
                    yield doc
    specs = [s for s in all_specs if s.dataset is not None or s.path.suffix != ".spacy"]
    if not specs:
        return
    detect_input_kinds(specs)

    def reject(bad: Reject) -> None:
        counts.rejected += 1
        rejects.append(bad)

    with AnswerStore() as store:
        groups = merged_groups(store, specs, nlp, counts, reject, spans_key=spans_key)
        for _, merged in groups:
            if merged.doc is not None and _keep(merged.doc, binary, counts, spans_key):
                yield merged.doc


def _keep(doc: Doc, binary: bool, counts: ConversionCounts, spans_key: str | None = None) -> bool:
    """Count `doc` as written, or as skipped when it is partial (no span gold under
    `spans_key` either) and `binary` is off."""
    if binary or not is_partial(doc) or has_span_gold(doc, spans_key):
        counts.written["docs"] += 1
        return True
    counts.skipped["binary answers only (partial annotation)"] += 1
    return False
