"""`fill-binary` on a corpus: the strategy chosen and checked, and a `.spacy` file filled."""

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc

from ..annotations.partial import is_partial
from ..errors import UsageError, choice
from ..io.shards import ShardedDocBinWriter, read_docbin_docs
from ..messages import Message
from ..patterns.matcher import PatternMatcher, load_patterns
from .fill import (
    MODEL_STRATEGIES,
    FillStrategy,
    add_pattern_entities,
    answer_matcher,
    fill_docs,
    propagate_answers,
)


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
    propagated: bool = False
    patterns: Path | None = None

    def messages(self) -> List[Message]:
        """The strategy and why, and what labelled tokens before it, as (level, title, text)
        messages for the CLI to print."""
        messages = [("info", f"Strategy: {self.strategy} ({self.reason})", "")]
        if self.propagated:
            messages.append(
                ("info", "Answered strings propagated to their other occurrences first", "")
            )
        if self.patterns:
            text = f"Pattern matches made entities where no answer covers them: {self.patterns}"
            messages.append(("info", text, ""))
        return messages

    def tables(self) -> List[tuple]:
        """The docs and their unknown tokens before and after, as a table for the CLI to print:
        (title, header, rows, aligns), as `wasabi`'s `table` takes them."""
        rows = [
            ("docs", self.n_docs),
            ("docs with unknown tokens", self.n_partial),
            ("unknown tokens before", self.missing_before),
            ("entities from patterns", self.pattern_ents),
            ("unknown tokens after", self.missing_after),
        ]
        return [(None, None, rows, ("l", "r"))]


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
        "the default: it measured best with and without gold texts (python -m bench.binary, "
        "README); a base model refines it with --strategy constrained"
    )


def _count_missing(doc: Doc) -> int:
    """How many tokens of `doc` have no entity annotation (neither an entity nor "O")."""
    return sum(token.ent_iob == 0 for token in doc)


def fill_corpus(
    input_path: Path,
    output_path: Path,
    nlp: Language,
    strategy: FillStrategy,
    reason: str,
    *,
    beam_width: int = 16,
    uncertain: float = 0.3,
    propagate: bool = True,
    patterns: Path | None = None,
) -> FillResult:
    """Fill the partial docs of `input_path` by `strategy` and write all docs to `output_path`
    atomically. `nlp` tokenizes string patterns, and is the base model of the strategies that
    need one. Answered strings are first propagated to their other occurrences (`propagate`),
    then pattern matches over still unknown tokens become entities.

    Raises `PatternError` (every invalid line named) before any doc is read or written.
    """
    result = FillResult(strategy.value, reason, 0, 0, 0, 0, propagated=propagate, patterns=patterns)
    pattern_matcher = (
        PatternMatcher(nlp, load_patterns(patterns), str(patterns)) if patterns else None
    )
    matcher = answer_matcher(read_docbin_docs(input_path, nlp.vocab), nlp.vocab)

    def docs_in() -> Iterator[Doc]:
        for doc in read_docbin_docs(input_path, nlp.vocab):
            result.n_docs += 1
            result.n_partial += is_partial(doc)
            result.missing_before += _count_missing(doc)
            doc = propagate_answers(doc, matcher) if propagate else doc
            if pattern_matcher is not None:
                before = len(doc.ents)
                doc = add_pattern_entities(doc, pattern_matcher)
                result.pattern_ents += len(doc.ents) - before
            yield doc

    writer = ShardedDocBinWriter(output_path)
    try:
        base = nlp if strategy in MODEL_STRATEGIES else None
        for doc in fill_docs(docs_in(), strategy, base, beam_width, uncertain):
            result.missing_after += _count_missing(doc)
            writer.add(doc)
    except BaseException:
        writer.discard()
        raise
    writer.close()
    return result
