"""The `--backend` choice and the Ray session a step runs in.

`ray` is imported inside the functions, never at module level: the CLI imports this module for
the `Backend` choice even when Ray is not installed.
"""

import logging
from contextlib import contextmanager
from enum import Enum
from typing import Any, Iterator

from ..errors import UsageError

INSTALL_HINT = 'install the extra: pip install "spacy_ner_plugin[ray]"'


class Backend(str, Enum):
    """Where a corpus job or a train-curve grid runs."""

    local = "local"
    ray = "ray"


def import_ray() -> Any:
    """The `ray` module, or a `UsageError` saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401  (the extra, ray[data], brings pyarrow for URIs)
    except ImportError as err:
        raise UsageError("--backend ray needs Ray Data", f"{err}; {INSTALL_HINT}") from None
    return ray


@contextmanager
def ray_session(address: str | None = None, silent: bool = True) -> Iterator[Any]:
    """Connect to Ray for the duration of a step and yield the `ray` module.

    Reuses a session the caller already started (`ray.init` in a script or a test); otherwise
    connects to `address` (`auto`, `ray://host:10001`, ...; None: the `RAY_ADDRESS` variable,
    else a fresh local Ray on this machine's cores) and disconnects at the end.
    """
    ray = import_ray()
    started = not ray.is_initialized()
    if started:
        options: dict = {"address": address, "log_to_driver": not silent}
        if address is None:  # a new local instance; a connected one keeps its own settings
            options["include_dashboard"] = False
        if silent:
            options["logging_level"] = logging.WARNING
        try:
            ray.init(**options)
        except (ConnectionError, ValueError, RuntimeError) as err:
            raise UsageError(
                f"Cannot connect to Ray at {address or 'a local instance'}", str(err)
            ) from err
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()
