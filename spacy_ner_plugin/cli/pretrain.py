"""`pretrain`: resumable `spacy pretrain` of the tok2vec on raw text, ending in `model-last.bin`."""

from pathlib import Path
from typing import Annotated, Any, Dict

import typer
from spacy.cli._util import setup_gpu

from ..io.files import ensure_inputs_exist
from ..io.loading import import_code
from ..training.pretraining import pretrain_tok2vec
from ._util import OVERRIDES_CONTEXT, app, config_overrides, printer, reports_errors
from .options import Code, GpuId


@app.command("pretrain", context_settings=OVERRIDES_CONTEXT)
def pretrain_cli(
    ctx: typer.Context,
    config_path: Annotated[Path, typer.Argument(
        help="Config with a [pretraining] block", exists=True, dir_okay=False)],
    output_dir: Annotated[Path, typer.Argument(
        help="Directory for the per-epoch weights and model-last.bin")],
    code_path: Code = None,
    gpu_id: GpuId = -1,
    fresh: Annotated[bool, typer.Option(
        "--fresh", help="Delete earlier checkpoints instead of resuming")] = False,
) -> None:  # fmt: skip
    """Pretrain the tok2vec on raw text with `spacy pretrain`, resuming where a run stopped.

    Reads the config's [pretraining] block and corpus (e.g. --paths.raw_text FILE), resumes
    from the newest modelN.bin in OUTPUT_DIR, and writes OUTPUT_DIR/model-last.bin for
    `spacy train --paths.init_tok2vec` only once all epochs are done.
    """
    with reports_errors():
        overrides = config_overrides(ctx.args)
        pretrain(
            config_path, output_dir, overrides, gpu_id, fresh, silent=False, code_path=code_path
        )


def pretrain(
    config_path: Path, output_dir: Path, overrides: Dict[str, Any] | None = None,
    gpu_id: int = -1, fresh: bool = False, silent: bool = True, *, code_path: Path | None = None,
) -> Path:  # fmt: skip
    """Run (or resume) pretraining; return the final `model-last.bin`. A `PluginError` for a config
    that cannot pretrain, a corpus without texts, or another model config's checkpoints."""
    msg = printer(silent)
    import_code(code_path)
    ensure_inputs_exist(config_path)
    setup_gpu(gpu_id, silent=silent)
    last, source = pretrain_tok2vec(
        config_path, output_dir, overrides, gpu_id=gpu_id, fresh=fresh, silent=silent,
        warn=msg.warn, info=msg.info,
        on_corpus=lambda counts: msg.tables(counts.tables(), divider=True),
    )  # fmt: skip
    msg.good(f"Pretrained tok2vec: {last} (from {source.name})")
    return last
