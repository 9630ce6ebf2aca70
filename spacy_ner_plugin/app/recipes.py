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
"""

import inspect
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List

import spacy
import srsly
from catalogue import RegistryError
from spacy.language import Language
from spacy.util import registry

from ..annotations.formats import read_records
from ..binary.rehearse import pipeline_labels
from ..constants import BINARY_VIEW, MANUAL_VIEW
from ..db.database import Database
from ..db.inputs import PREFIX as DATASET_PREFIX
from ..errors import PluginError, UsageError
from ..io.hashing import set_hashes
from ..io.partitions import read_raw
from ..preannotate.preannotator import Preannotator, read_config
from .review import REVIEW_VIEW, review_tasks
from .teach import make_teach_session

logger = logging.getLogger(__name__)

Task = Dict[str, Any]
VIEWS = (MANUAL_VIEW, BINARY_VIEW, REVIEW_VIEW)
# Longer texts are skipped: one task must fit a page (and spaCy's default max_length).
MAX_TEXT_CHARS = 1_000_000
BUILT_IN = {
    "ner.manual": "spacy_ner_plugin.ner.manual.v1",
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
    preannotator = make_preannotator(model, lang, patterns, labels, segment, suggest=False)
    labels = labels or pattern_labels(patterns)
    if not labels:
        raise UsageError("ner.manual needs labels", "give --label A,B (or --patterns)")
    return Recipe(dataset, task_stream(source, preannotator), MANUAL_VIEW, labels)


@registry.misc("spacy_ner_plugin.ner.correct.v1")
def ner_correct(
    dataset: str,
    source: str,
    model: str | None = None,
    labels: List[str] | None = None,
    patterns: str | None = None,
    lang: str = "en",
    segment: bool = True,
) -> Recipe:
    """Correct the entities a model (and/or patterns) suggests, in the manual view."""
    if not model and not patterns:
        raise UsageError("ner.correct needs --model (and/or --patterns) to suggest entities")
    preannotator = make_preannotator(model, lang, patterns, labels, segment, suggest=True)
    labels = labels or sorted(pipeline_labels(preannotator.nlp)) or pattern_labels(patterns)
    if not labels:
        raise UsageError("ner.correct needs labels", "give --label A,B")
    return Recipe(dataset, task_stream(source, preannotator), MANUAL_VIEW, labels)


@registry.misc("spacy_ner_plugin.ner.teach.v1")
def ner_teach(
    dataset: str,
    source: str,
    model: str | None = None,
    labels: List[str] | None = None,
    lang: str = "en",
    segment: bool = True,
) -> Recipe:
    """Accept or reject one suggested entity at a time; the model learns from every batch."""
    if not model:
        raise UsageError("ner.teach needs --model: a pipeline with an 'ner' component")
    preannotator = make_preannotator(model, lang, None, labels, segment, suggest=False)
    try:
        session = make_teach_session(preannotator.nlp, task_stream(source, preannotator), labels)
    except ValueError as err:
        raise UsageError("Cannot teach this model", str(err)) from err
    labels = labels or sorted(pipeline_labels(preannotator.nlp))
    return Recipe(
        dataset,
        session.questions(),
        BINARY_VIEW,
        labels,
        update=session.update,
        exclude_by="task",
        batch_size=5,
    )


@registry.misc("spacy_ner_plugin.review.v1")
def review(
    dataset: str,
    source: str,
    lang: str = "en",
    model: str | None = None,
    labels: List[str] | None = None,
    db: str | None = None,
) -> Recipe:
    """Pick or edit one version per text among several annotators' answers.

    `source`: comma-separated datasets (`dataset:a,dataset:b` or `a,b`), or an annotation
    file (answers, or review records with `versions`)."""
    nlp = load_pipeline(model, lang)
    preannotator = Preannotator(nlp, {}, segment=False)
    records = list(review_records(source, db))
    tasks = review_tasks(
        records, lambda text: preannotator.tasks(nlp(text), {"text": text})[0]["tokens"]
    )
    found = sorted({s["label"] for t in tasks for v in t["versions"] for s in v["spans"]})
    return Recipe(dataset, tasks, REVIEW_VIEW, labels or found)


# Helpers of the built-in recipes


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
) -> Preannotator:
    """The preannotator of a stream: pattern matches pre-highlighted, model entities too when
    `suggest` (else the model only tokenizes)."""
    if patterns and not Path(patterns).is_file():
        raise UsageError("Patterns file not found", str(patterns))
    overrides = {
        "paths.patterns": str(patterns) if patterns else None,
        "preannotate.model": model,
        "preannotate.lang": lang,
        "preannotate.segment": segment,
        "preannotate.labels": labels or None,
        "suggesters.model.source": model if suggest else None,
    }
    try:
        return Preannotator.from_config(read_config(None, overrides))
    except (OSError, ImportError, ValueError) as err:
        raise UsageError("Cannot build the task stream", str(err)) from err


def task_stream(source: str, preannotator: Preannotator) -> Iterator[Task]:
    """Tasks from raw texts (JSONL `text`/`meta`, or .txt lines), tokenized, suggestions
    highlighted; records that are tasks already (with `tokens`) pass through."""
    if not Path(source).is_file():
        raise UsageError("Source not found", str(source))

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
        for _line, tasks in lines():
            if isinstance(tasks, list):
                yield from tasks
            else:
                logger.warning("skipped %s", tasks)

    return stream()


def pattern_labels(patterns: str | None) -> List[str]:
    if not patterns:
        return []
    return sorted({p["label"] for p in srsly.read_jsonl(patterns) if isinstance(p, dict)})


def review_records(source: str, db: str | None = None) -> Iterator[Task]:
    """The answers to review: of datasets (`dataset:a,dataset:b` or `a,b`) or of a file."""
    if Path(source).is_file():
        for line in read_records(source):
            if line.record is not None:
                yield line.record
        return
    names = [n.strip() for n in source.split(",") if n.strip()]
    names = [n[len(DATASET_PREFIX) :] if n.startswith(DATASET_PREFIX) else n for n in names]
    with Database(db) as database:
        for name in names:
            if name not in database:
                raise UsageError("Dataset not found", name)
            yield from database.get_answers(name)
