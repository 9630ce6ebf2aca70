"""A Prodigy database built from Prodigy's schema, holding real exported records, for the tests
of `db/prodigy.py` and `db-in --from-prodigy`.

The tables are those of Prodigy's peewee models (`prodigy.components.db`): `dataset` (id, name,
created, meta, session), `example` (id, input_hash, task_hash, content: the task's JSON bytes)
and `link` (id, example_id, dataset_id). Annotating in Prodigy links every answer to the named
dataset and to a session dataset (`session` true); the database built here does the same.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import pytest
import sqlalchemy as sa

from ..conftest import ROOT, SHARED_DATA

REDDIT = SHARED_DATA / "prodigy_examples/example-datasets/annotated_reddit-PRODUCT-ner.jsonl"
SAMPLE = ROOT / "assets/sample/annotator_b.jsonl"
# Rows Prodigy could hold but no task is: each with why it is rejected.
BAD_ROWS = [
    (b"\xff\xfe{", "not valid UTF-8"),
    (b"{not json", "not JSON"),
    (b"[1, 2]", "must be a JSON object"),
    (b'{"answer": "accept", "_input_hash": 1, "_task_hash": 2}', "missing 'text'"),
]

metadata = sa.MetaData()
dataset_table = sa.Table(
    "dataset",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("created", sa.Integer, nullable=False),
    sa.Column("meta", sa.LargeBinary, nullable=False),
    sa.Column("session", sa.Boolean, nullable=False),
)
example_table = sa.Table(
    "example",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("input_hash", sa.BigInteger, nullable=False, index=True),
    sa.Column("task_hash", sa.BigInteger, nullable=False, index=True),
    sa.Column("content", sa.LargeBinary, nullable=False),
)
link_table = sa.Table(
    "link",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("example_id", sa.ForeignKey("example.id"), nullable=False, index=True),
    sa.Column("dataset_id", sa.ForeignKey("dataset.id"), nullable=False, index=True),
)


@dataclass
class ProdigyFixture:
    """The database's URL, and what it holds: each dataset's rows `(example id, content)`."""

    url: str
    rows: Dict[str, List[tuple]] = field(default_factory=dict)
    sessions: List[str] = field(default_factory=list)
    bad_ids: List[int] = field(default_factory=list)

    def records(self, name: str) -> List[dict]:
        """The tasks of dataset `name` as Prodigy stored them (bad rows left out)."""
        return [json.loads(content) for i, content in self.rows[name] if i not in self.bad_ids]


def exported_lines() -> Dict[str, List[bytes]]:
    """Real exported records: binary ner.teach answers (shared data) and the sample's
    annotator answers with their sessions; skips without the shared data."""
    if not REDDIT.exists():
        pytest.skip(f"{REDDIT} is not available")
    reddit = REDDIT.read_bytes().splitlines()[:40]
    sample = SAMPLE.read_bytes().splitlines()[:8]
    return {"reddit_product": reddit, "sample_review": sample}


def build_prodigy_db(url: str) -> ProdigyFixture:
    """Prodigy's tables at `url`, with two datasets of real records (the first also with bad
    rows), and a session dataset holding the first dataset's first 10 answers."""
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    found = ProdigyFixture(url)
    lines = exported_lines()
    with engine.begin() as conn:
        ids = {}
        for name, session in [*((n, False) for n in lines), ("2026-12-01_10-00-00", True)]:
            meta = json.dumps({"description": f"{name} answers"}).encode()
            values = {"name": name, "created": 1764583200, "meta": meta, "session": session}
            ids[name] = conn.execute(
                sa.insert(dataset_table).values(**values).returning(dataset_table.c.id)
            ).scalar_one()
        for name, contents in lines.items():
            bad = [content for content, _ in BAD_ROWS] if name == "reddit_product" else []
            found.rows[name] = []
            for content in [*contents[:5], *bad, *contents[5:]]:
                record = json.loads(content) if content not in bad else {}
                example_id = conn.execute(
                    sa.insert(example_table)
                    .values(
                        input_hash=record.get("_input_hash", 0),
                        task_hash=record.get("_task_hash", 0),
                        content=content,
                    )
                    .returning(example_table.c.id)
                ).scalar_one()
                conn.execute(
                    sa.insert(link_table).values(example_id=example_id, dataset_id=ids[name])
                )
                found.rows[name].append((example_id, content))
                if content in bad:
                    found.bad_ids.append(example_id)
        session = "2026-12-01_10-00-00"
        found.sessions.append(session)
        found.rows[session] = found.rows["reddit_product"][:10]
        for example_id, _ in found.rows[session]:
            conn.execute(
                sa.insert(link_table).values(example_id=example_id, dataset_id=ids[session])
            )
    engine.dispose()
    return found


def sqlite_prodigy_db(path: Path) -> ProdigyFixture:
    """The database as a `prodigy.db` SQLite file."""
    return build_prodigy_db(f"sqlite:///{path}")
