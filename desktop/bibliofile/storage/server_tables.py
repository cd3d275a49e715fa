"""The shape of a server library (issue 21): one shared library in a PostgreSQL database.

Separate from the local file's tables (``tables.py``) and with their own MetaData and Alembic
history (``server_migrations/``, version table ``bibliofile_server_version``): a server and a
laptop's SQLite file evolve on their own, and a local revision never has to know about the
server's. PostgreSQL only, so the types are PostgreSQL's (UUID, JSONB, timestamptz, bigserial).

Every object is keyed by a global id (a UUID made where the object was created), because the
local integer ids differ per replica. Tags are keyed by name: their gid is ``uuid5`` of the
name, so two laptops creating the tag "to-cite" offline get the same tag.

``change_log`` holds every change as a row: the object's gid, its table, the field and the new
value as JSON, a ``version`` from one sequence, who (the replica id) and when, and a tombstone
flag for deletions. Writers take one transaction-level advisory lock before they write
(``server.py``), so versions become visible in the order they were handed out and "everything
after version N" never misses a change committed late. The state tables carry the version of
their last change, so a replica can fetch whole objects changed since N as well.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Double,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from bibliofile.storage.tables import NAMING

VERSION_TABLE = "bibliofile_server_version"

server_metadata = MetaData(naming_convention=NAMING)


def _version() -> Column[int]:
    return Column("version", BigInteger, nullable=False, index=True)


# A reference: its item type, key, fields (field key -> value), unknown fields kept as written,
# and the imported source record (so an unedited entry is written back byte for byte on every
# replica, ``edited`` saying when not). ``deleted`` is the tombstone of a deleted reference.
s_references = Table(
    "references",
    server_metadata,
    Column("gid", Uuid, primary_key=True),
    Column("item_type", Text, nullable=False),
    Column("citation_key", Text, nullable=False, server_default=""),
    Column("fields", JSONB, nullable=False, server_default="{}"),
    Column("extra", JSONB, nullable=False, server_default="{}"),
    Column("source", JSONB, nullable=True),
    Column("edited", Boolean, nullable=False, server_default="false"),
    Column("deleted", Boolean, nullable=False, server_default="false"),
    _version(),
    Index("ix_references_citation_key", "citation_key"),
)

s_creators = Table(
    "creators",
    server_metadata,
    Column("reference_gid", ForeignKey("references.gid", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("role", Text, nullable=False, server_default="author"),
    Column("family", Text, nullable=False, server_default=""),
    Column("given", Text, nullable=False, server_default=""),
    Column("particle", Text, nullable=False, server_default=""),
    Column("suffix", Text, nullable=False, server_default=""),
    Column("literal", Text, nullable=False, server_default=""),
    Column("others", Boolean, nullable=False, server_default="false"),
)

s_collections = Table(
    "collections",
    server_metadata,
    Column("gid", Uuid, primary_key=True),
    Column("parent_gid", ForeignKey("collections.gid", ondelete="SET NULL"), nullable=True),
    Column("name", Text, nullable=False),
    Column("position", Integer, nullable=False, server_default="0"),
    Column("deleted", Boolean, nullable=False, server_default="false"),
    _version(),
)

s_collection_items = Table(
    "collection_items",
    server_metadata,
    Column("collection_gid", ForeignKey("collections.gid", ondelete="CASCADE"), primary_key=True),
    Column("reference_gid", ForeignKey("references.gid", ondelete="CASCADE"), primary_key=True, index=True),
    Column("position", Integer, nullable=False, server_default="0"),
)

s_tags = Table(
    "tags",
    server_metadata,
    Column("gid", Uuid, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("colour", Text, nullable=False, server_default=""),
    _version(),
)

s_reference_tags = Table(
    "reference_tags",
    server_metadata,
    Column("reference_gid", ForeignKey("references.gid", ondelete="CASCADE"), primary_key=True),
    Column("tag_gid", ForeignKey("tags.gid", ondelete="CASCADE"), primary_key=True, index=True),
)

s_notes = Table(
    "notes",
    server_metadata,
    Column("reference_gid", ForeignKey("references.gid", ondelete="CASCADE"), primary_key=True),
    Column("html", Text, nullable=False, server_default=""),
    Column("text", Text, nullable=False, server_default=""),
)

s_reading = Table(
    "reading_state",
    server_metadata,
    Column("reference_gid", ForeignKey("references.gid", ondelete="CASCADE"), primary_key=True),
    Column("read_status", Text, nullable=False, server_default=""),
    Column("priority", Integer, nullable=False, server_default="0"),
    Column("rating", Integer, nullable=False, server_default="0"),
    Column("date_read", Text, nullable=False, server_default=""),
)

# What a replica needs to find or fetch an attachment: never the file's contents.
s_attachments = Table(
    "attachments",
    server_metadata,
    Column("gid", Uuid, primary_key=True),
    Column("reference_gid", ForeignKey("references.gid", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", Text, nullable=False, server_default="linked"),
    Column("path", Text, nullable=False),
    Column("original_name", Text, nullable=False, server_default=""),
    Column("size", BigInteger, nullable=False, server_default="0"),
    Column("mtime", Double, nullable=False, server_default="0"),
    Column("sha256", Text, nullable=False, server_default=""),
    Column("content_type", Text, nullable=False, server_default=""),
    Column("position", Integer, nullable=False, server_default="0"),
    Column("deleted", Boolean, nullable=False, server_default="false"),
    _version(),
)

change_log = Table(
    "change_log",
    server_metadata,
    Column("version", BigInteger, Identity(always=False), primary_key=True),
    Column("object_gid", Uuid, nullable=False),
    Column("table_name", Text, nullable=False),
    Column("field", Text, nullable=False, server_default=""),
    Column("value", JSONB(none_as_null=True), nullable=True),
    Column("tombstone", Boolean, nullable=False, server_default="false"),
    Column("author", Text, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_change_log_object_gid_version", "object_gid", "version"),
)
