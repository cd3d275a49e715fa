"""Several selected references are read-only in the detail pane until "Edit All N…" is confirmed
(issue 17, item 1): a stray keystroke must not change dozens of references.

In the main window over a real library file; the confirmation is answered by clicking its
buttons, as a user does.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from bibliofile.model import Creator, Reference
from bibliofile.storage.library import Library


def article(title: str, **fields: str) -> Reference:
    return Reference(item_type="article-journal", fields={"title": title, "date": "2008", **fields},
                     creators=[Creator(family="Knox", given="Colin")])


def type_text(editor: QWidget, text: str) -> None:
    """Select all, type (one QKeyEvent per character, with its text), then Return."""
    editor.selectAll()  # type: ignore[attr-defined]
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(editor, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(editor, QKeyEvent(kind, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r"))


def answer(pane, button_text: str, qtbot) -> None:
    """Click "Edit All N…", then the confirmation's button called ``button_text``."""
    assert pane.banner is not None
    pane.banner.button.click()
    box = pane.banner.confirm
    assert isinstance(box, QMessageBox)
    qtbot.waitUntil(box.isVisible)
    (button,) = [b for b in box.buttons() if b.text().replace("&", "") == button_text]
    button.click()
    qtbot.waitUntil(lambda: not box.isVisible())


def three(lib: Library) -> list[int]:
    return lib.add_references([
        article("Alpha", container_title="Public Administration", volume="1"),
        article("Beta", container_title="Public Administration", volume="2"),
        article("Gamma", container_title="Public Administration"),
    ])


def test_several_selected_are_read_only_and_show_what_they_share(window, lib: Library) -> None:
    ids = three(lib)
    window.reload()
    window.table.select_ids(ids)
    pane = window.detail
    assert not pane.editable
    assert pane.header.text() == "3 references selected"
    assert pane.banner.button.text() == "Edit All 3…"
    journal, volume = pane.editors["container_title"], pane.editors["volume"]
    assert journal.text() == "Public Administration" and journal.isReadOnly()
    assert volume.text() == "" and volume.placeholderText() == "(various)" and volume.isReadOnly()
    assert pane.editors["title"].placeholderText() == "(various)"
    assert "issue" not in pane.editors  # empty in all three: nothing they share
    assert not pane.type_combo.isEnabled()
    assert pane.tags_editor.read_only and not pane.tags_editor.field.isVisibleTo(pane)  # test_pane_selection_locked.py

    type_text(journal, "Nature")  # a stray keystroke
    assert {r.get("container_title") for r in lib.get_many(ids)} == {"Public Administration"}
    assert window.undo_stack.count() == 0


def test_edit_all_asks_with_the_count_and_changes_them_in_one_step(window, lib: Library, qtbot) -> None:
    ids = three(lib)
    window.reload()
    window.table.select_ids(ids)
    pane = window.detail

    answer(pane, "Cancel", qtbot)
    assert not pane.editable
    assert "3" in pane.banner.confirm.text()

    answer(pane, "Edit All 3", qtbot)
    assert pane.editable and pane.header.text() == "Editing 3 references"
    journal = pane.editors["container_title"]
    assert not journal.isReadOnly()
    type_text(journal, "Journal of Public Policy")
    assert [r.get("container_title") for r in lib.get_many(ids)] == ["Journal of Public Policy"] * 3
    assert window.undo_stack.count() == 1
    assert window.statusBar().currentMessage() == "Changed the journal of 3 references"

    type_text(pane.editors["volume"], "2")  # one of them had it already
    assert window.statusBar().currentMessage() == "Changed the volume of 2 references"

    window.act_undo.trigger()
    window.act_undo.trigger()
    assert [r.get("container_title") for r in lib.get_many(ids)] == ["Public Administration"] * 3
    assert [r.get("volume") for r in lib.get_many(ids)] == ["1", "2", ""]
    assert window.statusBar().currentMessage() == "Put back the journal of 3 references"
    assert pane.editable  # the same selection stays unlocked while it lasts


def test_another_selection_is_locked_again(window, lib: Library, qtbot) -> None:
    ids = three(lib)
    window.reload()
    window.table.select_ids(ids)
    answer(window.detail, "Edit All 3", qtbot)
    window.table.select_ids(ids[:2])
    assert not window.detail.editable and window.detail.banner.button.text() == "Edit All 2…"
    window.table.select_ids(ids)
    assert not window.detail.editable  # confirmed again, with the count, each time
    window.table.select_ids(ids[:1])
    assert window.detail.editable and window.detail.banner is None  # one reference: edited in place


def test_done_editing_locks_and_stores_what_was_typed(window, lib: Library, qtbot) -> None:
    ids = three(lib)
    window.reload()
    window.table.select_ids(ids)
    pane = window.detail
    answer(pane, "Edit All 3", qtbot)
    pane.editors["pages"].setText("1-10")
    pane.editors["pages"].setModified(True)  # typed, not finished
    pane.banner.button.click()  # "Done Editing"
    assert not pane.editable
    assert [r.get("pages") for r in lib.get_many(ids)] == ["1-10"] * 3


def test_a_search_after_an_import_lets_go_of_the_imported_selection(window, lib: Library, tmp_path: Path) -> None:
    """The 48-selected state of issue 17: the imported references stayed selected through a search."""
    bib = tmp_path / "new.bib"
    bib.write_text("".join(
        f"@article{{k{i},\n  author = {{Hood, C.}},\n  title = {{{word} study {i}}},\n  year = {{2001}},\n}}\n\n"
        for i, word in enumerate(["Audit", "Audit", "Audit", "Trust", "Trust"])
    ), encoding="utf-8")
    window.import_files([bib])
    assert len(window.table.selected_ids()) == 5  # shown after the import, as before
    window.search_field.setText("audit")
    window.search_field.flush()
    assert window.model.rowCount() == 3
    assert window.table.selected_ids() == []
    assert window.detail.stack.currentWidget() is window.detail.empty_page
    window.table.select_ids(window.model.ids[:2])  # a selection the user makes is kept
    window.search_field.setText("audit study")
    window.search_field.flush()
    assert len(window.table.selected_ids()) == 2


def test_screenshots(window, lib: Library, qtbot, shots: Path) -> None:
    ids = three(lib)
    window.resize(1300, 800)
    window.reload()
    window.show()
    qtbot.waitExposed(window)
    window.table.select_ids(ids)
    qtbot.wait(30)
    window.detail.grab().save(str(shots / "pane_multi_read_only.png"))
    window.detail.banner.button.click()
    box = window.detail.banner.confirm
    qtbot.waitUntil(box.isVisible)
    qtbot.wait(30)
    window.grab().save(str(shots / "pane_multi_confirm_window.png"))
    box.grab().save(str(shots / "pane_multi_confirm.png"))
    (yes,) = [b for b in box.buttons() if b.text() == "Edit All 3"]
    yes.click()
    qtbot.wait(30)
    window.detail.grab().save(str(shots / "pane_multi_editing.png"))
