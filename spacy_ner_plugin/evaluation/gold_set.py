"""A pipeline (or any predictor) against a gold eval set: the examples, the scores per label,
and the error analysis with its page of the worst texts."""

from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Sequence, Union

from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example

from ..annotations.gold import read_gold_docs
from ..annotations.ingest import check_inputs, input_paths, parse_input
from ..errors import PluginError
from ..io.files import atomic_path, check_overwrites
from ..io.records import Reject
from .errors import error_analysis
from .errors_html import render_error_page
from .scoring import score_report
from .spans import score_spans, spans_key_to_score, without_entity_gold

Predict = Callable[[Iterable[str]], Iterable[Doc]]


def check_gold_set(
    data_path: Union[str, Path], db: str | None, inputs: Sequence[Any], outputs: Sequence[Any]
) -> None:
    """Fail before any work if an output would write over the gold set (a file, or
    `dataset:NAME` of database `db`) or the other `inputs`, or if the gold set is missing."""
    spec = parse_input(data_path)
    check_overwrites([*input_paths([spec], db), *inputs], outputs)
    check_inputs([spec], db)


def gold_examples(
    data_path: Union[str, Path],
    nlp: Language,
    predict: Predict,
    rejects: List[Reject],
    *,
    binary: bool = False,
    db: str | None = None,
    spans_key: str | None = None,
) -> List[Example]:
    """The gold docs of `data_path` (merged per text as data-to-spacy does, for span
    categorization with a `spans_key`) paired with `predict`'s docs of their texts; bad records
    are appended to `rejects`. Raises `PluginError` when no gold doc is usable."""
    references = list(
        read_gold_docs(data_path, nlp, rejects, binary=binary, db=db, spans_key=spans_key)
    )
    if not references:
        raise PluginError("No usable gold examples", str(data_path))
    predicted = predict(doc.text for doc in references)
    return [Example(pred, ref) for pred, ref in zip(predicted, references)]


def evaluate_pipeline(
    nlp: Language,
    data_path: Union[str, Path],
    rejects: List[Reject],
    *,
    binary: bool = False,
    n_errors: int = 25,
    db: str | None = None,
    errors_html: Path | None = None,
    title: str = "Errors",
    spans_key: str | None = None,
) -> Dict[str, Any]:
    """The scores of `nlp` on the gold docs of `data_path`, with its errors by class under
    "errors" (the `n_errors` worst texts listed, and drawn into `errors_html` if given).

    With `binary`, texts annotated only by binary answers are scored by whether the model
    predicts each accepted span and avoids each rejected one. Spans are scored too (`spans`)
    for `spans_key`, or without one for the group the pipeline's spancat writes; the ner scores
    are None when no gold doc annotates entities.
    """
    spans_key = spans_key_to_score(nlp, spans_key)
    examples = gold_examples(
        data_path, nlp, lambda texts: nlp.pipe(map(nlp.make_doc, texts)), rejects,
        binary=binary, db=db, spans_key=spans_key,
    )  # fmt: skip
    report = error_analysis(examples)
    result = score_report(examples, len(rejects), binary=binary)
    if spans_key is not None:
        if without_entity_gold(examples):
            result.update(ents_p=None, ents_r=None, ents_f=None, ents_per_type={})
        result.update(score_spans(examples, spans_key, nlp))
    result["errors"] = report.to_json(n_errors)
    if errors_html is not None:
        page = render_error_page(report, n_errors, title)
        with atomic_path(errors_html) as tmp:
            tmp.write_text(page, encoding="utf8")
        result["errors"]["html"] = str(errors_html)
    return result
