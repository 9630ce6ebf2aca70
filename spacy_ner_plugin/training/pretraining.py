"""Resumable pretraining: checkpoints, the model signature they must match, the corpus report."""

import re
from pathlib import Path
from typing import Any, Dict, List, Tuple

from spacy import util
from thinc.api import Config
from wasabi import Printer

from ..errors import PluginError
from ..readers.raw_text import RawTextCorpus

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


def _remove_checkpoints(output_dir: Path) -> None:
    for path in output_dir.glob("model*.bin"):
        path.unlink()
    (output_dir / "log.jsonl").unlink(missing_ok=True)


def _model_signature(config: Config) -> Dict[str, Any]:
    """The config parts that decide the shape of the saved tok2vec weights."""
    pretraining = config["pretraining"]
    return {
        "nlp": {k: v for k, v in config["nlp"].items() if k in ("lang", "pipeline")},
        "components": config["components"],
        "pretraining": {k: pretraining.get(k) for k in ("component", "layer", "objective")},
        "vectors": config["initialize"].get("vectors"),
    }


def _ensure_same_model(config: Config, output_dir: Path) -> None:
    """Refuse to resume from checkpoints that a different model config wrote."""
    saved_path = output_dir / "config.cfg"
    if not saved_path.exists():
        return
    saved = util.load_config(saved_path, interpolate=True)
    if _model_signature(saved) != _model_signature(config):
        raise PluginError(
            f"The checkpoints in {output_dir} come from a different model config",
            "Pretrain into another directory, or pass --fresh to delete them.",
        )


def _report_corpus(config: Config, msg: Printer) -> None:
    """Read the pretraining corpus once: print what was used and why the rest was skipped."""
    corpus_config = util.dot_to_object(config, config["pretraining"]["corpus"])
    corpus = util.registry.resolve({"corpus": corpus_config})["corpus"]
    nlp = util.load_model_from_config(config, auto_fill=True, validate=False)
    if isinstance(corpus, RawTextCorpus):
        corpus.warn = msg.warn  # through the step's printer, which `silent` quiets
    n_examples = sum(1 for _ in corpus(nlp))
    if isinstance(corpus, RawTextCorpus):
        c = corpus.counts
        rows: List[Tuple[str, int]] = [
            ("read", c.read),
            ("used", c.used),
            ("duplicate", c.duplicate),
            ("excluded", c.excluded),
            ("too short", c.too_short),
            ("too long", c.too_long),
            ("rejected", len(c.rejects)),
        ]
        msg.table(rows, header=("raw texts", "count"), aligns=("l", "r"), divider=True)
    if not n_examples:
        raise PluginError("The pretraining corpus yields no texts")
    msg.info(f"Pretraining on {n_examples} texts")
