"""Collection operations on a real library file: each is one Change whose undo puts the
collections, their items and their order back, and whose undo's undo does it again."""

from __future__ import annotations

import pytest

from bibliofile.model import Reference
from bibliofile.services import collections
from bibliofile.services.changes import NotDone, perform, undo
from bibliofile.storage import curation
from bibliofile.storage.library import Library, Scope


def refs(library: Library, n: int) -> list[int]:
    return library.add_references([Reference(fields={"title": f"T{i}"}) for i in range(n)])


def names(library: Library) -> list[tuple[str, int]]:
    return [(c.path, c.count) for c in collections.collections(library)]


def test_file_under_makes_the_collection_and_undo_takes_it_away(library: Library) -> None:
    a, b, _c = refs(library, 3)
    change = perform(library, lambda u: collections.file_under(u, "Chapter 2", [a, b]))
    assert change.changed and set(change.ids) == {a, b}
    assert names(library) == [("Chapter 2", 2)]
    redo = undo(library, change)
    assert names(library) == []
    again = undo(library, redo)
    assert names(library) == [("Chapter 2", 2)]
    undo(library, again)
    assert library.collections() == []


def test_paths_name_nested_collections_and_a_shared_name_must_be_a_path(library: Library) -> None:
    (a,) = refs(library, 1)
    perform(library, lambda u: collections.create(u, "Thesis"))
    perform(library, lambda u: collections.create(u, "Paper"))
    perform(library, lambda u: collections.file_under(u, "Thesis/Methods", [a]))
    perform(library, lambda u: collections.file_under(u, "Paper/Methods", []))
    assert names(library) == [("Paper", 0), ("Paper/Methods", 0), ("Thesis", 0), ("Thesis/Methods", 1)]
    with pytest.raises(NotDone, match="2 collections are named “Methods”"):
        collections.find(library, "Methods")
    found = collections.find(library, "Thesis/Methods")
    assert found is not None and found.count == 1
    with pytest.raises(NotDone, match="no collection “Nowhere”"):
        perform(library, lambda u: collections.file_under(u, "Nowhere/Else", [a]))
    assert len(library.collections()) == 4  # the refused action wrote nothing


def test_delete_comes_back_with_sub_collections_items_and_order(library: Library) -> None:
    a, b, c = refs(library, 3)
    perform(library, lambda u: collections.file_under(u, "List", [c, a, b]))
    perform(library, lambda u: collections.file_under(u, "List/Sub", [b]))
    top = collections.find(library, "List")
    assert top is not None
    change = perform(library, lambda u: collections.delete(u, top.id))
    assert names(library) == []
    assert library.search("", scope=Scope(collection_id=top.id)) == []
    assert len(library.search("")) == 3  # the references stay in the library
    redo = undo(library, change)
    assert names(library) == [("List", 3), ("List/Sub", 1)]
    assert curation.collection_order(library, top.id) == [c, a, b]
    undo(library, redo)
    assert names(library) == []


def test_remove_items_undo_puts_them_back_in_their_places(library: Library) -> None:
    a, b, c = refs(library, 3)
    perform(library, lambda u: collections.file_under(u, "List", [a, b, c]))
    cid = library.collections()[0][0]
    change = perform(library, lambda u: collections.remove_items(u, cid, [b, 999]))
    assert change.ids == (b,)
    assert curation.collection_order(library, cid) == [a, c]
    undo(library, change)
    assert curation.collection_order(library, cid) == [a, b, c]
    nothing = perform(library, lambda u: collections.remove_items(u, cid, [999]))
    assert not nothing.changed


def test_adding_what_is_already_there_changes_nothing(library: Library) -> None:
    (a,) = refs(library, 1)
    perform(library, lambda u: collections.file_under(u, "List", [a]))
    again = perform(library, lambda u: collections.file_under(u, "List", [a]))
    assert not again.changed and again.ids == ()


def test_reading_list_order_undo_and_redo(library: Library) -> None:
    a, b, c = refs(library, 3)
    perform(library, lambda u: collections.file_under(u, "List", [a, b, c]))
    cid = library.collections()[0][0]
    change = perform(library, lambda u: collections.move_to_top(u, cid, [c]))
    assert curation.collection_order(library, cid) == [c, a, b]
    redo = undo(library, change)
    assert curation.collection_order(library, cid) == [a, b, c]
    undo(library, redo)
    assert curation.collection_order(library, cid) == [c, a, b]
    moved = perform(library, lambda u: collections.move_before(u, cid, [c], None))
    assert curation.collection_order(library, cid) == [a, b, c]
    undo(library, moved)
    assert curation.collection_order(library, cid) == [c, a, b]


def test_rename_and_blank_names(library: Library) -> None:
    perform(library, lambda u: collections.create(u, "Old"))
    cid = library.collections()[0][0]
    change = perform(library, lambda u: collections.rename(u, cid, "New"))
    assert names(library) == [("New", 0)]
    undo(library, change)
    assert names(library) == [("Old", 0)]
    with pytest.raises(ValueError):
        perform(library, lambda u: collections.create(u, "  "))
