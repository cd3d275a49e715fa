"""Reading status, priority, rating and date read in the detail pane (issue 17, item 10): shown,
editable, each choice one undo step through services.reading, on a real library file."""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QUndoStack
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QWidget

from bibliofile.gui.detail_pane import DetailPane
from bibliofile.model import Creator, Reference
from bibliofile.services import reading
from bibliofile.storage.library import Library


def article(title: str) -> Reference:
    return Reference(item_type="article-journal", fields={"title": title, "date": "2008"},
                     creators=[Creator(family="Knox", given="Colin")])


@pytest.fixture
def stack() -> QUndoStack:
    return QUndoStack()


@pytest.fixture
def pane(qtbot, lib: Library, stack: QUndoStack) -> DetailPane:
    p = DetailPane(lib, stack)
    qtbot.addWidget(p)
    p.resize(380, 1100)
    p.show()
    qtbot.waitExposed(p)
    return p


def choose(box: QComboBox, text: str) -> None:
    """Pick an entry as a user does (``activated`` is what a user's choice sends)."""
    i = box.findText(text)
    assert i >= 0, [box.itemText(j) for j in range(box.count())]
    box.setCurrentIndex(i)
    box.activated.emit(i)


def type_text(editor: QWidget, text: str) -> None:
    editor.selectAll()  # type: ignore[attr-defined]
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(editor, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(editor, QKeyEvent(kind, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r"))


def state(lib: Library, rid: int) -> reading.ReadingState:
    return reading.states(lib, [rid])[rid]


def test_each_part_is_shown_set_and_undone_in_one_step(pane: DetailPane, lib: Library, stack: QUndoStack) -> None:
    (rid,) = lib.add_references([article("Commons")])
    pane.show_references([rid])
    rows = pane.reading_rows
    assert rows is not None
    assert [rows.status.currentText(), rows.priority.currentText(), rows.rating.currentText()] == ["None"] * 3
    assert rows.date_read.text() == ""

    choose(rows.status, "Read")
    assert state(lib, rid).status == "read"
    assert state(lib, rid).date_read == dt.date.today().isoformat()  # marking read dates it
    assert rows.date_read.text() == dt.date.today().isoformat()  # and the pane shows it
    choose(rows.priority, "1 (high)")
    choose(rows.rating, "★★★★")
    type_text(rows.date_read, "2024-05-01")
    assert state(lib, rid) == reading.ReadingState("read", 1, 4, "2024-05-01")
    assert stack.count() == 4
    assert [stack.text(i) for i in range(4)] == ["Mark read", "Priority 1 (high)", "Rate ★★★★", "Date read 2024-05-01"]
    assert not lib.get(rid).edited  # reading is not editing: the entry still exports as read

    stack.undo()
    assert state(lib, rid).date_read == dt.date.today().isoformat()
    assert rows.date_read.text() == dt.date.today().isoformat()
    stack.undo()
    assert rows.rating.currentText() == "None"
    stack.undo()
    stack.undo()
    assert state(lib, rid) == reading.ReadingState("", 0, 0, "")
    assert rows.status.currentText() == "None"

    choose(rows.status, "None")  # already so: no empty step
    assert stack.index() == 0


def test_a_date_that_is_not_one_is_refused_and_said(pane: DetailPane, lib: Library, stack: QUndoStack) -> None:
    (rid,) = lib.add_references([article("Commons")])
    pane.show_references([rid])
    rows = pane.reading_rows
    type_text(rows.date_read, "2024-13-01")
    assert rows.date_problem.isVisibleTo(pane)
    assert rows.date_problem.text() == "“2024-13-01” is not a date (YYYY-MM-DD); the date read was not changed."
    assert rows.date_read.text() == "" and stack.count() == 0 and state(lib, rid).date_read == ""
    type_text(rows.date_read, "2023-02-28")
    assert not rows.date_problem.isVisibleTo(pane) and state(lib, rid).date_read == "2023-02-28"
    rows.date_read.selectAll()
    QTest.keyClick(rows.date_read, Qt.Key.Key_Delete)
    type_text(rows.date_read, "")
    assert state(lib, rid).date_read == "" and stack.count() == 2


def test_several_references_show_various_and_change_together(pane: DetailPane, lib: Library, stack: QUndoStack, qtbot) -> None:
    ids = lib.add_references([article("A"), article("B"), article("C")])
    with lib.write() as uow:
        reading.set_reading(uow, ids[:1], priority=2)
        reading.set_reading(uow, ids, rating=3)
    pane.show_references(ids)
    rows = pane.reading_rows
    assert rows.priority.currentIndex() == -1 and rows.priority.placeholderText() == "(various)"
    assert rows.rating.currentText() == "★★★"
    assert not rows.priority.isEnabled() and rows.date_read.isReadOnly()  # locked until "Edit All"

    pane.unlock()
    with qtbot.waitSignal(pane.statusMessage) as said:
        choose(pane.reading_rows.priority, "2")
    assert said.args == ["Changed the priority of 2 references"]  # one had it already
    assert {state(lib, i).priority for i in ids} == {2}
    assert stack.count() == 1 and stack.undoText() == "Priority 2 of 3 references"
    stack.undo()
    assert [state(lib, i).priority for i in ids] == [2, 0, 0]


def test_a_triage_key_shows_in_the_pane(window, lib: Library, qtbot) -> None:
    (rid,) = lib.add_references([article("Commons")])
    window.reload()
    window.show()
    qtbot.waitExposed(window)
    window.table.select_ids([rid])
    window.table.setFocus()
    qtbot.waitUntil(window.table.hasFocus)
    QTest.keyClick(window.table, Qt.Key.Key_3)
    assert state(lib, rid).priority == 3
    assert window.detail.reading_rows.priority.currentText() == "3 (low)"


def test_screenshot(window, lib: Library, qtbot, shots: Path) -> None:
    (rid,) = lib.add_references([article("Governing the commons")])
    with lib.write() as uow:
        reading.set_reading(uow, [rid], status="reading", priority=1, rating=4, date_read="2024-05-01")
    window.resize(1300, 900)
    window.reload()
    window.show()
    qtbot.waitExposed(window)
    window.table.select_ids([rid])
    qtbot.wait(30)
    window.detail.grab().save(str(shots / "pane_reading.png"))
    group = window.detail.findChild(QLabel, "group_Reading")
    assert group is not None and group.isVisibleTo(window.detail)
