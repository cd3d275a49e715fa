"""Dragging rows of a reading list to reorder it, offscreen, as Qt's own drag does it: a mouse
press on a row (which decides the selection the drag carries), the payload Qt's startDrag asks
the model for (its selected indexes), then DragEnter, DragMove and Drop on the table's viewport.

Issue 17: reordering "did nothing" in one run of the app and worked after a restart. The
selection made in My Library (an import's, a Select All) is kept by id in the reading list; when
it held every row, a press on a row kept it, so every drag carried the whole list and dropped it
where it was, as an empty undo step.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from tests.gui.conftest import make_ref

from bibliofile.gui.library_table import ids_to_mime
from bibliofile.storage import curation
from bibliofile.storage.library import Library, Scope

LETTERS = "ABCDEF"


def make_list(window, lib: Library) -> tuple[list[int], int]:
    """Six references A-F (titles sort as they are listed), all in one reading list, shown."""
    ids = lib.add_references([make_ref(f"{letter} study") for letter in LETTERS])
    with lib.write() as uow:
        cid = uow.add_collection("Chapter 2")
        uow.add_to_collection(cid, ids)
    window.reload_collections()
    window.reload()
    window.resize(1100, 500)
    window.show()
    return ids, cid


def row_point(window, row: int, upper: bool = False) -> QPoint:
    rect = window.table.visualRect(window.model.index(row, 2))
    return QPoint(rect.center().x(), rect.top() + 2 if upper else rect.center().y())


def drag_row(window, row: int, to_row: int) -> tuple[bool, bool]:
    """Press on ``row`` and drop the drag on the upper half of ``to_row``: (entered, dropped
    accepted). The payload is what QAbstractItemView::startDrag puts in a real drag."""
    vp = window.table.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, row_point(window, row))
    mime = window.model.mimeData(window.table.selectedIndexes())
    at = row_point(window, to_row, upper=True)
    actions = Qt.DropAction.CopyAction | Qt.DropAction.LinkAction  # the model's drag actions
    enter = QDragEnterEvent(at, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vp, enter)
    move = QDragMoveEvent(at, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vp, move)
    drop = QDropEvent(QPointF(at), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vp, drop)
    # The drag's release goes to Qt's drag loop, not to the view: the press is not finished.
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, row_point(window, row))
    return enter.isAccepted(), drop.isAccepted()


def letters(lib: Library, ids: list[int], cid: int) -> str:
    return "".join(LETTERS[ids.index(i)] for i in curation.collection_order(lib, cid))


def test_a_selection_made_in_my_library_does_not_swallow_drags_in_a_reading_list(window, lib: Library) -> None:
    ids, cid = make_list(window, lib)
    window.table.selectAll()  # as after an import: every new reference selected
    assert len(window.table.selected_ids()) == 6
    window.set_scope(Scope(collection_id=cid))
    steps = window.undo_stack.count()

    assert drag_row(window, 3, 0) == (True, True)  # D above A
    assert letters(lib, ids, cid) == "DABCEF"
    assert window.undo_stack.count() == steps + 1
    assert drag_row(window, 5, 1) == (True, True)  # F above A
    assert letters(lib, ids, cid) == "DFABCE"
    assert window.undo_stack.count() == steps + 2
    window.undo_stack.undo()
    assert letters(lib, ids, cid) == "DABCEF"


def test_a_whole_list_drag_moves_the_row_grabbed_and_then_only_it_is_selected(window, lib: Library) -> None:
    ids, cid = make_list(window, lib)
    window.set_scope(Scope(collection_id=cid))
    window.table.selectAll()
    drag_row(window, 4, 1)  # E above B
    assert letters(lib, ids, cid) == "AEBCDF"
    assert window.table.selected_ids() == [ids[4]]
    window.undo_stack.undo()
    assert letters(lib, ids, cid) == "ABCDEF"


def test_a_partial_selection_is_still_dragged_as_one(window, lib: Library) -> None:
    ids, cid = make_list(window, lib)
    window.set_scope(Scope(collection_id=cid))
    window.table.select_ids([ids[3], ids[5]], current=ids[3])
    drag_row(window, 5, 0)  # D and F, in their order, above A
    assert letters(lib, ids, cid) == "DFABCE"
    assert window.table.selected_ids() == [ids[3], ids[5]]


def test_a_drop_that_changes_nothing_says_so_and_is_no_undo_step(window, lib: Library) -> None:
    ids, cid = make_list(window, lib)
    window.set_scope(Scope(collection_id=cid))
    steps = window.undo_stack.count()
    window.table.select_ids([ids[0], ids[1]], current=ids[1])
    drag_row(window, 1, 0)  # A and B onto A: where they are
    assert letters(lib, ids, cid) == "ABCDEF"
    assert window.undo_stack.count() == steps
    assert "order is unchanged" in window.statusBar().currentMessage()

    window.table.select_ids([ids[2]])
    drag_row(window, 2, 3)  # C onto the upper half of D: before D, where it is
    assert letters(lib, ids, cid) == "ABCDEF"
    assert window.undo_stack.count() == steps


def test_a_sorted_list_says_how_to_reorder_and_a_click_on_it_restores_its_order(
    window, lib: Library, shots: Path
) -> None:
    ids, cid = make_list(window, lib)
    window.set_scope(Scope(collection_id=cid))
    with lib.write() as uow:  # list order F..A, so a sort by title is visibly another order
        curation.set_collection_order(uow, cid, list(reversed(ids)))
    window.reload()
    window.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # a click on Title
    assert window.model.sort_key == "title"
    steps = window.undo_stack.count()
    # The ids alone: a synthetic event has no drag source, and the window takes the citation
    # text of a drag without one for text dragged in from another application.
    mime = ids_to_mime([ids[3]])
    vp = window.table.viewport()
    at = row_point(window, 0, upper=True)
    for cls in (QDragEnterEvent, QDragMoveEvent):
        ev = cls(at, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(vp, ev)
        assert not ev.isAccepted()  # a no-entry cursor, not a drop that does nothing
    assert window.undo_stack.count() == steps
    assert "sorted by a column" in window.statusBar().currentMessage()

    item = window.sidebar.collection_item(cid)
    rect = window.sidebar.tree.visualItemRect(item)
    QTest.mouseClick(window.sidebar.tree.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, rect.center())
    assert window.model.sort_key == "position"
    assert [window.model.id_at(r) for r in range(6)] == list(reversed(ids))
    window.grab().save(str(shots / "reorder-list-order-restored.png"))
    window.table.select_ids([ids[0]])  # A, last in the list
    assert drag_row(window, 5, 0) == (True, True)
    assert letters(lib, ids, cid) == "AFEDCB"


def test_a_drop_of_the_whole_list_not_started_here_moves_nothing(window, lib: Library) -> None:
    """Only a drag pressed on a row of this table moves that row alone: after a click (press and
    release) a drop of every id, as from another window, is a move of them all, which changes
    nothing, and says so."""
    ids, cid = make_list(window, lib)
    window.set_scope(Scope(collection_id=cid))
    vp = window.table.viewport()
    QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, row_point(window, 2))
    steps = window.undo_stack.count()
    at = row_point(window, 0, upper=True)
    mime = ids_to_mime(ids)
    for cls in (QDragEnterEvent, QDragMoveEvent):
        QApplication.sendEvent(vp, cls(at, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                       Qt.KeyboardModifier.NoModifier))
    drop = QDropEvent(QPointF(at), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vp, drop)
    assert drop.isAccepted()
    assert letters(lib, ids, cid) == "ABCDEF"
    assert window.undo_stack.count() == steps
    assert "Nothing to reorder: the drag held all 6 references" in window.statusBar().currentMessage()
