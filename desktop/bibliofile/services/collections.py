"""Collections (reading lists) as operations: make, rename and delete them, file references in
them and take them out, and order a reading list. Each returns a Change whose undo puts the
collections and their order back exactly; a deleted collection comes back with its id, its
sub-collections and its items.

Collections are named the way a user names them on the command line: by name, or by a path
"Thesis/Chapter 2" when names repeat under different parents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bibliofile.services.changes import Change, NotDone, combined, plural, unchanged
from bibliofile.storage import curation, curation_queries
from bibliofile.storage.library import Library, UnitOfWork

SEPARATOR = "/"


@dataclass(frozen=True, slots=True)
class CollectionInfo:
    """A collection as listed: ``path`` joins the names from the top with "/"; ``count`` is
    how many references (not in the trash) it holds itself, sub-collections not counted."""

    id: int
    parent_id: int | None
    name: str
    path: str
    count: int


def collections(src: Library | UnitOfWork) -> list[CollectionInfo]:
    """Every collection, each parent before its children, siblings in the sidebar's order."""
    rows = curation_queries.collection_rows(src)
    counts = curation_queries.collection_counts(src)
    children: dict[int | None, list[tuple[int, int | None, str]]] = {}
    for row in rows:
        children.setdefault(row[1], []).append(row)
    known = {r[0] for r in rows}
    out: list[CollectionInfo] = []

    def walk(parent: int | None, prefix: str) -> None:
        for cid, pid, name in children.get(parent, []):
            path = f"{prefix}{SEPARATOR}{name}" if prefix else name
            out.append(CollectionInfo(cid, pid, name, path, counts.get(cid, 0)))
            walk(cid, path)

    walk(None, "")
    for orphan in sorted(p for p in children if p is not None and p not in known):
        walk(orphan, "?")  # a parent row missing (a damaged library): still listed
    return out


def find(src: Library | UnitOfWork, name: str) -> CollectionInfo | None:
    """The collection with this path, else the one collection with this name; None when there
    is none; NotDone when the name is shared and no path tells them apart."""
    wanted = name.strip()
    found = collections(src)
    by_path = [c for c in found if c.path == wanted]
    if by_path:
        return by_path[0]
    by_name = [c for c in found if c.name == wanted]
    if len(by_name) > 1:
        paths = ", ".join(f"“{c.path}”" for c in by_name)
        raise NotDone(f"{len(by_name)} collections are named “{wanted}” ({paths}); give the path")
    return by_name[0] if by_name else None


def create(uow: UnitOfWork, name: str, parent_id: int | None = None) -> Change:
    """Make an empty collection (under ``parent_id``); ``ValueError`` for a blank name."""
    return _create(uow, name, parent_id)[1]


def _create(uow: UnitOfWork, name: str, parent_id: int | None) -> tuple[int, Change]:
    name = name.strip()
    if not name:
        raise ValueError("a collection needs a name")
    cid = uow.add_collection(name, parent_id)
    text = f"New collection “{name}”"

    def undo(u: UnitOfWork) -> Change:
        snapshot = u.delete_collection(cid)  # what it holds by now comes back with a redo

        def redo(r: UnitOfWork) -> Change:
            r.restore_collections(snapshot)
            return Change(text, undo)

        return Change(text, redo)

    return cid, Change(text, undo)


def rename(uow: UnitOfWork, cid: int, name: str) -> Change:
    """Rename a collection; ``ValueError`` for a blank name."""
    name = name.strip()
    if not name:
        raise ValueError("a collection needs a name")
    old = _name(uow, cid)
    text = f"Rename collection “{old}”"
    if old == name:
        return unchanged(text)
    uow.rename_collection(cid, name)
    return Change(text, lambda u: rename(u, cid, old))


def delete(uow: UnitOfWork, cid: int) -> Change:
    """Delete a collection and its sub-collections; the references stay in the library."""
    text = f"Delete collection “{_name(uow, cid)}”"
    snapshot = uow.delete_collection(cid)

    def undo(u: UnitOfWork) -> Change:
        u.restore_collections(snapshot)
        return Change(text, lambda r: delete(r, cid))

    return Change(text, undo)


def add_items(uow: UnitOfWork, cid: int, ids: Sequence[int]) -> Change:
    """File references in a collection, at the end of its order; those already in it stay put."""
    text = f"Add {plural(len(set(ids)), 'reference')} to “{_name(uow, cid)}”"
    added = uow.add_to_collection(cid, ids)
    if not added:
        return unchanged(text)
    return Change(text, lambda u: remove_items(u, cid, added), tuple(added))


def remove_items(uow: UnitOfWork, cid: int, ids: Sequence[int]) -> Change:
    """Take references out of a collection (not out of the library); undo puts them back in
    their places in the reading list."""
    text = f"Remove {plural(len(set(ids)), 'reference')} from “{_name(uow, cid)}”"
    removed = uow.remove_from_collection(cid, ids)
    if not removed:
        return unchanged(text)

    def undo(u: UnitOfWork) -> Change:
        u.put_back_in_collection(cid, removed)
        return Change(text, lambda r: remove_items(r, cid, [i for i, _ in removed]), tuple(i for i, _ in removed))

    return Change(text, undo, tuple(i for i, _ in removed))


def file_under(uow: UnitOfWork, path: str, ids: Sequence[int]) -> Change:
    """File references in the collection named ``path``, making it first when there is none
    (under its parent when the path names an existing one): one action, one undo."""
    found = find(uow, path)
    if found is not None:
        return add_items(uow, found.id, ids)
    parent_path, _, leaf = path.strip().rpartition(SEPARATOR)
    parent = find(uow, parent_path) if parent_path else None
    if parent_path and parent is None:
        raise NotDone(f"there is no collection “{parent_path}” to put “{leaf}” in")
    cid, made = _create(uow, leaf, parent.id if parent else None)
    if not ids:
        return made
    return combined(f"Add {plural(len(set(ids)), 'reference')} to new collection “{leaf.strip()}”",
                    [made, add_items(uow, cid, ids)])


def set_order(uow: UnitOfWork, cid: int, ordered: Sequence[int], text: str = "Reorder Reading List") -> Change:
    """Put a reading list in this order (references not named keep theirs, after)."""
    before = curation.set_collection_order(uow, cid, ordered)
    return Change(text, lambda u: set_order(u, cid, before, text))


def move_before(uow: UnitOfWork, cid: int, ids: Sequence[int], before: int | None) -> Change:
    """Move references (in their order) to just before ``before`` in a reading list, or to its
    end when None (a drag in the table)."""
    old = curation.move_in_collection(uow, cid, ids, before)
    return Change("Reorder Reading List", lambda u: set_order(u, cid, old))


def move_to_top(uow: UnitOfWork, cid: int, ids: Sequence[int]) -> Change:
    old = curation.move_to_top(uow, cid, ids)
    return Change("Move to Top", lambda u: set_order(u, cid, old, "Move to Top"))


def _name(uow: UnitOfWork, cid: int) -> str:
    found = next((c for c in curation_queries.collection_rows(uow) if c[0] == cid), None)
    if found is None:
        raise NotDone("that collection is no longer in the library")
    return found[2]
