"""The trash as operations: moving references to it and restoring them are Changes that undo
each other; emptying it is the one write that cannot be undone, so it is not a Change and
the window clears its undo history after it."""

from __future__ import annotations

from collections.abc import Sequence

from bibliofile.services.changes import Change, plural, unchanged
from bibliofile.storage import curation_queries
from bibliofile.storage.library import UnitOfWork


def move_to_trash(uow: UnitOfWork, ids: Sequence[int]) -> Change:
    """Move references to the trash (they keep their tags, notes and collections there)."""
    wanted = list(dict.fromkeys(ids))
    text = f"Move {plural(len(wanted), 'reference')} to Trash"
    if not wanted:
        return unchanged(text)
    uow.trash(wanted)
    return Change(text, lambda u: restore(u, wanted), tuple(wanted))


def restore(uow: UnitOfWork, ids: Sequence[int]) -> Change:
    """Take references out of the trash, back where they were."""
    wanted = list(dict.fromkeys(ids))
    text = f"Restore {plural(len(wanted), 'reference')}"
    if not wanted:
        return unchanged(text)
    uow.restore(wanted)
    return Change(text, lambda u: move_to_trash(u, wanted), tuple(wanted))


def empty_trash(uow: UnitOfWork) -> int:
    """Delete everything in the trash for good; how many references went. Read and deleted in
    the same unit of work, so a reference trashed meanwhile is either seen and gone or kept."""
    ids = curation_queries.trash_ids(uow)
    if ids:
        uow.purge(ids)
    return len(ids)
