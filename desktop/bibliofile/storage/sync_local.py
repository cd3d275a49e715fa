"""A local library's sync bookkeeping (issue 21): global ids, the servers it syncs with, bases.

Global ids: every reference, collection and attachment has a UUID that is the same on every
replica (migration 0009 gave existing rows theirs). Rows added later get theirs from
``ensure_gids`` when a sync starts, so no write path has to know about sync; a reference pulled
from a server is stored with the server's gid (``set_gid``).

Bases: the snapshot of each object as this replica and a server last agreed, the ``base`` of
``model.merge.merge_object``. An object with a base but no gid row any more was deleted here
since that sync: the tombstone to push. All SQL Core; each function takes a Library or, inside
one sync transaction, its UnitOfWork.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from sqlalchemy import Connection, Table, delete, insert, select, true, update

from bibliofile.model.merge import Json, Snapshot, normalize
from bibliofile.storage.batches import chunks, execute_many, now
from bibliofile.storage.library import Source, UnitOfWork, connection
from bibliofile.storage.tables import (
    attachment_gids_t,
    attachments_t,
    collection_gids_t,
    collections_t,
    reference_gids_t,
    references_t,
    sync_bases_t,
    sync_dirty_t,
    sync_state_t,
)

Kind = Literal["reference", "collection", "attachment"]

# kind -> (gid table, its id column, the objects' table)
_GIDS: dict[str, tuple[Table, str, Table]] = {
    "reference": (reference_gids_t, "reference_id", references_t),
    "collection": (collection_gids_t, "collection_id", collections_t),
    "attachment": (attachment_gids_t, "attachment_id", attachments_t),
}


@dataclass(frozen=True, slots=True)
class SyncState:
    """A server this library syncs with."""

    id: int
    server_url: str  # never with a password
    replica_id: str  # this library's name in the server's change log
    last_pulled_version: int
    last_synced: datetime | None


def ensure_gids(src: Source) -> int:
    """Give every object without a global id a new one; returns how many were given."""
    given = 0
    with connection(src) as conn:
        for gids, id_column, owner in _GIDS.values():
            missing = list(
                conn.execute(
                    select(owner.c.id)
                    .outerjoin(gids, gids.c[id_column] == owner.c.id)
                    .where(gids.c.gid.is_(None))
                    .order_by(owner.c.id)
                ).scalars()
            )
            for chunk in chunks(missing):
                conn.execute(insert(gids), [{id_column: i, "gid": str(uuid.uuid4())} for i in chunk])
            given += len(missing)
        _commit_unless_in_unit(src, conn)
    return given


def _commit_unless_in_unit(src: Source, conn: Connection) -> None:
    """A Library's own connection commits here; a caller's unit of work commits as a whole."""
    if not isinstance(src, UnitOfWork):
        conn.commit()


def gids(src: Source, kind: Kind, ids: Iterable[int] | None = None) -> dict[int, str]:
    """Local id -> global id for ``kind`` (all of them, or those of ``ids``)."""
    table, id_column, _owner = _GIDS[kind]
    col = table.c[id_column]
    with connection(src) as conn:
        if ids is None:
            return {int(i): str(g) for i, g in conn.execute(select(col, table.c.gid))}
        out: dict[int, str] = {}
        for chunk in chunks(list(ids)):
            out.update({int(i): str(g) for i, g in conn.execute(select(col, table.c.gid).where(col.in_(chunk)))})
        return out


def local_ids(src: Source, kind: Kind, global_ids: Iterable[str]) -> dict[str, int]:
    """Global id -> local id for those ``global_ids`` this library holds."""
    table, id_column, _owner = _GIDS[kind]
    out: dict[str, int] = {}
    with connection(src) as conn:
        for chunk in chunks(list(global_ids)):
            rows = conn.execute(select(table.c.gid, table.c[id_column]).where(table.c.gid.in_(chunk)))
            out.update({str(g): int(i) for g, i in rows})
    return out


def set_gid(src: Source, kind: Kind, local_id: int, gid: str) -> None:
    """Name a local object by the global id it has elsewhere (an object pulled from a server)."""
    table, id_column, _owner = _GIDS[kind]
    with connection(src) as conn:
        conn.execute(delete(table).where(table.c[id_column] == local_id))
        conn.execute(insert(table).values({id_column: local_id, "gid": str(uuid.UUID(gid))}))
        _commit_unless_in_unit(src, conn)


# ---- servers ---------------------------------------------------------------------------------


def _state(row: Sequence[Any]) -> SyncState:
    return SyncState(int(row[0]), str(row[1]), str(row[2]), int(row[3]), row[4])


def server_state(src: Source, server_url: str) -> SyncState | None:
    S = sync_state_t.c
    with connection(src) as conn:
        row = conn.execute(
            select(S.id, S.server_url, S.replica_id, S.last_pulled_version, S.last_synced)
            .where(S.server_url == server_url)
        ).first()
    return _state(tuple(row)) if row is not None else None


def servers(src: Source) -> list[SyncState]:
    S = sync_state_t.c
    with connection(src) as conn:
        rows = conn.execute(
            select(S.id, S.server_url, S.replica_id, S.last_pulled_version, S.last_synced).order_by(S.id)
        ).all()
    return [_state(tuple(r)) for r in rows]


def remember_server(src: Source, server_url: str) -> SyncState:
    """The server's state, added (nothing pulled yet, a new replica id) the first time.
    ``server_url`` must come without a password (``storage.server.display_url``)."""
    if urlsplit(server_url).password is not None:
        raise ValueError("a server address with a password is never stored")
    known = server_state(src, server_url)
    if known is not None:
        return known
    with connection(src) as conn:
        conn.execute(
            insert(sync_state_t).values(server_url=server_url, replica_id=str(uuid.uuid4()), last_pulled_version=0)
        )
        _commit_unless_in_unit(src, conn)
    state = server_state(src, server_url)
    assert state is not None
    return state


def record_pull(src: Source, sync_id: int, version: int) -> None:
    """How far this library has pulled from the server (and when it last synced)."""
    with connection(src) as conn:
        conn.execute(
            update(sync_state_t)
            .where(sync_state_t.c.id == sync_id)
            .values(last_pulled_version=version, last_synced=now())
        )
        _commit_unless_in_unit(src, conn)


# ---- bases -----------------------------------------------------------------------------------


def load_bases(src: Source, sync_id: int, global_ids: Iterable[str] | None = None) -> dict[str, tuple[int, dict[str, Json]]]:
    """gid -> (server version, snapshot) of the last agreed state of each object."""
    B = sync_bases_t.c
    # Conflicts and digests are kept in the same table (below): they are not objects' bases.
    stmt = select(B.gid, B.version, B.snapshot_json).where(B.sync_id == sync_id, B.kind.not_in(("conflict", "digest")))
    out: dict[str, tuple[int, dict[str, Json]]] = {}
    with connection(src) as conn:
        if global_ids is None:
            batches = [conn.execute(stmt)]
        else:
            batches = [conn.execute(stmt.where(B.gid.in_(chunk))) for chunk in chunks(list(global_ids))]
        for rows in batches:
            for gid, version, text in rows:
                out[str(gid)] = (int(version), json.loads(text))
    return out


def save_bases(src: Source, sync_id: int, kind: Kind, bases: Mapping[str, tuple[int, Snapshot | None]]) -> None:
    """Store each object's new base; a None snapshot (deleted on both sides) drops the base."""
    B = sync_bases_t.c
    with connection(src) as conn:
        for chunk in chunks(list(bases)):
            conn.execute(delete(sync_bases_t).where(B.sync_id == sync_id, B.gid.in_(chunk)))
            rows = [
                {"sync_id": sync_id, "gid": gid, "kind": kind, "version": bases[gid][0],
                 "snapshot_json": json.dumps(normalize(bases[gid][1]), ensure_ascii=False, sort_keys=True)}
                for gid in chunk
                if bases[gid][1] is not None
            ]
            if rows:
                conn.execute(insert(sync_bases_t), rows)
        _commit_unless_in_unit(src, conn)


def deleted_since_sync(src: Source, sync_id: int, kind: Kind) -> list[str]:
    """Global ids with a base but no local object any more: deleted here since the last sync."""
    table, _id_column, _owner = _GIDS[kind]
    B = sync_bases_t.c
    with connection(src) as conn:
        rows = conn.execute(
            select(B.gid)
            .outerjoin(table, table.c.gid == B.gid)
            .where(B.sync_id == sync_id, B.kind == kind, table.c.gid.is_(None))
            .order_by(B.gid)
        )
        return [str(g) for g in rows.scalars()]


def base_texts(src: Source, sync_id: int, kind: Kind, global_ids: Iterable[str] | None = None) -> dict[str, str]:
    """gid -> the stored JSON text of each base of ``kind`` (all, or those of ``global_ids``): a
    sync compares texts to find what changed here without parsing every base
    (``sync_replica.snapshot_text`` writes the same)."""
    B = sync_bases_t.c
    stmt = select(B.gid, B.snapshot_json).where(B.sync_id == sync_id, B.kind == kind)
    out: dict[str, str] = {}
    with connection(src) as conn:
        if global_ids is None:
            return {str(g): str(t) for g, t in conn.execute(stmt).all()}
        for chunk in chunks(list(global_ids)):
            out.update({str(g): str(t) for g, t in conn.execute(stmt.where(B.gid.in_(chunk))).all()})
    return out


def base_gids(src: Source, sync_id: int, kind: Kind) -> set[str]:
    """The global ids of every base of ``kind``: objects synced before (the live ones and those
    deleted here since)."""
    B = sync_bases_t.c
    with connection(src) as conn:
        return {str(g) for g in conn.execute(select(B.gid).where(B.sync_id == sync_id, B.kind == kind)).scalars().all()}


# ---- conflicts -------------------------------------------------------------------------------
# Kept beside the bases (kind "conflict", gid "conflict:<object gid>"), so keeping them needed no
# schema change; the window lists them and drops one when the user has chosen.

CONFLICT_PREFIX = "conflict:"


def save_conflicts(src: Source, sync_id: int, by_gid: Mapping[str, Sequence[Mapping[str, Json]]]) -> None:
    """Replace the open conflicts of each object in ``by_gid`` (an empty list clears them).
    A conflict is {"key", "field", "local", "remote"}: both values, so nothing is lost."""
    B = sync_bases_t.c
    with connection(src) as conn:
        names = [CONFLICT_PREFIX + g for g in by_gid]
        for chunk in chunks(names):
            conn.execute(delete(sync_bases_t).where(B.sync_id == sync_id, B.gid.in_(chunk)))
        rows = [
            {"sync_id": sync_id, "gid": CONFLICT_PREFIX + g, "kind": "conflict", "version": 0,
             "snapshot_json": json.dumps(list(found), ensure_ascii=False, sort_keys=True)}
            for g, found in by_gid.items()
            if found
        ]
        if rows:
            conn.execute(insert(sync_bases_t), rows)
        _commit_unless_in_unit(src, conn)


def open_conflicts(src: Source, sync_id: int) -> dict[str, list[dict[str, Json]]]:
    """Object gid -> its conflicts not yet resolved."""
    B = sync_bases_t.c
    with connection(src) as conn:
        rows = conn.execute(select(B.gid, B.snapshot_json).where(B.sync_id == sync_id, B.kind == "conflict"))
        return {str(g)[len(CONFLICT_PREFIX):]: json.loads(t) for g, t in rows}


# ---- what each reference was made of at the last sync -------------------------------------------
# A digest of the rows a reference's snapshot is built from, as they were when it was last synced
# (kind "digest", gid "digest:<object gid>", beside the bases like the conflicts): a sync builds
# snapshots only of references whose rows hash differently now, instead of all of them.

DIGEST_PREFIX = "digest:"


def load_digests(src: Source, sync_id: int) -> dict[str, str]:
    """Object gid -> the digest stored at its last sync."""
    B = sync_bases_t.c
    with connection(src) as conn:
        rows = conn.execute(select(B.gid, B.snapshot_json).where(B.sync_id == sync_id, B.kind == "digest"))
        return {str(g)[len(DIGEST_PREFIX):]: str(d) for g, d in rows}


def save_digests(src: Source, sync_id: int, digests: Mapping[str, str | None]) -> None:
    """Replace the digests of these objects (None drops one: the reference is gone here)."""
    B = sync_bases_t.c
    with connection(src) as conn:
        names = [DIGEST_PREFIX + g for g in digests]
        for chunk in chunks(names):
            conn.execute(delete(sync_bases_t).where(B.sync_id == sync_id, B.gid.in_(chunk)))
        rows = [(sync_id, DIGEST_PREFIX + g, "digest", 0, d) for g, d in digests.items() if d is not None]
        execute_many(conn, insert(sync_bases_t), ("sync_id", "gid", "kind", "version", "snapshot_json"), rows)
        _commit_unless_in_unit(src, conn)


# ---- what changed here since the last sync -------------------------------------------------------
# Marked by triggers (``sync_triggers.py``, migration 0012) in ``sync_dirty``, per server: a sync
# reads its server's marks, and clears them in the transaction that stores the new bases.

EVERYTHING = "everything"


@dataclass(frozen=True, slots=True)
class DirtyMarks:
    """A server's marks: ``everything`` when they cannot be trusted (compare every reference)."""

    everything: bool
    reference_ids: frozenset[int]  # local references changed (or deleted) since the last sync
    deleted_gids: frozenset[str]  # references deleted for good since, by global id


def dirty_marks(src: Source, sync_id: int) -> DirtyMarks:
    D = sync_dirty_t.c
    with connection(src) as conn:
        rows = conn.execute(select(D.kind, D.reference_id, D.gid).where(D.sync_id == sync_id)).all()
    return DirtyMarks(
        everything=any(k == EVERYTHING for k, _i, _g in rows),
        reference_ids=frozenset(int(i) for k, i, _g in rows if k == "reference"),
        deleted_gids=frozenset(str(g) for k, _i, g in rows if k == "deleted"),
    )


def clear_dirty(src: Source, sync_id: int) -> None:
    with connection(src) as conn:
        conn.execute(delete(sync_dirty_t).where(sync_dirty_t.c.sync_id == sync_id))
        _commit_unless_in_unit(src, conn)


def distrust_marks(src: Source, sync_id: int | None = None) -> None:
    """Make the next sync with a server (every server by default) compare every reference with
    its base, as when the marks were not kept: for a library whose rows were changed with the
    triggers off."""
    D = sync_dirty_t.c
    S = sync_state_t.c
    with connection(src) as conn:
        ids = list(conn.execute(select(S.id).where(S.id == sync_id if sync_id is not None else true())).scalars())
        for i in ids:
            conn.execute(delete(sync_dirty_t).where(D.sync_id == i, D.kind == EVERYTHING))
        if ids:
            conn.execute(insert(sync_dirty_t), [{"sync_id": i, "kind": EVERYTHING, "reference_id": 0, "gid": ""} for i in ids])
        _commit_unless_in_unit(src, conn)


def forget_server(src: Source, server_url: str) -> bool:
    """Stop syncing with a server: its state, bases, conflicts, digests and marks go (CASCADE); every
    reference stays as it is here. False when this library did not know the server."""
    with connection(src) as conn:
        gone = conn.execute(delete(sync_state_t).where(sync_state_t.c.server_url == server_url)).rowcount
        _commit_unless_in_unit(src, conn)
    return bool(gone)
