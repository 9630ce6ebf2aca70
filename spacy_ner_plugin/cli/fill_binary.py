"""`fill-binary`: decide what the tokens that binary answers leave unknown become."""

from pathlib import Path
from typing import Annotated, Union

import typer

from ..binary.corpus import FillResult, choose_strategy, fill_corpus
from ..binary.fill import MODEL_STRATEGIES, FillStrategy
from ..io.files import check_overwrites, ensure_inputs_exist
from ..io.loading import import_code, load_pipeline
from ._util import app, printer, reports_errors


@app.command("fill-binary")
def fill_binary_cli(
    input_path: Annotated[Path, typer.Argument(
        help="Training corpus (.spacy) from data-to-spacy", exists=True)],
    output_path: Annotated[Path, typer.Argument(help="Where to write the filled corpus (.spacy)")],
    base_model: Annotated[str | None, typer.Option("--base-model", "-b", help="Base pipeline "
        "that 'constrained' and 'confident' need: package name or path")] = None,
    strategy: Annotated[FillStrategy, typer.Option("--strategy", "-s",
        help="What the unknown tokens become")] = FillStrategy.auto.value,
    beam_width: Annotated[int, typer.Option("--beam-width",
        help="Beam of analyses searched for one consistent with the answers")] = 16,
    uncertain: Annotated[float, typer.Option("--uncertain", help="Leave tokens missing that "
        "the base model puts inside an entity with this probability")] = 0.3,
    propagate: Annotated[bool, typer.Option("--propagate/--no-propagate",
        help="First label other occurrences of answered strings")] = True,
    patterns: Annotated[str, typer.Option("--patterns", "-p",
        help="Pattern JSONL whose matches label unknown tokens; '': none")] = "",
    lang: Annotated[str, typer.Option("--lang",
        help="Tokenizer for string patterns (without --base-model)")] = "en",
    code_path: Annotated[Path | None, typer.Option("--code", "-c",
        help="Python file with registered functions the base model needs")] = None,
) -> None:  # fmt: skip
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
        fill_binary(
            input_path, output_path, base_model, strategy, beam_width, uncertain, propagate,
            Path(patterns) if patterns else None, lang, code_path=code_path, silent=False,
        )  # fmt: skip


def fill_binary(
    input_path: Path, output_path: Path, base_model: str | None = None,
    strategy: Union[FillStrategy, str] = FillStrategy.auto, beam_width: int = 16,
    uncertain: float = 0.3, propagate: bool = True, patterns: Path | None = None,
    lang: str = "en", code_path: Path | None = None, silent: bool = True,
) -> FillResult:  # fmt: skip
    """Fill the partial docs of `input_path` and write all docs to `output_path` atomically.
    Raises `PatternError` (every invalid line named) before any doc is read or written, and
    `UsageError` for a strategy that needs a base model without one."""
    msg = printer(silent)
    import_code(code_path)
    check_overwrites([input_path, patterns, base_model], [output_path])
    strategy, reason = choose_strategy(strategy, base_model)
    ensure_inputs_exist(input_path, patterns)
    nlp = load_pipeline(lang, base_model if strategy in MODEL_STRATEGIES else None)
    result = fill_corpus(
        input_path, output_path, nlp, strategy, reason, beam_width=beam_width,
        uncertain=uncertain, propagate=propagate, patterns=patterns,
    )  # fmt: skip
    msg.messages(result.messages())
    msg.tables(result.tables())
    msg.good("Saved filled corpus", str(output_path))
    return result
