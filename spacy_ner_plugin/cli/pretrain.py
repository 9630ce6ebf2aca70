"""`pretrain`: resumable `spacy pretrain` of the tok2vec on raw text, ending in `model-last.bin`."""

import shutil
import warnings
from pathlib import Path
from typing import Any, Dict

import typer
from spacy import util
from spacy.cli._util import setup_gpu
from spacy.training.pretrain import pretrain as spacy_pretrain

from ..configs import config_errors
from ..errors import PluginError
from ..io.files import atomic_path, check_overwrites
from ..readers.raw_text import BadLinesWarning
from ..training.config_checks import check_pretraining, check_static_vectors
from ..training.pretraining import (
    LAST,
    _ensure_same_model,
    _remove_checkpoints,
    _report_corpus,
    latest_checkpoint,
)
from ._util import (
    app,
    config_overrides,
    ensure_inputs_exist,
    import_code,
    printer,
    reports_errors,
)


@app.command(
    "pretrain", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
)
def pretrain_cli(
    # fmt: off
    ctx: typer.Context,
    config_path: Path = typer.Argument(
        ..., help="Config with a [pretraining] block", exists=True, dir_okay=False
    ),
    output_dir: Path = typer.Argument(
        ..., help="Directory for the per-epoch weights and model-last.bin"
    ),
    code_path: Path | None = typer.Option(
        None, "--code", "-c", help="Python file with registered functions to import"
    ),
    gpu_id: int = typer.Option(-1, "--gpu-id", "-g", help="GPU id, or -1 for CPU"),
    fresh: bool = typer.Option(
        False, "--fresh", help="Delete earlier checkpoints instead of resuming"
    ),
    # fmt: on
) -> None:
    """Pretrain the tok2vec on raw text with `spacy pretrain`, resuming where a run stopped.

    Reads the config's [pretraining] block and corpus (e.g. --paths.raw_text FILE), resumes
    from the newest modelN.bin in OUTPUT_DIR, and writes OUTPUT_DIR/model-last.bin for
    `spacy train --paths.init_tok2vec` only once all epochs are done.
    """
    with reports_errors():
        overrides = config_overrides(ctx.args)
        import_code(code_path)
        pretrain(config_path, output_dir, overrides, gpu_id=gpu_id, fresh=fresh, silent=False)


def pretrain(
    config_path: Path,
    output_dir: Path,
    overrides: Dict[str, Any] | None = None,
    gpu_id: int = -1,
    fresh: bool = False,
    silent: bool = True,
) -> Path:
    """Run (or resume) pretraining; return the path of the final `model-last.bin`.

    Raises `PluginError` for a config that cannot pretrain, a corpus without texts, or
    checkpoints that a different model config wrote.
    """
    msg = printer(silent)
    ensure_inputs_exist(config_path)
    setup_gpu(gpu_id, silent=silent)
    with config_errors(config_path):
        raw_config = util.load_config(config_path, overrides=overrides or {}, interpolate=False)
        config = raw_config.interpolate()
    data = [value for value in config.get("paths", {}).values() if isinstance(value, str)]
    check_overwrites([config_path, *data], [output_dir / "config.cfg"])
    if not config.get("pretraining"):
        raise PluginError(f"The [pretraining] block of {config_path} is empty")
    problems = check_pretraining(config) + check_static_vectors(config)
    if problems:
        raise PluginError(f"Cannot pretrain with {config_path}", "\n".join(problems))
    # Pretraining initializes no component (spaCy selects none), so their initialize settings,
    # e.g. a labels file that only exists after data-to-spacy, must not be required here.
    config["initialize"]["components"] = {}
    with config_errors(config_path):
        _report_corpus(config, msg)
    output_dir.mkdir(parents=True, exist_ok=True)
    if fresh:
        _remove_checkpoints(output_dir)
    resume = latest_checkpoint(output_dir)
    if resume is not None:
        _ensure_same_model(config, output_dir)
        msg.info(f"Resuming from {resume[1]} (epoch {resume[0] + 1})")
    with atomic_path(output_dir / "config.cfg") as tmp:
        raw_config.to_disk(tmp)
    with warnings.catch_warnings():  # _report_corpus has reported the bad lines already
        warnings.simplefilter("ignore", BadLinesWarning)
        spacy_pretrain(
            config,
            output_dir,
            resume_path=resume[1] if resume else None,
            use_gpu=gpu_id,
            silent=silent,
            skip_last=True,
        )
    final = latest_checkpoint(output_dir)
    if final is None:
        raise PluginError(f"Pretraining wrote no weights to {output_dir}")
    last = output_dir / LAST
    with atomic_path(last) as tmp:
        shutil.copyfile(final[1], tmp)
    msg.good(f"Pretrained tok2vec: {last} (from {final[1].name})")
    return last
