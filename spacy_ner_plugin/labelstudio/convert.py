"""Between Label Studio and this project: a text's suggestions as a Label Studio prediction,
and a task's annotation as answer records (the export's reader, `formats.label_studio`)."""

from typing import Any, Dict, Iterable, List, Sequence, Tuple

from ..annotations.formats.label_studio import from_task, labels_result
from ..errors import PluginError
from ..io.hashing import set_hashes
from ..io.records import InvalidRecord
from .config import Control

# One suggested entity: character offsets, label, and its probability (None: not scored).
Entity = Tuple[int, int, str, float | None]


class TaskError(PluginError):
    """A task or annotation Label Studio sent that cannot be read: says which and why."""


def task_text(task: Any, index: int, field: str) -> str:
    """The text of `task` in the data `field` its config's `<Text>` shows."""
    where = f"task {task.get('id', index) if isinstance(task, dict) else index}"
    data = task.get("data") if isinstance(task, dict) else None
    if not isinstance(data, dict):
        raise TaskError(f"Cannot read {where}", "a task is an object with a 'data' object")
    text = data.get(field)
    if not isinstance(text, str):
        found = ", ".join(sorted(map(str, data))) or "none"
        raise TaskError(
            f"Cannot read {where}",
            f"its data has no text field {field!r} (the <Text> tag's value ${field}); "
            f"fields: {found}",
        )
    return text


def prediction(
    controls: Sequence[Control], texts: Dict[str, str], entities: Dict[str, List[Entity]],
    model_version: str,
) -> Dict[str, Any]:  # fmt: skip
    """One task's prediction: a `labels` result per entity, under the first control over the
    entity's `<Text>` that has its label (an entity no control has is left out). The score
    is the least sure entity's probability (None when nothing was scored)."""
    result = []
    for to_name, found in entities.items():
        text = texts[to_name]
        for start, end, label, score in found:
            control = next((c for c in controls if c.to_name == to_name
                            and (not c.labels or label in c.labels)), None)  # fmt: skip
            if control is None:
                continue
            item = labels_result(text, start, end, label, control.from_name, to_name)
            if score is not None:
                item["score"] = score
            result.append(item)
    scores = [item["score"] for item in result if "score" in item]
    return {"result": result, "score": min(scores) if scores else None,
            "model_version": model_version}  # fmt: skip


def answer_records(
    task: Dict[str, Any], annotation: Dict[str, Any], controls: Sequence[Control],
    session_id: str,
) -> List[Dict[str, Any]]:  # fmt: skip
    """The answer records of one annotation: one per `<Text>` of the config, its spans the
    annotation's `labels` regions over that text, `ignore` if the annotation was cancelled.
    A region whose `text` is not the task's text at its offsets is a `TaskError`."""
    if not isinstance(annotation, dict):
        raise TaskError("Cannot read an annotation", "an annotation is an object")
    results = annotation.get("result")
    results = [] if results is None else results
    if not isinstance(results, list):
        raise TaskError(_where(annotation), "'result' must be a list")
    records = []
    for to_name, field in _texts(controls):
        names = {c.from_name for c in controls if c.to_name == to_name}
        mine = [r for r in results if isinstance(r, dict) and r.get("from_name") in names
                and r.get("to_name") == to_name and r.get("type") == "labels"]  # fmt: skip
        text = task_text(task, 0, field)
        _check_regions(text, mine, annotation)
        full = {"id": task.get("id"), "data": {"text": text},
                "annotations": [{**annotation, "result": mine}]}  # fmt: skip
        try:
            (record,) = from_task(full)
        except InvalidRecord as err:
            raise TaskError(_where(annotation), f"{err.field}: {err.reason}") from None
        annotator = annotation.get("completed_by")
        record["meta"] = {**record["meta"], "to_name": to_name}
        record.update(_session_id=session_id, _annotator_id=annotator)
        records.append(set_hashes(record, overwrite=True))
    return records


def _texts(controls: Iterable[Control]) -> List[Tuple[str, str]]:
    """Each `<Text>` the controls label, `(name, field)`, in config order, once."""
    return list(dict.fromkeys((c.to_name, c.field) for c in controls))


def _check_regions(text: str, results: List[Dict[str, Any]], annotation: Dict[str, Any]) -> None:
    for i, item in enumerate(results):
        value = item.get("value")
        if not isinstance(value, dict):
            raise TaskError(_where(annotation), f"region {i} has no 'value' object")
        start, end = value.get("start"), value.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise TaskError(_where(annotation), f"region {i}: bad offsets {start!r}, {end!r}")
        if "text" in value and value["text"] != text[start:end]:
            raise TaskError(
                _where(annotation),
                f"region {i}: its text {value['text']!r} is not the task's text at "
                f"{start}:{end} ({text[start:end]!r})",
            )


def _where(annotation: Dict[str, Any]) -> str:
    return f"Cannot read annotation {annotation.get('id')} of task {annotation.get('task')}"
