"""Sync bookkeeping (issue 21): global ids for references, collections and attachments, and state.

Sync needs an id per object that is the same on every replica (local integer ids are not), so
each existing reference, collection and attachment gets a random UUID here, in tables of their
own: no existing table is rewritten and every row is kept as it was. ``sync_state`` remembers
each server (address without password), this replica's id and the last version pulled;
``sync_bases`` the base snapshot of each synced object for the three-way merge. Both start empty.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 19:45:00
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (gid table, its id column, the table it names); the ids are filled for existing rows.
GID_TABLES = (
    ("reference_gids", "reference_id", "references"),
    ("collection_gids", "collection_id", "collections"),
    ("attachment_gids", "attachment_id", "attachments"),
)
BATCH = 5000


def upgrade() -> None:
    for name, id_column, owner in GID_TABLES:
        op.create_table(
            name,
            sa.Column(id_column, sa.Integer(), nullable=False),
            sa.Column("gid", sa.String(length=36), nullable=False),
            sa.ForeignKeyConstraint(
                [id_column], [f"{owner}.id"], name=op.f(f"fk_{name}_{id_column}_{owner}"), ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint(id_column, name=op.f(f"pk_{name}")),
            sa.UniqueConstraint("gid", name=op.f(f"uq_{name}_gid")),
        )
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_url", sa.Text(), nullable=False),
        sa.Column("replica_id", sa.String(length=36), nullable=False),
        sa.Column("last_pulled_version", sa.BigInteger(), nullable=False),
        sa.Column("last_synced", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_state")),
        sa.UniqueConstraint("server_url", name=op.f("uq_sync_state_server_url")),
    )
    op.create_table(
        "sync_bases",
        sa.Column("sync_id", sa.Integer(), nullable=False),
        sa.Column("gid", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("snapshot_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sync_id"], ["sync_state.id"], name=op.f("fk_sync_bases_sync_id_sync_state"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("sync_id", "gid", name=op.f("pk_sync_bases")),
    )
    bind = op.get_bind()
    for name, id_column, owner in GID_TABLES:
        source = sa.table(owner, sa.column("id"))
        target = sa.table(name, sa.column(id_column), sa.column("gid"))
        ids = list(bind.execute(sa.select(source.c.id).order_by(source.c.id)).scalars())
        for start in range(0, len(ids), BATCH):
            rows = [{id_column: i, "gid": str(uuid.uuid4())} for i in ids[start : start + BATCH]]
            bind.execute(sa.insert(target), rows)


def downgrade() -> None:
    op.drop_table("sync_bases")
    op.drop_table("sync_state")
    for name, _id_column, _owner in reversed(GID_TABLES):
        op.drop_table(name)
