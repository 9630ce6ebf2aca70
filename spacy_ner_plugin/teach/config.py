"""The teach config: which registered scorer and sorter a session uses, and its settings.

The built-in default is package data (`default_config.cfg`); `configs/teach.cfg` is the
project's editable copy (a test keeps them equal). A user swaps the scorer or sorter for their
own function registered in `spacy.registry.misc`, naming it in the config (and passing the file
that registers it with `--code`).
"""

from enum import Enum
from pathlib import Path
from typing import Any, Dict, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool
from spacy.util import registry
from thinc.api import Config

from .. import configs
from ..errors import choice

DEFAULT_CONFIG_PATH = Path(__file__).parent / "default_config.cfg"

# The sorters a `--sorter` choice names; their own defaults apply.
SORTERS = {
    "uncertain": "spacy_ner_plugin.prefer_uncertain.v1",
    "high": "spacy_ner_plugin.prefer_high_scores.v1",
    "random": "spacy_ner_plugin.random_sorter.v1",
}
SorterChoice = Enum("SorterChoice", {name: name for name in SORTERS}, type=str)  # type: ignore[misc]


class TeachSettings(BaseModel):
    """The `[teach]` section (see default_config.cfg for what each does)."""

    model_config = ConfigDict(extra="forbid")

    segment: StrictBool = True
    score_batch_size: int = Field(16, ge=1)
    drop: float = Field(0.1, ge=0.0, lt=1.0)
    update_fill: Literal["missing", "outside"] = "missing"
    seed: int = 0
    max_answers_per_string: int = Field(3, ge=1)
    replay: int = Field(40, ge=0)
    warmup_updates: int = Field(20, ge=0)
    learn_rate: float | None = Field(None, gt=0.0)
    binary_learn_rate: float | None = Field(0.0001, gt=0.0)
    average_weights: StrictBool = True


def read_config(
    config_path: Union[str, Path] | None = None, overrides: Dict[str, Any] | None = None
) -> Config:
    """The teach config (the built-in default without a path), overrides applied."""
    return configs.read_config(config_path, DEFAULT_CONFIG_PATH, overrides)


def resolve_config(config: Config) -> Dict[str, Any]:
    """The session's keyword arguments: `[teach]` settings, the scorer and the sorter.

    Raises confection's `ConfigValidationError` (a `ValueError`) for an unknown or invalid
    setting or block; `configs.config_errors` turns it into a `PluginError`.
    """
    from . import scoring, sorters  # noqa: F401  (register the built-in functions)

    settings = configs.section_settings(config, "teach", TeachSettings)
    filled = config.interpolate()
    resolved = registry.resolve(Config({name: filled[name] for name in ("scorer", "sorter")}))
    return {**settings, "scorer": resolved["scorer"], "sorter": resolved["sorter"]}


def teach_settings(
    config_path: Union[str, Path] | None = None,
    overrides: Dict[str, Any] | None = None,
    sorter: str | None = None,
    segment: bool = True,
) -> Dict[str, Any]:
    """The session's keyword arguments from the teach config (the built-in default without a
    path) with `overrides` (and `teach.segment` false unless `segment`), its sorter swapped for
    the `sorter` choice's if given (with that sorter's own defaults, seeded by `teach.seed`, and
    the `sorter.*` overrides); an unknown sorter is a `UsageError`, a config that does not
    validate a `PluginError`."""
    sorter = choice(SorterChoice, sorter, "sorter").value if sorter is not None else None
    overrides = {**(overrides or {}), **({} if segment else {"teach.segment": False})}
    own = {k: v for k, v in overrides.items() if sorter is not None and k.startswith("sorter.")}
    with configs.config_errors(config_path):
        config = read_config(config_path, {k: v for k, v in overrides.items() if k not in own})
        if sorter is not None:
            seed = config.get("teach", {}).get("seed", 0)
            chosen = {k.removeprefix("sorter."): v for k, v in own.items()}
            config["sorter"] = {"@misc": SORTERS[sorter], "seed": seed, **chosen}
        return resolve_config(config)
