"""SQLAlchemy 2.0 typed mappings of the library's tables (declarative with imperative tables).

The columns are defined once, as Core tables in ``tables.py``, which is all the running app
imports (ADR 0010: ``sqlalchemy.orm`` and declarative class building cost ~165 ms at launch).
These classes map the same tables with typed attributes: Alembic compares migrations against
``Base.metadata`` (the very same MetaData), and code that wants ORM objects (a script, a
future sync service) gets ``Mapped[...]`` types that mypy checks. ``tests/unit/storage``
checks that every column has its typed attribute.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import DeclarativeBase, Mapped

from bibliofile.storage.tables import (
    annotation_files_t,
    attachment_gids_t,
    attachments_t,
    autoexport_entries_t,
    autoexports_t,
    blocks_t,
    collection_gids_t,
    collection_items_t,
    collections_t,
    creators_t,
    fulltext_files_t,
    imports_t,
    lookup_queue_t,
    metadata,
    not_duplicates_t,
    notes_t,
    pdf_annotations_t,
    reading_progress_t,
    reference_gids_t,
    reference_tags_t,
    references_t,
    saved_searches_t,
    sync_bases_t,
    sync_dirty_t,
    sync_state_t,
    tags_t,
)

__all__ = [
    "AttachmentRow",
    "AutoExportEntryRow",
    "AutoExportRow",
    "Base",
    "BlockRow",
    "CollectionItemRow",
    "CollectionRow",
    "CreatorRow",
    "FullTextFileRow",
    "ImportSource",
    "LookupQueueRow",
    "NotDuplicateRow",
    "NoteRow",
    "ReferenceRow",
    "ReferenceTagRow",
    "SavedSearchRow",
    "TagRow",
    "attachments_t",
    "autoexport_entries_t",
    "autoexports_t",
    "blocks_t",
    "collection_items_t",
    "collections_t",
    "creators_t",
    "fulltext_files_t",
    "imports_t",
    "lookup_queue_t",
    "not_duplicates_t",
    "notes_t",
    "reference_tags_t",
    "references_t",
    "saved_searches_t",
    "tags_t",
]


class Base(DeclarativeBase):
    metadata = metadata


class ImportSource(Base):
    """One import of one file: lets an export put entries back in file order with their blocks."""

    __table__ = imports_t
    id: Mapped[int]
    file: Mapped[str]
    format: Mapped[str]
    encoding: Mapped[str]
    imported_at: Mapped[datetime]


class ReferenceRow(Base):
    __table__ = references_t
    id: Mapped[int]
    item_type: Mapped[str]
    citation_key: Mapped[str]
    title: Mapped[str]
    container_title: Mapped[str]
    date: Mapped[str]
    year: Mapped[int | None]
    authors_display: Mapped[str]
    doi: Mapped[str]
    pages: Mapped[str]
    status: Mapped[str]
    sort_title: Mapped[str]
    sort_authors: Mapped[str]
    sort_container: Mapped[str]
    fields_json: Mapped[str]
    extra_json: Mapped[str]
    date_added: Mapped[datetime]
    date_modified: Mapped[datetime]
    edited: Mapped[bool]
    deleted: Mapped[bool]
    import_id: Mapped[int | None]
    position: Mapped[int]
    source_format: Mapped[str]
    source_text: Mapped[str]
    source_entry_type: Mapped[str]
    source_fields_json: Mapped[str]
    source_file: Mapped[str]
    source_line: Mapped[int]
    source_prefix: Mapped[str]
    read_status: Mapped[str]
    priority: Mapped[int]
    rating: Mapped[int]
    date_read: Mapped[str]


class CreatorRow(Base):
    __table__ = creators_t
    id: Mapped[int]
    reference_id: Mapped[int]
    position: Mapped[int]
    role: Mapped[str]
    family: Mapped[str]
    given: Mapped[str]
    particle: Mapped[str]
    suffix: Mapped[str]
    literal: Mapped[str]
    others: Mapped[bool]


class BlockRow(Base):
    """@string/@preamble/@comment and unparseable blocks of an imported file, kept verbatim."""

    __table__ = blocks_t
    id: Mapped[int]
    import_id: Mapped[int]
    position: Mapped[int]
    kind: Mapped[str]
    text: Mapped[str]
    prefix: Mapped[str]
    line: Mapped[int]


class CollectionRow(Base):
    __table__ = collections_t
    id: Mapped[int]
    parent_id: Mapped[int | None]
    name: Mapped[str]
    position: Mapped[int]


class CollectionItemRow(Base):
    __table__ = collection_items_t
    collection_id: Mapped[int]
    reference_id: Mapped[int]
    position: Mapped[int]


class TagRow(Base):
    __table__ = tags_t
    id: Mapped[int]
    name: Mapped[str]
    colour: Mapped[str]


class ReferenceTagRow(Base):
    __table__ = reference_tags_t
    reference_id: Mapped[int]
    tag_id: Mapped[int]


class NoteRow(Base):
    """The reader's note on a reference (HTML, and its plain text for the full-text index)."""

    __table__ = notes_t
    reference_id: Mapped[int]
    html: Mapped[str]
    text: Mapped[str]
    modified: Mapped[datetime]


class SavedSearchRow(Base):
    """A search-field query kept under a name (a smart collection)."""

    __table__ = saved_searches_t
    id: Mapped[int]
    name: Mapped[str]
    query: Mapped[str]
    position: Mapped[int]


class NotDuplicateRow(Base):
    """A pair the user said is not a duplicate (smaller id first)."""

    __table__ = not_duplicates_t
    first_id: Mapped[int]
    second_id: Mapped[int]


class LookupQueueRow(Base):
    """A reference waiting for an online lookup (issue 18): its identifier, why it waits, when
    to try again."""

    __table__ = lookup_queue_t
    reference_id: Mapped[int]
    identifier: Mapped[str]
    action: Mapped[str]
    reason: Mapped[str]
    attempts: Mapped[int]
    next_try: Mapped[datetime | None]
    added: Mapped[datetime]


class AttachmentRow(Base):
    """A file of a reference (issue 19): linked where the user keeps it, or stored in the
    library's own folder."""

    __table__ = attachments_t
    id: Mapped[int]
    reference_id: Mapped[int]
    kind: Mapped[str]
    path: Mapped[str]
    original_name: Mapped[str]
    size: Mapped[int]
    mtime: Mapped[float]
    sha256: Mapped[str]
    content_type: Mapped[str]
    added: Mapped[datetime]
    last_page_read: Mapped[int | None]
    position: Mapped[int]


class AutoExportRow(Base):
    """A file kept up to date with a selection of the library (issue 20), and what was last
    written there."""

    __table__ = autoexports_t
    id: Mapped[int]
    path: Mapped[str]
    format: Mapped[str]
    scope: Mapped[str]
    collection_id: Mapped[int | None]
    collection_name: Mapped[str]
    query: Mapped[str]
    added: Mapped[datetime]
    written_at: Mapped[datetime | None]
    written_size: Mapped[int | None]
    written_mtime_ns: Mapped[int | None]
    written_sha256: Mapped[str]
    last_error: Mapped[str]
    cache_context: Mapped[str]


class AutoExportEntryRow(Base):
    """One entry's formatted text in an auto-export, reused while the reference is unchanged."""

    __table__ = autoexport_entries_t
    autoexport_id: Mapped[int]
    reference_id: Mapped[int]
    stamp: Mapped[datetime]
    trusted: Mapped[bool]
    kept: Mapped[bool]
    prefix: Mapped[str]
    body: Mapped[str]
    item_id: Mapped[str]
    parents: Mapped[bool]


class FullTextFileRow(Base):
    """What the full-text index holds of one attachment (issue 19): the file as read, pages
    indexed so far, and the outcome."""

    __table__ = fulltext_files_t
    attachment_id: Mapped[int]
    size: Mapped[int]
    mtime: Mapped[float]
    sha256: Mapped[str]
    pages: Mapped[int]
    pages_done: Mapped[int]
    status: Mapped[str]
    message: Mapped[str]
    indexed_at: Mapped[datetime | None]


class ReferenceGidRow(Base):
    """A reference's global id for sync (issue 21): the same UUID on every replica."""

    __table__ = reference_gids_t
    reference_id: Mapped[int]
    gid: Mapped[str]


class CollectionGidRow(Base):
    """A collection's global id for sync (issue 21)."""

    __table__ = collection_gids_t
    collection_id: Mapped[int]
    gid: Mapped[str]


class AttachmentGidRow(Base):
    """An attachment's global id for sync (issue 21)."""

    __table__ = attachment_gids_t
    attachment_id: Mapped[int]
    gid: Mapped[str]


class SyncStateRow(Base):
    """A server this library syncs with (address without password) and how far it has pulled."""

    __table__ = sync_state_t
    id: Mapped[int]
    server_url: Mapped[str]
    replica_id: Mapped[str]
    last_pulled_version: Mapped[int]
    last_synced: Mapped[datetime | None]
    scope_json: Mapped[str | None]  # None: the whole library; else the chosen collections' gids


class SyncBaseRow(Base):
    """The last synced version of an object: the base of the three-way merge."""

    __table__ = sync_bases_t
    sync_id: Mapped[int]
    gid: Mapped[str]
    kind: Mapped[str]
    version: Mapped[int]
    snapshot_json: Mapped[str]


class SyncDirtyRow(Base):
    """A reference changed (or deleted for good) since a server's last sync, marked by a trigger."""

    __table__ = sync_dirty_t
    sync_id: Mapped[int]
    kind: Mapped[str]
    reference_id: Mapped[int]
    gid: Mapped[str]


class ReadingProgressRow(Base):
    """The pages of one attachment the built-in reader has shown (issue 19)."""

    __table__ = reading_progress_t
    attachment_id: Mapped[int]
    pages_seen: Mapped[str]
    page_count: Mapped[int]


class PdfAnnotationRow(Base):
    """An annotation found in an attached PDF: its page, kind, text and comment (issue 19)."""

    __table__ = pdf_annotations_t
    id: Mapped[int]
    attachment_id: Mapped[int]
    page: Mapped[int]
    kind: Mapped[str]
    text: Mapped[str]
    comment: Mapped[str]
    author: Mapped[str]


class AnnotationFileRow(Base):
    """The size and mtime of a PDF when its annotations were read, so they are read again only
    when the file changes."""

    __table__ = annotation_files_t
    attachment_id: Mapped[int]
    size: Mapped[int]
    mtime: Mapped[float]
    message: Mapped[str]
