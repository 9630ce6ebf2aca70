"""Group answers by text on disk (stdlib sqlite3), so merging never holds all records in memory.

Pass one streams every record into a temporary database keyed by its text hash; pass two
reads them back one text at a time, in the order each text was first seen. The train/dev
split is decided inside the database too (seeded rank per text, then label coverage).
"""

import pickle
import sqlite3
from itertools import groupby
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple, Union

from ..io.files import make_spool, remove_path
from .merge import Answer
from .split import dev_size, split_rank

BATCH_SIZE = 2000
SCHEMA = """
CREATE TABLE texts (h INTEGER PRIMARY KEY, first INTEGER NOT NULL, usable INTEGER NOT NULL,
                    eval INTEGER NOT NULL, rank INTEGER NOT NULL, dev INTEGER NOT NULL DEFAULT 0);
CREATE TABLE answers (seq INTEGER PRIMARY KEY, h INTEGER NOT NULL, source INTEGER NOT NULL,
                      line INTEGER NOT NULL, kind TEXT NOT NULL, eval INTEGER NOT NULL,
                      record BLOB NOT NULL);
CREATE TABLE labels (h INTEGER NOT NULL, label TEXT NOT NULL, PRIMARY KEY (label, h))
    WITHOUT ROWID;
"""
UPSERT_TEXT = """
INSERT INTO texts (h, first, usable, eval, rank) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (h) DO UPDATE SET usable = max(usable, excluded.usable), eval = max(eval, excluded.eval)
"""


class AnswerStore:
    """A temporary on-disk store of answers grouped by text hash; use as a context manager.

    It lies beside the step's output `beside` (or, without one, in the spool folder), so that
    the next run sweeps it if the step is killed (`io.files.make_spool`).
    """

    def __init__(self, seed: int = 0, beside: Union[str, Path] | None = None) -> None:
        self.seed = seed
        self.sources: List[str] = []
        self._source_ids: Dict[str, int] = {}
        self._dir = make_spool(beside, directory=True)
        self.db = sqlite3.connect(self._dir / "answers.sqlite")
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -16000"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.executescript(SCHEMA)
        self._answers: List[Tuple] = []
        self._texts: List[Tuple] = []
        self._labels: List[Tuple] = []
        self.n_answers = 0

    def __enter__(self) -> "AnswerStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()
        remove_path(self._dir)

    def add(
        self,
        h: int,
        path: str,
        line: int,
        kind: str,
        record: Dict[str, Any],
        eval: bool = False,
    ) -> None:
        """Store one answer about the text with hash `h`.

        Records are stored pickled: reading them back is twice as fast as decoding JSON again.
        """
        source = self._source_ids.setdefault(path, len(self._source_ids))
        if source == len(self.sources):
            self.sources.append(path)
        seq = self.n_answers
        self.n_answers += 1
        self._answers.append(
            (seq, h, source, line, kind, int(eval), pickle.dumps(record, pickle.HIGHEST_PROTOCOL))
        )
        usable = int(record.get("answer", "accept") != "ignore")
        self._texts.append((h, seq, usable, int(eval), split_rank(h, self.seed)))
        self._labels += [(h, label) for label in _accepted_labels(record)]
        if len(self._answers) >= BATCH_SIZE:
            self._flush()

    def _flush(self) -> None:
        with self.db:
            self.db.executemany("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)", self._answers)
            self.db.executemany(UPSERT_TEXT, self._texts)
            self.db.executemany("INSERT OR IGNORE INTO labels VALUES (?, ?)", self._labels)
        self._answers, self._texts, self._labels = [], [], []

    def assign_splits(self, eval_split: float, dedicated_eval: bool) -> None:
        """Mark the dev texts: those of a dedicated eval input, or a seeded share per label."""
        self._flush()
        with self.db:
            if dedicated_eval:
                self.db.execute("UPDATE texts SET dev = eval")
                return
            (n_texts,) = self.db.execute("SELECT count(*) FROM texts WHERE usable").fetchone()
            self.db.execute(
                "UPDATE texts SET dev = 1 WHERE h IN (SELECT h FROM texts WHERE usable "
                "ORDER BY rank, h LIMIT ?)",
                (dev_size(n_texts, eval_split),),
            )
            if eval_split > 0:
                self._cover_labels()

    def _cover_labels(self) -> None:
        """Swap texts so each label keeps a text in train and, given two or more, one in dev."""
        labels = [row[0] for row in self.db.execute("SELECT DISTINCT label FROM labels")]
        for label in labels:
            n_dev, n_all = self.db.execute(
                "SELECT sum(t.dev), count(*) FROM labels l JOIN texts t ON t.h = l.h "
                "WHERE l.label = ? AND t.usable",
                (label,),
            ).fetchone()
            if n_all >= 2 and not n_dev:
                self._swap(label, into_dev=1)
            elif n_all and n_dev == n_all:
                self._swap(label, into_dev=0)

    def _swap(self, label: str, into_dev: int) -> None:
        """Move the best-ranked text with `label` across, and one text the other way.

        The text moved back is one whose labels all keep another text on its side; without
        such a text nothing moves, so the split sizes never change.
        """
        order = "ASC" if into_dev else "DESC"
        incoming = self.db.execute(
            "SELECT t.h FROM labels l JOIN texts t ON t.h = l.h WHERE l.label = ? "
            f"AND t.usable AND t.dev = ? ORDER BY t.rank {order}, t.h {order} LIMIT 1",
            (label, 1 - into_dev),
        ).fetchone()
        outgoing = self.db.execute(
            "SELECT t.h FROM texts t WHERE t.usable AND t.dev = ?1 AND NOT EXISTS (SELECT 1 "
            "FROM labels l WHERE l.h = t.h AND (SELECT count(*) FROM labels l2 JOIN texts t2 "
            "ON t2.h = l2.h WHERE l2.label = l.label AND t2.dev = ?1) < 2) "
            f"ORDER BY t.rank {'DESC' if into_dev else 'ASC'}, t.h LIMIT 1",
            (into_dev,),
        ).fetchone()
        if incoming is None or outgoing is None:
            return
        self.db.execute("UPDATE texts SET dev = ? WHERE h = ?", (into_dev, incoming[0]))
        self.db.execute("UPDATE texts SET dev = ? WHERE h = ?", (1 - into_dev, outgoing[0]))

    def groups(self) -> Iterator[Tuple[int, bool, List[Answer], List[bool]]]:
        """Yield `(text_hash, is_dev, answers, from_eval_input)` per text, first-seen order."""
        self._flush()
        with self.db:
            self.db.execute("CREATE INDEX IF NOT EXISTS answers_by_text ON answers (h, seq)")
            self.db.execute("CREATE INDEX IF NOT EXISTS texts_by_first ON texts (first)")
        rows = self.db.execute(
            "SELECT t.h, t.dev, a.source, a.line, a.kind, a.eval, a.record FROM texts t "
            "JOIN answers a ON a.h = t.h ORDER BY t.first, a.seq"
        )
        for h, group in groupby(rows, key=lambda row: row[0]):
            group = list(group)
            answers = [
                Answer(self.sources[src], line, pickle.loads(rec), kind)
                for _, _, src, line, kind, _, rec in group
            ]
            yield h, bool(group[0][1]), answers, [bool(row[5]) for row in group]

    def split_counts(self) -> Dict[str, int]:
        """Number of usable texts per split."""
        (n_dev,) = self.db.execute("SELECT count(*) FROM texts WHERE usable AND dev").fetchone()
        (n_all,) = self.db.execute("SELECT count(*) FROM texts WHERE usable").fetchone()
        return {"train": n_all - n_dev, "dev": n_dev}


def _accepted_labels(record: Dict[str, Any]) -> List[str]:
    """Labels of the record's accepted spans (used to keep each label in dev)."""
    answer: str | None = record.get("answer", "accept")
    spans = record.get("spans")
    if not isinstance(spans, list):
        return []
    labels = set()
    for span in spans:
        if isinstance(span, dict) and isinstance(span.get("label"), str):
            if span.get("answer", answer) == "accept":
                labels.add(span["label"])
    return sorted(labels)
