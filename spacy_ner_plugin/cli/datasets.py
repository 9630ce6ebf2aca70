"""`datasets`: the datasets of the annotation database, with Prodigy-like statistics."""

from typing import List

import srsly
import typer

from ..db.database import DatasetStats, every_dataset_stats, stats_tables
from ..db.prodigy import ProdigyDataset, every_prodigy_stats, prodigy_summary, prodigy_tables
from ._util import app, printer, reports_errors
from .options import Db, FromProdigy, StatsJson


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


def datasets(db: str | None = None, silent: bool = True) -> List[DatasetStats]:
    """Statistics of every dataset in the database, in the order they were created."""
    msg = printer(silent)
    found, url = every_dataset_stats(db)
    msg.tables(stats_tables(found), divider=True)
    msg.info(f"{len(found)} datasets in {url}")
    return found


def prodigy_datasets(source: str, silent: bool = True) -> List[ProdigyDataset]:
    """Statistics of every dataset of Prodigy database `source` (a file or a URL), read only."""
    msg = printer(silent)
    found, where = every_prodigy_stats(source)
    msg.tables(prodigy_tables(found), divider=True)
    msg.info(prodigy_summary(found, where))
    return found
