"""Annotation recipes: registered functions that return what the app serves.

A recipe is a function in `spacy.registry.misc` (like every registered function of this
package) that takes the `annotate` command's options it needs as keyword arguments and returns
a `Recipe`: the dataset, a stream of tasks (pulled lazily), the view, the labels, and an
optional `update` callback that receives every saved batch of answers. A user's own recipe
is a few lines in a `--code` file:

    @spacy.registry.misc("my_recipe.v1")
    def my_recipe(dataset, source, labels=None):
        return Recipe(dataset, stream=my_tasks(source), view="ner_manual", labels=labels)

A Prodigy-style dict (`dataset`, `stream`, `update`, `view_id`, `config: {labels}`) works too.

`spans.manual` is `ner.manual` for spans that may overlap or nest (span categorization), in
Prodigy's `spans_manual` view. The built-in recipes wire the package's engines and carry none
of their own: `ner.teach` is
the teach step's `teach.TeachSession`, `ner.correct --update` its `teach.CorrectSession` (active
correction), `review` the review step's units, versions and agreement.
Tasks read from a file carry their source line (`_line`), and the recipe's `total` is the
file's number of texts, counted up front, so the page can show how far it has read.
"""

import inspect
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List

import spacy
import srsly
from catalogue import RegistryError
from spacy.language import Language
from spacy.util import registry

from ..annotations.formats import read_records
from ..annotations.kinds import answer_kind
from ..annotations.merge import Answer
from ..binary.rehearse import pipeline_labels
from ..constants import BINARY_VIEW, MANUAL_VIEW, REVIEW_VIEW, SPANS_VIEW
from ..db.database import Database
from ..db.inputs import PREFIX as DATASET_PREFIX
from ..errors import PluginError, UsageError
from ..io.encoding import text_lines
from ..io.hashing import set_hashes, text_hash
from ..io.partitions import read_raw
from ..preannotate.preannotator import Preannotator, read_config
from ..review.policies import parse_policy
from ..review.settle import settle, unit_agreement
from ..teach import CorrectSession, Exclusions
from ..teach.config import teach_settings
from ..teach.questions import teach_session

logger = logging.getLogger(__name__)

Task = Dict[str, Any]
VIEWS = (MANUAL_VIEW, SPANS_VIEW, BINARY_VIEW, REVIEW_VIEW)
# Longer texts are skipped: one task must fit a page (and spaCy's default max_length).
MAX_TEXT_CHARS = 1_000_000
BUILT_IN = {
    "ner.manual": "spacy_ner_plugin.ner.manual.v1",
    "spans.manual": "spacy_ner_plugin.spans.manual.v1",
    "ner.correct": "spacy_ner_plugin.ner.correct.v1",
    "ner.teach": "spacy_ner_plugin.ner.teach.v1",
    "review": "spacy_ner_plugin.review.v1",
}


@dataclass
class Recipe:
    """What the app serves: tasks of `stream` shown in `view`, answers saved to `dataset`."""

    dataset: str
    stream: Iterable[Task]
    view: str = MANUAL_VIEW
    labels: List[str] = field(default_factory=list)
    update: Callable[[List[Task]], Any] | None = None
    # Skip what the dataset holds by input hash (a text once) or task hash (teach: a question).
    exclude_by: str = "input"
    batch_size: int = 10
    meta: Dict[str, Any] = field(default_factory=dict)
    # How many source texts there are, where that is known up front (a file's lines).
    total: int | None = None


def as_recipe(value: Any, name: str = "recipe") -> Recipe:
    """A `Recipe` from what a recipe function returned (a `Recipe` or a Prodigy-style dict)."""
    if isinstance(value, dict):
        config = value.get("config") or {}
        value = Recipe(
            dataset=value.get("dataset"),
            stream=value.get("stream"),
            view=value.get("view_id", value.get("view", MANUAL_VIEW)),
            labels=list(config.get("labels") or value.get("labels") or []),
            update=value.get("update"),
            exclude_by=value.get("exclude_by", "input"),
            batch_size=int(config.get("batch_size", 10)),
            total=value.get("total"),
        )
    if not isinstance(value, Recipe):
        raise PluginError(f"{name} returned {type(value).__name__}", "expected a Recipe or dict")
    if value.view not in VIEWS:
        raise PluginError(f"{name}: unknown view {value.view!r}", f"expected one of {VIEWS}")
    if not isinstance(value.dataset, str) or value.stream is None:
        raise PluginError(f"{name} returned no dataset or no stream")
    if value.exclude_by not in ("input", "task"):
        raise PluginError(f"{name}: exclude_by must be 'input' or 'task'")
    return value


def get_recipe(name: str) -> Callable[..., Any]:
    """The recipe function registered as `name` (or the built-in one it is short for)."""
    try:
        return registry.misc.get(BUILT_IN.get(name, name))
    except RegistryError as err:
        raise UsageError(
            f"Unknown recipe {name!r}",
            f"built in: {', '.join(BUILT_IN)}; or a function registered in "
            "spacy.registry.misc (in a --code file)",
        ) from err


def build_recipe(name: str, **options: Any) -> Recipe:
    """Call recipe `name` with the options its signature accepts; check what it returns."""
    func = get_recipe(name)
    parameters = inspect.signature(func).parameters
    if not any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        options = {k: v for k, v in options.items() if k in parameters}
    recipe = as_recipe(func(**options), name)
    recipe.meta = {"recipe": name, "view": recipe.view, **recipe.meta}
    return recipe


# The built-in recipes


@registry.misc("spacy_ner_plugin.ner.manual.v1")
def ner_manual(
    dataset: str,
    source: str,
    labels: List[str] | None = None,
    patterns: str | None = None,
    model: str | None = None,
    lang: str = "en",
    segment: bool = True,
) -> Recipe:
    """Mark entities by hand; pattern matches (if given) come pre-highlighted. A `model` only
    tokenizes."""
    return manual_recipe("ner.manual", dataset, source, labels, patterns, model, lang, segment)


@registry.misc("spacy_ner_plugin.spans.manual.v1")
def spans_manual(
    dataset: str,
    source: str,
    labels: List[str] | None = None,
    patterns: str | None = None,
    model: str | None = None,
    lang: str = "en",
    segment: bool = True,
) -> Recipe:
    """Mark spans by hand, overlapping and nested ones too (span categorization); every pattern
    match (if given) comes pre-highlighted, overlaps kept. A `model` only tokenizes."""
    return manual_recipe("spans.manual", dataset, source, labels, patterns, model, lang, segment)


@registry.misc("spacy_ner_plugin.ner.correct.v1")
def ner_correct(
    dataset: str,
    source: str,
    model: str | None = None,
    labels: List[str] | None = None,
    patterns: str | None = None,
    lang: str = "en",
    segment: bool = True,
    update: bool = False,
    exclude: List[str] | None = None,
    db: str | None = None,
    config: str | None = None,
    overrides: Dict[str, Any] | None = None,
    sorter: str | None = None,
    seed: int | None = None,
) -> Recipe:
    """Correct the entities a model (and/or patterns) suggests, in the manual view.

    `update`: active correction, the model in the loop (`teach.CorrectSession`, built from the
    teach config like `ner.teach`'s session, with `config`, `overrides`, `sorter` and `seed`):
    the sentences come in the order the sorter picks by the model's uncertainty, with the
    model's entities, and every saved batch of corrections trains the model."""
    if update:
        return correct_in_loop(
            dataset, source, model, labels, patterns, segment, exclude, db,
            config, overrides, sorter, seed,
        )  # fmt: skip
    if not model and not patterns:
        raise UsageError("ner.correct needs --model (and/or --patterns) to suggest entities")
    preannotator = make_preannotator(model, lang, patterns, labels, segment, suggest=True)
    labels = labels or sorted(pipeline_labels(preannotator.nlp)) or pattern_labels(patterns)
    if not labels:
        raise UsageError("ner.correct needs labels", "give --label A,B")
    stream = task_stream(source, preannotator)
    return Recipe(dataset, stream, MANUAL_VIEW, labels, total=count_texts(source))


@registry.misc("spacy_ner_plugin.ner.teach.v1")
def ner_teach(
    dataset: str,
    source: str,
    model: str | None = None,
    labels: List[str] | None = None,
    patterns: str | None = None,
    exclude: List[str] | None = None,
    db: str | None = None,
    config: str | None = None,
    overrides: Dict[str, Any] | None = None,
    sorter: str | None = None,
    seed: int | None = None,
    segment: bool = True,
) -> Recipe:
    """Accept or reject one suggested entity at a time; the model learns from every batch.

    The teach step's session (`teach.TeachSession`, built from the same config): the sorter
    picks over the whole stream, pattern matches are asked too, and what the dataset or an
    `exclude` dataset answered is not asked again. `config`: a teach config (default: the
    built-in one) with `overrides` (`{"sorter.bias": 0.2}`); `sorter`: swap in a built-in
    sorter; `seed`: the config's `teach.seed`; `segment` False: whole texts."""
    if not model:
        raise UsageError("ner.teach needs --model: a pipeline with an 'ner' component")
    check_file(patterns, "Patterns file")
    settings = session_settings(source, config, overrides, sorter, seed, segment)
    nlp = load_pipeline(model, "en")
    exclusions = dataset_exclusions(db, dataset, exclude)
    session = teach_session(
        nlp, labels, settings, patterns=Path(patterns) if patterns else None, exclude=exclusions
    )
    return Recipe(
        dataset,
        session.questions(source_texts(source)),
        BINARY_VIEW,
        session.labels,
        update=session.update,
        exclude_by="task",
        batch_size=5,
        total=count_texts(source),
    )


def correct_in_loop(
    dataset: str,
    source: str,
    model: str | None,
    labels: List[str] | None,
    patterns: str | None,
    segment: bool,
    exclude: List[str] | None,
    db: str | None,
    config: str | None,
    overrides: Dict[str, Any] | None,
    sorter: str | None,
    seed: int | None,
) -> Recipe:
    """`ner.correct --update`: a `CorrectSession` on `model`, served in the manual view."""
    if not model:
        raise UsageError("ner.correct --update needs --model: a pipeline with an 'ner' component")
    if patterns:
        raise UsageError("ner.correct --update suggests the model's entities only",
                         "leave out --patterns")  # fmt: skip
    settings = session_settings(source, config, overrides, sorter, seed, segment)
    nlp = load_pipeline(model, "en")
    exclusions = dataset_exclusions(db, dataset, exclude)
    session = teach_session(nlp, labels, settings, exclude=exclusions, session_type=CorrectSession)
    return Recipe(
        dataset,
        session.questions(source_texts(source)),
        MANUAL_VIEW,
        session.labels,
        update=session.update,
        batch_size=5,
        total=count_texts(source),
    )


@registry.misc("spacy_ner_plugin.review.v1")
def review(
    dataset: str,
    source: str,
    lang: str = "en",
    model: str | None = None,
    labels: List[str] | None = None,
    db: str | None = None,
    policy: str | None = None,
) -> Recipe:
    """Pick or edit one version per text among several annotators' answers.

    `source`: comma-separated datasets (`dataset:a,dataset:b` or `a,b`), or an annotation
    file (answers, or review records with `versions`). The review step's units: a text's
    manual answers, or the binary answers to one question; `policy` (`majority`, `longest`,
    `prefer:A,B`) picks the version shown first. Each task's `meta.agreement` is its
    annotators' agreement (`review.settle.unit_agreement`)."""
    nlp = load_pipeline(model, lang)
    chosen = parse_policy(policy)
    groups: Dict[int, List[Answer]] = defaultdict(list)
    for answer in review_answers(source, db):
        if isinstance(answer.record.get("text"), str):
            groups[text_hash(answer.record["text"])].append(answer)
    lines = {id(a.record): a.line for answers in groups.values() for a in answers}
    tasks = []
    for outcome in settle(groups.values(), nlp, _skipped, policy=chosen):
        task = dict(outcome.record)
        n_versions = len(task.get("versions") or [])
        agreement = unit_agreement(outcome.unit)
        task["meta"] = {**(task.get("meta") or {}), "versions": n_versions, "agreement": agreement}
        if Path(source).is_file():
            task["_line"] = lines[id(outcome.unit.first)]
        tasks.append(task)
    found = sorted({s["label"] for t in tasks for v in t["versions"] for s in v["spans"]})
    # Binary answers to several questions about one text are several tasks: one per hash.
    labels = labels or found
    return Recipe(dataset, tasks, REVIEW_VIEW, labels, exclude_by="task", total=len(tasks))


# Helpers of the built-in recipes


def manual_recipe(
    name: str,
    dataset: str,
    source: str,
    labels: List[str] | None,
    patterns: str | None,
    model: str | None,
    lang: str,
    segment: bool,
) -> Recipe:
    """`ner.manual` (spans never overlap) or `spans.manual` (they may: every pattern match is
    kept, and the view lets the annotator overlap them)."""
    view, overlaps = (SPANS_VIEW, "keep") if name == "spans.manual" else (MANUAL_VIEW, "longest")
    preannotator = make_preannotator(model, lang, patterns, labels, segment, False, overlaps)
    labels = labels or pattern_labels(patterns)
    if not labels:
        raise UsageError(f"{name} needs labels", "give --label A,B (or --patterns)")
    stream = task_stream(source, preannotator)
    return Recipe(dataset, stream, view, labels, total=count_texts(source))


def session_settings(
    source: str,
    config: str | None,
    overrides: Dict[str, Any] | None,
    sorter: str | None,
    seed: int | None,
    segment: bool,
) -> Dict[str, Any]:
    """A model-in-the-loop session's settings: the teach config with the recipe's options."""
    check_file(source, "Source")
    check_file(config, "Teach config")
    overrides = {**(overrides or {}), **({} if seed is None else {"teach.seed": seed})}
    return teach_settings(config, overrides, sorter, segment)


def dataset_exclusions(db: str | None, dataset: str, exclude: List[str] | None) -> Exclusions:
    """What the dataset (if it exists) and the `exclude` datasets answered already."""
    exclusions = Exclusions()
    with Database(db) as database:
        exclusions.add_answers(dataset_answers(database, [dataset], missing_ok=True))
        exclusions.add_answers(dataset_answers(database, exclude or []))
    return exclusions


def load_pipeline(model: str | None, lang: str) -> Language:
    try:
        return spacy.load(model) if model else spacy.blank(lang)
    except (OSError, ImportError) as err:
        raise UsageError("Cannot load the pipeline", str(err)) from err


def make_preannotator(
    model: str | None,
    lang: str,
    patterns: str | None,
    labels: List[str] | None,
    segment: bool,
    suggest: bool,
    overlaps: str = "longest",
) -> Preannotator:
    """The preannotator of a stream: pattern matches pre-highlighted, model entities too when
    `suggest` (else the model only tokenizes); `overlaps`: the pre-annotation overlap policy."""
    if patterns and not Path(patterns).is_file():
        raise UsageError("Patterns file not found", str(patterns))
    overrides = {
        "paths.patterns": str(patterns) if patterns else None,
        "preannotate.model": model,
        "preannotate.lang": lang,
        "preannotate.segment": segment,
        "preannotate.overlaps": overlaps,
        "preannotate.labels": labels or None,
        "suggesters.model.source": model if suggest else None,
    }
    try:
        return Preannotator.from_config(read_config(None, overrides))
    except (OSError, ImportError, ValueError) as err:
        raise UsageError("Cannot build the task stream", str(err)) from err


def task_stream(source: str, preannotator: Preannotator) -> Iterator[Task]:
    """Tasks from raw texts (JSONL `text`/`meta`, or .txt lines), tokenized, suggestions
    highlighted, each with its source line (`_line`); records that are tasks already (with
    `tokens`) pass through."""
    check_file(source, "Source")

    def lines():
        for line in read_raw(source):
            text = line.record.get("text") if line.record is not None else None
            if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
                logger.warning("skipped %s:%d: text over %d characters", source, line.line,
                               MAX_TEXT_CHARS)  # fmt: skip
                continue
            if line.record is not None and isinstance(line.record.get("tokens"), list):
                # Our own hashes: a task sent back after a restart is checked against them.
                yield line, [set_hashes(dict(line.record), overwrite=True)]
                continue
            yield from preannotator.process([line])

    def stream() -> Iterator[Task]:
        for line, tasks in lines():
            if isinstance(tasks, list):
                for task in tasks:
                    task["_line"] = line.line
                    yield task
            else:
                logger.warning("skipped %s", tasks)

    return stream()


def source_texts(source: str) -> Iterator[Task]:
    """The records of a raw text file (JSONL `text`/`meta`, or .txt lines) with their line
    (`_line`); bad lines and texts over `MAX_TEXT_CHARS` are skipped with a warning."""
    for line in read_raw(source):
        if line.reject is not None:
            logger.warning("skipped %s", line.reject)
            continue
        text = line.record.get("text")
        if not isinstance(text, str):
            logger.warning("skipped %s:%d: no 'text'", source, line.line)
        elif len(text) > MAX_TEXT_CHARS:
            logger.warning("skipped %s:%d: text over %d characters", source, line.line,
                           MAX_TEXT_CHARS)  # fmt: skip
        else:
            yield {**line.record, "_line": line.line}


def count_texts(source: str) -> int:
    """The number of texts of a source file, counted fast up front: its non-blank lines."""
    return sum(1 for _, text, _ in text_lines(source) if text.strip())


def check_file(path: str | None, what: str) -> None:
    if path is not None and not Path(path).is_file():
        raise UsageError(f"{what} not found", str(path))


def pattern_labels(patterns: str | None) -> List[str]:
    if not patterns:
        return []
    return sorted({p["label"] for p in srsly.read_jsonl(patterns) if isinstance(p, dict)})


def dataset_names(source: str) -> List[str]:
    """`dataset:a,dataset:b` or `a,b` → the dataset names."""
    names = [n.strip() for n in source.split(",") if n.strip()]
    return [n[len(DATASET_PREFIX) :] if n.startswith(DATASET_PREFIX) else n for n in names]


def dataset_answers(
    database: Database, names: Iterable[str], missing_ok: bool = False
) -> Iterator[Task]:
    """The answers of datasets `names`; a missing one is a `UsageError` unless `missing_ok`."""
    for name in names:
        if name in database:
            yield from database.get_answers(name)
        elif not missing_ok:
            raise UsageError("Dataset not found", name)


def review_answers(source: str, db: str | None = None) -> Iterator[Answer]:
    """The answers to review, each with where it was read and its kind: of datasets
    (`dataset:a,dataset:b` or `a,b`) or of a file."""
    if Path(source).is_file():
        for line in read_records(source):
            if line.record is None:
                logger.warning("skipped %s", line.reject)
            else:
                yield Answer(line.path, line.line, line.record, answer_kind(line.record))
        return
    with Database(db) as database:
        for name in dataset_names(source):
            records = dataset_answers(database, [name])
            for i, record in enumerate(records, start=1):
                yield Answer(f"{DATASET_PREFIX}{name}", i, record, answer_kind(record))


def _skipped(reject: Any) -> None:
    logger.warning("skipped %s", reject)
