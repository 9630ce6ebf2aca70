"""Assignments (which session holds which task, across restarts) and superseded answers.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("example", sa.Column("superseded_by", sa.String(100)))
    # Counting a dataset's answers less its few superseded ones stays an index lookup.
    op.create_index("example_superseded", "example", ["superseded_by"])
    op.create_index("link_by_example", "link", ["example_id"])
    op.create_table(
        "assignment",
        sa.Column("id", ID, primary_key=True),
        sa.Column(
            "dataset_id", ID, sa.ForeignKey("dataset.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("task_key", sa.BigInteger, nullable=False),
        sa.Column("slot", sa.String(200), nullable=False),
        sa.Column("session_id", sa.String(200), nullable=False),
        sa.Column("handed_out", sa.Float, nullable=False),
        sa.Column("answered", sa.Boolean, nullable=False),
        sa.Column("line", sa.BigInteger),
        sa.Column("task", sa.Text, nullable=False),
        sa.UniqueConstraint("dataset_id", "task_key", "slot", name="assignment_slot_once"),
        sa.UniqueConstraint("dataset_id", "task_key", "session_id", name="assignment_session_once"),
        sa.Index("assignment_by_session", "dataset_id", "session_id"),
        sa.Index("assignment_open", "dataset_id", "answered", "handed_out"),
    )
