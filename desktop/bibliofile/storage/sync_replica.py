"""A local library as one side of a sync (issue 21): its objects as snapshots, and merged
snapshots written back.

The sync service (``services/sync.py``) merges three snapshots per object (``model.merge``): the
base (``sync_local``), this file's and the server's. This module reads this file's side in bulk
(every live reference with its creators, tags, collections, note and reading state, a chunk of
ids per statement) and writes the merged result inside the sync's one unit of work: new
references inserted with the server's global id, changed ones updated, deleted ones moved to
the trash (never purged: a deletion pulled from a server can be undone from the Trash).

A reference in the trash counts as deleted for sync: its snapshot is None. A snapshot written
here reads back as the same snapshot, so a pulled change is not mistaken for a local one at the
next sync.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from hashlib import blake2b
from typing import Any

from sqlalchemy import Connection, delete, insert, select, true, update

from bibliofile.model.merge import Json
from bibliofile.model.reading import ReadingState
from bibliofile.model.sync_snapshot import SyncedReference, from_snapshot, to_snapshot
from bibliofile.storage import curation
from bibliofile.storage.batches import chunks, execute_many
from bibliofile.storage.library import Source, UnitOfWork, connection
from bibliofile.storage.rows import creator_from_row, reference_from_row
from bibliofile.storage.tables import (
    collection_gids_t,
    collection_items_t,
    collections_t,
    creators_t,
    notes_t,
    reference_gids_t,
    reference_tags_t,
    references_t,
    tags_t,
)

R = references_t.c
G = reference_gids_t.c


def snapshot_text(snapshot: Mapping[str, Json] | None) -> str:
    """How ``sync_local.save_bases`` stores a snapshot: comparing texts finds local changes
    without parsing every base."""
    return json.dumps(snapshot, ensure_ascii=False, sort_keys=True)


# ---- reading this replica ------------------------------------------------------------------


def live_reference_gids(src: Source, gids: Iterable[str] | None = None) -> dict[str, int]:
    """gid -> local id of every reference not in the trash (or of those of ``gids``)."""
    stmt = select(G.gid, G.reference_id).join(references_t, R.id == G.reference_id).where(R.deleted.is_(False))
    with connection(src) as conn:
        if gids is None:
            return {str(g): int(i) for g, i in conn.execute(stmt)}
        out: dict[str, int] = {}
        for chunk in chunks(list(gids), 900):
            out.update({str(g): int(i) for g, i in conn.execute(stmt.where(G.gid.in_(chunk)))})
        return out


def reference_snapshots(src: Source, ids: Sequence[int]) -> dict[int, dict[str, Json]]:
    """Local id -> snapshot (``model.sync_snapshot``) of those of ``ids`` not in the trash."""
    collection_gid = _collection_gids(src)
    out: dict[int, dict[str, Json]] = {}
    with connection(src) as conn:
        for chunk in chunks(list(ids), 900):
            out.update(_snapshots(conn, chunk, collection_gid))
    return out


def _collection_gids(src: Source) -> dict[int, str]:
    with connection(src) as conn:
        return {int(i): str(g) for i, g in conn.execute(select(collection_gids_t.c.collection_id, collection_gids_t.c.gid))}


def _snapshots(conn: Connection, ids: Sequence[int], collection_gid: Mapping[int, str]) -> dict[int, dict[str, Json]]:
    rows = conn.execute(references_t.select().where(R.id.in_(ids), R.deleted.is_(False))).all()
    live = [r.id for r in rows]
    if not live:
        return {}
    creators: dict[int, list] = {i: [] for i in live}  # type: ignore[type-arg]
    for c in conn.execute(
        creators_t.select().where(creators_t.c.reference_id.in_(live)).order_by(creators_t.c.reference_id, creators_t.c.position)
    ):
        creators[c.reference_id].append(creator_from_row(c))
    tags: dict[int, list[str]] = {}
    RT, T = reference_tags_t.c, tags_t.c
    for rid, name in conn.execute(select(RT.reference_id, T.name).join(tags_t, T.id == RT.tag_id).where(RT.reference_id.in_(live))):
        tags.setdefault(rid, []).append(name)
    colls: dict[int, list[str]] = {}
    CI = collection_items_t.c
    for rid, cid in conn.execute(select(CI.reference_id, CI.collection_id).where(CI.reference_id.in_(live))):
        if cid in collection_gid:
            colls.setdefault(rid, []).append(collection_gid[cid])
    notes: dict[int, tuple[str, str]] = {}
    N = notes_t.c
    for rid, html, text in conn.execute(select(N.reference_id, N.html, N.text).where(N.reference_id.in_(live))):
        notes[rid] = (html, text)
    out: dict[int, dict[str, Json]] = {}
    for r in rows:
        html, text = notes.get(r.id, ("", ""))
        synced = SyncedReference(
            reference=reference_from_row(r, creators[r.id]),
            tags=tuple(tags.get(r.id, ())),
            collections=tuple(colls.get(r.id, ())),
            note_html=html,
            note_text=text,
            reading=ReadingState(r.read_status, r.priority, r.rating, r.date_read),
        )
        out[r.id] = to_snapshot(synced)
    return out


# Everything a reference's snapshot is built from, read raw (no JSON parsed, no objects built).
_DIGEST_COLUMNS = (
    R.id, R.item_type, R.citation_key, R.edited, R.fields_json, R.extra_json, R.source_format, R.source_text,
    R.source_entry_type, R.source_fields_json, R.source_file, R.source_line, R.source_prefix,
    R.read_status, R.priority, R.rating, R.date_read,
)


def reference_digests(src: Source, ids: Sequence[int] | None = None) -> dict[int, str]:
    """Local id -> a digest of the rows each live reference's snapshot is built from (its row,
    creators, tag names, collections, note), for all of them or those of ``ids``.

    Several times cheaper than building snapshots (at 100k references the snapshots of a whole
    library took ~10 s on a loaded machine): a sync builds snapshots only where a digest moved."""
    parts: dict[int, list[object]] = {}
    C, RT, T, CI, N = creators_t.c, reference_tags_t.c, tags_t.c, collection_items_t.c, notes_t.c
    creator_cols = (C.reference_id, C.role, C.family, C.given, C.particle, C.suffix, C.literal, C.others)
    with connection(src) as conn:
        batches = [None] if ids is None else list(chunks(list(ids), 900))
        for chunk in batches:
            def where(column: Any, chunk: Sequence[int] | None = chunk) -> Any:
                return column.in_(chunk) if chunk is not None else true()

            for row in conn.execute(select(*_DIGEST_COLUMNS).where(R.deleted.is_(False), where(R.id))).all():
                parts[row[0]] = [tuple(row)]
            for query in (
                select(*creator_cols).where(where(C.reference_id)).order_by(C.reference_id, C.position),
                select(RT.reference_id, T.name).join(tags_t, T.id == RT.tag_id).where(where(RT.reference_id)).order_by(RT.reference_id, T.name),
                select(CI.reference_id, CI.collection_id).where(where(CI.reference_id)).order_by(CI.reference_id, CI.collection_id),
                select(N.reference_id, N.html, N.text).where(where(N.reference_id)),
            ):
                for row in conn.execute(query).all():
                    found = parts.get(row[0])
                    if found is not None:
                        found.append(tuple(row))
    return {rid: blake2b(repr(p).encode(), digest_size=16).hexdigest() for rid, p in parts.items()}


def citation_keys(src: Source, keys: Iterable[str] | None = None, *, prefixes: bool = False) -> dict[str, str]:
    """Citation key -> gid of every live reference with a key (the first one, should two share
    it), or of those whose key is one of ``keys`` (``prefixes``: starts with one), found through
    the key's index instead of reading every key of the library."""
    stmt = (
        select(R.id, R.citation_key, G.gid).join(reference_gids_t, G.reference_id == R.id)
        .where(R.deleted.is_(False), R.citation_key != "")
    )
    found: list[tuple[int, str, str]] = []
    with connection(src) as conn:
        if keys is None:
            batches = [conn.execute(stmt)]
        elif prefixes:
            # Every string starting with p sorts from p up to (not including) p + the last code point.
            batches = [
                conn.execute(stmt.where(R.citation_key >= p, R.citation_key < p + "\U0010ffff"))
                for p in sorted({p for p in keys if p})
            ]
        else:
            batches = [conn.execute(stmt.where(R.citation_key.in_(chunk))) for chunk in chunks(sorted({k for k in keys if k}), 900)]
        for rows in batches:
            found.extend((int(i), str(k), str(g)) for i, k, g in rows)
    out: dict[str, str] = {}
    for _i, key, gid in sorted(found):
        out.setdefault(key, gid)
    return out


# ---- writing merged references ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Incoming:
    """A merged reference to store here: ``local_id`` None when this replica never had it
    (a gid row names it otherwise, even in the trash); ``snapshot`` None moves it to the trash."""

    gid: str
    local_id: int | None
    snapshot: Mapping[str, Json] | None


def apply_references(uow: UnitOfWork, items: Sequence[Incoming], governed: Collection[str] | None = None) -> None:
    """Store merged references in this unit of work: the trash for deletions, an insert with the
    global id for new ones, an update for the rest, then their tags, collections, notes and
    reading state. ``governed``: the collections (global ids) whose membership the snapshots
    say, a group library's; a reference's other (private) collections are left as they are.
    None: all of them (the whole library syncs)."""
    gone = [i.local_id for i in items if i.snapshot is None and i.local_id is not None]
    if gone:
        uow.trash(gone)
    new = [(i.gid, from_snapshot(i.snapshot)) for i in items if i.snapshot is not None and i.local_id is None]
    kept = [(i.local_id, from_snapshot(i.snapshot)) for i in items if i.snapshot is not None and i.local_id is not None]
    placed: list[tuple[int, SyncedReference, bool]] = []
    if new:
        ids = uow.add_items([s.reference for _g, s in new])
        execute_many(uow.conn, insert(reference_gids_t), ("reference_id", "gid"),
                     [(rid, gid) for rid, (gid, _s) in zip(ids, new, strict=True)])
        placed.extend((rid, s, True) for rid, (_g, s) in zip(ids, new, strict=True))
    if kept:
        ids = [rid for rid, _s in kept if rid is not None]
        uow.restore(ids)  # an edit that won over a deletion here comes back from the trash
        for rid, s in kept:
            s.reference.id = rid
        uow.update_many([(s.reference, s.reference.edited) for _rid, s in kept])
        placed.extend((rid, s, False) for rid, s in kept if rid is not None)
    if placed:
        _put_tags(uow, placed)
        _put_collections(uow, placed, governed)
        _put_notes(uow, placed)
        curation.put_reading(uow, [
            (rid, s.reading.status, s.reading.priority, s.reading.rating, s.reading.date_read) for rid, s, _n in placed
        ])


def _put_tags(uow: UnitOfWork, placed: Sequence[tuple[int, SyncedReference, bool]]) -> None:
    conn = uow.conn
    old = [rid for rid, _s, is_new in placed if not is_new]
    for chunk in chunks(old, 900):
        conn.execute(delete(reference_tags_t).where(reference_tags_t.c.reference_id.in_(chunk)))
    names = sorted({t for _rid, s, _n in placed for t in s.tags})
    tag_ids = {name: curation.add_tag(uow, name) for name in names if name.strip()}
    rows = sorted({(rid, tag_ids[t]) for rid, s, _n in placed for t in s.tags if t in tag_ids})
    execute_many(conn, insert(reference_tags_t), ("reference_id", "tag_id"), rows)


def _put_collections(uow: UnitOfWork, placed: Sequence[tuple[int, SyncedReference, bool]],
                     governed: Collection[str] | None = None) -> None:
    """Membership as the snapshot says: kept ones keep their place in a reading list, new ones
    go at its end; a collection this replica does not hold is left out, and so is one outside
    ``governed`` (a private collection beside a group's)."""
    conn = uow.conn
    CI = collection_items_t.c
    local = {str(g): int(i) for i, g in conn.execute(select(collection_gids_t.c.collection_id, collection_gids_t.c.gid))}
    if governed is not None:
        local = {g: i for g, i in local.items() if g in governed}
    said = set(local.values())
    wanted = {(local[c], rid) for rid, s, _n in placed for c in s.collections if c in local}
    current: set[tuple[int, int]] = set()
    old = [rid for rid, _s, is_new in placed if not is_new]
    for chunk in chunks(old, 900):
        current.update((int(c), int(r)) for c, r in conn.execute(select(CI.collection_id, CI.reference_id).where(CI.reference_id.in_(chunk)))
                       if int(c) in said)
    for cid, rid in sorted(current - wanted):
        conn.execute(delete(collection_items_t).where(CI.collection_id == cid, CI.reference_id == rid))
    adding: dict[int, list[int]] = {}
    for cid, rid in sorted(wanted - current):
        adding.setdefault(cid, []).append(rid)
    for cid, rids in adding.items():
        uow.add_to_collection(cid, rids)


def _put_notes(uow: UnitOfWork, placed: Sequence[tuple[int, SyncedReference, bool]]) -> None:
    current: dict[int, tuple[str, str]] = {}
    old = [rid for rid, _s, is_new in placed if not is_new]
    if old:
        current = curation.notes(uow, old)
    for rid, s, _n in placed:
        note = (s.note_html, s.note_text)
        if note != current.get(rid, ("", "")):
            curation.set_note(uow, rid, s.note_html, s.note_text)


# ---- collections -------------------------------------------------------------------------------


def collection_snapshots(src: Source) -> dict[str, dict[str, Json]]:
    """gid -> {name, parent (its gid), position} of every local collection."""
    C, CG = collections_t.c, collection_gids_t.c
    with connection(src) as conn:
        rows = conn.execute(select(C.id, C.parent_id, C.name, C.position, CG.gid).join(collection_gids_t, CG.collection_id == C.id)).all()
    gid_of = {int(r.id): str(r.gid) for r in rows}
    out: dict[str, dict[str, Json]] = {}
    for r in rows:
        snap: dict[str, Json] = {"name": r.name}
        if r.parent_id is not None and r.parent_id in gid_of:
            snap["parent"] = gid_of[r.parent_id]
        if r.position:
            snap["position"] = int(r.position)
        out[str(r.gid)] = snap
    return out


def apply_collections(uow: UnitOfWork, merged: Mapping[str, Mapping[str, Json] | None]) -> None:
    """Create, change or delete collections as merged (parents before their children; a deleted
    collection takes its sub-collections with it, as in the window)."""
    conn = uow.conn
    C, CG = collections_t.c, collection_gids_t.c
    local = {str(g): int(i) for i, g in conn.execute(select(CG.collection_id, CG.gid))}
    pending = {g: s for g, s in merged.items() if s is not None}
    while pending:
        ready = [g for g, s in pending.items() if not s.get("parent") or str(s.get("parent")) in local or str(s.get("parent")) not in pending]
        if not ready:  # a cycle of parents (two replicas moved collections into each other): break it
            ready = [sorted(pending)[0]]
        for g in sorted(ready):
            s = pending.pop(g)
            parent = local.get(str(s.get("parent") or ""))
            values = {"name": str(s.get("name") or ""), "parent_id": parent, "position": _int(s.get("position"))}
            if g in local:
                conn.execute(update(collections_t).where(C.id == local[g]).values(**values))
            else:
                pk = conn.execute(insert(collections_t).values(**values)).inserted_primary_key
                assert pk is not None
                local[g] = int(pk[0])
                conn.execute(insert(collection_gids_t).values(collection_id=local[g], gid=g))
    for g, gone in sorted(merged.items()):
        if gone is None and g in local:
            conn.execute(delete(collections_t).where(C.id == local[g]))


def _int(value: Json) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def trashed_gids(src: Source, gids: Iterable[str]) -> dict[str, int]:
    """gid -> local id of those of ``gids`` whose reference is in the trash."""
    out: dict[str, int] = {}
    with connection(src) as conn:
        for chunk in chunks(list(gids), 900):
            rows = conn.execute(
                select(G.gid, G.reference_id).join(references_t, R.id == G.reference_id)
                .where(G.gid.in_(chunk), R.deleted.is_(True))
            )
            out.update({str(g): int(i) for g, i in rows})
    return out
