"""In-loop updates that do not drift (issue 30, measured by `bench.drift`): each update also
trains on earlier gold texts (replay), the first updates' step is ramped up (warm-up: a fresh
optimizer's Adam moments start at zero), and the session predicts with the moving average of
the weights while the optimizer trains the raw ones (thinc's `use_averages`, what `spacy
train` evaluates and saves)."""

import random
from contextlib import contextmanager
from typing import Any, Dict, Iterable, Iterator, List, Tuple

from spacy.language import Language
from spacy.tokens import Doc
from thinc.api import Optimizer
from thinc.types import FloatsXd

from ..annotations.merge import Answer, merge_answers
from ..constants import GOLD
from ..io.hashing import text_hash

ParamKey = Tuple[int, str]


def gold_docs(nlp: Language, records: Iterable[Dict[str, Any]]) -> List[Doc]:
    """The training docs of accepted complete annotations (every token outside an entity
    "O"), the latest answer about a text winning; other answers train nothing."""
    by_text: Dict[int, List[Answer]] = {}
    for i, record in enumerate(records):
        if record.get("answer", "accept") == "accept" and isinstance(record.get("text"), str):
            answer = Answer("answers", i + 1, record, GOLD)
            by_text.setdefault(text_hash(record["text"]), []).append(answer)
    merged = (merge_answers(group, nlp, policy="latest") for group in by_text.values())
    return [result.doc for result in merged if result.doc is not None]


class Replay:
    """Draws `size` earlier gold texts per update (seeded), from the complete annotations the
    session was told about (`Exclusions.gold`), so each update also rehearses what the model
    learnt before instead of following the last few sentences alone."""

    def __init__(self, size: int, seed: int) -> None:
        self.size = size
        self.random = random.Random(seed)

    def draw(self, earlier: Dict[int, Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Up to `size` of the `earlier` gold records, drawn without replacement."""
        if not self.size or not earlier:
            return []
        return self.random.sample(list(earlier.values()), min(self.size, len(earlier)))


def warmup_rate(base: float, warmup_updates: int, updates_done: int) -> float:
    """The step size of the next update: update i of the first `warmup_updates` at i/N of
    `base`, then `base`."""
    if warmup_updates <= 0:
        return base
    return base * min(1.0, (updates_done + 1) / warmup_updates)


class AveragedWeights:
    """The trained components predict with the optimizer's moving average of their weights
    (started at the loaded weights, so the first updates do not shrink them) and train the raw
    weights, which are swapped in around each update."""

    def __init__(self, nlp: Language, components: Iterable[str], optimizer: Optimizer) -> None:
        self.nodes = [
            node
            for name in sorted(components)
            for node in nlp.get_pipe(name).model.walk()  # type: ignore[attr-defined]
        ]
        self.optimizer = optimizer
        optimizer.averages = {key: param.copy() for key, param in self._params().items()}
        self.raw: Dict[ParamKey, FloatsXd] = {}

    @contextmanager
    def training(self) -> Iterator[None]:
        """Swap the raw weights in for an update, and the updated averages back in after it."""
        self._set(self.raw)
        try:
            yield
        finally:
            self.raw = self._params()
            # the averages themselves (no copy): the optimizer only changes them in an update,
            # and the raw weights are back in the model by then
            self._set(self.optimizer.averages or {})

    def _params(self) -> Dict[ParamKey, FloatsXd]:
        return {
            (node.id, name): node.get_param(name)
            for node in self.nodes
            for name in node.param_names
            if node.has_param(name)
        }

    def _set(self, params: Dict[ParamKey, FloatsXd]) -> None:
        for node in self.nodes:
            for name in node.param_names:
                if (node.id, name) in params:
                    node.set_param(name, params[(node.id, name)])
