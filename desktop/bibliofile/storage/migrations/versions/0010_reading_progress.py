"""Reading progress (issue 19): the pages of each attachment the built-in reader has shown.

A new table, so existing libraries are not rewritten: an upgrade keeps every attachment as it
was and starts with no progress. One row per attachment, gone with it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 19:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reading_progress",
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("pages_seen", sa.Text(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_reading_progress_attachment_id_attachments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attachment_id", name=op.f("pk_reading_progress")),
    )


def downgrade() -> None:
    op.drop_table("reading_progress")
