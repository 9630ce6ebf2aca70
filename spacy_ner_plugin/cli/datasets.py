"""`datasets`: the datasets of the annotation database, with Prodigy-like statistics."""

import time
from typing import TYPE_CHECKING, List

import srsly
import typer

from ._util import app, printer, reports_errors
from .options import Db, FromProdigy, StatsJson

if TYPE_CHECKING:  # SQLAlchemy is imported when used, not by every command
    from ..db.database import DatasetStats
    from ..db.prodigy import ProdigyDataset

HEADER = ("dataset", "created", "answers", "accept", "reject", "ignore", "sessions")


@app.command("datasets")
def datasets_cli(
    db: Db = None, as_json: StatsJson = False, from_prodigy: FromProdigy = None
) -> None:
    """List the datasets in the annotation database: created, answers, accept / reject /
    ignore, sessions. With --from-prodigy PRODIGY_DB (a prodigy.db file or a PostgreSQL URL,
    read only), list a Prodigy database's datasets instead, as `db-in --from-prodigy` would
    import them: session datasets are marked (left out unless named), and rows whose content
    is not a JSON task with a text are counted as bad."""
    with reports_errors():
        if from_prodigy is not None:
            found = prodigy_datasets(from_prodigy, silent=as_json)
        else:
            found = datasets(db, silent=as_json)
        if as_json:
            typer.echo(srsly.json_dumps([s.to_json() for s in found], indent=2))


def datasets(db: str | None = None, silent: bool = True) -> List["DatasetStats"]:
    """Statistics of every dataset in the database, in the order they were created."""
    from ..db.database import every_dataset_stats  # SQLAlchemy: only when used

    msg = printer(silent)
    found, url = every_dataset_stats(db)
    rows = [
        (s.name, _when(s.created), s.answers, s.accept, s.reject, s.ignore, len(s.sessions))
        for s in found
    ]  # fmt: skip
    if rows:
        msg.table(rows, header=HEADER, aligns=("l", "l", "r", "r", "r", "r", "r"), divider=True)
    msg.info(f"{len(found)} datasets in {url}")
    return found


def prodigy_datasets(source: str, silent: bool = True) -> List["ProdigyDataset"]:
    """Statistics of every dataset of Prodigy database `source` (a file or a URL), read only."""
    from ..db.prodigy import ProdigyDatabase  # SQLAlchemy: only when used

    msg = printer(silent)
    with ProdigyDatabase(source) as prodigy:
        found, where = prodigy.stats(), prodigy.display
    rows = [
        (s.name, "session" if s.session else "", _when(s.created), s.answers, s.accept, s.reject,
         s.ignore, s.bad, len(s.sessions))
        for s in found
    ]  # fmt: skip
    if rows:
        header = ("dataset", "kind", "created", "answers", "accept", "reject", "ignore", "bad",
                  "sessions")  # fmt: skip
        msg.table(rows, header=header, aligns=("l", "l", "l", *"rrrrrr"), divider=True)
    n_sessions = sum(s.session for s in found)
    msg.info(
        f"{len(found)} datasets in the Prodigy database {where} ({n_sessions} session datasets, "
        "left out by db-in --from-prodigy unless named)"
    )
    return found


def _when(created: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(created)) if created else ""
