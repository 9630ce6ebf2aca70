"""Resumable pretraining: checkpoints, the model signature they must match, the corpus report,
and the run of spaCy's `pretrain` that ends in `model-last.bin`."""

import re
import shutil
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, Tuple

from spacy import util
from spacy.training.pretrain import pretrain as spacy_pretrain
from thinc.api import Config

from ..configs import config_errors, read_training_config
from ..errors import PluginError
from ..io.files import atomic_path, check_overwrites
from ..readers.raw_text import BadLinesWarning, RawTextCorpus, RawTextCounts
from .config_checks import check_pretraining, check_static_vectors

CHECKPOINT = re.compile(r"model(\d+)\.bin")
LAST = "model-last.bin"


def latest_checkpoint(output_dir: Path) -> Tuple[int, Path] | None:
    """The `(epoch, path)` of the newest complete `model{epoch}.bin`, if any."""
    found = [
        (int(match.group(1)), path)
        for path in output_dir.glob("model*.bin")
        if (match := CHECKPOINT.fullmatch(path.name))
    ]
    return max(found) if found else None


def remove_checkpoints(output_dir: Path) -> None:
    """Delete the epoch weights and the log of an earlier run (`--fresh`)."""
    for path in output_dir.glob("model*.bin"):
        path.unlink()
    (output_dir / "log.jsonl").unlink(missing_ok=True)


def model_signature(config: Config) -> Dict[str, Any]:
    """The config parts that decide the shape of the saved tok2vec weights."""
    pretraining = config["pretraining"]
    return {
        "nlp": {k: v for k, v in config["nlp"].items() if k in ("lang", "pipeline")},
        "components": config["components"],
        "pretraining": {k: pretraining.get(k) for k in ("component", "layer", "objective")},
        "vectors": config["initialize"].get("vectors"),
    }


def ensure_same_model(config: Config, output_dir: Path) -> None:
    """Refuse to resume from checkpoints that a different model config wrote."""
    saved_path = output_dir / "config.cfg"
    if not saved_path.exists():
        return
    saved = util.load_config(saved_path, interpolate=True)
    if model_signature(saved) != model_signature(config):
        raise PluginError(
            f"The checkpoints in {output_dir} come from a different model config",
            "Pretrain into another directory, or pass --fresh to delete them.",
        )


def count_corpus(
    config: Config, warn: Callable[[str], None] | None = None
) -> Tuple[int, RawTextCounts | None]:
    """Read the pretraining corpus once: how many texts it yields and, for raw text, what was
    used and why the rest was skipped (bad lines go to `warn`)."""
    corpus_config = util.dot_to_object(config, config["pretraining"]["corpus"])
    corpus = util.registry.resolve({"corpus": corpus_config})["corpus"]
    nlp = util.load_model_from_config(config, auto_fill=True, validate=False)
    raw = isinstance(corpus, RawTextCorpus)
    if raw and warn is not None:
        corpus.warn = warn
    n_examples = sum(1 for _ in corpus(nlp))
    return n_examples, corpus.counts if raw else None


def pretraining_config(raw_config: Config, config_path: Path) -> Config:
    """The interpolated config, checked for what pretraining needs (a `PluginError` if not)."""
    with config_errors(config_path):
        config = raw_config.interpolate()
    if not config.get("pretraining"):
        raise PluginError(f"The [pretraining] block of {config_path} is empty")
    problems = check_pretraining(config) + check_static_vectors(config)
    if problems:
        raise PluginError(f"Cannot pretrain with {config_path}", "\n".join(problems))
    # Pretraining initializes no component (spaCy selects none), so their initialize settings,
    # e.g. a labels file that only exists after data-to-spacy, must not be required here.
    config["initialize"]["components"] = {}
    return config


def pretrain_tok2vec(
    config_path: Path,
    output_dir: Path,
    overrides: Dict[str, Any] | None = None,
    *,
    gpu_id: int = -1,
    fresh: bool = False,
    silent: bool = True,
    warn: Callable[[str], None] | None = None,
    info: Callable[[str], None] | None = None,
    on_corpus: Callable[[RawTextCounts], None] | None = None,
) -> Tuple[Path, Path]:
    """Run (or resume from the newest checkpoint) spaCy's pretraining of the config at
    `config_path` with `overrides` into `output_dir`; return `model-last.bin` and the checkpoint
    it copies, written only once all epochs are done.

    Raises `PluginError` for a config that cannot pretrain, a corpus without texts, an output
    that would overwrite the config's data, or checkpoints that a different model config wrote.
    Progress goes to `info`, the raw text's counts to `on_corpus`, spaCy's own output only
    without `silent`.
    """
    raw_config, data = read_training_config(config_path, overrides)
    check_overwrites([config_path, *data], [output_dir / "config.cfg"])
    config = pretraining_config(raw_config, config_path)
    with config_errors(config_path):
        n_examples, counts = count_corpus(config, warn)
    if counts is not None and on_corpus is not None:
        on_corpus(counts)
    if not n_examples:
        raise PluginError("The pretraining corpus yields no texts")
    report = info or (lambda message: None)
    report(f"Pretraining on {n_examples} texts")
    output_dir.mkdir(parents=True, exist_ok=True)
    if fresh:
        remove_checkpoints(output_dir)
    resume = latest_checkpoint(output_dir)
    if resume is not None:
        ensure_same_model(config, output_dir)
        report(f"Resuming from {resume[1]} (epoch {resume[0] + 1})")
    with atomic_path(output_dir / "config.cfg") as tmp:
        raw_config.to_disk(tmp)
    with warnings.catch_warnings():  # count_corpus has reported the bad lines already
        warnings.simplefilter("ignore", BadLinesWarning)
        resume_path = resume[1] if resume else None
        spacy_pretrain(
            config, output_dir, resume_path=resume_path, use_gpu=gpu_id, silent=silent,
            skip_last=True,
        )  # fmt: skip
    final = latest_checkpoint(output_dir)
    if final is None:
        raise PluginError(f"Pretraining wrote no weights to {output_dir}")
    last = output_dir / LAST
    with atomic_path(last) as tmp:
        shutil.copyfile(final[1], tmp)
    return last, final[1]
