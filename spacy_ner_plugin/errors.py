"""The project's error types: what a library function raises and the CLI turns into a message.

Library functions never print or exit; they raise a `PluginError` (bad input, a failed run) that
the typer layer reports with exit code 1. `InternalError` is a bug of ours, e.g. counts that do
not add up: it fails the run too, with a message that says so.
"""

from enum import Enum
from typing import Any, Type, TypeVar, Union

E = TypeVar("E", bound=Enum)


class PluginError(Exception):
    """A step cannot go on: bad or missing input, or a run that failed. The message says why."""

    def __init__(self, title: str, text: str = "") -> None:
        super().__init__(f"{title}: {text}" if text else title)
        self.title = title
        self.text = text


class StrictModeError(PluginError):
    """Raised on the first bad record when converting with `strict=True`."""

    def __init__(self, reject: Any) -> None:
        """`reject` is the `io.records.Reject` that stopped the run (this module imports none)."""
        super().__init__(
            "Stopped at the first bad record (--strict); nothing was written", str(reject)
        )
        self.reject = reject


class InternalError(PluginError):
    """A broken invariant of ours (e.g. printed counts that do not add up): fails the run."""


class UsageError(PluginError):
    """Options that do not make sense (together): the CLI exits with code 2, as for a typo."""


def choice(enum: Type[E], value: Union[str, E], name: str) -> E:
    """`value` (a member of the str Enum `enum`, or its string) as a member of `enum`.

    Typer validates a choice on the command line; a Python caller passing a string gets the
    same check, as a `UsageError` that names the choice (`name`) and the values it takes.
    """
    try:
        return enum(value)
    except ValueError:
        values = ", ".join(member.value for member in enum)
        raise UsageError(f"Unknown {name} {value!r}", f"expected one of {values}") from None
