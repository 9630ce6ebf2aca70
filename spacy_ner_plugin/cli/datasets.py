"""`datasets`: the datasets of the annotation database, with Prodigy-like statistics."""

import time
from typing import TYPE_CHECKING, List

import srsly
import typer

from ._util import app, printer, reports_errors
from .options import Db, StatsJson

if TYPE_CHECKING:  # SQLAlchemy is imported when used, not by every command
    from ..db.database import DatasetStats

HEADER = ("dataset", "created", "answers", "accept", "reject", "ignore", "sessions")


@app.command("datasets")
def datasets_cli(db: Db = None, as_json: StatsJson = False) -> None:
    """List the datasets in the annotation database: created, answers, accept / reject /
    ignore, sessions."""
    with reports_errors():
        found = datasets(db, silent=as_json)
        if as_json:
            typer.echo(srsly.json_dumps([s.to_json() for s in found], indent=2))


def datasets(db: str | None = None, silent: bool = True) -> List["DatasetStats"]:
    """Statistics of every dataset in the database, in the order they were created."""
    from ..db.database import every_dataset_stats  # SQLAlchemy: only when used

    msg = printer(silent)
    found, url = every_dataset_stats(db)
    rows = [
        (s.name, time.strftime("%Y-%m-%d %H:%M", time.localtime(s.created)), s.answers, s.accept,
         s.reject, s.ignore, len(s.sessions))
        for s in found
    ]  # fmt: skip
    if rows:
        msg.table(rows, header=HEADER, aligns=("l", "l", "r", "r", "r", "r", "r"), divider=True)
    msg.info(f"{len(found)} datasets in {url}")
    return found
