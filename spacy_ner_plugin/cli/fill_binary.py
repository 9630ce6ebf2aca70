"""`fill-binary`: decide what the tokens that binary answers leave unknown become."""

from pathlib import Path
from typing import Iterator, Union

import typer
from spacy.tokens import Doc

from ..annotations.partial import is_partial
from ..binary.corpus import FillResult, choose_strategy, count_missing
from ..binary.fill import (
    MODEL_STRATEGIES,
    FillStrategy,
    add_pattern_entities,
    answer_matcher,
    fill_docs,
    propagate_answers,
)
from ..io.files import check_overwrites
from ..io.shards import ShardedDocBinWriter, read_docbin_docs
from ..patterns.matcher import PatternMatcher, load_patterns
from ._util import (
    app,
    ensure_inputs_exist,
    import_code,
    load_tokenizer_pipeline,
    printer,
    reports_errors,
)


@app.command("fill-binary")
def fill_binary_cli(
    # fmt: off
    input_path: Path = typer.Argument(
        ..., help="Training corpus (.spacy) from data-to-spacy", exists=True
    ),
    output_path: Path = typer.Argument(..., help="Where to write the filled corpus (.spacy)"),
    base_model: str | None = typer.Option(
        None,
        "--base-model",
        "-b",
        help="Base pipeline that 'constrained' and 'confident' need: package name or path",
    ),
    strategy: FillStrategy = typer.Option(
        FillStrategy.auto.value, "--strategy", "-s", help="What the unknown tokens become"
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
    lang: str = typer.Option(
        "en", "--lang", help="Tokenizer for string patterns (without --base-model)"
    ),
    code_path: Path | None = typer.Option(
        None, "--code", "-c", help="Python file with registered functions the base model needs"
    ),
    # fmt: on
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
    with reports_errors():
        import_code(code_path)
        fill_binary(
            input_path,
            output_path,
            base_model,
            strategy,
            beam_width,
            uncertain,
            propagate,
            Path(patterns) if patterns else None,
            lang,
            silent=False,
        )


def fill_binary(
    input_path: Path,
    output_path: Path,
    base_model: str | None = None,
    strategy: Union[FillStrategy, str] = FillStrategy.auto,
    beam_width: int = 16,
    uncertain: float = 0.3,
    propagate: bool = True,
    patterns: Path | None = None,
    lang: str = "en",
    silent: bool = True,
) -> FillResult:
    """Fill the partial docs of `input_path` and write all docs to `output_path` atomically.

    Raises `PatternError` (every invalid line named) before any doc is read or written, and
    `UsageError` for a strategy that needs a base model without one.
    """
    msg = printer(silent)
    check_overwrites([input_path, patterns, base_model], [output_path])
    strategy, reason = choose_strategy(strategy, base_model)
    ensure_inputs_exist(input_path, patterns)
    nlp = load_tokenizer_pipeline(lang, base_model if strategy in MODEL_STRATEGIES else None)
    result = FillResult(strategy.value, reason, 0, 0, 0, 0)
    pattern_matcher = (
        PatternMatcher(nlp, load_patterns(patterns), str(patterns)) if patterns else None
    )
    matcher = answer_matcher(read_docbin_docs(input_path, nlp.vocab), nlp.vocab)

    def docs_in() -> Iterator[Doc]:
        for doc in read_docbin_docs(input_path, nlp.vocab):
            result.n_docs += 1
            result.n_partial += is_partial(doc)
            result.missing_before += count_missing(doc)
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
            result.missing_after += count_missing(doc)
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
