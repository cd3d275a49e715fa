"""The SQLite triggers that keep ``sync_dirty`` (migration 0012, issue 21): which references
changed since each server's last sync, so a sync reads those and not the whole library.

Every write that changes what a reference's snapshot is built from (``model.sync_snapshot``: its
row's synced columns, creators, tags and a tag's name, collection membership and a collection's
global id, its note, reading state, the trash) marks the reference once per server this library
syncs with; a reference deleted for good leaves its global id (kind ``deleted``), since its rows
are gone. Triggers rather than calls in each write path: an edit added later, an undo, a
cascade or a repair cannot forget to mark. A library that syncs with no server pays a look at the
empty ``sync_state`` per row and writes nothing.

The one module holding this SQLite-only SQL (as ``fulltext_fts5.py`` holds the pages' trigger);
statements are ``DDL`` constructs, run only on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import DDL, Connection, exists, func, insert, literal, select

from bibliofile.storage.tables import references_t, sync_dirty_t, sync_state_t

__all__ = ["TRIGGERS", "create_triggers", "drop_triggers", "mark_added_after", "suspended"]

# The columns of "references" a snapshot reads (sync_replica._DIGEST_COLUMNS) and the trash flag.
SYNCED_COLUMNS = (
    "item_type", "citation_key", "edited", "deleted", "fields_json", "extra_json", "source_format", "source_text",
    "source_entry_type", "source_fields_json", "source_file", "source_line", "source_prefix",
    "read_status", "priority", "rating", "date_read",
)


def _mark(reference: str, join: str = "") -> str:
    """Mark ``reference`` (an expression, perhaps of ``join``'s rows) dirty for every server,
    once: NOT EXISTS instead of INSERT OR IGNORE, whose policy an outer OR REPLACE would override."""
    return (
        "INSERT INTO sync_dirty (sync_id, kind, reference_id, gid) "
        f"SELECT s.id, 'reference', {reference}, '' FROM sync_state AS s{join} "
        "WHERE NOT EXISTS (SELECT 1 FROM sync_dirty AS d WHERE d.sync_id = s.id AND d.kind = 'reference' "
        f"AND d.reference_id = {reference} AND d.gid = '');"
    )


def _gone(gid: str) -> str:
    return (
        "INSERT INTO sync_dirty (sync_id, kind, reference_id, gid) "
        f"SELECT s.id, 'deleted', 0, {gid} FROM sync_state AS s "
        "WHERE NOT EXISTS (SELECT 1 FROM sync_dirty AS d WHERE d.sync_id = s.id AND d.kind = 'deleted' "
        f"AND d.reference_id = 0 AND d.gid = {gid});"
    )


def _members(collection: str) -> str:
    return _mark("ci.reference_id", f" JOIN collection_items AS ci ON ci.collection_id = {collection}")


# trigger name -> (when, statements)
TRIGGERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "sync_dirty_reference_insert": ('AFTER INSERT ON "references"', (_mark("NEW.id"),)),
    "sync_dirty_reference_update": (
        f'AFTER UPDATE OF {", ".join(SYNCED_COLUMNS)} ON "references"', (_mark("NEW.id"),)
    ),
    "sync_dirty_reference_delete": ('AFTER DELETE ON "references"', (_mark("OLD.id"),)),
    "sync_dirty_creator_insert": ("AFTER INSERT ON creators", (_mark("NEW.reference_id"),)),
    "sync_dirty_creator_update": ("AFTER UPDATE ON creators", (_mark("NEW.reference_id"), _mark("OLD.reference_id"))),
    "sync_dirty_creator_delete": ("AFTER DELETE ON creators", (_mark("OLD.reference_id"),)),
    "sync_dirty_tagged_insert": ("AFTER INSERT ON reference_tags", (_mark("NEW.reference_id"),)),
    "sync_dirty_tagged_update": (
        "AFTER UPDATE ON reference_tags", (_mark("NEW.reference_id"), _mark("OLD.reference_id"))
    ),
    "sync_dirty_tagged_delete": ("AFTER DELETE ON reference_tags", (_mark("OLD.reference_id"),)),
    "sync_dirty_tag_rename": (
        "AFTER UPDATE OF name ON tags",
        (_mark("rt.reference_id", " JOIN reference_tags AS rt ON rt.tag_id = NEW.id"),),
    ),
    "sync_dirty_member_insert": ("AFTER INSERT ON collection_items", (_mark("NEW.reference_id"),)),
    "sync_dirty_member_update": (
        "AFTER UPDATE OF collection_id, reference_id ON collection_items",
        (_mark("NEW.reference_id"), _mark("OLD.reference_id")),
    ),
    "sync_dirty_member_delete": ("AFTER DELETE ON collection_items", (_mark("OLD.reference_id"),)),
    # A reference names its collections by global id: members change when one is given or loses it.
    "sync_dirty_collection_gid_insert": ("AFTER INSERT ON collection_gids", (_members("NEW.collection_id"),)),
    "sync_dirty_collection_gid_update": (
        "AFTER UPDATE ON collection_gids", (_members("NEW.collection_id"), _members("OLD.collection_id"))
    ),
    "sync_dirty_collection_gid_delete": ("AFTER DELETE ON collection_gids", (_members("OLD.collection_id"),)),
    "sync_dirty_note_insert": ("AFTER INSERT ON notes", (_mark("NEW.reference_id"),)),
    "sync_dirty_note_update": ("AFTER UPDATE ON notes", (_mark("NEW.reference_id"), _mark("OLD.reference_id"))),
    "sync_dirty_note_delete": ("AFTER DELETE ON notes", (_mark("OLD.reference_id"),)),
    # Deleted for good (also by a cascade): only the global id says which object to tombstone.
    "sync_dirty_gid_insert": ("AFTER INSERT ON reference_gids", (_mark("NEW.reference_id"),)),
    "sync_dirty_gid_update": ("AFTER UPDATE ON reference_gids", (_gone("OLD.gid"), _mark("NEW.reference_id"))),
    "sync_dirty_gid_delete": ("AFTER DELETE ON reference_gids", (_gone("OLD.gid"),)),
}


def create_triggers(conn: Connection) -> None:
    """Create every trigger (those already there are kept)."""
    if conn.dialect.name != "sqlite":
        return
    for name, (when, statements) in TRIGGERS.items():
        conn.execute(DDL(f"CREATE TRIGGER IF NOT EXISTS {name} {when} BEGIN {' '.join(statements)} END"))  # type: ignore[no-untyped-call]


def drop_triggers(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        conn.execute(DDL(f"DROP TRIGGER IF EXISTS {name}"))  # type: ignore[no-untyped-call]


def mark_added_after(conn: Connection, largest_before: int) -> None:
    """Mark every reference with an id above ``largest_before`` for every server, in one
    INSERT … SELECT (none when the library syncs with no server)."""
    R, S, D = references_t.c, sync_state_t.c, sync_dirty_t.c
    if conn.execute(select(S.id).limit(1)).first() is None:
        # No server: nothing to mark, and SQLite would still walk the new references for the
        # join (0.04-0.15 s at the end of a 100k import, where one core is idle).
        return
    marked = exists().where(D.sync_id == S.id, D.kind == "reference", D.reference_id == R.id, D.gid == "")
    conn.execute(
        insert(sync_dirty_t).from_select(
            ["sync_id", "kind", "reference_id", "gid"],
            select(S.id, literal("reference"), R.id, literal(""))
            .select_from(sync_state_t.join(references_t, R.id > largest_before))
            .where(~marked),
        )
    )


@contextmanager
def suspended(conn: Connection) -> Iterator[None]:
    """The triggers off around a bulk insert of new references, inside the caller's transaction
    (DDL is transactional in SQLite: a rollback brings them back). They cost as much as the rest
    of the storing of an import (3.2 s more CPU on 6.5 s for 100k references, measured), for
    references that are all new: on leaving, the triggers are made again and the references
    added meanwhile are marked at once. Rows of older references must not change inside."""
    if conn.dialect.name != "sqlite":
        yield
        return
    largest = int(conn.execute(select(func.coalesce(func.max(references_t.c.id), 0))).scalar_one())
    drop_triggers(conn)
    try:
        yield
    except BaseException:
        # Should the caller go on and commit anyway, the marks stay right; if the transaction is
        # broken this fails, and its rollback restores the triggers.
        with suppress(Exception):
            create_triggers(conn)
            mark_added_after(conn, largest)
        raise
    create_triggers(conn)
    mark_added_after(conn, largest)
