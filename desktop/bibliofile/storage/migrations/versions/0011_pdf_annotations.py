"""Annotations already in attached PDFs (issue 19): highlights, underlines, notes and the like,
with their page, text and comment, and the size and mtime of the file they were read from.

New tables only: an upgrade keeps every attachment as it was; a file's annotations are read the
first time its reference is shown (and again when the file changes). Both go with their
attachment.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pdf_annotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_pdf_annotations_attachment_id_attachments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pdf_annotations")),
    )
    with op.batch_alter_table("pdf_annotations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pdf_annotations_attachment_id"), ["attachment_id"], unique=False)
    op.create_table(
        "annotation_files",
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_annotation_files_attachment_id_attachments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attachment_id", name=op.f("pk_annotation_files")),
    )


def downgrade() -> None:
    op.drop_table("annotation_files")
    with op.batch_alter_table("pdf_annotations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pdf_annotations_attachment_id"))
    op.drop_table("pdf_annotations")
