"""Full-text index with 1- and 2-letter prefix indexes, so the first keys of a search are fast.

The FTS5 table is re-created with ``prefix = '1 2'`` and its rows copied over (about 5 s at
100k references), in the upgrade's one transaction.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 16:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from bibliofile.storage import search_fts5

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    search_fts5.rebuild_index(op.get_bind(), search_fts5.PREFIXES)


def downgrade() -> None:
    search_fts5.rebuild_index(op.get_bind(), None)
