"""Sync a local library with a shared library in PostgreSQL (issue 21, ADR 17).

One sync is one exchange inside two transactions, one per side: the local library's unit of
work (SQLite, ``Library.write``) around the server's (``server.writing``, which holds the
writers' lock). Both see the same moment: the objects this replica changed since the last sync
(its snapshot differs from the stored base) and those the server changed since the version last
pulled are merged field by field against the base (``model.merge``), the results pushed where
they differ from the server and stored here where they differ from this file, and the new bases
and the version pulled up to are saved. The server commits first, then the local library:

- the connection lost or the server stopped before the server's commit: both roll back, the
  next sync starts from the same place;
- the process killed between the two commits: the server holds the merge, this file does not
  yet; the next sync merges again and finds nothing new to push (the merge is idempotent), so
  nothing is lost or written twice.

Citation keys stay unique in the library: a pulled reference whose key another reference here
already has gets a letter suffix (``Smith2020a``), which is pushed back so every replica agrees,
and the rename is reported. The server's address is remembered without its password; the
password comes from libpq (PGPASSWORD, ~/.pgpass, a service file), never from the library.

A server syncs the whole library, or only chosen collections: a group library beside this
library's private references (``storage/sync_scope.py``). Then only the group's collections and
references are merged from this side, a reference's private memberships are neither sent nor
touched, and everything the server holds is pulled; a reference stays in the group once shared
(taking it out of a collection is a membership change) until it is deleted or the library
leaves (``leave``: kept as private copies, or removed but for those in a private collection).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Container, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from string import ascii_lowercase
from typing import Literal, TypeVar
from uuid import UUID

from bibliofile.model.merge import Conflict, Json, canonical, merge_object, normalize
from bibliofile.model.sync_snapshot import EXTRA_PREFIX, FIELD_PREFIX, READING_PREFIX
from bibliofile.services.changes import Change, NotDone, Operation
from bibliofile.storage import server, sync_local, sync_replica, sync_scope
from bibliofile.storage.library import Library, Source, UnitOfWork

FETCH_BATCH = 2000  # references read from the server per statement


class SyncUsageError(Exception):
    """The command was asked something it cannot do (no server named, a malformed address):
    ``str()`` is the message; the CLI exits 2."""


@dataclass(slots=True)
class SyncReport:
    """What one sync did. ``pushed``/``pulled``: objects written to the server / to this library."""

    server: str
    pushed: int = 0
    pulled: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    kept_edited: list[dict[str, str]] = field(default_factory=list)  # {"key", "deleted_on"}
    renamed: list[dict[str, str]] = field(default_factory=list)  # {"key", "renamed_to"}
    conflict_gids: list[str] = field(default_factory=list, repr=False)  # the object of each conflict
    version: int = field(default=0, repr=False)  # the server's change log, pulled up to
    scope: list[dict[str, str]] | None = None  # the chosen collections ({"gid", "name"}); None: the whole library

    def as_json(self) -> dict[str, Json]:
        return {
            "server": self.server,
            "pushed": self.pushed,
            "pulled": self.pulled,
            "conflicts": [{"key": c.key, "field": c.field, "local": c.local, "remote": c.remote} for c in self.conflicts],
            "kept_edited": list(self.kept_edited),  # type: ignore[arg-type]
            "renamed": list(self.renamed),  # type: ignore[arg-type]
            "scope": scope_json(self.scope),
        }


def scope_json(scope: Sequence[Mapping[str, str]] | None) -> dict[str, Json]:
    """{"whole_library": true} or {"whole_library": false, "collections": [{"gid", "name"}]}."""
    if scope is None:
        return {"whole_library": True}
    return {"whole_library": False, "collections": [dict(c) for c in scope]}  # type: ignore[misc]


def remembered_server(library: Library) -> str | None:
    """The address of the server this library last synced with (the first one it knew)."""
    known = sync_local.servers(library)
    if not known:
        return None
    return max(known, key=lambda s: (s.last_synced is not None, s.last_synced or 0, s.id)).server_url  # type: ignore[operator]


def forget(library: Library, url: str | None = None) -> str:
    """Leave a shared library: this library stops syncing with it and keeps every reference as it
    is (nothing is deleted on the server). Returns the address forgotten."""
    where = address(url) if url is not None else remembered_server(library)
    if where is None:
        raise SyncUsageError(f"{library.display_name} does not sync with any shared library.")
    with library.write() as uow:
        if not sync_local.forget_server(uow, where):
            raise SyncUsageError(f"{library.display_name} does not sync with {where}.")
    return where


def address(url: str) -> str:
    """The address as remembered and shown: no password, no driver."""
    try:
        return server.display_url(server.server_url(url))
    except server.ServerError as exc:
        raise SyncUsageError(str(exc)) from exc


def open_server(url: str, *, sslmode: str | None = None) -> server.ServerEngine:
    """Connect to the server library and create or upgrade its schema (refusing a newer one).

    Done before a new local library is made, so a second machine's first sync against a server
    that cannot be reached leaves no empty library behind."""
    where = address(url)
    engine = server.connect(url, sslmode=sslmode)
    try:
        with server.translated(where):
            server.upgrade_server(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


WHOLE_LIBRARY = "whole library"


def sync(library: Library, url: str | None = None, *, engine: server.ServerEngine | None = None,
         sslmode: str | None = None, scope: Sequence[str] | Literal["whole library"] | None = None) -> SyncReport:
    """Push this library's changes since its last sync and pull the others'.

    ``scope`` sets what syncs with this server from now on (before this sync): ``WHOLE_LIBRARY``,
    or collections named by global id, path ("Projects/Lab") or name, found here or, for a
    library joining a group, on the server. None keeps the scope remembered (the whole library
    the first time)."""
    if url is None:
        url = remembered_server(library)
        if url is None:
            raise SyncUsageError(
                f"{library.display_name} has never been synced: name the shared library, "
                "e.g. `bibliofile sync postgresql://USER@HOST:5432/DATABASE`."
            )
    where = address(url)
    own = engine is None
    engine = engine if engine is not None else open_server(url, sslmode=sslmode)
    try:
        with library.write() as uow:
            state = sync_local.remember_server(uow, where)
            sync_local.ensure_gids(uow)
            with server.writing(engine) as conn:
                if scope is not None:
                    _choose_scope(uow, conn, state, scope)
                return _exchange(uow, conn, state, where)
    finally:
        if own:
            engine.dispose()


def _choose_scope(uow: UnitOfWork, conn: server.ServerConnection, state: sync_local.SyncState,
                  scope: Sequence[str] | str) -> None:
    """Remember what syncs with this server from now on. A changed scope makes this sync compare
    every reference with its base (the marks were cleared for references outside the old one)."""
    gids = None if scope == WHOLE_LIBRARY else _resolve_collections(uow, conn, list(scope))
    if gids == sync_scope.load(uow, state.id):
        return
    sync_scope.save(uow, state.id, gids)
    if state.last_synced is not None:
        sync_local.distrust_marks(uow, state.id)


def _resolve_collections(uow: UnitOfWork, conn: server.ServerConnection, wanted: Sequence[str]) -> list[str]:
    """Collections named by global id, path or name: here first, then on the server (a library
    joining a group names the group's collections before it holds them)."""
    sides = (sync_replica.collection_snapshots(uow), server.get_collections(conn))
    out: list[str] = []
    for name in wanted:
        if any(name in side for side in sides):
            out.append(name)
            continue
        found: list[str] = []
        paths: dict[str, str] = {}
        for side in sides:
            paths = collection_paths(side)
            found = sorted(g for g in side if paths[g] == name) or sorted(g for g in side if side[g].get("name") == name)
            if found:
                break
        if not found:
            raise SyncUsageError(f"There is no collection {name!r} here or in the shared library.")
        if len(found) > 1:
            raise SyncUsageError(f"Several collections are named {name!r}: name one by its path "
                                 f"({', '.join(repr(p) for p in sorted(paths[g] for g in found))}).")
        out.append(found[0])
    return out


K = TypeVar("K", bound=Hashable)


def tree_path(start: K, known: Container[K], step: Callable[[K], tuple[str, K | None]]) -> str:
    """"Parent/Child" of ``start``: ``step`` gives a node's name and its parent; the walk stops at
    a parent not in ``known`` (or seen before: a damaged cycle ends the path)."""
    names: list[str] = []
    seen: set[K] = set()
    at: K | None = start
    while at is not None and at in known and at not in seen:
        seen.add(at)
        name, at_parent = step(at)
        names.append(name)
        at = at_parent
    return "/".join(reversed(names))


def collection_paths(collections: Mapping[str, Mapping[str, Json]]) -> dict[str, str]:
    """gid -> "Parent/Child" path of each collection (gid -> snapshot with its "parent")."""
    def step(at: str) -> tuple[str, str | None]:
        parent = collections[at].get("parent")
        return str(collections[at].get("name") or ""), str(parent) if parent else None

    out = {gid: tree_path(gid, collections.keys(), step) for gid in collections}
    return out


def _scope_names(src: Source, chosen: Sequence[str] | None) -> list[dict[str, str]] | None:
    """The chosen collections this library holds, with their names now (renames followed)."""
    if chosen is None:
        return None
    local = sync_replica.collection_snapshots(src)
    return [{"gid": g, "name": str(local[g].get("name") or "")} for g in chosen if g in local]


def scope(library: Library | UnitOfWork, url: str | None = None) -> list[dict[str, str]] | None:
    """What syncs with the server (the remembered one by default): None for the whole library,
    else the chosen collections ({"gid", "name"}); a library that syncs with nothing: None."""
    where = address(url) if url is not None else None
    state = sync_local.server_state(library, where) if where is not None else _remembered_state(library)
    return _scope_names(library, sync_scope.load(library, state.id)) if state is not None else None


def scope_paths(library: Library | UnitOfWork) -> list[str] | None:
    """The chosen collections of the remembered server by path ("Projects/Lab"), as the window's
    checklist names them; None when the whole library syncs (or none)."""
    chosen = scope(library)
    if chosen is None:
        return None
    paths = collection_paths(sync_replica.collection_snapshots(library))
    return [paths[c["gid"]] for c in chosen if c["gid"] in paths]


def group_name(library: Library | UnitOfWork) -> str | None:
    """The group library's name as the window shows it: its chosen collections' names, or (a
    library that joined sharing none of its own) the group's top collections'; None when the
    whole library syncs."""
    state = _remembered_state(library)
    if state is None:
        return None
    chosen = sync_scope.load(library, state.id)
    if chosen is None:
        return None
    local = sync_replica.collection_snapshots(library)
    names = [str(local[g].get("name") or "") for g in chosen if g in local]
    if not names:
        synced = sync_local.base_gids(library, state.id, "collection") & local.keys()
        names = sorted(str(local[g].get("name") or "") for g in synced if str(local[g].get("parent") or "") not in synced)
    return ", ".join(names) or "a group"


@dataclass(slots=True)
class LeaveReport:
    """What leaving a shared library did: ``removed`` of its references moved to the Trash here,
    ``kept`` stay as private copies; ``collections_removed`` of its collections deleted here."""

    server: str
    scope: list[dict[str, str]] | None
    removed: int = 0
    kept: int = 0
    collections_removed: int = 0

    def as_json(self) -> dict[str, Json]:
        return {"left": self.server, "scope": scope_json(self.scope), "removed": self.removed,
                "kept": self.kept, "collections_removed": self.collections_removed}


def leave(library: Library, url: str | None = None, *, remove: bool = False) -> LeaveReport:
    """Leave a shared library (the remembered one by default): this library stops syncing with it
    (its address, scope, bases, conflicts and marks are forgotten) and nothing of the server
    changes. Its references (those synced with it) stay here as private copies, or with
    ``remove`` go to the Trash, but for those also in a private collection; the group's
    collections left empty go too. ``remove`` is for a group library only: a library that shares
    everything would be emptied."""
    where = address(url) if url is not None else remembered_server(library)
    if where is None:
        raise SyncUsageError(f"{library.display_name} does not sync with any shared library.")
    with library.write() as uow:
        state = sync_local.server_state(uow, where)
        if state is None:
            raise SyncUsageError(f"{library.display_name} does not sync with {where}.")
        chosen = sync_scope.load(uow, state.id)
        if remove and chosen is None:
            raise SyncUsageError(f"{library.display_name} shares the whole library with {where}: leaving it "
                                 "removes nothing (keep the references).")
        report = LeaveReport(where, _scope_names(uow, chosen))
        shared = sync_replica.live_reference_gids(uow, sync_local.base_gids(uow, state.id, "reference"))
        if remove and chosen is not None:
            sync_local.ensure_gids(uow)  # collections made since the last sync are private ones
            local = sync_replica.collection_snapshots(uow)
            group = sync_scope.group_tree(local, [*chosen, *sync_local.base_gids(uow, state.id, "collection")])
            ids = sync_scope.collection_ids(uow, local.keys())
            private = sync_scope.members(uow, [i for g, i in ids.items() if g not in group])
            gone = sorted(i for i in shared.values() if i not in private)
            uow.trash(gone)
            report.removed = len(gone)
            report.collections_removed = _remove_empty(uow, local, {g: ids[g] for g in group if g in ids})
        report.kept = len(shared) - report.removed
        sync_local.forget_server(uow, where)
    return report


def _remove_empty(uow: UnitOfWork, local: Mapping[str, Mapping[str, Json]], group: Mapping[str, int]) -> int:
    """Delete the group's collections that hold no reference here any more (nor a collection that
    does): a reference of the user's own filed in one keeps it."""
    holding = {g for g, i in group.items() if sync_scope.members(uow, [i])}
    kept: set[str] = set()
    for g in holding:
        at: str | None = g
        while at is not None and at not in kept:
            kept.add(at)
            parent = local.get(at, {}).get("parent")
            at = str(parent) if parent else None
    gone = [i for g, i in sorted(group.items()) if g not in kept]
    for cid in gone:
        uow.delete_collection(cid)
    return len(gone)


def _exchange(uow: UnitOfWork, conn: server.ServerConnection, state: sync_local.SyncState, where: str) -> SyncReport:
    report = SyncReport(server=where)
    author = state.replica_id
    chosen = sync_scope.load(uow, state.id)
    collection_bases, group = _sync_collections(uow, conn, state, report, author, chosen)
    reference_bases = _sync_references(uow, conn, state, report, author, group)
    report.scope = _scope_names(uow, chosen)
    version = server.latest_version(conn)
    sync_local.save_bases(uow, state.id, "collection", {g: (version, v) for g, v in collection_bases.items()})
    sync_local.save_bases(uow, state.id, "reference", {g: (version, v) for g, v in reference_bases.items()})
    by_gid: dict[str, list[Mapping[str, Json]]] = {}
    for gid, c in zip(report.conflict_gids, report.conflicts, strict=True):
        by_gid.setdefault(gid, []).append({"key": c.key, "field": c.field, "local": c.local, "remote": c.remote})
    sync_local.save_conflicts(uow, state.id, by_gid)
    # The new bases cover every reference marked changed (and those this sync wrote itself):
    # cleared in this same transaction, so a sync cut off before its commit leaves them marked.
    sync_local.clear_dirty(uow, state.id)
    sync_local.record_pull(uow, state.id, version)
    report.version = version
    return report


def _note_conflicts(report: SyncReport, gid: str, conflicts: tuple[Conflict, ...]) -> None:
    report.conflicts.extend(conflicts)
    report.conflict_gids.extend(gid for _c in conflicts)


def _load(text: str | None) -> dict[str, Json] | None:
    return json.loads(text) if text is not None else None


def _same(a: Mapping[str, Json] | None, b: Mapping[str, Json] | None) -> bool:
    """Equal as stored: ``!=`` rules most pairs out at once; ``==`` alone would take 1 for 1.0 or True."""
    if a is b:
        return True
    if a is None or b is None or a != b:
        return False
    return canonical(a) == canonical(b)  # type: ignore[arg-type]


def _sync_collections(uow: UnitOfWork, conn: server.ServerConnection, state: sync_local.SyncState,
                      report: SyncReport, author: str, chosen: Sequence[str] | None,
                      ) -> tuple[dict[str, dict[str, Json] | None], _Group | None]:
    """Collections first: references name them by gid, on the server through a foreign key.

    A group library (``chosen``) syncs only the group's collections (``sync_scope``): a private
    one is never sent; a group collection kept under a private one is sent without its parent,
    and stays under it here."""
    bases = {g: _load(t) for g, t in sync_local.base_texts(uow, state.id, "collection").items()}
    local = sync_replica.collection_snapshots(uow)
    remote = server.get_collections(conn)
    private_parent: dict[str, str] = {}
    if chosen is not None:
        tree = sync_scope.group_tree(local, [*chosen, *bases, *remote])
        local = {g: s for g, s in local.items() if g in tree}
        for g, s in list(local.items()):
            parent = s.get("parent")
            if parent and str(parent) not in tree:
                private_parent[g] = str(parent)
                local[g] = {k: v for k, v in s.items() if k != "parent"}
    merged: dict[str, dict[str, Json] | None] = {}
    for gid in sorted(bases.keys() | local.keys() | remote.keys()):
        b, here, there = bases.get(gid), local.get(gid), remote.get(gid)
        if _same(b, here) and _same(b, there):
            continue
        name = str((here or there or b or {}).get("name") or gid)
        outcome = merge_object(name, b, here, there)
        merged[gid] = outcome.value
        _note_conflicts(report, gid, outcome.conflicts)
    pushed = 0
    for gid in _parents_first(merged):
        value = merged[gid]
        if value is not None and not _same(value, remote.get(gid)):
            parent = value.get("parent")
            if parent and str(parent) not in remote and str(parent) not in merged:
                value = {k: v for k, v in value.items() if k != "parent"}  # its parent is gone everywhere
                merged[gid] = value
            pushed += server.put_collection(conn, gid, value, author) is not None
    for gid, value in sorted(merged.items()):
        if value is None and remote.get(gid) is not None:
            pushed += server.delete_collection(conn, gid, author) is not None
    pulling = {g: v for g, v in merged.items() if not _same(v, local.get(g))}
    sync_replica.apply_collections(uow, {
        g: {**v, "parent": private_parent[g]} if v is not None and g in private_parent and not v.get("parent") else v
        for g, v in pulling.items()
    })
    report.pushed += pushed
    report.pulled += len(pulling)
    if chosen is None:
        return merged, None
    after = sync_replica.collection_snapshots(uow)
    seeds = [*chosen, *(g for g, v in remote.items() if v is not None), *(g for g, v in merged.items() if v is not None)]
    collections = sync_scope.group_tree(after, seeds)
    ids = sync_scope.collection_ids(uow, collections)
    return merged, _Group(frozenset(collections), frozenset(sync_scope.members(uow, ids.values())))


@dataclass(frozen=True, slots=True)
class _Group:
    """A group library's share of this library (``sync_scope``): its collections (global ids)
    and the live references in them (local ids). References synced before belong to it too."""

    collections: frozenset[str]
    members: frozenset[int]

    def snapshot(self, snap: dict[str, Json]) -> dict[str, Json]:
        """The snapshot as the group sees it: only the group's collections."""
        colls = snap.get("collections")
        if isinstance(colls, list) and any(str(c) not in self.collections for c in colls):
            return {**snap, "collections": [c for c in colls if str(c) in self.collections]}
        return snap


def _group_now(src: Source, state: sync_local.SyncState) -> _Group | None:
    """The group as the next sync will find it (read-only: for counting the changes waiting)."""
    chosen = sync_scope.load(src, state.id)
    if chosen is None:
        return None
    local = sync_replica.collection_snapshots(src)
    synced = sync_local.base_gids(src, state.id, "collection")
    collections = sync_scope.group_tree(local, [*chosen, *synced])
    ids = sync_scope.collection_ids(src, collections)
    return _Group(frozenset(collections), frozenset(sync_scope.members(src, ids.values())))


def _parents_first(merged: Mapping[str, Mapping[str, Json] | None]) -> list[str]:
    order: list[str] = []
    placed: set[str] = set()

    def visit(gid: str, depth: int) -> None:
        if gid in placed or depth > len(merged):
            return
        value = merged.get(gid)
        parent = str(value.get("parent")) if value and value.get("parent") else None
        if parent is not None and parent in merged:
            visit(parent, depth + 1)
        if gid not in placed:
            placed.add(gid)
            order.append(gid)

    for gid in sorted(merged):
        visit(gid, 0)
    return order


@dataclass(slots=True)
class _Here:
    """Where this library may have changed references since the last sync with a server."""

    live: dict[str, int]  # gid -> local id of the live references looked at (all of them in a scan)
    suspects: set[str]  # references whose rows changed (marked, or their digest moved)
    deleted: set[str]  # synced before, now deleted or in the trash
    digests: dict[int, str]  # local id -> digest of its rows, of the live suspects (all in a scan)
    base_text: dict[str, str]  # the bases of the suspects that have one
    synced_before: set[str] | None  # every gid with a base (read by a scan only)


def _changed_here(src: Source, state: sync_local.SyncState, group: _Group | None = None) -> _Here:
    """The references marked changed since the last sync (``sync_dirty``, kept by triggers): work
    in proportion to the changes. The first sync with a server, or marks that cannot be trusted
    (a library that synced before they existed), scan instead: a digest of every reference's rows
    against the one stored at its last sync."""
    marks = sync_local.dirty_marks(src, state.id)
    if marks.everything or state.last_synced is None:
        synced_before = sync_local.base_gids(src, state.id, "reference")
        live = sync_replica.live_reference_gids(src)
        digests = sync_replica.reference_digests(src)
        stored = sync_local.load_digests(src, state.id)
        suspects = {g for g, i in live.items() if stored.get(g) != digests.get(i)}
        if group is not None:  # a group library: its references (in its collections, or synced before)
            suspects = {g for g in suspects if g in synced_before or live[g] in group.members}
        base_text = sync_local.base_texts(src, state.id, "reference", suspects & synced_before)
        return _Here(live, suspects, synced_before - live.keys(), digests, base_text, synced_before)
    suspects = set(sync_local.gids(src, "reference", marks.reference_ids).values()) | marks.deleted_gids
    live = sync_replica.live_reference_gids(src, suspects)
    base_text = sync_local.base_texts(src, state.id, "reference", suspects)
    if group is not None:
        suspects = {g for g in suspects if g in base_text or live.get(g) in group.members}
        live = {g: i for g, i in live.items() if g in suspects}
    digests = sync_replica.reference_digests(src, list(live.values()))
    deleted = {g for g in suspects if g not in live and g in base_text}
    return _Here(live, suspects, deleted, digests, base_text, None)


def _sync_references(uow: UnitOfWork, conn: server.ServerConnection, state: sync_local.SyncState,
                     report: SyncReport, author: str, group: _Group | None = None) -> dict[str, dict[str, Json] | None]:
    found = _changed_here(uow, state, group)
    live, suspects, digests, base_text = found.live, found.suspects, found.digests, found.base_text
    # Snapshots only of references whose rows changed since their last sync (or never synced).
    local = _snapshots(uow, live, suspects, group)
    changed_here = {g for g, s in local.items() if base_text.get(g) != sync_replica.snapshot_text(s)}
    changed_here |= found.deleted
    changed_there = {g for g, _v, _d in server.references_changed_since(conn, state.last_pulled_version)}
    candidates = sorted(changed_here | changed_there)
    others = set(candidates) - suspects
    if found.synced_before is None:  # found from the marks: the rest changed on the server
        live.update(sync_replica.live_reference_gids(uow, others))
        digests.update(sync_replica.reference_digests(uow, [live[g] for g in others if g in live]))
    local.update(_snapshots(uow, live, others, group))
    base_text.update(sync_local.base_texts(
        uow, state.id, "reference", others if found.synced_before is None else others & found.synced_before
    ))
    remote: dict[str, dict[str, Json] | None] = {}
    for start in range(0, len(candidates), FETCH_BATCH):
        remote.update(server.get_references(conn, candidates[start : start + FETCH_BATCH]))
    merged: dict[str, dict[str, Json] | None] = {}
    for gid in candidates:
        here, there = local.get(gid), remote.get(gid)
        b = _load(base_text.get(gid))
        key = str((here or there or b or {}).get("citation_key") or gid)
        outcome = merge_object(key, b, here, there)
        merged[gid] = outcome.value
        _note_conflicts(report, gid, outcome.conflicts)
        if outcome.deleted_but_edited is not None:
            report.kept_edited.append({"key": key, "deleted_on": outcome.deleted_but_edited.deleted_on})
    _unique_keys(uow, merged, local, report)
    to_put: dict[str | UUID, Mapping[str, Json]] = {g: v for g, v in merged.items() if v is not None and not _same(v, remote.get(g))}
    if to_put:
        report.pushed += len(server.put_references(conn, to_put, author))
    for gid, value in merged.items():
        if value is None and remote.get(gid) is not None:
            report.pushed += server.delete_reference(conn, gid, author) is not None
    ids = sync_local.local_ids(uow, "reference", [g for g, v in merged.items() if not _same(v, local.get(g))])
    incoming = [
        sync_replica.Incoming(g, ids.get(g), v)
        for g, v in merged.items()
        if not _same(v, local.get(g)) and (v is not None or g in live)
    ]
    sync_replica.apply_references(uow, incoming, group.collections if group is not None else None)
    report.pulled += len(incoming)
    # Digests as the rows are now: read again only where this sync wrote (an initial push of a
    # whole library writes nothing here and reuses the digests it read first).
    written = sync_local.local_ids(uow, "reference", [i.gid for i in incoming])
    rewritten = sync_replica.reference_digests(uow, list(written.values()))
    now = {g: digests.get(i) for g, i in live.items() if g in suspects or g in merged}
    now.update({g: rewritten.get(i) for g, i in written.items()})
    sync_local.save_digests(uow, state.id, {g: now.get(g) for g in sorted(suspects | set(candidates))})
    return {g: merged.get(g) for g in candidates}


def _snapshots(src: Source, live: Mapping[str, int], wanted: set[str], group: _Group | None = None) -> dict[str, dict[str, Json]]:
    """gid -> snapshot of those of ``wanted`` that are live here (as a group sees them)."""
    ids = {live[g]: g for g in wanted if g in live}
    snaps = sync_replica.reference_snapshots(src, list(ids))
    if group is not None:
        return {ids[i]: group.snapshot(snap) for i, snap in snaps.items()}
    return {ids[i]: snap for i, snap in snaps.items()}


def _unique_keys(uow: UnitOfWork, merged: dict[str, dict[str, Json] | None],
                 local: Mapping[str, Mapping[str, Json]], report: SyncReport) -> None:
    """A citation key held by two references after the merge: the one this replica already had
    under that key keeps it, the other gets a letter suffix (reported, and pushed with it)."""
    if not any(merged.values()):
        return
    # Only the keys merged here can clash (read by key, not every key of the library); a clash
    # reads the suffixed forms of its key.
    keys = {str(v.get("citation_key") or "") for v in merged.values() if v}
    claimed = {k: g for k, g in sync_replica.citation_keys(uow, keys).items() if g not in merged}

    def kept_locally(gid: str) -> bool:
        value, here = merged[gid], local.get(gid)
        return bool(value and here and value.get("citation_key") == here.get("citation_key"))

    for gid in sorted(merged, key=lambda g: (not kept_locally(g), g)):
        value = merged[gid]
        key = str(value.get("citation_key") or "") if value else ""
        if not value or not key:
            continue
        if claimed.get(key, gid) != gid:
            suffixed = sync_replica.citation_keys(uow, [key], prefixes=True)
            new = _suffixed(key, {**{k: g for k, g in suffixed.items() if g not in merged}, **claimed})
            merged[gid] = {**value, "citation_key": new}
            report.renamed.append({"key": key, "renamed_to": new})
            key = new
        claimed[key] = gid


def _suffixed(key: str, taken: Mapping[str, str]) -> str:
    """``key`` + a, b, … z, aa, ab, …: the first not taken."""
    n = 0
    while True:
        suffix, i = "", n
        while True:
            suffix = ascii_lowercase[i % 26] + suffix
            i = i // 26 - 1
            if i < 0:
                break
        if key + suffix not in taken:
            return key + suffix
        n += 1


# ---- the window's automatic sync: reaching the server, live updates, state, conflicts -------------


def reach(url: str, engine: server.ServerEngine | None = None, *, sslmode: str | None = None) -> server.ServerEngine:
    """An engine for the server with its schema checked (made the first time, then reused), or a
    ServerError. The window calls this off the writer thread before each automatic sync, so a
    server that does not answer (a blocked network waits out the connect timeout) never holds
    the library's own writes back; the sync proper then runs on the writer with this engine."""
    if engine is None:
        return open_server(url, sslmode=sslmode)
    with server.translated(address(url)):
        server.upgrade_server(engine)
    return engine


def listen(url: str, stop: threading.Event, on_change: Callable[[int], None], *,
           on_ready: Callable[[], None] | None = None, sslmode: str | None = None) -> None:
    """Block until ``stop`` is set, calling ``on_change(version)`` as each push to the server
    commits (LISTEN/NOTIFY, ``storage.server.listen``); ServerError when the connection fails."""
    server.listen(url, stop, on_change, on_ready=on_ready, sslmode=sslmode)


def _remembered_state(src: Source) -> sync_local.SyncState | None:
    known = sync_local.servers(src)
    if not known:
        return None
    return max(known, key=lambda s: (s.last_synced is not None, s.last_synced or 0, s.id))  # type: ignore[operator]


def last_synced(library: Library) -> datetime | None:
    """When this library last synced with its shared library (UTC, naive), None if never."""
    state = _remembered_state(library)
    return state.last_synced if state is not None else None


def pending_changes(library: Library) -> int:
    """How many references and collections changed here since the last sync: what the next one
    sends (the window's "Offline — N changes waiting"). Found as the sync finds them: from the
    references marked changed, snapshots compared with their bases."""
    state = _remembered_state(library)
    sync_local.ensure_gids(library)  # references added since the last sync get theirs now
    collections = sync_replica.collection_snapshots(library)
    if state is None:
        return len(sync_replica.live_reference_gids(library)) + len(collections)
    group = _group_now(library, state)
    here = _changed_here(library, state, group)  # the marked references, as the sync finds them
    local = _snapshots(library, here.live, here.suspects, group)
    changed = {g for g, snap in local.items() if here.base_text.get(g) != sync_replica.snapshot_text(snap)}
    changed |= here.deleted
    coll_bases = sync_local.base_texts(library, state.id, "collection")
    if group is not None:  # as the sync sends them: a private parent left out
        collections = {g: {k: v for k, v in s.items() if k != "parent" or str(v) in group.collections}
                       for g, s in collections.items() if g in group.collections}
    changed |= {g for g in coll_bases.keys() | collections.keys()
                if coll_bases.get(g) != (sync_replica.snapshot_text(normalize(collections[g])) if g in collections else None)}
    return len(changed)


@dataclass(frozen=True, slots=True)
class OpenConflict:
    """A field changed on both sides and not yet settled: the library holds ``local``."""

    gid: str
    key: str
    field: str
    local: Json
    remote: Json


def open_conflicts(src: Library | UnitOfWork) -> list[OpenConflict]:
    """The conflicts with the shared library this library syncs with, by key and field."""
    state = _remembered_state(src)
    if state is None:
        return []
    out = [
        OpenConflict(gid, str(c.get("key") or gid), str(c.get("field") or ""), c.get("local"), c.get("remote"))
        for gid, found in sync_local.open_conflicts(src, state.id).items()
        for c in found
        if isinstance(c, dict)
    ]
    return sorted(out, key=lambda c: (c.key.casefold(), c.field, c.gid))


def field_label(name: str) -> str:
    """A snapshot field as a user names it: "fields.title" -> "title", "creators" -> "authors"."""
    for prefix in (FIELD_PREFIX, EXTRA_PREFIX, READING_PREFIX):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    return {"creators": "authors", "citation_key": "citation key", "item_type": "type",
            "status": "reading status", "date_read": "date read"}.get(name, name.replace("_", " "))


Choice = Literal["mine", "theirs"]


def resolve_conflict(gid: str, field_name: str, choice: Choice) -> Operation:
    """Settle one open conflict, as one undoable change: "mine" keeps the library's value (it was
    kept, and sent, by the sync) and only closes the conflict; "theirs" writes the other value
    into the reference (or collection) and closes it, and the next sync sends it. Undo puts the
    value and the open conflict back."""

    def operation(uow: UnitOfWork) -> Change:
        state = _remembered_state(uow)
        if state is None:
            raise NotDone("This library does not sync with a shared library.")
        entries = [c for c in sync_local.open_conflicts(uow, state.id).get(gid, []) if isinstance(c, dict)]
        chosen = [c for c in entries if c.get("field") == field_name]
        if not chosen:
            raise NotDone("That conflict was already settled.")
        remaining = [c for c in entries if c.get("field") != field_name]
        key = str(chosen[0].get("key") or gid)
        label = field_label(field_name)
        if choice == "mine":
            return _settle(uow, state.id, gid, None, None, remaining, f"Keep my {label} of {key}")
        target = _Target.find(uow, gid)
        current = target.read(uow) if target is not None else None
        if target is None or current is None:
            raise NotDone(f"{key} is not in the library any more (restore it from the Trash first).")
        new: dict[str, Json] = dict(current)
        new[field_name] = chosen[0].get("remote")
        return _settle(uow, state.id, gid, target, normalize(new), remaining, f"Take their {label} of {key}")

    return operation


@dataclass(frozen=True, slots=True)
class _Target:
    """The object a conflict is about: a reference (by local id) or a collection."""

    gid: str
    kind: Literal["reference", "collection"]
    local_id: int

    @staticmethod
    def find(src: Source, gid: str) -> _Target | None:
        for kind in ("reference", "collection"):
            found = sync_local.local_ids(src, kind, [gid])  # type: ignore[arg-type]
            if gid in found:
                return _Target(gid, kind, found[gid])  # type: ignore[arg-type]
        return None

    def read(self, src: Source) -> dict[str, Json] | None:
        if self.kind == "reference":
            return sync_replica.reference_snapshots(src, [self.local_id]).get(self.local_id)
        snap = sync_replica.collection_snapshots(src).get(self.gid)
        return dict(snap) if snap is not None else None

    def write(self, uow: UnitOfWork, snapshot: Mapping[str, Json]) -> None:
        if self.kind == "reference":
            sync_replica.apply_references(uow, [sync_replica.Incoming(self.gid, self.local_id, snapshot)])
        else:
            sync_replica.apply_collections(uow, {self.gid: snapshot})


def _settle(uow: UnitOfWork, sync_id: int, gid: str, target: _Target | None, snapshot: dict[str, Json] | None,
            conflicts: Sequence[Mapping[str, Json]], description: str) -> Change:
    """Write ``snapshot`` (None: leave the object as it is) and make ``conflicts`` the object's
    open ones; the Change's undo writes back what was there before, the same way."""
    before_conflicts = sync_local.open_conflicts(uow, sync_id).get(gid, [])
    before: dict[str, Json] | None = None
    if target is not None and snapshot is not None:
        before = target.read(uow)
        if not _same(before, snapshot):
            target.write(uow, snapshot)
    sync_local.save_conflicts(uow, sync_id, {gid: conflicts})

    def undo(u: UnitOfWork) -> Change:
        return _settle(u, sync_id, gid, target, before, before_conflicts, description)

    ids = (target.local_id,) if target is not None and target.kind == "reference" else ()
    return Change(description, undo, ids)
