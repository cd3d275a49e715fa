"""What a library syncs with each server (issue 21, migration 0013): the whole library, or chosen
collections that make the server a group library.

The scope is kept beside the server's address (``sync_state.scope_json``): NULL for the whole
library, else the global ids of the chosen collections, so renaming one changes nothing. It goes
with the server's other state when the library leaves it (CASCADE of the row).

A group's collections are the chosen ones, those the server holds or this library synced with it
before, and every collection under one of them (``group_tree``); its references are those in one
of these collections here, and every reference synced with the server before (a reference stays
in the group until it is deleted, as in Zotero's group libraries: taking it out of a collection
is a change of its membership, sent like any other).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import select, update

from bibliofile.model.merge import Json
from bibliofile.storage.batches import chunks
from bibliofile.storage.library import Source, UnitOfWork, connection
from bibliofile.storage.tables import (
    collection_gids_t,
    collection_items_t,
    references_t,
    sync_state_t,
)


def load(src: Source, sync_id: int) -> list[str] | None:
    """The chosen collections' global ids, or None for the whole library."""
    with connection(src) as conn:
        text = conn.execute(select(sync_state_t.c.scope_json).where(sync_state_t.c.id == sync_id)).scalar()
    if text is None:
        return None
    found = json.loads(text)
    return [str(g) for g in found] if isinstance(found, list) else None


def save(uow: UnitOfWork, sync_id: int, gids: Sequence[str] | None) -> None:
    """Make the scope the whole library (None) or these collections (in the order given)."""
    text = None if gids is None else json.dumps(list(dict.fromkeys(gids)))
    uow.conn.execute(update(sync_state_t).where(sync_state_t.c.id == sync_id).values(scope_json=text))


def group_tree(collections: Mapping[str, Mapping[str, Json]], seeds: Iterable[str]) -> set[str]:
    """The ``seeds`` that are among ``collections`` (gid -> snapshot with its "parent" gid) and
    every collection under one of them."""
    children: dict[str, list[str]] = {}
    for gid, snap in collections.items():
        parent = snap.get("parent")
        if parent:
            children.setdefault(str(parent), []).append(gid)
    out: set[str] = set()
    todo = [g for g in seeds if g in collections]
    while todo:
        gid = todo.pop()
        if gid not in out:
            out.add(gid)
            todo.extend(children.get(gid, ()))
    return out


def collection_ids(src: Source, gids: Iterable[str]) -> dict[str, int]:
    """Global id -> local id of those collections this library holds."""
    CG = collection_gids_t.c
    out: dict[str, int] = {}
    with connection(src) as conn:
        for chunk in chunks(sorted(set(gids)), 900):
            out.update({str(g): int(i) for g, i in conn.execute(select(CG.gid, CG.collection_id).where(CG.gid.in_(chunk)))})
    return out


def members(src: Source, collection_ids: Iterable[int], *, live_only: bool = True) -> set[int]:
    """The local ids of the references in any of these collections (not in the trash)."""
    CI, R = collection_items_t.c, references_t.c
    out: set[int] = set()
    with connection(src) as conn:
        for chunk in chunks(sorted(set(collection_ids)), 900):
            stmt = select(CI.reference_id).where(CI.collection_id.in_(chunk))
            if live_only:
                stmt = stmt.join(references_t, R.id == CI.reference_id).where(R.deleted.is_(False))
            out.update(int(i) for i in conn.execute(stmt).scalars())
    return out
