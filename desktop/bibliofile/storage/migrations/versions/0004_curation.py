"""Curation: reading state on references, notes, saved searches and "not duplicates" pairs.

Reading status, priority, rating and date read are columns (with an index each, led by
``deleted`` like the other sort indexes) so the table sorts and filters on them in SQL and a
bulk change of 10,000 references is one UPDATE. ``ADD COLUMN`` with a constant default is
instant in SQLite: existing rows are not rewritten.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS: dict[str, sa.Column[object]] = {
    "read_status": sa.Column("read_status", sa.Text(), server_default="", nullable=False),
    "priority": sa.Column("priority", sa.Integer(), server_default="0", nullable=False),
    "rating": sa.Column("rating", sa.Integer(), server_default="0", nullable=False),
    "date_read": sa.Column("date_read", sa.String(length=10), server_default="", nullable=False),
}


def upgrade() -> None:
    for col in _COLUMNS.values():
        op.add_column("references", col)
    for name in _COLUMNS:
        op.create_index(f"ix_references_{name}_order", "references", ["deleted", name], unique=False)
    op.create_table(
        "notes",
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_id"],
            ["references.id"],
            name=op.f("fk_notes_reference_id_references"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reference_id", name=op.f("pk_notes")),
    )
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
    )
    op.create_table(
        "not_duplicates",
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_id"],
            ["references.id"],
            name=op.f("fk_not_duplicates_first_id_references"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["second_id"],
            ["references.id"],
            name=op.f("fk_not_duplicates_second_id_references"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("first_id", "second_id", name=op.f("pk_not_duplicates")),
    )
    op.create_index(
        op.f("ix_not_duplicates_second_id"), "not_duplicates", ["second_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_not_duplicates_second_id"), table_name="not_duplicates")
    op.drop_table("not_duplicates")
    op.drop_table("saved_searches")
    op.drop_table("notes")
    for name in _COLUMNS:
        op.drop_index(f"ix_references_{name}_order", table_name="references")
    with op.batch_alter_table("references") as batch:
        for name in _COLUMNS:
            batch.drop_column(name)
