"""The local files a job's config names (patterns, corpora, a base model's directory), shipped
to the workers in one archive through Ray's object store, so that no node needs them at the
driver's paths, nor in the driver's working directory.

The driver packs every string value of the interpolated configs that names an existing file
or directory (the values `curve.points.data_fingerprint` hashes), once per job; a worker
unpacks the archive into a directory of its own and points those values of its config there.
A pipeline named as a package (`en_core_web_sm`) is no file: it must be installed on every
node.
"""

import io
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence

from thinc.api import Config


@dataclass
class Shipment:
    """The local paths a job's configs name, and a tar archive of them."""

    paths: List[str]
    archive: bytes


def local_paths(config: Config) -> List[str]:
    """The string values of the interpolated config that name an existing file or directory."""
    return sorted({value for value in _strings(config.interpolate()) if os.path.exists(value)})


def _strings(value: Any) -> List[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, (list, tuple)):
        return [s for item in value for s in _strings(item)]
    return [value] if isinstance(value, str) and value else []


def pack(configs: Sequence[Config]) -> Shipment:
    """An archive of every local path the configs name, each stored under its index
    (`0/patterns.jsonl`, `1/model/...`), so equal base names cannot collide."""
    paths = sorted({path for config in configs for path in local_paths(config)})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for i, path in enumerate(paths):
            archive.add(path, arcname=f"{i}/{_base_name(path)}")
    return Shipment(paths, buffer.getvalue())


def _base_name(path: str) -> str:
    """The path's last part (kept: a pattern file's name is its suggestions' source)."""
    return Path(os.path.abspath(path)).name or "root"


def unpack(shipment: Shipment, into: Path) -> Dict[str, str]:
    """Extract the archive under `into`; return each packed path's copy there."""
    with tarfile.open(fileobj=io.BytesIO(shipment.archive), mode="r") as archive:
        archive.extractall(into, filter="data")
    return {path: str(into / str(i) / _base_name(path)) for i, path in enumerate(shipment.paths)}


def relocate(config: Config, copies: Dict[str, str]) -> Config:
    """The interpolated config with every value that names a packed path naming its copy."""
    return Config(_relocated(config.interpolate(), copies))


def _relocated(value: Any, copies: Dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _relocated(item, copies) for key, item in value.items()}
    if isinstance(value, list):
        return [_relocated(item, copies) for item in value]
    if isinstance(value, tuple):
        return tuple(_relocated(item, copies) for item in value)
    return copies.get(value, value) if isinstance(value, str) else value
