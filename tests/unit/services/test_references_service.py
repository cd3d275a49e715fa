"""New Reference as an operation on a real library file: the reference it made, filed where
asked, and that undo trashes it and redo brings back the same reference, not a new one."""

from __future__ import annotations

import pytest

from bibliofile.model import Reference
from bibliofile.services import collections, references
from bibliofile.services.changes import perform, undo
from bibliofile.storage.library import LIBRARY, TRASH, Library, Scope


def test_new_reference_is_made_empty_and_its_undo_and_redo_keep_the_same_id(library: Library) -> None:
    change = perform(library, lambda u: references.new_reference(u, "book"))
    assert change.changed and change.description == "New Reference"
    (rid,) = change.ids
    made = library.get(rid)
    assert made.item_type == "book"
    assert not made.fields.get("title")
    assert library.search("", scope=LIBRARY) == [rid]

    redo = undo(library, change)
    assert library.search("", scope=LIBRARY) == []
    assert library.search("", scope=TRASH) == [rid]

    # What was typed into it before the undo comes back with the redo.
    again = undo(library, redo)
    assert again.ids == (rid,)
    assert library.search("", scope=LIBRARY) == [rid]
    assert library.count(TRASH) == 0
    undo(library, again)
    assert library.count(LIBRARY) == 0


def test_new_reference_in_a_reading_list_is_filed_there(library: Library) -> None:
    (other,) = library.add_references([Reference(fields={"title": "Kept"})])
    perform(library, lambda u: collections.file_under(u, "List", [other]))
    found = collections.find(library, "List")
    assert found is not None
    change = perform(library, lambda u: references.new_reference(u, "article-journal", found.id))
    (rid,) = change.ids
    assert sorted(library.search("", scope=Scope(collection_id=found.id))) == sorted([other, rid])


def test_an_unknown_type_is_refused_and_nothing_is_written(library: Library) -> None:
    with pytest.raises(ValueError, match="not a type of reference"):
        perform(library, lambda u: references.new_reference(u, "spaceship"))
    assert library.count(LIBRARY) == 0 and library.count(TRASH) == 0
