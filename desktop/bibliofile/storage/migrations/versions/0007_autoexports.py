"""Auto-exports (issue 20): .bib / CSL-JSON files kept up to date with a selection of the library.

Two new tables, so existing libraries are not rewritten: an upgrade keeps every reference and
gains the empty tables, and one index over small columns of ``references`` (the export outline). ``autoexports`` holds what to write where and what was last written;
``autoexport_entries`` the formatted text of each entry, so a rewrite formats only what changed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "autoexports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=True),
        sa.Column("collection_name", sa.Text(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("added", sa.DateTime(), nullable=False),
        sa.Column("written_at", sa.DateTime(), nullable=True),
        sa.Column("written_size", sa.BigInteger(), nullable=True),
        sa.Column("written_mtime_ns", sa.BigInteger(), nullable=True),
        sa.Column("written_sha256", sa.String(length=64), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("cache_context", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name=op.f("fk_autoexports_collection_id_collections"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_autoexports")),
        sa.UniqueConstraint("path", name=op.f("uq_autoexports_path")),
    )
    op.create_table(
        "autoexport_entries",
        sa.Column("autoexport_id", sa.Integer(), nullable=False),
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.DateTime(), nullable=False),
        sa.Column("trusted", sa.Boolean(), nullable=False),
        sa.Column("kept", sa.Boolean(), nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("item_id", sa.Text(), nullable=False),
        sa.Column("parents", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["autoexport_id"],
            ["autoexports.id"],
            name=op.f("fk_autoexport_entries_autoexport_id_autoexports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("autoexport_id", "reference_id", name=op.f("pk_autoexport_entries")),
    )
    # The outline of a whole-library export, read from this index alone (see tables.py).
    op.create_index(
        "ix_references_export_outline",
        "references",
        ["import_id", "position", "id", "deleted", "date_modified", "edited", "source_format", "citation_key"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_references_export_outline", table_name="references")
    op.drop_table("autoexport_entries")
    op.drop_table("autoexports")
