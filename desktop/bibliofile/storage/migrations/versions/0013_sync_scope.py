"""What syncs with each server (issue 21): ``sync_state.scope_json``.

NULL is the whole library, as every library synced before; a JSON list of collection global ids
makes the server a group library that receives only those collections (and what is under them)
and their references (``storage/sync_scope.py``). A nullable column added: no row is rewritten.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 11:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bibliofile.storage import sync_triggers

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sync_state", sa.Column("scope_json", sa.Text(), nullable=True))


def downgrade() -> None:
    # The batch copies sync_state to a new table, which the sync_dirty triggers name: they are
    # dropped meanwhile and made again.
    bind = op.get_bind()
    sync_triggers.drop_triggers(bind)
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("scope_json")
    sync_triggers.create_triggers(bind)
