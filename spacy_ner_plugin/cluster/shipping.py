"""The local files a job's config names (patterns, corpora, a base model's directory), shipped
to the workers in one archive through Ray's object store, so that no node needs them at the
driver's paths, nor in the driver's working directory.

The driver packs every string value of the interpolated config that names an existing file
or directory (the values `curve.points.data_fingerprint` hashes); a worker unpacks the archive
into a directory of its own and gets the config with those values pointing there. A pipeline
named as a package (`en_core_web_sm`) is no file: it must be installed on every node.
"""

import io
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

from thinc.api import Config


@dataclass
class Shipment:
    """The config (interpolated), the paths it names that are packed, and the tar archive."""

    config: str
    paths: List[str]
    archive: bytes


def local_paths(config: Config) -> List[str]:
    """The string values of the interpolated config that name an existing file or directory."""
    found = set()
    for value in _strings(config.interpolate()):
        if os.path.exists(value):
            found.add(value)
    return sorted(found)


def _strings(value: Any) -> List[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, (list, tuple)):
        return [s for item in value for s in _strings(item)]
    return [value] if isinstance(value, str) and value else []


def pack(config: Config) -> Shipment:
    """The interpolated config and an archive of every local path it names, each stored under
    its index (`0/patterns.jsonl`, `1/model/...`), so equal base names cannot collide."""
    paths = local_paths(config)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for i, path in enumerate(paths):
            archive.add(path, arcname=f"{i}/{_base_name(path)}")
    return Shipment(config.interpolate().to_str(), paths, buffer.getvalue())


def _base_name(path: str) -> str:
    return Path(os.path.abspath(path)).name or "root"


def unpack(shipment: Shipment, into: Path) -> Config:
    """Extract the archive under `into`; return the config with each packed path replaced by
    its copy there."""
    with tarfile.open(fileobj=io.BytesIO(shipment.archive), mode="r") as archive:
        archive.extractall(into, filter="data")
    copies = {path: str(into / str(i) / _base_name(path)) for i, path in enumerate(shipment.paths)}
    config = Config().from_str(shipment.config, interpolate=False)
    return Config(_relocated(config, copies))


def _relocated(value: Any, copies: Dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _relocated(item, copies) for key, item in value.items()}
    if isinstance(value, list):
        return [_relocated(item, copies) for item in value]
    if isinstance(value, tuple):
        return tuple(_relocated(item, copies) for item in value)
    return copies.get(value, value) if isinstance(value, str) else value
