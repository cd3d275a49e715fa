"""Lookup queue (issue 18): references waiting for an online lookup, one row each.

A new table, so existing libraries are not rewritten; the index on ``next_try`` lets start-up
find what is due without reading the whole queue.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lookup_queue",
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try", sa.DateTime(), nullable=True),
        sa.Column("added", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_id"],
            ["references.id"],
            name=op.f("fk_lookup_queue_reference_id_references"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reference_id", name=op.f("pk_lookup_queue")),
    )
    op.create_index("ix_lookup_queue_next_try", "lookup_queue", ["next_try"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_lookup_queue_next_try", table_name="lookup_queue")
    op.drop_table("lookup_queue")
