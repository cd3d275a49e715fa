"""Sort indexes that lead with ``deleted``, replacing the single-column ones.

The table's default sorts filter out the trash and order by one column; an index on
``(deleted, sort column, tie-breakers)`` answers both in one ordered walk. The index on
``deleted`` alone misled SQLite's planner into reading every row for a text search, so it goes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 15:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = {
    "ix_references_date_added": ["date_added"],
    "ix_references_deleted": ["deleted"],
    "ix_references_sort_authors": ["sort_authors"],
    "ix_references_sort_container": ["sort_container"],
    "ix_references_sort_title": ["sort_title"],
    "ix_references_year": ["year"],
}

_NEW = {
    "ix_references_title_order": ["deleted", "sort_title", "sort_authors", "year"],
    "ix_references_authors_order": ["deleted", "sort_authors", "year"],
    "ix_references_year_order": ["deleted", "year", "sort_authors"],
    "ix_references_container_order": ["deleted", "sort_container", "sort_authors", "year"],
    "ix_references_date_added_order": ["deleted", "date_added", "sort_authors", "year"],
}


def upgrade() -> None:
    # IF (NOT) EXISTS: an index is a cache of the table, so a library whose indexes differ from
    # 0001's (a development build's) still upgrades instead of refusing to open.
    for name in _OLD:
        op.drop_index(name, table_name="references", if_exists=True)
    for name, columns in _NEW.items():
        op.create_index(name, "references", columns, unique=False, if_not_exists=True)


def downgrade() -> None:
    for name in _NEW:
        op.drop_index(name, table_name="references", if_exists=True)
    for name, columns in _OLD.items():
        op.create_index(name, "references", columns, unique=False, if_not_exists=True)
