"""Changed references marked for sync (issue 21): ``sync_dirty`` and the triggers that fill it.

A sync used to hash every reference of the library to find what changed here since the last
one (2.7 s at 100k references with nothing to do). From here on triggers mark each reference
whose synced rows change (``storage/sync_triggers.py``), once per server, and a sync reads only
those. A new table and triggers: no existing row is rewritten. A library that already syncs gets
an "everything" mark per server, since what changed before the triggers existed was not marked:
its next sync compares every reference once, as before, and then only the marked ones.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 08:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bibliofile.storage import sync_triggers

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_dirty",
        sa.Column("sync_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reference_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("gid", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["sync_id"], ["sync_state.id"], name=op.f("fk_sync_dirty_sync_id_sync_state"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("sync_id", "kind", "reference_id", "gid", name=op.f("pk_sync_dirty")),
    )
    bind = op.get_bind()
    state = sa.table("sync_state", sa.column("id"))
    dirty = sa.table("sync_dirty", sa.column("sync_id"), sa.column("kind"), sa.column("reference_id"), sa.column("gid"))
    bind.execute(
        sa.insert(dirty).from_select(
            ["sync_id", "kind", "reference_id", "gid"],
            sa.select(state.c.id, sa.literal("everything"), sa.literal(0), sa.literal("")),
        )
    )
    sync_triggers.create_triggers(bind)


def downgrade() -> None:
    sync_triggers.drop_triggers(op.get_bind())
    op.drop_table("sync_dirty")
