"""Writes of the sidebar and the table's menu that go through services and the one undo command
(``gui.undo.change_command``): saved searches, New Tag, Delete Tag and New Reference, each one
step of Edit > Undo that the sidebar and the table follow, on real library files."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QInputDialog
from tests.gui.conftest import make_ref

from bibliofile.services import saved_searches, tags
from bibliofile.storage.library import TRASH, Library


def sidebar_names(root) -> list[str]:
    return [root.child(i).text(0) for i in range(root.childCount())]


def test_saving_and_deleting_a_search_are_undo_steps(window, lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    window.set_query("author:ostrom")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Ostrom's", True))
    window.curation.save_search()
    assert [s[1:] for s in saved_searches.saved_searches(lib)] == [("Ostrom's", "author:ostrom")]
    assert window.undo_stack.undoText() == "Save Search"
    window.undo_stack.undo()
    assert saved_searches.saved_searches(lib) == []
    assert sidebar_names(window.curation.searches_root) == []
    window.undo_stack.redo()
    [(sid, _n, _q)] = saved_searches.saved_searches(lib)
    assert sidebar_names(window.curation.searches_root) == ["Ostrom's"]

    window.curation._delete_search(sid, "Ostrom's")
    assert saved_searches.saved_searches(lib) == []
    window.undo_stack.undo()
    assert [s[1:] for s in saved_searches.saved_searches(lib)] == [("Ostrom's", "author:ostrom")]
    assert sidebar_names(window.curation.searches_root) == ["Ostrom's"]


def test_new_tag_undone_leaves_no_empty_tag_and_delete_tag_comes_back(
    window, lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = lib.add_references([make_ref("A"), make_ref("B")])
    window.reload()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("method", True))
    window.curation.new_tag([a, b])
    assert [(t.name, t.count) for t in tags.all_tags(lib)] == [("method", 2)]
    assert sidebar_names(window.curation.tags_root) == ["method (2)"]
    window.undo_stack.undo()
    assert tags.all_tags(lib) == []
    window.undo_stack.redo()
    [tag] = tags.all_tags(lib)
    assert tags.tags_of(lib, [a, b]) == {a: ["method"], b: ["method"]}

    window.curation.delete_tag(tag.id, tag.name)
    assert tags.all_tags(lib) == []
    window.undo_stack.undo()
    assert tags.tags_of(lib, [a, b]) == {a: ["method"], b: ["method"]}
    assert sidebar_names(window.curation.tags_root) == ["method (2)"]


def test_redoing_new_reference_brings_back_and_selects_the_same_reference(window, lib: Library) -> None:
    window.new_reference("book")
    [rid] = window.table.selected_ids()
    window.undo_stack.undo()
    assert lib.count(TRASH) == 1 and lib.count() == 0
    window.undo_stack.redo()
    assert lib.count() == 1 and lib.count(TRASH) == 0
    assert window.table.selected_ids() == [rid]
