"""Saved searches (the sidebar's named queries) as operations: save, rename and delete, each a
Change whose undo puts the list back, so they sit on the window's undo stack like every write."""

from __future__ import annotations

from bibliofile.services.changes import Change, NotDone, unchanged
from bibliofile.storage import curation
from bibliofile.storage.library import Library, UnitOfWork


def saved_searches(src: Library | UnitOfWork) -> list[tuple[int, str, str]]:
    """Every saved search as (id, name, query), in the sidebar's order."""
    return curation.saved_searches(src)


def save(uow: UnitOfWork, name: str, query: str) -> Change:
    """Save ``query`` under ``name``; ``ValueError`` for a blank name or query. Its undo deletes
    it; a redo saves it anew (at the end of the list)."""
    name, query = name.strip(), query.strip()
    if not name or not query:
        raise ValueError("a saved search needs a name and a query")
    sid = curation.add_saved_search(uow, name, query)
    text = f"Save Search “{name}”"

    def undo(u: UnitOfWork) -> Change:
        curation.delete_saved_search(u, sid)
        return Change(text, lambda r: save(r, name, query))

    return Change(text, undo)


def rename(uow: UnitOfWork, sid: int, name: str) -> Change:
    """Rename a saved search; ``ValueError`` for a blank name, NotDone when it is gone."""
    name = name.strip()
    if not name:
        raise ValueError("a saved search needs a name")
    old = _found(uow, sid)[1]
    text = f"Rename Saved Search “{old}”"
    if old == name:
        return unchanged(text)
    curation.rename_saved_search(uow, sid, name)
    return Change(text, lambda u: rename(u, sid, old))


def delete(uow: UnitOfWork, sid: int) -> Change:
    """Delete a saved search; its undo saves it again under its name and query."""
    _sid, name, query = _found(uow, sid)
    curation.delete_saved_search(uow, sid)
    text = f"Delete Saved Search “{name}”"

    def undo(u: UnitOfWork) -> Change:
        again = save(u, name, query)
        return Change(text, lambda r: _delete_by(r, name, query, text), again.ids)

    return Change(text, undo)


def _delete_by(uow: UnitOfWork, name: str, query: str, text: str) -> Change:
    """Redo a delete whose undo saved the search under a new id: find it by name and query."""
    sid = next((s for s, n, q in curation.saved_searches(uow) if (n, q) == (name, query)), None)
    return delete(uow, sid) if sid is not None else unchanged(text)


def _found(uow: UnitOfWork, sid: int) -> tuple[int, str, str]:
    found = next((row for row in curation.saved_searches(uow) if row[0] == sid), None)
    if found is None:
        raise NotDone("that saved search is no longer in the library")
    return found

