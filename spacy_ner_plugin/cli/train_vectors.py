"""`train-vectors`: floret word vectors from the user's raw text, as a spaCy vectors pipeline."""

from pathlib import Path
from typing import Annotated

import typer

from ..io.files import check_overwrites, ensure_inputs_exist
from ..io.loading import load_pipeline
from ..training.vectors import train_floret_vectors
from ._util import app, printer, reports_errors


@app.command("train-vectors")
def train_vectors_cli(
    raw_text: Annotated[Path, typer.Argument(
        help="Raw text: JSONL/plain text file or a directory")],
    output_dir: Annotated[Path, typer.Argument(help="Where to save the spaCy vectors pipeline")],
    lang: Annotated[str, typer.Option(
        "--lang", help="Language of the tokenizer and pipeline")] = "en",
    exclude: Annotated[Path | None, typer.Option(
        "--exclude", help="Texts to leave out (dev set)")] = None,
    dim: Annotated[int, typer.Option("--dim", help="Vector width")] = 100,
    epochs: Annotated[int, typer.Option("--epochs", help="Passes over the text")] = 10,
    min_count: Annotated[int, typer.Option(
        "--min-count", help="Ignore words seen fewer times")] = 2,
    bucket: Annotated[int, typer.Option(
        "--bucket", help="Rows of the hashed vector table")] = 50000,
    threads: Annotated[int, typer.Option(
        "--threads", help="Training threads (1: reproducible)")] = 2,
) -> None:  # fmt: skip
    """Train floret vectors on raw text and save them as a spaCy pipeline for initialize.vectors.

    Needs the optional `floret` package: pip install "spacy_ner_plugin[vectors]".
    """
    with reports_errors():
        train_vectors(
            raw_text, output_dir, lang=lang, exclude=exclude, dim=dim, epochs=epochs,
            min_count=min_count, bucket=bucket, threads=threads, silent=False,
        )  # fmt: skip


def train_vectors(
    raw_text: Path, output_dir: Path, lang: str = "en", exclude: Path | None = None,
    dim: int = 100, epochs: int = 10, min_count: int = 2, bucket: int = 50000, threads: int = 2,
    silent: bool = True,
) -> Path:  # fmt: skip
    """Tokenize the raw text, train floret (cbow, 4-5 char n-grams) and save the pipeline.
    Raises `PluginError` without the floret package or without usable text."""
    msg = printer(silent)
    check_overwrites([raw_text, exclude], [output_dir])  # the folder is replaced whole
    ensure_inputs_exist(raw_text, exclude)
    nlp = load_pipeline(lang)
    train_floret_vectors(
        raw_text, output_dir, nlp, exclude, dim=dim, epochs=epochs, min_count=min_count,
        bucket=bucket, threads=threads, warn=msg.warn,
        on_counts=lambda counts: msg.info(counts.summary()),
    )  # fmt: skip
    msg.good(f"Saved {dim}-d floret vectors ({bucket} rows) to {output_dir}")
    return output_dir
