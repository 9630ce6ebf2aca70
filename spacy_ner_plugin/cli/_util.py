"""The typer app every step registers on, and helpers shared by the step modules.

Each step module holds a typer function `STEP_cli` that only parses arguments and calls the
plain function `STEP(..., silent=False)` inside `reports_errors()`; the plain function takes
`silent` (default True), builds its own `Printer`, and raises `PluginError` on bad input. Only
this layer prints a failure and exits: code 1 for a failed run, 2 for a usage error.
"""

import sys
from contextlib import contextmanager
from typing import Any, Dict, Iterable, Iterator, List, Sequence, Tuple

import typer
from click import NoSuchOption
from spacy.cli._util import parse_config_overrides, string_to_list
from wasabi import Printer

from ..annotations.ingest import MAX_REJECTS_SHOWN
from ..annotations.transfer import Transfer
from ..errors import PluginError, UsageError
from ..messages import Message

msg = Printer()

app = typer.Typer(
    name="spacy_ner_plugin",
    help="NER annotation-to-model workflow steps for spaCy projects.",
    no_args_is_help=True,
    add_completion=False,
)

COMMAND = "python -m spacy_ner_plugin"
USAGE_EXIT, FAILURE_EXIT = 2, 1


@contextmanager
def reports_errors() -> Iterator[None]:
    """Turn a `PluginError` into one failure message and an exit code (the only exit point)."""
    try:
        yield
    except PluginError as err:
        msg.fail(err.title, err.text)
        sys.exit(USAGE_EXIT if isinstance(err, UsageError) else FAILURE_EXIT)


class StepPrinter(Printer):
    """The printer of a plain step function: quiet for Python callers, pretty on the CLI, and
    printing the shapes the domain results come in (rejects, tables, messages)."""

    def __init__(self, silent: bool) -> None:
        super().__init__(no_print=silent, pretty=not silent)

    def rejects(self, shown: Sequence[Any], total: int, report: Any = None) -> None:
        """The first `MAX_REJECTS_SHOWN` rejects, how many more there are, and the report that
        has them."""
        shown = shown[:MAX_REJECTS_SHOWN]
        for reject in shown:
            self.warn(str(reject))
        if total > len(shown):
            self.warn(f"... and {total - len(shown)} more")
        if total and report is not None:
            self.warn(f"{total} records rejected, see {report}")

    def tables(self, tables: Iterable[tuple], divider: bool = False) -> None:
        """Tables a domain module built, each (title, header, rows, aligns); `divider` rules
        off the header."""
        for title, header, rows, aligns in tables:
            self.table(rows, header=header, aligns=aligns, title=title, divider=divider)

    def messages(self, messages: Iterable[Message]) -> None:
        """Messages a domain module built, each (level, title, text): level is a `Printer`
        method (info, good, warn, text, divider) or "plain", an unwrapped line that survives
        copy and paste (a command line)."""
        plain = Printer(pretty=False, no_print=self.no_print)
        for level, title, text in messages:
            if level == "plain":
                plain.text(title)
            elif level == "divider":
                self.divider(title)
            else:
                getattr(self, level)(title, text or "")

    def transfer(self, result: Transfer) -> None:
        """The rejects and reconciled counts of a db-in or db-out run."""
        self.rejects(result.shown_rejects, result.counts.rejected, result.rejects_file)
        self.tables(result.counts.tables())


def printer(silent: bool) -> StepPrinter:
    """The printer of a plain step function (`silent`: a Python caller's, printing nothing)."""
    return StepPrinter(silent)


def split_labels(labels: str) -> List[str] | None:
    """`--label A,B` → ["A", "B"]; empty → None (no filter)."""
    return string_to_list(labels) if labels.strip() else None


# The typer settings of a config-driven step: extra `--section.key value` arguments reach
# `config_overrides` through `ctx.args`.
OVERRIDES_CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True}


def config_overrides(args: List[str], options: Dict[str, Any] | None = None) -> Dict[str, Any]:
    """The extra `--section.key value` arguments of a config-driven step, parsed by spaCy's
    `parse_config_overrides`, then the step's own flags as config keys (`options`; a None
    value leaves the key to the config). Anything else (e.g. a mistyped option) is a
    `UsageError`, where spaCy would exit with a traceback or code 1."""
    hint = "Besides the options in --help, only config overrides: --section.key value"
    i = 0
    while i < len(args):
        if not args[i].startswith("--"):
            raise UsageError(f"Unexpected argument {args[i]!r}", hint)
        if "=" not in args[i] and i + 1 < len(args) and not args[i + 1].startswith("--"):
            i += 1  # the override's value
        i += 1
    try:
        overrides = parse_config_overrides(list(args))
    except NoSuchOption as err:
        raise UsageError(err.format_message(), hint) from None
    overrides.update({key: value for key, value in (options or {}).items() if value is not None})
    return overrides


def split_overrides(args: List[str]) -> Tuple[List[str], List[str]]:
    """The inputs and the `--section.key value` overrides among the arguments: a variadic
    INPUTS argument takes the overrides in too, as click passes unknown options on."""
    inputs: List[str] = []
    overrides: List[str] = []
    i = 0
    while i < len(args):
        if not args[i].startswith("--"):
            inputs.append(args[i])
            i += 1
            continue
        takes_value = "=" not in args[i] and i + 1 < len(args)
        n = 2 if takes_value and not args[i + 1].startswith("--") else 1
        overrides.extend(args[i : i + n])
        i += n
    return inputs, overrides
