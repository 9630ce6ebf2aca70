"""Baseline: the schema of the release before migrations (datasets, examples, links).

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "dataset",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("meta", sa.Text, nullable=False),
    )
    op.create_table(
        "example",
        sa.Column("id", ID, primary_key=True),
        sa.Column("input_hash", sa.BigInteger, nullable=False, index=True),
        sa.Column("task_hash", sa.BigInteger, nullable=False, index=True),
        sa.Column("answer", sa.String(16)),
        sa.Column("session_id", sa.String(200), index=True),
        sa.Column("annotator_id", sa.String(200)),
        sa.Column("timestamp", sa.BigInteger),
        sa.Column("content", sa.Text, nullable=False),
    )
    op.create_table(
        "link",
        sa.Column("id", ID, primary_key=True),
        sa.Column(
            "dataset_id", ID, sa.ForeignKey("dataset.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "example_id", ID, sa.ForeignKey("example.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("answer_key", sa.String(100), nullable=False),
        sa.UniqueConstraint("dataset_id", "answer_key", name="link_answer_once"),
        sa.Index("link_by_dataset", "dataset_id", "id"),
    )
