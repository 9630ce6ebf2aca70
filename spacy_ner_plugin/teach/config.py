"""The teach config: which registered scorer and sorter a session uses, and its settings.

`configs/teach.cfg` is the same as `DEFAULT_CONFIG` (a test keeps them equal). A user swaps
the scorer or sorter for their own function registered in `spacy.registry.misc`, naming it in
the config (and passing the file that registers it with `--code`).
"""

from pathlib import Path
from typing import Any, Dict, Union

from spacy.util import load_config, load_config_from_str, registry
from thinc.api import Config

# The same as configs/teach.cfg, used when no --config is given (tests keep them equal).
DEFAULT_CONFIG = """
[teach]
segment = true
score_batch_size = 16
drop = 0.1
update_fill = "missing"

[scorer]
@misc = "spacy_ner_plugin.beam_scorer.v1"
beam_width = 16
beam_density = 0.0001
component = null

[sorter]
@misc = "spacy_ner_plugin.prefer_uncertain.v1"
bias = 0.0
algorithm = "ema"
"""

SETTINGS = ("segment", "score_batch_size", "drop", "update_fill")

# The sorters a `--sorter` choice names; their own defaults apply.
SORTERS = {
    "uncertain": "spacy_ner_plugin.prefer_uncertain.v1",
    "high": "spacy_ner_plugin.prefer_high_scores.v1",
    "random": "spacy_ner_plugin.random_sorter.v1",
}


def read_config(
    config_path: Union[str, Path] | None = None, overrides: Dict[str, Any] | None = None
) -> Config:
    """The teach config (the built-in default without a path), overrides applied."""
    if config_path is None:
        return load_config_from_str(DEFAULT_CONFIG, overrides=overrides or {})
    return load_config(config_path, overrides=overrides or {})


def resolve_config(config: Config) -> Dict[str, Any]:
    """The session's keyword arguments: `[teach]` settings, the scorer and the sorter.

    Raises ValueError for an unknown setting; the registry's own errors for a bad block.
    """
    from . import scoring, sorters  # noqa: F401  (register the built-in functions)

    resolved = registry.resolve(config.interpolate())
    settings = dict(resolved.get("teach", {}))
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise ValueError(f"unknown [teach] setting(s) {unknown} (expected {SETTINGS})")
    return {**settings, "scorer": resolved["scorer"], "sorter": resolved["sorter"]}
