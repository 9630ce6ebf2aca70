"""Configs one way: built-in defaults ship as package data and are read with confection; a
section of plain settings is checked by its pydantic schema (unknown keys included), and every
config error is a `PluginError` naming the file, as the CLI reports it.
"""

from configparser import InterpolationError
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple, Type, Union

from confection import ConfigValidationError
from pydantic import BaseModel, ValidationError
from spacy.util import load_config
from thinc.api import Config

from .errors import PluginError

PathLike = Union[str, Path]


def read_config(
    config_path: PathLike | None, default: Path, overrides: Dict[str, Any] | None = None
) -> Config:
    """The config at `config_path`, else the built-in `default`, with `overrides` applied."""
    return load_config(config_path or default, overrides=overrides or {})


def section_settings(config: Config, section: str, schema: Type[BaseModel]) -> Dict[str, Any]:
    """The settings of `[section]` (interpolated), validated by `schema`: a wrong type or an
    unknown key raises confection's `ConfigValidationError`, naming `section -> key`."""
    values = config.interpolate().get(section, {})
    try:
        return schema.model_validate(values).model_dump()
    except ValidationError as err:
        known = f"unknown setting (expected one of: {', '.join(schema.model_fields)})"
        unknown = [error["type"] == "extra_forbidden" for error in err.errors()]
        errors = [
            {"loc": [section, *error["loc"]], "msg": known if is_unknown else error["msg"]}
            for error, is_unknown in zip(err.errors(), unknown)
        ]
        title = f"unknown [{section}] setting(s)" if all(unknown) else f"Invalid [{section}]"
        raise ConfigValidationError(
            config=config, errors=errors, title=title, show_config=False
        ) from None


@contextmanager
def config_errors(config_path: PathLike | None = None) -> Iterator[None]:
    """A config that does not validate as a `PluginError`: spaCy's `show_validation_error`
    without its exit, so a plain function stays quiet and the CLI reports it."""
    try:
        yield
    except ConfigValidationError as err:
        where = f" ({config_path})" if config_path else ""
        title = f"{err.title or 'Config validation error'}{where}"
        raise PluginError(title, err.from_error(err, title="").text.strip()) from err
    except InterpolationError as err:
        raise PluginError("Config validation error", str(err)) from err


def read_training_config(
    config_path: PathLike, overrides: Dict[str, Any] | None = None
) -> Tuple[Config, List[str]]:
    """A training config with `overrides` (not interpolated, as spaCy saves it), and the values
    of its `[paths]`, the data a step must not overwrite; a bad config is a `PluginError`."""
    with config_errors(config_path):
        config = load_config(config_path, overrides=overrides or {}, interpolate=False)
        paths = config.interpolate().get("paths", {})
    return config, [value for value in paths.values() if isinstance(value, str)]
