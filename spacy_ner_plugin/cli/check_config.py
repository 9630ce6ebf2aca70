"""`check-config`: fail loudly on a training config that spaCy would run but silently misuse."""

from pathlib import Path
from typing import Annotated, Any, Dict, List

import typer

from ..errors import PluginError
from ..io.files import ensure_inputs_exist
from ..io.loading import import_code
from ..training.config_checks import check_config_file
from ._util import OVERRIDES_CONTEXT, app, config_overrides, printer, reports_errors
from .options import Code


@app.command("check-config", context_settings=OVERRIDES_CONTEXT)
def check_config_cli(
    ctx: typer.Context,
    config_path: Annotated[Path, typer.Argument(
        help="Training config", exists=True, dir_okay=False)],
    code_path: Code = None,
) -> None:  # fmt: skip
    """Check a training config (with the same overrides as `spacy train`) before training.

    Exits 1 naming each problem: init_tok2vec set while [pretraining] is empty (spaCy would
    ignore the weights), missing weights or vectors, static vectors or a vectors objective
    without vectors, a pretraining component/layer/corpus that does not exist.
    """
    with reports_errors():
        overrides = config_overrides(ctx.args)
        problems = check_config(config_path, overrides, silent=False, code_path=code_path)
        if problems:
            raise PluginError(f"{len(problems)} problem(s) in {config_path}")


def check_config(
    config_path: Path, overrides: Dict[str, Any] | None = None, silent: bool = True,
    code_path: Path | None = None,
) -> List[str]:  # fmt: skip
    """Every problem in `config_path` with `overrides` applied, once `code_path` (the user's
    registered functions) is imported; a `PluginError` if the config cannot be read or validated."""
    msg = printer(silent)
    import_code(code_path)
    ensure_inputs_exist(config_path)
    problems = check_config_file(config_path, overrides)
    for problem in problems:
        msg.fail(problem)
    if not problems:
        msg.good(f"Config OK: {config_path}")
    return problems
