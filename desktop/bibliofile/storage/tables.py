"""The shape of a library file as SQLAlchemy Core tables: what the running app reads and writes.

The app never loads ORM objects (see docs/architecture.md, "The big table"): searches, pages of rows,
imports and edits all go through these tables with Core statements. The typed ORM mappings of
the same tables live in ``schema.py`` for Alembic and for code that wants mapped classes; they
are kept out of the start-up path because importing ``sqlalchemy.orm`` and building declarative
classes cost ~165 ms of a ~800 ms launch (ADR 0010). Denormalised columns (``authors_display``,
``sort_*``, ``year``) exist so the table can sort and page with an index instead of in Python.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

# One import of one file: lets an export put entries back in file order with their blocks.
imports_t = Table(
    "import_sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file", Text, nullable=False, default=""),
    Column("format", String(32), nullable=False, default="bibtex"),
    Column("encoding", String(32), nullable=False, default="utf-8"),
    Column("imported_at", DateTime, nullable=False),
)

references_t = Table(
    "references",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_type", String(40), nullable=False, index=True),
    Column("citation_key", Text, nullable=False, default="", index=True),
    Column("title", Text, nullable=False, default=""),
    Column("container_title", Text, nullable=False, default=""),
    Column("date", String(40), nullable=False, default=""),
    Column("year", Integer, nullable=True),
    Column("authors_display", Text, nullable=False, default=""),
    Column("doi", Text, nullable=False, default=""),
    Column("pages", Text, nullable=False, default=""),
    Column("status", Text, nullable=False, default=""),
    Column("sort_title", Text, nullable=False, default=""),
    Column("sort_authors", Text, nullable=False, default=""),
    Column("sort_container", Text, nullable=False, default=""),
    Column("fields_json", Text, nullable=False, default="{}"),
    Column("extra_json", Text, nullable=False, default="{}"),
    Column("date_added", DateTime, nullable=False),
    Column("date_modified", DateTime, nullable=False),
    Column("edited", Boolean, nullable=False, default=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("import_id", ForeignKey("import_sources.id", ondelete="SET NULL"), nullable=True),
    Column("position", Integer, nullable=False, default=0),
    Column("source_format", String(32), nullable=False, default=""),
    Column("source_text", Text, nullable=False, default=""),
    Column("source_entry_type", Text, nullable=False, default=""),
    Column("source_fields_json", Text, nullable=False, default="[]"),
    Column("source_file", Text, nullable=False, default=""),
    Column("source_line", Integer, nullable=False, default=0),
    Column("source_prefix", Text, nullable=False, default=""),
    # Reading state (migration 0004): the reader's own, never exported and never marking the
    # entry edited. Server defaults, because imports insert rows without naming these columns.
    Column("read_status", Text, nullable=False, default="", server_default=""),
    Column("priority", Integer, nullable=False, default=0, server_default="0"),
    Column("rating", Integer, nullable=False, default=0, server_default="0"),
    Column("date_read", String(10), nullable=False, default="", server_default=""),
    # The table's default sorts read these in order, filtering ``deleted`` inside the index:
    # ``Library.search`` keeps full-text searches off them (they go by the FTS hits' rowids).
    # No index on ``deleted`` alone: half the library on each value helps no query, and it
    # misled the planner into reading every row of the library for a text search.
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
    # An auto-export's outline (migration 0007, issue 20): file order and what says whether each
    # entry changed, read from this index alone, in its order. From the table it meant reading
    # past every entry's text; led by ``deleted``, the planner took a sort index instead (100 ms
    # instead of 45 at 20k references), so the trash is filtered after reading.
    Index(
        "ix_references_export_outline",
        "import_id", "position", "id", "deleted", "date_modified", "edited", "source_format", "citation_key",
    ),
)

creators_t = Table(
    "creators",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference_id", ForeignKey("references.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("role", String(40), nullable=False, default="author"),
    Column("family", Text, nullable=False, default=""),
    Column("given", Text, nullable=False, default=""),
    Column("particle", Text, nullable=False, default=""),
    Column("suffix", Text, nullable=False, default=""),
    Column("literal", Text, nullable=False, default=""),
    Column("others", Boolean, nullable=False, default=False),
)

# @string/@preamble/@comment and unparseable blocks of an imported file, kept verbatim.
blocks_t = Table(
    "blocks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("import_id", ForeignKey("import_sources.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("prefix", Text, nullable=False, default=""),
    Column("line", Integer, nullable=False, default=0),
    Index("ix_blocks_import_position", "import_id", "position"),
)

collections_t = Table(
    "collections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("parent_id", ForeignKey("collections.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("name", Text, nullable=False),
    Column("position", Integer, nullable=False, default=0),
)

collection_items_t = Table(
    "collection_items",
    metadata,
    Column("collection_id", ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True),
    Column("reference_id", ForeignKey("references.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("position", Integer, nullable=False, default=0),
)

tags_t = Table(
    "tags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("colour", String(16), nullable=False, default=""),
)

reference_tags_t = Table(
    "reference_tags",
    metadata,
    Column("reference_id", ForeignKey("references.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# The reader's note on a reference: rich text (HTML) and its plain text, which is also in the
# full-text index's ``notes`` column so notes are searchable.
notes_t = Table(
    "notes",
    metadata,
    Column("reference_id", ForeignKey("references.id", ondelete="CASCADE"), primary_key=True),
    Column("html", Text, nullable=False, default=""),
    Column("text", Text, nullable=False, default=""),
    Column("modified", DateTime, nullable=False),
)

# A search-field query kept under a name (a smart collection, re-run as the library changes).
saved_searches_t = Table(
    "saved_searches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("query", Text, nullable=False),
    Column("position", Integer, nullable=False, default=0),
)

# A pair the user said is not a duplicate (smaller id first), so scans stop proposing it.
not_duplicates_t = Table(
    "not_duplicates",
    metadata,
    Column("first_id", ForeignKey("references.id", ondelete="CASCADE"), primary_key=True),
    Column("second_id", ForeignKey("references.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# Identifiers and references waiting for an online lookup (migration 0005, issue 18): a
# placeholder added while offline, or a reference to complete. One row per reference; the
# reference holds what is known (its title says "To look up: DOI …"), the row why it waits
# and when to try again. ``next_try`` NULL: not retried by itself (the identifier was not found);
# ``bibliofile lookup --pending`` still tries it.
lookup_queue_t = Table(
    "lookup_queue",
    metadata,
    Column("reference_id", ForeignKey("references.id", ondelete="CASCADE"), primary_key=True),
    Column("identifier", Text, nullable=False, default=""),
    Column("action", String(16), nullable=False, default="add"),
    Column("reason", Text, nullable=False, default=""),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_try", DateTime, nullable=True),
    Column("added", DateTime, nullable=False),
    Index("ix_lookup_queue_next_try", "next_try"),
)

# Files of a reference (migration 0006, issue 19). ``kind`` "linked": ``path`` is where the user
# keeps the file, relative to the base folder (setting attachments/base_folder) when inside it
# (so a library moves between machines), else absolute; "stored": a copy in the library's own
# folder ``<library>.files/``, ``path`` relative to it. Size, mtime and sha256 say whether the
# file changed (the full-text index will re-read only those); ``last_page_read`` is the reader's.
attachments_t = Table(
    "attachments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference_id", ForeignKey("references.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(8), nullable=False, default="linked"),
    Column("path", Text, nullable=False),
    Column("original_name", Text, nullable=False, default=""),
    Column("size", BigInteger, nullable=False, default=0),
    Column("mtime", Float, nullable=False, default=0.0),
    Column("sha256", String(64), nullable=False, default=""),
    Column("content_type", Text, nullable=False, default=""),
    Column("added", DateTime, nullable=False),
    Column("last_page_read", Integer, nullable=True),
    Column("position", Integer, nullable=False, default=0),
)

# Pages of an attachment the built-in reader has shown (migration 0010, issue 19): ranges such as
# "1-12,15" and the file's page count, for "12 of 20 pages". A table of its own, so passive
# reading never rewrites the attachment rows sync compares; gone with its attachment.
reading_progress_t = Table(
    "reading_progress",
    metadata,
    Column("attachment_id", ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True),
    Column("pages_seen", Text, nullable=False, default=""),
    Column("page_count", Integer, nullable=False, default=0),
)

# Files kept up to date with a selection of the library (migration 0007, issue 20): BibTeX,
# BibLaTeX or CSL-JSON rewritten after each change. ``scope`` is "library", "collection" (its id,
# NULL once the collection is deleted, and its name for messages) or "query". ``written_*`` say
# what we last wrote there, so a file changed by another program is kept aside, not overwritten.
autoexports_t = Table(
    "autoexports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("path", Text, nullable=False, unique=True),
    Column("format", String(16), nullable=False, default="bibtex"),
    Column("scope", String(16), nullable=False, default="library"),
    Column("collection_id", ForeignKey("collections.id", ondelete="SET NULL"), nullable=True),
    Column("collection_name", Text, nullable=False, default=""),
    Column("query", Text, nullable=False, default=""),
    Column("added", DateTime, nullable=False),
    Column("written_at", DateTime, nullable=True),
    Column("written_size", BigInteger, nullable=True),
    Column("written_mtime_ns", BigInteger, nullable=True),
    Column("written_sha256", String(64), nullable=False, default=""),
    Column("last_error", Text, nullable=False, default=""),
    Column("cache_context", String(64), nullable=False, default=""),
)

# Formatted text of the entries an auto-export wrote, so the next rewrite formats only what
# changed (entries written verbatim from their imported text are not kept: the library holds
# them). ``stamp`` is the reference's date_modified when formatted; ``trusted`` is false when it
# was formatted within that same second (a later edit in that second would keep the stamp).
autoexport_entries_t = Table(
    "autoexport_entries",
    metadata,
    Column("autoexport_id", ForeignKey("autoexports.id", ondelete="CASCADE"), primary_key=True),
    Column("reference_id", Integer, primary_key=True),
    Column("stamp", DateTime, nullable=False),
    Column("trusted", Boolean, nullable=False, default=False),
    Column("kept", Boolean, nullable=False, default=False),
    Column("prefix", Text, nullable=False, default=""),
    Column("body", Text, nullable=False, default=""),
    Column("item_id", Text, nullable=False, default=""),
    Column("parents", Boolean, nullable=False, default=False),
)

# What the full-text index holds of each attachment (migration 0008, issue 19): the file's
# size, mtime and sha256 when its text was read (a changed file is read again, a touched one
# only re-hashed), its page count, how many pages are in the index (a restart resumes there)
# and the outcome: "indexing" (part done), "done", "scanned" (pages without text: no OCR),
# "failed" (``message`` says why). The pages' text is in the FTS5 table ``fulltext_fts``.
fulltext_files_t = Table(
    "fulltext_files",
    metadata,
    Column("attachment_id", ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True),
    Column("size", BigInteger, nullable=False, default=0),
    Column("mtime", Float, nullable=False, default=0.0),
    Column("sha256", String(64), nullable=False, default=""),
    Column("pages", Integer, nullable=False, default=0),
    Column("pages_done", Integer, nullable=False, default=0),
    Column("status", String(16), nullable=False, default=""),
    Column("message", Text, nullable=False, default=""),
    Column("indexed_at", DateTime, nullable=True),
)

# Sync (migration 0009, issue 21). Each synced object's global id: a UUID made where the object
# was created, the same on every replica (local integer ids differ per replica). A table per
# kind rather than a column, so the upgrade rewrites no existing table; rows go with their object
# (CASCADE), and a deleted object is found at the next sync as a base snapshot without a row here.
reference_gids_t = Table(
    "reference_gids",
    metadata,
    Column("reference_id", ForeignKey("references.id", ondelete="CASCADE"), primary_key=True),
    Column("gid", String(36), nullable=False, unique=True),
)

collection_gids_t = Table(
    "collection_gids",
    metadata,
    Column("collection_id", ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True),
    Column("gid", String(36), nullable=False, unique=True),
)

attachment_gids_t = Table(
    "attachment_gids",
    metadata,
    Column("attachment_id", ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True),
    Column("gid", String(36), nullable=False, unique=True),
)

# One row per server this library syncs with: its address without any password (the password
# comes from the environment, ~/.pgpass or the keyring), this replica's id as the change log's
# author, and the last change-log version pulled from there.
sync_state_t = Table(
    "sync_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("server_url", Text, nullable=False, unique=True),
    Column("replica_id", String(36), nullable=False),
    Column("last_pulled_version", BigInteger, nullable=False, default=0),
    Column("last_synced", DateTime, nullable=True),
    # What syncs with it (migration 0013): NULL the whole library, else a JSON list of the global
    # ids of the chosen collections (a group library; ``storage/sync_scope.py``).
    Column("scope_json", Text, nullable=True),
)

# The base of the three-way merge: each synced object as it was when this replica and that server
# last agreed (model.sync_snapshot's fields, as JSON), and the server version it had then.
sync_bases_t = Table(
    "sync_bases",
    metadata,
    Column("sync_id", ForeignKey("sync_state.id", ondelete="CASCADE"), primary_key=True),
    Column("gid", String(36), primary_key=True),
    Column("kind", String(16), nullable=False, default="reference"),
    Column("version", BigInteger, nullable=False, default=0),
    Column("snapshot_json", Text, nullable=False, default="{}"),
)

# References changed since each server's last sync (migration 0012, issue 21), written by the
# triggers of ``sync_triggers.py``: kind "reference" names a local reference (no foreign key: the
# mark outlives a reference deleted for good), "deleted" the global id of one deleted for good,
# "everything" (reference 0) says the marks cannot be trusted, so the next sync compares every
# reference (a library that synced before the marks existed). A sync reads and clears its
# server's marks in the transaction that stores the new bases; they go with the server (CASCADE).
sync_dirty_t = Table(
    "sync_dirty",
    metadata,
    Column("sync_id", ForeignKey("sync_state.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("reference_id", Integer, primary_key=True, autoincrement=False),
    Column("gid", String(36), primary_key=True, default=""),
)

# Highlights and notes already in an attached PDF (migration 0011, issue 19), as PDFium read them
# (page from 0, kind, the text under a markup, its comment and author), and for which file they
# were read (size and mtime): derived data, read again when the file changes; gone with it.
pdf_annotations_t = Table(
    "pdf_annotations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("attachment_id", ForeignKey("attachments.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("page", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("comment", Text, nullable=False, default=""),
    Column("author", Text, nullable=False, default=""),
)

annotation_files_t = Table(
    "annotation_files",
    metadata,
    Column("attachment_id", ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("mtime", Float, nullable=False),
    Column("message", Text, nullable=False, default=""),
)
