"""Full text of attached files (issue 19): the pages' text in an FTS5 table, and what was read.

New tables only, so an upgrade keeps every reference and attachment and gains an empty index;
the window then reads the attached files in the background (the CLI when it attaches one).
``fulltext_files`` is plain SQL (every dialect); the FTS5 table of pages and the trigger that
empties it when an attachment goes are SQLite's (storage/fulltext_fts5.py).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bibliofile.storage import fulltext_fts5

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fulltext_files",
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime", sa.Float(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("pages_done", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("indexed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_fulltext_files_attachment_id_attachments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attachment_id", name=op.f("pk_fulltext_files")),
    )
    fulltext_fts5.create_pages_index(op.get_bind())


def downgrade() -> None:
    fulltext_fts5.drop_pages_index(op.get_bind())
    op.drop_table("fulltext_files")
