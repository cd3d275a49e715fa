"""Saved searches as operations on a real library file: save, rename and delete, and that each
undo (and the undo of that undo) leaves the list as it was."""

from __future__ import annotations

import pytest

from bibliofile.services import saved_searches
from bibliofile.services.changes import NotDone, perform, undo
from bibliofile.storage.library import Library


def listed(library: Library) -> list[tuple[str, str]]:
    return [(name, query) for _sid, name, query in saved_searches.saved_searches(library)]


def test_save_and_its_undo_and_redo(library: Library) -> None:
    change = perform(library, lambda u: saved_searches.save(u, " Ostrom's ", "author:ostrom"))
    assert listed(library) == [("Ostrom's", "author:ostrom")]
    redo = undo(library, change)
    assert listed(library) == []
    undo(library, redo)
    assert listed(library) == [("Ostrom's", "author:ostrom")]
    with pytest.raises(ValueError):
        perform(library, lambda u: saved_searches.save(u, "  ", "x"))
    assert len(listed(library)) == 1


def test_rename_and_delete_come_back_with_undo(library: Library) -> None:
    perform(library, lambda u: saved_searches.save(u, "A", "tag:a"))
    perform(library, lambda u: saved_searches.save(u, "B", "tag:b"))
    sid = saved_searches.saved_searches(library)[0][0]

    renamed = perform(library, lambda u: saved_searches.rename(u, sid, "Alpha"))
    assert listed(library) == [("Alpha", "tag:a"), ("B", "tag:b")]
    assert not perform(library, lambda u: saved_searches.rename(u, sid, "Alpha")).changed
    undo(library, renamed)
    assert listed(library) == [("A", "tag:a"), ("B", "tag:b")]

    deleted = perform(library, lambda u: saved_searches.delete(u, sid))
    assert listed(library) == [("B", "tag:b")]
    redo = undo(library, deleted)
    assert sorted(listed(library)) == [("A", "tag:a"), ("B", "tag:b")]
    undo(library, redo)  # deleted again, though its undo saved it under a new id
    assert listed(library) == [("B", "tag:b")]
    with pytest.raises(NotDone):
        perform(library, lambda u: saved_searches.delete(u, sid))
