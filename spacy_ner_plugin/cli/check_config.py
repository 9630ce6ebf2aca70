"""`check-config`: fail loudly on a training config that spaCy would run but silently misuse."""

from configparser import InterpolationError
from pathlib import Path
from typing import Any, Dict, List, Optional

import typer
from spacy import util
from spacy.cli._util import parse_config_overrides
from thinc.api import ConfigValidationError

from ..errors import PluginError
from ..training.config_checks import check_training_config
from ._util import app, ensure_inputs_exist, import_code, printer, reports_errors


@app.command(
    "check-config", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
)
def check_config_cli(
    # fmt: off
    ctx: typer.Context,
    config_path: Path = typer.Argument(..., help="Training config", exists=True, dir_okay=False),
    code_path: Optional[Path] = typer.Option(
        None, "--code", "-c", help="Python file with registered functions to import"
    ),
    # fmt: on
) -> None:
    """Check a training config (with the same overrides as `spacy train`) before training.

    Exits 1 naming each problem: init_tok2vec set while [pretraining] is empty (spaCy would
    ignore the weights), missing weights or vectors, static vectors or a vectors objective
    without vectors, a pretraining component/layer/corpus that does not exist.
    """
    with reports_errors():
        import_code(code_path)
        problems = check_config(config_path, parse_config_overrides(ctx.args), silent=False)
        if problems:
            raise PluginError(f"{len(problems)} problem(s) in {config_path}")


def check_config(
    config_path: Path, overrides: Optional[Dict[str, Any]] = None, silent: bool = True
) -> List[str]:
    """Every problem in `config_path` with `overrides` applied (printed with `silent=False`).

    Raises `PluginError` if the config cannot be read or does not validate.
    """
    msg = printer(silent)
    ensure_inputs_exist(config_path)
    try:
        config = util.load_config(config_path, overrides=overrides or {}, interpolate=True)
    except ConfigValidationError as err:
        raise PluginError(f"Invalid config {config_path}", str(err).strip()) from err
    except InterpolationError as err:
        raise PluginError(f"Invalid config {config_path}", str(err)) from err
    problems = check_training_config(config)
    for problem in problems:
        msg.fail(problem)
    if not problems:
        msg.good(f"Config OK: {config_path}")
    return problems
