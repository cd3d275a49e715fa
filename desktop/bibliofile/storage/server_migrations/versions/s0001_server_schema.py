"""The first server library schema (issue 21): the shared library's objects and its change log.

Objects are keyed by global ids (UUIDs) since each replica numbers its rows its own way; the
change log has one row per changed field with a version from one identity sequence. Revision ids
of the server's history start with "s" so they can never be mistaken for a local file's.

Revision ID: s0001
Revises:
Create Date: 2026-12-04 18:30:33
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "s0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column("version", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("object_gid", sa.Uuid(), nullable=False),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "value", postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), nullable=True
        ),
        sa.Column("tombstone", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_change_log")),
    )
    op.create_index(
        "ix_change_log_object_gid_version", "change_log", ["object_gid", "version"], unique=False
    )
    op.create_table(
        "collections",
        sa.Column("gid", sa.Uuid(), nullable=False),
        sa.Column("parent_gid", sa.Uuid(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_gid"],
            ["collections.gid"],
            name=op.f("fk_collections_parent_gid_collections"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("gid", name=op.f("pk_collections")),
    )
    op.create_index(op.f("ix_collections_version"), "collections", ["version"], unique=False)
    op.create_table(
        "references",
        sa.Column("gid", sa.Uuid(), nullable=False),
        sa.Column("item_type", sa.Text(), nullable=False),
        sa.Column("citation_key", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "fields", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "extra", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("source", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("edited", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("gid", name=op.f("pk_references")),
    )
    op.create_index("ix_references_citation_key", "references", ["citation_key"], unique=False)
    op.create_index(op.f("ix_references_version"), "references", ["version"], unique=False)
    op.create_table(
        "tags",
        sa.Column("gid", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("colour", sa.Text(), server_default="", nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("gid", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )
    op.create_index(op.f("ix_tags_version"), "tags", ["version"], unique=False)
    op.create_table(
        "attachments",
        sa.Column("gid", sa.Uuid(), nullable=False),
        sa.Column("reference_gid", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), server_default="linked", nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("original_name", sa.Text(), server_default="", nullable=False),
        sa.Column("size", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("mtime", sa.Double(), server_default="0", nullable=False),
        sa.Column("sha256", sa.Text(), server_default="", nullable=False),
        sa.Column("content_type", sa.Text(), server_default="", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_gid"],
            ["references.gid"],
            name=op.f("fk_attachments_reference_gid_references"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("gid", name=op.f("pk_attachments")),
    )
    op.create_index(
        op.f("ix_attachments_reference_gid"), "attachments", ["reference_gid"], unique=False
    )
    op.create_index(op.f("ix_attachments_version"), "attachments", ["version"], unique=False)
    op.create_table(
        "collection_items",
        sa.Column("collection_gid", sa.Uuid(), nullable=False),
        sa.Column("reference_gid", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_gid"],
            ["collections.gid"],
            name=op.f("fk_collection_items_collection_gid_collections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reference_gid"],
            ["references.gid"],
            name=op.f("fk_collection_items_reference_gid_references"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "collection_gid", "reference_gid", name=op.f("pk_collection_items")
        ),
    )
    op.create_index(
        op.f("ix_collection_items_reference_gid"),
        "collection_items",
        ["reference_gid"],
        unique=False,
    )
    op.create_table(
        "creators",
        sa.Column("reference_gid", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.Text(), server_default="author", nullable=False),
        sa.Column("family", sa.Text(), server_default="", nullable=False),
        sa.Column("given", sa.Text(), server_default="", nullable=False),
        sa.Column("particle", sa.Text(), server_default="", nullable=False),
        sa.Column("suffix", sa.Text(), server_default="", nullable=False),
        sa.Column("literal", sa.Text(), server_default="", nullable=False),
        sa.Column("others", sa.Boolean(), server_default="false", nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_gid"],
            ["references.gid"],
            name=op.f("fk_creators_reference_gid_references"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reference_gid", "position", name=op.f("pk_creators")),
    )
    op.create_table(
        "notes",
        sa.Column("reference_gid", sa.Uuid(), nullable=False),
        sa.Column("html", sa.Text(), server_default="", nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_gid"],
            ["references.gid"],
            name=op.f("fk_notes_reference_gid_references"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reference_gid", name=op.f("pk_notes")),
    )
    op.create_table(
        "reading_state",
        sa.Column("reference_gid", sa.Uuid(), nullable=False),
        sa.Column("read_status", sa.Text(), server_default="", nullable=False),
        sa.Column("priority", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rating", sa.Integer(), server_default="0", nullable=False),
        sa.Column("date_read", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_gid"],
            ["references.gid"],
            name=op.f("fk_reading_state_reference_gid_references"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reference_gid", name=op.f("pk_reading_state")),
    )
    op.create_table(
        "reference_tags",
        sa.Column("reference_gid", sa.Uuid(), nullable=False),
        sa.Column("tag_gid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_gid"],
            ["references.gid"],
            name=op.f("fk_reference_tags_reference_gid_references"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_gid"],
            ["tags.gid"],
            name=op.f("fk_reference_tags_tag_gid_tags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reference_gid", "tag_gid", name=op.f("pk_reference_tags")),
    )
    op.create_index(op.f("ix_reference_tags_tag_gid"), "reference_tags", ["tag_gid"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_reference_tags_tag_gid"), table_name="reference_tags")
    op.drop_table("reference_tags")
    op.drop_table("reading_state")
    op.drop_table("notes")
    op.drop_table("creators")
    op.drop_index(op.f("ix_collection_items_reference_gid"), table_name="collection_items")
    op.drop_table("collection_items")
    op.drop_index(op.f("ix_attachments_version"), table_name="attachments")
    op.drop_index(op.f("ix_attachments_reference_gid"), table_name="attachments")
    op.drop_table("attachments")
    op.drop_index(op.f("ix_tags_version"), table_name="tags")
    op.drop_table("tags")
    op.drop_index(op.f("ix_references_version"), table_name="references")
    op.drop_index("ix_references_citation_key", table_name="references")
    op.drop_table("references")
    op.drop_index(op.f("ix_collections_version"), table_name="collections")
    op.drop_table("collections")
    op.drop_index("ix_change_log_object_gid_version", table_name="change_log")
    op.drop_table("change_log")
