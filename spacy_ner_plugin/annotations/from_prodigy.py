"""A Prodigy database's datasets into the annotation database (`db-in --from-prodigy`).

Each Prodigy dataset becomes the dataset of the same name here, its answers unchanged
(hashes, `_session_id`, `_annotator_id`, `_timestamp` as Prodigy stored them). Prodigy's
session datasets hold the same answers as the named dataset they belong to, so they are left
out unless named.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, List, Tuple

from ..db.inputs import database_file
from ..errors import UsageError
from ..io.files import check_overwrites
from ..messages import Message
from .counts import ConversionCounts
from .ingest import RejectLog
from .transfer import Transfer, add_lines, rejects_path, save_import_rejects

if TYPE_CHECKING:  # SQLAlchemy is imported when a database is used
    from ..db.prodigy import ProdigyDataset


@dataclass
class DatasetImport:
    """What importing one Prodigy dataset did."""

    name: str
    read: int = 0
    added: int = 0
    already_there: int = 0
    rejected: int = 0

    @property
    def duplicates(self) -> int:
        return self.read - self.added - self.already_there - self.rejected


@dataclass
class ProdigyImport:
    """The reconciled counts of the whole import, per dataset, and the session datasets left
    out."""

    transfer: Transfer
    source: str
    datasets: List[DatasetImport] = field(default_factory=list)
    sessions_left_out: List[str] = field(default_factory=list)

    def table(self) -> tuple:
        """Per dataset: read, added, already there, duplicates, rejected (for `msg.table`)."""
        header = ("dataset", "read", "added", "already there", "duplicates", "rejected")
        rows = [(d.name, d.read, d.added, d.already_there, d.duplicates, d.rejected)
                for d in self.datasets]  # fmt: skip
        return "Datasets", header, rows, ("l", "r", "r", "r", "r", "r")

    def left_out_messages(self) -> List[Message]:
        """The session datasets left out (if any), as (level, title, text) messages for the CLI
        to print."""
        if not self.sessions_left_out:
            return []
        title = (
            f"Left out {len(self.sessions_left_out)} session datasets (their answers are in "
            "the named datasets; name one to import it)"
        )
        return [("info", title, ", ".join(self.sessions_left_out))]

    def import_messages(self) -> List[Message]:
        """How many answers of how many datasets were imported, as (level, title, text)
        messages for the CLI to print."""
        added = self.transfer.counts.written["answers"]
        title = f"Imported {added} answers of {len(self.datasets)} datasets from {self.source}"
        return [("good", title, self.transfer.database)]


def choose_datasets(
    found: List["ProdigyDataset"], names: Iterable[str] | None, source: str
) -> Tuple[List["ProdigyDataset"], List[str]]:
    """The datasets to import (those named, else every one but the session datasets) and the
    session datasets left out; a `UsageError` for a name the database does not hold."""
    by_name = {d.name: d for d in found}
    if names:
        wanted = list(dict.fromkeys(names))
        unknown = [name for name in wanted if name not in by_name]
        if unknown:
            there = ", ".join(d.name for d in found if not d.session) or "none"
            raise UsageError(
                f"Not in the Prodigy database {source}: {', '.join(unknown)}",
                f"datasets there: {there}",
            )
        return [by_name[name] for name in wanted], []
    return [d for d in found if not d.session], [d.name for d in found if d.session]


def import_prodigy(
    source: str,
    rejects_file: Path | None = None,
    names: Iterable[str] | None = None,
    db: str | None = None,
) -> ProdigyImport:
    """Add the datasets of Prodigy database `source` (a SQLite file or a URL) to database `db`.

    Every answer read is written, skipped (already in the dataset, or an exact duplicate) or
    rejected to `rejects_file` (written only if there are any; default: beside a Prodigy file,
    else `prodigy.rejects.jsonl` here), with the Prodigy table and row id. Raises `UsageError`
    if `source` is not a Prodigy database, lacks a named dataset, or is `db` itself, or if an
    output would overwrite it.
    """
    from ..db.database import Database, check_dataset_name, resolve_db_url, safe_url
    from ..db.prodigy import ProdigyDatabase, prodigy_file  # SQLAlchemy: imported when used

    prodigy_path = prodigy_file(source)
    rejects_file = Path(rejects_file or rejects_path(prodigy_path or Path("prodigy.jsonl")))
    check_overwrites([prodigy_path], [rejects_file, database_file(db)])
    if resolve_db_url(source) == resolve_db_url(db):
        raise UsageError(
            f"The Prodigy database is the one written to: {safe_url(resolve_db_url(db))}",
            "--db names the annotation database to import into, not Prodigy's",
        )
    counts = ConversionCounts()
    with ProdigyDatabase(source) as prodigy, RejectLog(counts) as rejects:
        chosen, left_out = choose_datasets(prodigy.datasets(), names, prodigy.display)
        for dataset in chosen:
            check_dataset_name(dataset.name)
        done = []
        with Database(db) as database:
            url = safe_url(database.url)
            for dataset in chosen:
                read, rejected = counts.read, counts.rejected
                database.add_dataset(dataset.name, dataset.meta)
                result = add_lines(database, dataset.name, prodigy.answers(dataset.name),
                                   counts, rejects)  # fmt: skip
                done.append(
                    DatasetImport(dataset.name, counts.read - read, result.added,
                                  result.already_there, counts.rejected - rejected)
                )  # fmt: skip
        where = save_import_rejects(rejects, counts, rejects_file)
        transfer = Transfer(counts, list(rejects.shown), where, database=url)
        return ProdigyImport(transfer, prodigy.display, done, left_out)
