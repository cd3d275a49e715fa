"""Reading state, tags, notes and the trash as operations on a real library file: what each
did, and that undo (and the undo of that undo) leaves the library as it was."""

from __future__ import annotations

from datetime import date

import pytest

from bibliofile.model import Reference
from bibliofile.model.reading import ReadingState
from bibliofile.services import notes, reading, tags, trash
from bibliofile.services.changes import NotDone, perform, undo
from bibliofile.storage import curation
from bibliofile.storage.library import TRASH, Library


def refs(library: Library, n: int) -> list[int]:
    return library.add_references([Reference(fields={"title": f"T{i}"}) for i in range(n)])


def test_status_reports_only_what_changed_and_undo_restores_dates(library: Library) -> None:
    a, b = refs(library, 2)
    with library.write() as uow:
        curation.set_reading(uow, [a], status="read", date_read="2020-01-02")
    change = perform(library, lambda u: reading.set_reading(u, [a, b], status="read"))
    assert change.ids == (b,)  # a was read already
    assert change.description == "Mark 2 references read"
    states = reading.states(library, [a, b])
    assert states[a].date_read == "2020-01-02"
    assert states[b] == ReadingState("read", 0, 0, date.today().isoformat())
    redo = undo(library, change)
    assert reading.states(library, [b])[b] == ReadingState()
    undo(library, redo)
    assert reading.states(library, [b])[b].status == "read"
    assert not library.get(b).edited  # reading is not editing the entry
    again = perform(library, lambda u: reading.set_reading(u, [a, b], status="read"))
    assert not again.changed
    with pytest.raises(ValueError):
        perform(library, lambda u: reading.set_reading(u, [a], status="finished"))


def test_tag_by_name_made_when_new_and_gone_again_on_undo(library: Library) -> None:
    a, b = refs(library, 2)
    change = perform(library, lambda u: tags.add_tag(u, [a, b], "ml"))
    assert set(change.ids) == {a, b}
    assert [(t.name, t.count) for t in tags.all_tags(library)] == [("ml", 2)]
    redo = undo(library, change)
    assert tags.all_tags(library) == []  # made by this action: undo deletes it
    undo(library, redo)
    assert sorted(library.search("tag:ml")) == [a, b]
    removed = perform(library, lambda u: tags.remove_tag(u, [a], "ML"))
    assert removed.ids == (a,)
    assert library.search("tag:ml") == [b]
    undo(library, removed)
    assert sorted(library.search("tag:ml")) == [a, b]
    with pytest.raises(NotDone, match="no tag named “nope”"):
        perform(library, lambda u: tags.remove_tag(u, [a], "nope"))


def test_undo_of_a_tag_already_in_use_keeps_the_tag(library: Library) -> None:
    a, b = refs(library, 2)
    perform(library, lambda u: tags.add_tag(u, [a], "ml"))
    change = perform(library, lambda u: tags.add_tag(u, [a, b], "ml"))
    assert change.ids == (b,)
    undo(library, change)
    assert library.search("tag:ml") == [a]
    assert [t.name for t in tags.all_tags(library)] == ["ml"]


def test_delete_rename_and_colour_a_tag_with_undo(library: Library) -> None:
    a, b = refs(library, 2)
    perform(library, lambda u: tags.add_tag(u, [a, b], "ml"))
    [tag] = tags.all_tags(library)
    coloured = perform(library, lambda u: tags.set_tag_colour(u, tag.id, "#cc0000"))
    renamed = perform(library, lambda u: tags.rename_tag(u, tag.id, "learning"))
    assert [(t.name, t.colour) for t in tags.all_tags(library)] == [("learning", "#cc0000")]
    undo(library, renamed)
    undo(library, coloured)
    assert [(t.name, t.colour) for t in tags.all_tags(library)] == [("ml", "")]
    perform(library, lambda u: tags.set_tag_colour(u, tag.id, "#00cc00"))
    deleted = perform(library, lambda u: tags.delete_tag(u, tag.id))
    assert tags.all_tags(library) == []
    redo = undo(library, deleted)
    assert [(t.name, t.colour, t.count) for t in tags.all_tags(library)] == [("ml", "#00cc00", 2)]
    undo(library, redo)
    assert tags.all_tags(library) == []


def test_note_undo_brings_back_the_old_words_for_search(library: Library) -> None:
    (a,) = refs(library, 1)
    perform(library, lambda u: notes.set_note(u, a, "<p>first idea</p>", "first idea"))
    change = perform(library, lambda u: notes.set_note(u, a, "<p>second</p>", "second"))
    assert library.search("idea") == []
    redo = undo(library, change)
    assert notes.note(library, a) == "<p>first idea</p>"
    assert library.search("idea") == [a]
    undo(library, redo)
    assert notes.note(library, a) == "<p>second</p>"
    assert not perform(library, lambda u: notes.set_note(u, a, "<p>second</p>", "second")).changed


def test_trash_and_restore_undo_each_other_and_empty_trash_purges(library: Library) -> None:
    a, b = refs(library, 2)
    change = perform(library, lambda u: trash.move_to_trash(u, [a]))
    assert library.search("") == [b] and library.search("", scope=TRASH) == [a]
    redo = undo(library, change)
    assert sorted(library.search("")) == [a, b]
    undo(library, redo)
    assert library.search("", scope=TRASH) == [a]
    with library.write() as uow:
        assert trash.empty_trash(uow) == 1
    assert library.search("", scope=TRASH) == [] and library.search("") == [b]
