"""A locked multi-selection's Reading rows and Tags row look and behave read-only like its other
fields (issue 17, first-afternoon trips): a tester saw the date read as a white field with its
"YYYY-MM-DD" hint, the status/priority/rating as choices, and an "Add tag…" field with ✕ on each
chip, all inviting an edit the pane would not make. Until "Edit All N…" is confirmed they are
values on the window's background, like Journal and Volume above them.

In the main window over a real library file.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from bibliofile.model import Creator, Reference
from bibliofile.services import reading, tags
from bibliofile.storage.library import Library


def article(title: str) -> Reference:
    return Reference(item_type="article-journal",
                     fields={"title": title, "date": "2008", "container_title": "Public Administration"},
                     creators=[Creator(family="Knox", given="Colin")])


def base_is_window(w: QWidget) -> bool:
    pal = w.palette()
    return pal.color(QPalette.ColorRole.Base) == pal.color(QPalette.ColorRole.Window)


def type_keys(w: QWidget, text: str) -> None:
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(w, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(w, QKeyEvent(kind, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r"))


def three(lib: Library) -> list[int]:
    ids = lib.add_references([article("Alpha"), article("Beta"), article("Gamma")])
    with lib.write() as uow:
        reading.set_reading(uow, ids, status="reading", rating=4)
        reading.set_reading(uow, ids[:1], priority=1, date_read="2024-05-01")
        tags.add_tag(uow, ids, "method")
        tags.add_tag(uow, ids[:1], "draft")
    return ids


def selected(window, lib: Library, qtbot) -> list[int]:
    ids = three(lib)
    window.resize(1300, 900)
    window.reload()
    window.show()
    qtbot.waitExposed(window)
    window.table.select_ids(ids)
    assert not window.detail.editable
    return ids


def test_reading_rows_are_read_only_values_like_the_other_fields(window, lib: Library, qtbot) -> None:
    ids = selected(window, lib, qtbot)
    pane = window.detail
    rows = pane.reading_rows
    journal = pane.editors["container_title"]
    assert journal.isReadOnly() and base_is_window(journal)  # how a locked field looks

    for combo in (rows.status, rows.priority, rows.rating):
        assert not combo.isVisibleTo(pane), combo.objectName()  # no choice on offer
    shown = {v.objectName(): v for v in rows.views()}
    assert all(v.isVisibleTo(pane) and v.isReadOnly() and base_is_window(v) for v in shown.values())
    assert shown["readingStatusView"].text() == "Reading"
    assert shown["readingRatingView"].text() == "★★★★"
    assert (shown["readingPriorityView"].text(), shown["readingPriorityView"].placeholderText()) == ("", "(various)")
    date = rows.date_read
    assert date.isReadOnly() and base_is_window(date)
    assert date.placeholderText() == "(various)"  # not the "YYYY-MM-DD" that asks for a date

    before = reading.states(lib, ids)
    for view in (*shown.values(), date):  # a user clicks and types into each
        QTest.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(8, view.height() // 2))
        type_keys(view, "2020-01-01")
        QTest.keyClick(view, Qt.Key.Key_Down)
    assert reading.states(lib, ids) == before
    assert window.undo_stack.count() == 0


def test_tags_row_shows_names_without_add_field_or_remove_buttons(window, lib: Library, qtbot) -> None:
    ids = selected(window, lib, qtbot)
    row = window.detail.tags_editor
    assert row.names() == ["draft", "method"]
    assert not row.field.isVisibleTo(row)  # no "Add tag…" to type into
    for chip in row.chips:
        assert chip.label.isEnabled() and chip.label.isVisibleTo(row)  # readable, not greyed
        assert not chip.remove_button.isVisibleTo(row), chip.tag.name
    assert tags.tags_of(lib, ids) == {i: ["draft", "method"] if i == ids[0] else ["method"] for i in ids}


def test_no_tags_is_said_when_locked(window, lib: Library, qtbot) -> None:
    ids = lib.add_references([article("Alpha"), article("Beta")])
    window.reload()
    window.table.select_ids(ids)
    row = window.detail.tags_editor
    assert row.chips == [] and not row.field.isVisibleTo(row)
    assert row.none_label.isVisibleTo(row) and row.none_label.text() == "No tags"


def test_edit_all_makes_them_editable_and_done_locks_them_again(window, lib: Library, qtbot) -> None:
    ids = selected(window, lib, qtbot)
    pane = window.detail
    pane.unlock()  # what the confirmed "Edit All 3" does (its dialog: test_pane_selection.py)
    rows, row = pane.reading_rows, pane.tags_editor
    for combo in (rows.status, rows.priority, rows.rating):
        assert combo.isVisibleTo(pane) and combo.isEnabled()
    assert not any(v.isVisibleTo(pane) for v in rows.views())
    assert not rows.date_read.isReadOnly() and not base_is_window(rows.date_read)
    assert rows.date_read.placeholderText() == "(various)"
    assert row.field.isVisibleTo(row) and not row.none_label.isVisibleTo(row)
    assert all(c.remove_button.isVisibleTo(row) for c in row.chips)

    type_keys(rows.date_read, "2023-02-28")  # now it writes, once for all three
    assert {s.date_read for s in reading.states(lib, ids).values()} == {"2023-02-28"}
    assert rows.date_read.placeholderText() == "YYYY-MM-DD"

    pane.lock()
    rows, row = pane.reading_rows, pane.tags_editor
    assert all(v.isVisibleTo(pane) for v in rows.views()) and rows.date_read.isReadOnly()
    assert base_is_window(rows.date_read) and rows.date_read.placeholderText() == ""
    assert not row.field.isVisibleTo(row)


def test_screenshots(window, lib: Library, qtbot, shots: Path) -> None:
    selected(window, lib, qtbot)
    qtbot.wait(30)
    window.detail.grab().save(str(shots / "pane_multi_locked_reading_tags.png"))
    window.detail.unlock()
    qtbot.wait(30)
    window.detail.grab().save(str(shots / "pane_multi_unlocked_reading_tags.png"))
