"""`train-vectors`: floret word vectors from the user's raw text, as a spaCy vectors pipeline.

Floret vectors hash subwords into a small table, so every token (also misspelled or unseen
brand names) gets a vector; the output directory is what `[initialize] vectors` loads.
"""

from pathlib import Path

import typer
from spacy.training.initialize import convert_vectors

from ..errors import PluginError
from ..io.files import check_overwrites, replace_path, temp_directory
from ..readers.raw_text import RawTextCorpus
from ._util import app, ensure_inputs_exist, load_tokenizer_pipeline, printer, reports_errors


@app.command("train-vectors")
def train_vectors_cli(
    # fmt: off
    raw_text: Path = typer.Argument(..., help="Raw text: JSONL/plain text file or a directory"),
    output_dir: Path = typer.Argument(..., help="Where to save the spaCy vectors pipeline"),
    lang: str = typer.Option("en", "--lang", help="Language of the tokenizer and pipeline"),
    exclude: Path | None = typer.Option(None, "--exclude", help="Texts to leave out (dev set)"),
    dim: int = typer.Option(100, "--dim", help="Vector width"),
    epochs: int = typer.Option(10, "--epochs", help="Passes over the text"),
    min_count: int = typer.Option(2, "--min-count", help="Ignore words seen fewer times"),
    bucket: int = typer.Option(50000, "--bucket", help="Rows of the hashed vector table"),
    threads: int = typer.Option(2, "--threads", help="Training threads (1: reproducible)"),
    # fmt: on
) -> None:
    """Train floret vectors on raw text and save them as a spaCy pipeline for initialize.vectors.

    Needs the optional `floret` package: pip install "spacy_ner_plugin[vectors]".
    """
    with reports_errors():
        train_vectors(
            raw_text,
            output_dir,
            lang=lang,
            exclude=exclude,
            dim=dim,
            epochs=epochs,
            min_count=min_count,
            bucket=bucket,
            threads=threads,
            silent=False,
        )


def train_vectors(
    raw_text: Path,
    output_dir: Path,
    lang: str = "en",
    exclude: Path | None = None,
    dim: int = 100,
    epochs: int = 10,
    min_count: int = 2,
    bucket: int = 50000,
    threads: int = 2,
    silent: bool = True,
) -> Path:
    """Tokenize the raw text, train floret (cbow, 4-5 char n-grams) and save the pipeline.

    Raises `PluginError` without the floret package or without usable text.
    """
    msg = printer(silent)
    check_overwrites([raw_text, exclude], [output_dir])  # the folder is replaced whole
    try:
        import floret
    except ImportError:
        raise PluginError(
            "train-vectors needs the floret package", 'pip install "spacy_ner_plugin[vectors]"'
        ) from None
    ensure_inputs_exist(raw_text, exclude)
    nlp = load_tokenizer_pipeline(lang)
    corpus = RawTextCorpus(raw_text, min_length=1, exclude=exclude, warn=msg.warn)
    with temp_directory(output_dir) as tmp_dir:  # beside the output: swept there if killed
        tokenized = tmp_dir / "tokenized.txt"
        with tokenized.open("w", encoding="utf8") as file_:
            for example in corpus(nlp):
                file_.write(" ".join(token.text for token in example.reference) + "\n")
        counts = corpus.counts
        msg.info(
            f"Raw texts: {counts.read} read, {counts.used} used, {counts.duplicate} duplicate, "
            f"{counts.excluded} excluded, {counts.too_short} empty, {len(counts.rejects)} rejected"
        )
        if not counts.used:
            raise PluginError(f"No usable text in {raw_text}")
        model = floret.train_unsupervised(
            str(tokenized),
            model="cbow",
            mode="floret",
            dim=dim,
            epoch=epochs,
            minCount=min_count,
            bucket=bucket,
            minn=4,
            maxn=5,
            hashCount=2,
            thread=threads,
            verbose=0,
        )
        vectors_file = tmp_dir / "vectors.floret"
        model.save_floret_vectors(str(vectors_file))
        vectors_nlp = load_tokenizer_pipeline(lang)
        convert_vectors(vectors_nlp, vectors_file, truncate=0, prune=-1, mode="floret")
        staged = tmp_dir / "pipeline"
        vectors_nlp.to_disk(staged)
        replace_path(staged, output_dir)  # a failed run never leaves half a pipeline
    msg.good(f"Saved {dim}-d floret vectors ({bucket} rows) to {output_dir}")
    return output_dir
