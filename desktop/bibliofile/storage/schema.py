"""SQLAlchemy 2.0 typed mappings: the shape of a library file.

The table view never loads these as ORM objects (see DESIGN.md, "The big table"): the mappings
define the schema and are used for single-record edits, while bulk paths use their ``__table__``
through Core. Denormalised columns (``authors_display``, ``sort_*``, ``year``) exist so the table
can sort and page in SQL with an index instead of in Python.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ImportSource(Base):
    """One import of one file: lets an export put entries back in file order with their blocks."""

    __tablename__ = "import_sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(32), default="bibtex")
    encoding: Mapped[str] = mapped_column(String(32), default="utf-8")
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class ReferenceRow(Base):
    __tablename__ = "references"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_type: Mapped[str] = mapped_column(String(40), index=True)
    citation_key: Mapped[str] = mapped_column(Text, default="", index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    container_title: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[str] = mapped_column(String(40), default="")
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    authors_display: Mapped[str] = mapped_column(Text, default="")
    doi: Mapped[str] = mapped_column(Text, default="")
    pages: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(Text, default="")
    sort_title: Mapped[str] = mapped_column(Text, default="")
    sort_authors: Mapped[str] = mapped_column(Text, default="")
    sort_container: Mapped[str] = mapped_column(Text, default="")
    fields_json: Mapped[str] = mapped_column(Text, default="{}")
    extra_json: Mapped[str] = mapped_column(Text, default="{}")
    date_added: Mapped[datetime] = mapped_column(DateTime)
    date_modified: Mapped[datetime] = mapped_column(DateTime)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_sources.id", ondelete="SET NULL"), nullable=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    source_format: Mapped[str] = mapped_column(String(32), default="")
    source_text: Mapped[str] = mapped_column(Text, default="")
    source_entry_type: Mapped[str] = mapped_column(Text, default="")
    source_fields_json: Mapped[str] = mapped_column(Text, default="[]")
    source_file: Mapped[str] = mapped_column(Text, default="")
    source_line: Mapped[int] = mapped_column(Integer, default=0)
    source_prefix: Mapped[str] = mapped_column(Text, default="")
    # Reading state (migration 0004): the reader's own, never exported and never marking the
    # entry edited. Server defaults, because imports insert rows without naming these columns.
    read_status: Mapped[str] = mapped_column(Text, default="", server_default="")
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rating: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    date_read: Mapped[str] = mapped_column(String(10), default="", server_default="")

    # The table's default sorts read these in order, filtering ``deleted`` inside the index:
    # ``Library.search`` keeps full-text searches off them (they go by the FTS hits' rowids).
    # No index on ``deleted`` alone: half the library on each value helps no query, and it
    # misled the planner into reading every row of the library for a text search.
    __table_args__ = (
        Index("ix_references_import_position", "import_id", "position"),
        Index("ix_references_title_order", "deleted", "sort_title", "sort_authors", "year"),
        Index("ix_references_authors_order", "deleted", "sort_authors", "year"),
        Index("ix_references_year_order", "deleted", "year", "sort_authors"),
        Index("ix_references_container_order", "deleted", "sort_container", "sort_authors", "year"),
        Index("ix_references_date_added_order", "deleted", "date_added", "sort_authors", "year"),
        Index("ix_references_read_status_order", "deleted", "read_status"),
        Index("ix_references_priority_order", "deleted", "priority"),
        Index("ix_references_rating_order", "deleted", "rating"),
        Index("ix_references_date_read_order", "deleted", "date_read"),
    )


class CreatorRow(Base):
    __tablename__ = "creators"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference_id: Mapped[int] = mapped_column(
        ForeignKey("references.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(40), default="author")
    family: Mapped[str] = mapped_column(Text, default="")
    given: Mapped[str] = mapped_column(Text, default="")
    particle: Mapped[str] = mapped_column(Text, default="")
    suffix: Mapped[str] = mapped_column(Text, default="")
    literal: Mapped[str] = mapped_column(Text, default="")
    others: Mapped[bool] = mapped_column(Boolean, default=False)


class BlockRow(Base):
    """@string/@preamble/@comment and unparseable blocks of an imported file, kept verbatim."""

    __tablename__ = "blocks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_sources.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(Text, default="")
    line: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_blocks_import_position", "import_id", "position"),)


class CollectionRow(Base):
    __tablename__ = "collections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), nullable=True, index=True
    )
    name: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)


class CollectionItemRow(Base):
    __tablename__ = "collection_items"
    collection_id: Mapped[int] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True
    )
    reference_id: Mapped[int] = mapped_column(
        ForeignKey("references.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class TagRow(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    colour: Mapped[str] = mapped_column(String(16), default="")


class ReferenceTagRow(Base):
    __tablename__ = "reference_tags"
    reference_id: Mapped[int] = mapped_column(
        ForeignKey("references.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class NoteRow(Base):
    """The reader's note on a reference: rich text (HTML) and its plain text, which is also in
    the full-text index's ``notes`` column so notes are searchable."""

    __tablename__ = "notes"
    reference_id: Mapped[int] = mapped_column(
        ForeignKey("references.id", ondelete="CASCADE"), primary_key=True
    )
    html: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    modified: Mapped[datetime] = mapped_column(DateTime)


class SavedSearchRow(Base):
    """A search-field query kept under a name (a smart collection, re-run as the library changes)."""

    __tablename__ = "saved_searches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    query: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)


class NotDuplicateRow(Base):
    """A pair the user said is not a duplicate (smaller id first), so scans stop proposing it."""

    __tablename__ = "not_duplicates"
    first_id: Mapped[int] = mapped_column(
        ForeignKey("references.id", ondelete="CASCADE"), primary_key=True
    )
    second_id: Mapped[int] = mapped_column(
        ForeignKey("references.id", ondelete="CASCADE"), primary_key=True, index=True
    )


references_t = cast(Table, ReferenceRow.__table__)
creators_t = cast(Table, CreatorRow.__table__)
blocks_t = cast(Table, BlockRow.__table__)
imports_t = cast(Table, ImportSource.__table__)
collections_t = cast(Table, CollectionRow.__table__)
collection_items_t = cast(Table, CollectionItemRow.__table__)
tags_t = cast(Table, TagRow.__table__)
reference_tags_t = cast(Table, ReferenceTagRow.__table__)
notes_t = cast(Table, NoteRow.__table__)
saved_searches_t = cast(Table, SavedSearchRow.__table__)
not_duplicates_t = cast(Table, NotDuplicateRow.__table__)
