"""Checks for training configs that spaCy accepts but that silently do not do what they say.

The main one: `spacy train` loads `[initialize] init_tok2vec` only when the config's
`[pretraining]` block is non-empty (`Language.initialize` skips `init_tok2vec` otherwise), so a
run with `--paths.init_tok2vec` and an empty block trains from scratch without a word. Each
check takes an interpolated config and returns a list of problems (empty: fine).
"""

from configparser import InterpolationError
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

from spacy import util
from thinc.api import Config, ConfigValidationError

from ..errors import PluginError

VECTORS_OBJECTIVES = ("spacy.PretrainVectors.v1",)


def check_init_tok2vec(config: Config) -> List[str]:
    """`init_tok2vec` must point at an existing file and have a `[pretraining]` block to use it."""
    init_tok2vec = config["initialize"].get("init_tok2vec")
    if not init_tok2vec:
        return []
    problems = []
    if not config.get("pretraining"):
        problems.append(
            f"[initialize] init_tok2vec = {init_tok2vec!r} but the [pretraining] block is empty: "
            "spaCy would silently ignore the pretrained weights. Add the [pretraining] block "
            "that produced them (e.g. from configs/ner.cfg)."
        )
    if not Path(init_tok2vec).is_file():
        problems.append(f"[initialize] init_tok2vec: weights file not found: {init_tok2vec}")
    return problems


def check_static_vectors(config: Config) -> List[str]:
    """Static vectors in a model, or a vectors pretraining objective, need loadable vectors."""
    vectors = config["initialize"].get("vectors")
    users = [
        f"[{section}] include_static_vectors = true"
        for section, value in _find_key(config, "include_static_vectors")
        if value is True
    ]
    objective = config.get("pretraining", {}).get("objective", {})
    if objective.get("@architectures") in VECTORS_OBJECTIVES:
        users.append(f"[pretraining.objective] {objective['@architectures']}")
    if not users:
        return []
    if not vectors:
        return [f"{user} but [initialize] vectors is null (set --paths.vectors)" for user in users]
    if not Path(vectors).exists() and not util.is_package(vectors):
        return [f"[initialize] vectors: neither a directory nor an installed package: {vectors}"]
    return []


def check_pretraining(config: Config) -> List[str]:
    """The `[pretraining]` component, layer and corpus must exist in the config."""
    pretraining = config.get("pretraining")
    if not pretraining:
        return []
    problems = []
    corpus = pretraining.get("corpus")
    if corpus and _lookup(config, corpus) is None:
        problems.append(f"[pretraining] corpus = {corpus!r}: no such section in the config")
    component = pretraining.get("component")
    pipeline = config["nlp"].get("pipeline", [])
    if component not in pipeline:
        problems.append(
            f"[pretraining] component = {component!r} is not in the pipeline {pipeline}"
        )
    elif pretraining.get("layer"):
        layer = pretraining["layer"]
        nlp = util.load_model_from_config(config, auto_fill=True, validate=False)
        if not nlp.get_pipe(component).model.has_ref(layer):
            problems.append(
                f"[pretraining] layer = {layer!r}: component {component!r} has no such layer"
            )
    return problems


CHECKS: Tuple[Callable[[Config], List[str]], ...] = (
    check_init_tok2vec,
    check_static_vectors,
    check_pretraining,
)


def check_training_config(config: Config) -> List[str]:
    """Every problem that the checks find in an interpolated training config."""
    return [problem for check in CHECKS for problem in check(config)]


def check_config_file(config_path: Path, overrides: Dict[str, Any] | None = None) -> List[str]:
    """Every problem in the config at `config_path` with `overrides` applied; a config that
    cannot be read or does not validate is a `PluginError`."""
    try:
        config = util.load_config(config_path, overrides=overrides or {}, interpolate=True)
    except ConfigValidationError as err:
        raise PluginError(f"Invalid config {config_path}", str(err).strip()) from err
    except InterpolationError as err:
        raise PluginError(f"Invalid config {config_path}", str(err)) from err
    return check_training_config(config)


def _find_key(node: Any, key: str, section: str = "") -> Iterator[Tuple[str, Any]]:
    """Yield `(section, value)` for every occurrence of `key` in a nested config."""
    if not isinstance(node, dict):
        return
    for name, value in node.items():
        if name == key:
            yield section, value
        yield from _find_key(value, key, f"{section}.{name}" if section else name)


def _lookup(config: Config, dot_name: str) -> Any | None:
    node: Any = config
    for part in dot_name.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
