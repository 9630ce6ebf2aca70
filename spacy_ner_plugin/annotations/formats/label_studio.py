"""Label Studio JSON: exports read (the full export, `annotations[].result[].value`, and
JSON-MIN), and tasks written in its import format (answers as `annotations`, pre-annotations
as `predictions`) for the labelling config `LABELING_CONFIG` names."""

from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List

from ...constants import MANUAL_VIEW
from ...io.files import atomic_path
from ...io.records import InvalidRecord, Line, convert_lines, json_line, read_json_array

# The names the written results refer to: a project labelled with
# <View><Labels name="label" toName="text">...</Labels><Text name="text" value="$text"/></View>
FROM_NAME, TO_NAME = "label", "text"
MODEL_VERSION = "spacy_ner_plugin"


def read(path: Path) -> Iterator[Line]:
    """One gold record per annotation (cancelled ones answer "ignore"); tasks with none reject."""
    return convert_lines(read_json_array(path), from_task)


def from_task(item: Any) -> List[Dict[str, Any]]:
    """The normalized records of one exported task (full or JSON-MIN)."""
    if not isinstance(item, dict):
        raise InvalidRecord(None, f"expected a task object, got {type(item).__name__}")
    if "annotations" in item or "data" in item:
        return _from_full(item)
    return [_from_min(item)]


def _from_full(item: Dict[str, Any]) -> List[Dict[str, Any]]:
    data = item.get("data")
    if not isinstance(data, dict):
        raise InvalidRecord("data", "missing 'data' object")
    strings = [v for v in data.values() if isinstance(v, str)]
    # the text field is named by the labelling config; "text" unless the task has one string
    text = data.get("text", strings[0] if len(strings) == 1 else None)
    annotations = item.get("annotations")
    if annotations is not None and not isinstance(annotations, list):
        raise InvalidRecord("annotations", "'annotations' must be a list")
    if not annotations:
        raise InvalidRecord("annotations", "task has no annotations (unlabelled)")
    records = []
    for i, annotation in enumerate(annotations):
        if not isinstance(annotation, dict):
            raise InvalidRecord("annotations", f"annotation {i} must be an object")
        results = annotation.get("result")
        results = [] if results is None else results
        if not isinstance(results, list):
            raise InvalidRecord("result", f"annotation {i}: 'result' must be a list")
        values = []
        for j, result in enumerate(results):
            if not isinstance(result, dict):
                raise InvalidRecord("result", f"annotation {i}: result {j} must be an object")
            if result.get("type") in ("labels", None):
                values.append(result.get("value"))
        meta = {"id": item.get("id"), "annotation_id": annotation.get("id")}
        meta["annotator"] = annotation.get("completed_by")
        answer = "ignore" if annotation.get("was_cancelled") else "accept"
        record = {"text": text, "spans": _spans(values, "result"), "answer": answer}
        records.append({**record, "meta": meta, "_view_id": MANUAL_VIEW})
    return records


def _from_min(item: Dict[str, Any]) -> Dict[str, Any]:
    # One key per labelling control of the project's config: every one holds entities.
    keys = [k for k, v in item.items() if _is_label_list(v)]
    if not keys and item.get("spans"):
        # Entities of another format would be lost in `meta`: say so instead.
        raise InvalidRecord(
            "spans", "Prodigy-style 'spans' in a Label Studio task: read the file as prodigy"
        )
    spans = [span for key in keys for span in _spans(item[key], key)]
    meta = {k: v for k, v in item.items() if k != "text" and k not in keys}
    record = {"text": item.get("text"), "spans": spans}
    return {**record, "answer": "accept", "meta": meta, "_view_id": MANUAL_VIEW}


def _is_label_list(value: Any) -> bool:
    """A JSON-MIN list of labelled regions: objects of which some have a `labels` list.

    One region without `labels` does not make the list something else (its entities would
    then be lost in `meta`): `_spans` rejects the record saying which region is bad.
    """
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) for v in value)
        and any("labels" in v for v in value)
    )


def _spans(values: List[Any], field: str) -> List[Dict[str, Any]]:
    spans = []
    for i, value in enumerate(values):
        if not isinstance(value, dict) or not isinstance(value.get("labels"), list):
            raise InvalidRecord(field, f"region {i} needs 'start', 'end' and a 'labels' list")
        for label in value["labels"]:
            spans.append({"start": value.get("start"), "end": value.get("end"), "label": label})
    return spans


def labels_result(
    text: str, start: int, end: int, label: str, from_name: str = FROM_NAME,
    to_name: str = TO_NAME,
) -> Dict[str, Any]:  # fmt: skip
    """One region of a `<Labels>` control over a `<Text>`, as Label Studio's `labels` result."""
    value = {"start": start, "end": end, "text": text[start:end], "labels": [label]}
    return {"from_name": from_name, "to_name": to_name, "type": "labels", "value": value}


def to_task(record: Dict[str, Any]) -> Dict[str, Any]:
    """One normalized record as a Label Studio task to import: an answer becomes its
    annotation (`ignore`: a cancelled one), a task without an answer (pre-annotated) its
    prediction. A rejected answer says no span list is right: `InvalidRecord`."""
    text = record["text"]
    result = [
        labels_result(text, span["start"], span["end"], span["label"])
        for span in record.get("spans") or []
    ]
    meta = record.get("meta")
    task: Dict[str, Any] = {"data": {"text": text, **({"meta": meta} if meta else {})}}
    answer = record.get("answer")
    if answer is None:
        task["predictions"] = [{"model_version": MODEL_VERSION, "result": result}]
    elif answer == "reject":
        raise InvalidRecord("answer", "a rejected answer is no Label Studio annotation")
    else:
        task["annotations"] = [{"result": result, "was_cancelled": answer == "ignore"}]
    return task


def write(path: Path, records: Iterable[Dict[str, Any]]) -> int:
    """Write records as one Label Studio import file, a JSON array of tasks (atomically)."""
    count = 0
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf8") as file_:
        file_.write("[")
        for record in records:
            file_.write(("," if count else "") + "\n" + json_line(to_task(record)))
            count += 1
        file_.write("\n]\n")
    return count
