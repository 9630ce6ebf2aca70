"""`fill-binary` on a corpus: the strategy chosen and checked, and what the fill did."""

from dataclasses import dataclass
from typing import Tuple, Union

from spacy.tokens import Doc

from ..errors import UsageError, choice
from .fill import MODEL_STRATEGIES, FillStrategy


@dataclass
class FillResult:
    """What the fill did: the strategy, why, token counts before and after, pattern entities."""

    strategy: str
    reason: str
    n_docs: int
    n_partial: int
    missing_before: int
    missing_after: int
    pattern_ents: int = 0


def choose_strategy(
    strategy: Union[FillStrategy, str], base_model: str | None
) -> Tuple[FillStrategy, str]:
    """Resolve 'auto' and check the strategy can run; return it with the reason."""
    strategy = choice(FillStrategy, strategy, "strategy")
    if strategy in MODEL_STRATEGIES and not base_model:
        raise UsageError(
            f"The {strategy.value!r} strategy needs the base model (--base-model)",
            "Give the pipeline whose analyses fill the docs, or use --strategy outside",
        )
    if strategy != FillStrategy.auto:
        return strategy, "chosen explicitly"
    return FillStrategy.outside, (
        "the default: it measured best with and without gold texts (bench/bench_binary*.py, "
        "README); a base model refines it with --strategy constrained"
    )


def count_missing(doc: Doc) -> int:
    return sum(token.ent_iob == 0 for token in doc)
