"""The undo-key filter keeps working when the Python wrappers of the undo/redo actions go stale.

Found in the real app under Xvfb (issue 17's first afternoon, tests/e2e/test_first_afternoon_e2e):
after a search and a click on a row, the window's Undo/Redo QActions were still alive in C++
(the Edit menu showed them, the keys still worked) but their Python wrappers were invalidated,
and gui/undo_keys.py read ``self._undo.shortcuts()`` on every key typed into a text field: each
keystroke raised "Internal C++ object (QAction) already deleted" and opened the crash dialog.
``shiboken6.invalidate`` makes a wrapper stale the same way, without the C++ object going.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from bibliofile.gui.undo_keys import LibraryUndoKeys, redo_keys

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def test_keys_still_reach_the_actions_after_their_wrappers_went_stale(qtbot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    field = QLineEdit(window)
    QVBoxLayout(window).addWidget(field)
    stack = QUndoStack(window)
    # Made by the stack in C++, as the window makes them (gui/window_menus.py): a wrapper of
    # such an action can go stale while the action lives on.
    undo = stack.createUndoAction(window, "Undo")
    undo.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
    redo = stack.createRedoAction(window, "Redo")
    redo.setShortcuts(redo_keys())
    window.addActions([undo, redo])
    stack.push(QUndoCommand("a library step"))
    LibraryUndoKeys(window, undo, redo)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    field.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(field.hasFocus)

    shiboken6.invalidate(undo)
    shiboken6.invalidate(redo)
    assert not shiboken6.isValid(undo)
    QTest.keyClicks(field, "abc")  # plain typing passes the filter too
    assert field.text() == "abc"
    field.setText("abc")  # no typing history left: Ctrl+Z belongs to the library
    QTest.keyClick(field, Qt.Key.Key_Z, CTRL)
    assert stack.index() == 0, "Ctrl+Z did not reach the library's undo"
    QTest.keyClick(field, Qt.Key.Key_Z, CTRL | SHIFT)
    assert stack.index() == 1, "Ctrl+Shift+Z did not reach the library's redo"
    assert field.text() == "abc"
