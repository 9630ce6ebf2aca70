"""Floret word vectors trained on the user's raw text, saved as a spaCy vectors pipeline.

Floret vectors hash subwords into a small table, so every token (also misspelled or unseen
brand names) gets a vector; the output directory is what `[initialize] vectors` loads.
"""

from pathlib import Path
from typing import Callable

import spacy
from spacy.language import Language
from spacy.training.initialize import convert_vectors

from ..errors import PluginError
from ..io.files import replace_path, temp_directory
from ..readers.raw_text import RawTextCorpus, RawTextCounts, warn_bad_lines


def train_floret_vectors(
    raw_text: Path,
    output_dir: Path,
    nlp: Language,
    exclude: Path | None = None,
    *,
    dim: int = 100,
    epochs: int = 10,
    min_count: int = 2,
    bucket: int = 50000,
    threads: int = 2,
    warn: Callable[[str], None] = warn_bad_lines,
    on_counts: Callable[[RawTextCounts], None] | None = None,
) -> None:
    """Tokenize the raw text with `nlp`, train floret (cbow, 4-5 char n-grams) and replace
    `output_dir` with a blank pipeline of `nlp`'s language holding the vectors.

    Bad lines go to `warn`, what the pass over the text did to `on_counts` before training.
    Raises `PluginError` without the floret package or without usable text; a failed run
    leaves no half pipeline.
    """
    try:
        import floret
    except ImportError:
        raise PluginError(
            "train-vectors needs the floret package", 'pip install "spacy_ner_plugin[vectors]"'
        ) from None
    corpus = RawTextCorpus(raw_text, min_length=1, exclude=exclude, warn=warn)
    with temp_directory(output_dir) as tmp_dir:  # beside the output: swept there if killed
        tokenized = tmp_dir / "tokenized.txt"
        with tokenized.open("w", encoding="utf8") as file_:
            for example in corpus(nlp):
                file_.write(" ".join(token.text for token in example.reference) + "\n")
        if on_counts is not None:
            on_counts(corpus.counts)
        if not corpus.counts.used:
            raise PluginError(f"No usable text in {raw_text}")
        model = floret.train_unsupervised(
            str(tokenized), model="cbow", mode="floret", dim=dim, epoch=epochs,
            minCount=min_count, bucket=bucket, minn=4, maxn=5, hashCount=2, thread=threads,
            verbose=0,
        )  # fmt: skip
        vectors_file = tmp_dir / "vectors.floret"
        model.save_floret_vectors(str(vectors_file))
        vectors_nlp = spacy.blank(nlp.lang)
        convert_vectors(vectors_nlp, vectors_file, truncate=0, prune=-1, mode="floret")
        staged = tmp_dir / "pipeline"
        vectors_nlp.to_disk(staged)
        replace_path(staged, output_dir)  # a failed run never leaves half a pipeline
