"""The served pipeline behind the Label Studio protocol: pre-annotation as predictions, and
the annotations Label Studio sends stored (a dataset per Label Studio project) and learnt.

Learning is `teach.CorrectSession`'s in-place update of the served pipeline (replay of earlier
gold texts, a warmed-up step, averaged weights), under one lock with prediction; a pipeline
without an entity recognizer (patterns alone) gets a fresh `ner` for the config's labels at
the first annotation, and its entities join the patterns' suggestions from then on. Each
update bumps `model_version`, so Label Studio asks for new predictions. The pipeline on disk is
never changed: `data-to-spacy dataset:ls-project-N` and `train` make the lasting model.
"""

import random
import threading
import time
from functools import partial
from typing import Any, Callable, Dict, Iterable, List, Sequence, Set, Tuple

from spacy.language import Language
from spacy.training import Example

from ..annotations.docs import check_length
from ..binary.beam import NER_FACTORIES
from ..db.database import Database, safe_url
from ..io.records import InvalidRecord
from ..messages import Message
from ..preannotate.preannotator import Preannotator, read_config
from ..preannotate.suggesters import create_model_suggester
from ..teach.correct import CorrectSession
from ..teach.scoring import BeamScorer, batched
from ..teach.session import Exclusions, Randomness
from .config import Control, parse_label_config
from .convert import Entity, TaskError, answer_records, prediction, task_text

DATASET_PREFIX = "ls-project-"
ANNOTATION_EVENTS = ("ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_CREATED")
TRAIN_EVENT = "START_TRAINING"
# START_TRAINING: passes over the project's stored answers, in batches of this many.
RETRAIN_EPOCHS, RETRAIN_BATCH = 3, 8


def dataset_name(project: Any) -> str:
    """The dataset that keeps a Label Studio project's answers."""
    return f"{DATASET_PREFIX}{project}"


class LabelStudioBackend:
    """Predictions from a `Preannotator`; answers into `db`; updates of its pipeline."""

    def __init__(self, preannotator: Preannotator, db: Database, seed: int = 0) -> None:
        self.preannotator = preannotator
        self.nlp: Language = preannotator.nlp
        self.db = db
        self.seed = seed
        self.lock = threading.RLock()
        self.session: CorrectSession | None = None
        self.scorer = BeamScorer()

    @classmethod
    def from_options(
        cls, db: Database, *, patterns: str | None = None, model: str | None = None,
        lang: str = "en", labels: Sequence[str] | None = None,
    ) -> "LabelStudioBackend":  # fmt: skip
        """Pattern and/or model suggestions on whole texts, as `preannotate --unsegmented`."""
        overrides = {"paths.patterns": patterns, "paths.model": model, "preannotate.lang": lang,
                     "preannotate.labels": list(labels) if labels else None,
                     "preannotate.segment": False}  # fmt: skip
        return cls(Preannotator.from_config(read_config(None, overrides)), db)

    @property
    def model_version(self) -> str:
        """The suggesters serving, and how many updates the pipeline has had."""
        names = "+".join(self.preannotator.suggesters) or "tokens"
        return f"spacy-ner-plugin:{names}:v{self.session.version if self.session else 0}"

    def messages(self, host: str, port: int) -> List[Message]:
        """The (level, title, text) lines `ls-backend` prints before serving: what it
        predicts, where the answers go, and where Label Studio reaches it."""
        lines = []
        if not self.preannotator.suggesters:
            nothing = "No patterns and no entity recognizer: nothing is predicted until it learns"
            lines.append(("warn", nothing, ""))
        where = f"Answers go to datasets {DATASET_PREFIX}ID of {safe_url(self.db.url)}"
        lines.append(("info", where, ""))
        local = (
            "a Label Studio on this machine needs ML_BLOCK_LOCAL_IP=false and "
            "SSRF_PROTECTION_ENABLED=false to reach it"
        )
        url = f"Label Studio ML backend {self.model_version} at http://{host}:{port}"
        lines.append(("good", url, local))
        if host not in ("127.0.0.1", "localhost", "::1"):
            exposed = (
                f"Listening on {host}: anyone who reaches it can read texts' predictions and "
                "add answers (it has no authentication)"
            )
            lines.append(("warn", exposed, ""))
        return lines

    def setup(self, label_config: Any) -> str:
        """Check that the project's config is one this backend serves; the model version."""
        parse_label_config(label_config)
        return self.model_version

    def predict(self, tasks: Any, label_config: Any) -> List[Dict[str, Any]]:
        """One prediction per task, in order (`TaskError` naming a task that has no text)."""
        controls = parse_label_config(label_config)
        if not isinstance(tasks, list):
            raise TaskError("Cannot read the tasks", "'tasks' must be a list of tasks")
        fields = dict((c.to_name, c.field) for c in controls)
        texts = [{name: task_text(task, i, field) for name, field in fields.items()}
                 for i, task in enumerate(tasks)]  # fmt: skip
        flat = [(i, name, text) for i, found in enumerate(texts) for name, text in found.items()]
        for i, _, text in flat:
            try:
                check_length(self.nlp, text)
            except InvalidRecord as err:
                where = f"Cannot predict task {tasks[i].get('id', i)}"
                raise TaskError(where, err.reason) from None
        with self.lock:
            version = self.model_version
            found = self._entities([text for _, _, text in flat])
        entities: List[Dict[str, List[Entity]]] = [{} for _ in tasks]
        for (i, name, _), ents in zip(flat, found):
            entities[i][name] = ents
        return [prediction(controls, t, e, version) for t, e in zip(texts, entities)]

    def _entities(self, texts: List[str]) -> List[List[Entity]]:
        """Each text's suggestions in characters, each with the probability the beam of the
        pipeline's entity recognizer gives it (None without one)."""
        docs = list(self.nlp.pipe(texts))
        scores = self.scorer(self.nlp, docs)[1] if _has_ner(self.nlp) else [{} for _ in docs]
        found = []
        for doc, probs in zip(docs, scores):
            spans = [(doc[s.start : s.end], s.label) for s in self.preannotator.suggest(doc)]
            found.append([
                (span.start_char, span.end_char, label, probs.get((span.start, span.end, label)))
                for span, label in spans
            ])  # fmt: skip
        return found

    def receive(self, payload: Any) -> Tuple[Dict[str, Any], Callable[[], int] | None]:
        """A webhook event's reply, and the training it calls for (to run after replying):
        new annotations stored and learnt from, or the project's stored answers trained on
        again (START_TRAINING); other events are acknowledged and left alone."""
        if not isinstance(payload, dict):
            raise TaskError("Cannot read the event", "a webhook event is a JSON object")
        action = payload.get("action")
        if action not in (*ANNOTATION_EVENTS, TRAIN_EVENT):
            return {"status": "Unknown event", "action": action}, None
        project = payload.get("project")
        if not isinstance(project, dict) or "id" not in project:
            raise TaskError(f"Cannot read the {action} event", "it has no 'project' object")
        controls = parse_label_config(project.get("label_config"))
        dataset = dataset_name(project["id"])
        if action == TRAIN_EVENT:
            records = list(self.db.get_answers(dataset)) if dataset in self.db else []
            reply = {"status": "ok", "dataset": dataset, "training_on": len(records)}
            return reply, partial(self.retrain, records, controls, dataset)
        added = self.store(dataset, _annotated_tasks(payload), controls, action)
        reply = {"status": "ok", "dataset": dataset, "stored": len(added)}
        accepted = [r for r in added if r["answer"] == "accept"]  # cancelled ones teach nothing
        return reply, partial(self.learn, accepted, controls, dataset) if accepted else None

    def store(
        self, dataset: str, pairs: Iterable[Tuple[Dict[str, Any], Dict[str, Any]]],
        controls: Sequence[Control], action: str,
    ) -> List[Dict[str, Any]]:  # fmt: skip
        """Save each annotation's records (an update supersedes the annotation's earlier
        answer); the records that are new (a repeated event adds nothing)."""
        records, supersedes = [], {}
        for task, annotation in pairs:
            session = f"{dataset}-{annotation.get('completed_by')}"
            for record in answer_records(task, annotation, controls, session):
                record["_answer_id"] = (
                    f"ls-{annotation.get('id')}-{record['meta']['to_name']}"
                    f"@{annotation.get('updated_at') or annotation.get('created_at')}"
                )
                record["_timestamp"] = int(time.time())
                earlier = self._earlier(dataset, record) if action == "ANNOTATION_UPDATED" else None
                if earlier is not None:
                    supersedes[record["_answer_id"]] = earlier
                records.append(record)
        result = self.db.add_answers(dataset, records, supersedes=supersedes)
        added = set(result.added_keys)
        return [r for r in records if r["_answer_id"] in added]

    def _earlier(self, dataset: str, record: Dict[str, Any]) -> str | None:
        """The answer id of the standing answer of the same annotation and text, if any."""
        if dataset not in self.db:
            return None
        session = record["_session_id"]
        for old in self.db.history(dataset, session, n=self.db.count(dataset, session)):
            meta = old.get("meta") or {}
            same = (meta.get("annotation_id"), meta.get("to_name"))
            if same == (record["meta"]["annotation_id"], record["meta"]["to_name"]):
                return old["_answer_id"] if old["_answer_id"] != record["_answer_id"] else None
        return None

    def learn(
        self, records: List[Dict[str, Any]], controls: Sequence[Control], dataset: str
    ) -> int:
        """Update the served pipeline on new answers; how many updates it has had."""
        with self.lock:
            session = self._session(controls, dataset, {r["_answer_id"] for r in records})
            session.update(records)
            return session.version

    def retrain(
        self, records: List[Dict[str, Any]], controls: Sequence[Control], dataset: str
    ) -> int:
        """`RETRAIN_EPOCHS` shuffled passes over stored answers; how many updates in all."""
        shuffle = random.Random(self.seed)
        with self.lock:
            session = self._session(controls, dataset)
            for _ in range(RETRAIN_EPOCHS if records else 0):
                shuffle.shuffle(records)
                for batch in batched(records, RETRAIN_BATCH):
                    session.update(batch)
            return session.version

    def _session(
        self, controls: Sequence[Control], dataset: str, new: Set[str] = frozenset()
    ) -> CorrectSession:
        """The session that updates the served pipeline, made at the first answers (with a
        fresh `ner` for the config's labels where the pipeline has none); it replays the
        gold answers `dataset` holds, but the `new` ones it is about to learn."""
        if self.session is not None:
            return self.session
        labels = [label for c in controls for label in c.labels]
        if self.preannotator.labels is not None:
            labels = [label for label in labels if label in self.preannotator.labels]
        labels = list(dict.fromkeys(labels))
        if not _has_ner(self.nlp):
            ner = self.nlp.add_pipe("ner")
            for label in labels:
                ner.add_label(label)
            doc = self.nlp.make_doc("")
            with Randomness(self.seed).active():  # seeded weights, the process's state kept
                ner.initialize(lambda: [Example(doc, doc)], nlp=self.nlp)  # shapes only
            self.preannotator.suggesters["model"] = create_model_suggester()(self.nlp)
        exclude = Exclusions()
        stored = self.db.get_answers(dataset) if dataset in self.db else []
        exclude.add_answers(r for r in stored if r.get("_answer_id") not in new)
        self.session = CorrectSession(
            self.nlp, labels or None, copy=False, new_labels=True, seed=self.seed,
            exclude=exclude,
        )  # fmt: skip
        return self.session


def _has_ner(nlp: Language) -> bool:
    return any(nlp.get_pipe_meta(name).factory in NER_FACTORIES for name in nlp.pipe_names)


def _annotated_tasks(payload: Dict[str, Any]) -> List[Tuple[Dict[str, Any], Dict[str, Any]]]:
    """`(task, annotation)` of an annotation event (ANNOTATIONS_CREATED: lists, by task id)."""
    task, annotation = payload.get("task"), payload.get("annotation")
    if isinstance(annotation, dict) and isinstance(task, dict):
        return [(task, annotation)]
    if isinstance(annotation, list) and isinstance(task, list):
        by_id = {t.get("id"): t for t in task if isinstance(t, dict)}
        pairs = [(by_id.get(a.get("task")), a) for a in annotation if isinstance(a, dict)]
        if all(t is not None for t, _ in pairs):
            return pairs  # type: ignore[return-value]
    raise TaskError(
        f"Cannot read the {payload.get('action')} event", "it needs its 'task' and 'annotation'"
    )
