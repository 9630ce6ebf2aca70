"""`fill-binary`: decide what the tokens that binary answers leave unknown become."""

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional, Tuple

import spacy
import typer
from spacy.tokens import Doc

from ..annotations.partial import is_partial
from ..binary.fill import (
    add_pattern_entities,
    answer_matcher,
    fill_constrained,
    fill_outside,
    propagate_answers,
)
from ..io.shards import ShardedDocBinWriter, read_docbin_docs
from ..patterns.matcher import PatternError, PatternMatcher, load_patterns
from ._util import app, ensure_inputs_exist, msg

STRATEGIES = ("auto", "constrained", "confident", "outside", "missing")
MODEL_STRATEGIES = ("constrained", "confident")


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


@app.command("fill-binary")
def fill_binary_cli(
    input_path: Path = typer.Argument(
        ..., help="Training corpus (.spacy) from data-to-spacy", exists=True
    ),
    output_path: Path = typer.Argument(..., help="Where to write the filled corpus (.spacy)"),
    model: Optional[str] = typer.Option(
        None, "--model", "-m", help="Base model ('constrained', 'confident')"
    ),
    strategy: str = typer.Option(
        "auto", "--strategy", "-s", help=f"One of {', '.join(STRATEGIES)}"
    ),
    beam_width: int = typer.Option(
        16, "--beam-width", help="Beam of analyses searched for one consistent with the answers"
    ),
    uncertain: float = typer.Option(
        0.3,
        "--uncertain",
        help="Leave tokens missing that the base model puts inside an entity with this probability",
    ),
    propagate: bool = typer.Option(
        True, "--propagate/--no-propagate", help="First label other occurrences of answered strings"
    ),
    patterns: str = typer.Option(
        "", "--patterns", "-p", help="Pattern JSONL whose matches label unknown tokens; '': none"
    ),
    lang: str = typer.Option("en", "--lang", help="Tokenizer for string patterns (no --model)"),
) -> None:
    """Fill the unknown tokens of binary (accept/reject) answers before training.

    Without this, a model trained on binary answers has no reason to predict "O". 'constrained'
    fills each text with the base model's most probable analysis that keeps every accept and
    avoids every reject (leaving uncertain tokens missing); 'confident' adds no entities, the
    base model only decides which unknown tokens are surely "O" (the rest stay missing);
    'outside' makes every unknown token "O" except those of rejected spans; 'missing' leaves
    them unknown. 'auto' is 'outside', which measured best. Answered strings are first
    propagated to their other occurrences; with --patterns, pattern matches over tokens that are
    still unknown then become entities (answers outrank patterns).
    """
    if strategy not in STRATEGIES:
        msg.fail(
            f"Unknown strategy {strategy!r}", f"Choose one of {', '.join(STRATEGIES)}", exits=1
        )
    try:
        fill_binary(
            input_path,
            output_path,
            model,
            strategy,
            beam_width,
            uncertain,
            propagate,
            Path(patterns) if patterns else None,
            lang,
        )
    except PatternError as err:
        msg.fail("Invalid patterns, nothing written", str(err), exits=1)


def fill_binary(
    input_path: Path,
    output_path: Path,
    model: Optional[str] = None,
    strategy: str = "auto",
    beam_width: int = 16,
    uncertain: float = 0.3,
    propagate: bool = True,
    patterns: Optional[Path] = None,
    lang: str = "en",
) -> FillResult:
    """Fill the partial docs of `input_path` and write all docs to `output_path` atomically.

    Raises `PatternError` (every invalid line named) before any doc is read or written.
    """
    ensure_inputs_exist(input_path, patterns)
    strategy, reason = choose_strategy(strategy, model)
    nlp = spacy.load(model) if strategy in MODEL_STRATEGIES else spacy.blank(lang)
    result = FillResult(strategy, reason, 0, 0, 0, 0)
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
        for doc in _apply(strategy, docs_in(), nlp, beam_width, uncertain):
            result.missing_after += _count_missing(doc)
            writer.add(doc)
    except BaseException:
        writer.discard()
        raise
    writer.close()
    msg.info(f"Strategy: {result.strategy} ({result.reason})")
    if propagate:
        msg.info("Answered strings propagated to their other occurrences first")
    if patterns:
        msg.info(f"Pattern matches made entities where no answer covers them: {patterns}")
    msg.table(
        [
            ("docs", result.n_docs),
            ("docs with unknown tokens", result.n_partial),
            ("unknown tokens before", result.missing_before),
            ("entities from patterns", result.pattern_ents),
            ("unknown tokens after", result.missing_after),
        ],
        aligns=("l", "r"),
    )
    msg.good("Saved filled corpus", str(output_path))
    return result


def choose_strategy(strategy: str, model: Optional[str]) -> Tuple[str, str]:
    """Resolve 'auto' and check the strategy can run; return it with the reason."""
    if strategy in MODEL_STRATEGIES and not model:
        raise ValueError(f"the {strategy!r} strategy needs the base model (--model)")
    if strategy != "auto":
        return strategy, "chosen explicitly"
    return "outside", (
        "the default: it measured best with and without gold texts (bench/bench_binary*.py, "
        "README); a base model refines it with --strategy constrained"
    )


def _apply(
    strategy: str, docs: Iterable[Doc], nlp: spacy.Language, beam_width: int, uncertain: float
) -> Iterable[Doc]:
    if strategy in MODEL_STRATEGIES:
        add_entities = strategy == "constrained"
        return fill_constrained(docs, nlp, beam_width, uncertain, add_entities=add_entities)
    if strategy == "outside":
        return (fill_outside(doc) if is_partial(doc) else doc for doc in docs)
    return docs


def _count_missing(doc: Doc) -> int:
    return sum(token.ent_iob == 0 for token in doc)
