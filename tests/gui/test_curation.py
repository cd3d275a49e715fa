"""Curation in the window, offscreen: triage keys, tags, reading lists, saved searches, notes,
and the Check Library, Find Duplicates and Overview dialogs, on real library files."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QInputDialog
from tests.gui.conftest import make_ref

from bibliofile.gui.library_table import COLUMN_KEYS
from bibliofile.model import Creator, Reference
from bibliofile.services.importing import import_files
from bibliofile.storage import curation
from bibliofile.storage.library import Library, Scope

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample-library.bib"
COL = {k: i for i, k in enumerate(COLUMN_KEYS)}


def titles(window) -> list[str]:
    m = window.model
    return [m.data(m.index(r, COL["title"])) for r in range(m.rowCount())]


def key(widget, k: Qt.Key, text: str = "") -> None:
    QApplication.sendEvent(widget, QKeyEvent(QKeyEvent.Type.KeyPress, k, Qt.KeyboardModifier.NoModifier, text))


def test_triage_keys_set_priority_and_cycle_status_as_undo_steps(window, lib: Library) -> None:
    ids = lib.add_references([make_ref("A"), make_ref("B"), make_ref("C")])
    window.reload()
    window.table.select_ids(ids[:2])
    window.table.setFocus()
    key(window.table, Qt.Key.Key_2, "2")
    states = curation.reading_states(lib, ids)
    assert [states[i].priority for i in ids] == [2, 2, 0]
    assert not window.table.horizontalHeader().isSectionHidden(COL["priority"])  # shown on first use
    key(window.table, Qt.Key.Key_R, "r")
    key(window.table, Qt.Key.Key_R, "r")
    assert curation.reading_states(lib, ids)[ids[0]].status == "reading"
    m = window.model
    assert m.data(m.index(m.row_of(ids[0]), COL["read_status"])) == "Reading"
    assert m.data(m.index(m.row_of(ids[0]), COL["priority"])) == "P2"
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert curation.reading_states(lib, ids)[ids[0]].status == ""
    window.undo_stack.undo()
    assert curation.reading_states(lib, ids)[ids[0]].priority == 0
    assert window.table.selected_ids() == ids[:2]
    help_texts = [a.text() for a in window.menu_help.actions()]
    assert "Triage Keys" in help_texts


def test_tags_in_the_sidebar_filter_and_accept_drops(window, lib: Library) -> None:
    ids = lib.add_references([make_ref("A"), make_ref("B"), make_ref("C")])
    with lib.write() as uow:
        tid = curation.add_tag(uow, "method", "#cc0000")
    c = window.curation
    c.refresh_sidebar()
    window.reload()
    assert c.tags_root is not None and not c.tags_root.isHidden()
    item = c.tags_root.child(0)
    assert item.text(0) == "method (0)"
    tree = window.sidebar.tree
    window.sidebar.show()
    window.table.select_ids(ids[1:])
    mime = window.model.mimeData(window.table.selectionModel().selectedRows())
    rect = tree.visualItemRect(item)
    drop = QDropEvent(QPointF(rect.center()), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    tree.dropEvent(drop)
    assert drop.isAccepted()
    assert sorted(lib.search("tag:method")) == ids[1:]
    item = c.tags_root.child(0)
    assert item.text(0) == "method (2)"
    tree.setCurrentItem(item)
    assert titles(window) == ["B", "C"]
    window.undo_stack.undo()
    assert lib.search("tag:method") == []
    assert tid


def test_saved_search_from_the_current_query(window, lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    lib.add_references([make_ref("Trust", family="Ostrom"), make_ref("Audit", family="Power")])
    window.reload()
    window.set_query("author:ostrom")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Ostrom's", True))
    window.curation.save_search()
    assert curation.saved_searches(lib)[0][1:] == ("Ostrom's", "author:ostrom")
    window.set_query("")
    assert len(titles(window)) == 2
    root = window.curation.searches_root
    window.sidebar.tree.setCurrentItem(root.child(0))
    assert titles(window) == ["Trust"]
    # live: a new matching reference shows up in the saved search
    lib.add_references([make_ref("Commons", family="Ostrom")])
    window.reload()
    assert sorted(titles(window)) == ["Commons", "Trust"]


def test_reading_list_order_drag_move_to_top_and_progress(window, lib: Library, shots: Path) -> None:
    ids = lib.add_references([make_ref(t, pages="1--10") for t in ("One", "Two", "Three", "Four")])
    with lib.write() as uow:
        cid = uow.add_collection("To read for chapter 2")
        uow.add_to_collection(cid, ids)
        curation.set_reading(uow, ids[:1], status="read")
    window.reload_collections()
    window.resize(1100, 500)
    window.show()
    window.set_scope(Scope(collection_id=cid))
    assert titles(window) == ["One", "Two", "Three", "Four"]  # list order, not by title
    assert "1 of 4 read · 30 pages left" in window.count_label.text()
    # drag "Four" above "Two" in the table
    window.table.select_ids([ids[3]])
    mime = window.model.mimeData(window.table.selectionModel().selectedRows())
    vp = window.table.viewport()
    rect = window.table.visualRect(window.model.index(1, 0))
    at = QPointF(rect.center().x(), rect.top() + 2)
    for kind in (QDropEvent.Type.DragEnter, QDropEvent.Type.DragMove):
        from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent

        cls = QDragEnterEvent if kind == QDropEvent.Type.DragEnter else QDragMoveEvent
        ev = cls(at.toPoint(), Qt.DropAction.CopyAction | Qt.DropAction.MoveAction, mime,
                 Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(vp, ev)
        assert ev.isAccepted()
    drop = QDropEvent(at, Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vp, drop)
    assert titles(window) == ["One", "Four", "Two", "Three"]
    assert curation.collection_order(lib, cid) == [ids[0], ids[3], ids[1], ids[2]]
    window.table.select_ids([ids[2]])
    window.curation.move_to_top([ids[2]])
    assert titles(window) == ["Three", "One", "Four", "Two"]
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert titles(window) == ["One", "Two", "Three", "Four"]
    window.table.set_column_visible(COL["read_status"], True)
    window.table.set_column_visible(COL["type"], False)
    window.table.set_column_visible(COL["date_added"], False)
    assert "1 of 4 read" in window.count_label.text()
    QApplication.processEvents()  # let the status bar lay out the longer label
    window.grab().save(str(shots / "reading-list.png"))
    # leaving the list brings the header's sort back
    window.set_scope(Scope())
    assert titles(window) == ["Four", "One", "Three", "Two"]


def test_context_menu_offers_reading_tags_and_move_to_top(window, lib: Library) -> None:
    from PySide6.QtWidgets import QMenu

    ids = lib.add_references([make_ref("A")])
    window.reload()
    menu = QMenu(window)
    window.curation.table_menu(menu, ids)
    labels = [a.text() for a in menu.actions()]
    assert {"Reading Status", "Priority", "Rating", "Tags", "Note…"} <= set(labels)


def test_note_editor_saves_rich_text_that_search_finds(window, lib: Library) -> None:
    from bibliofile.gui.notes_editor import NotesDialog

    (rid,) = lib.add_references([make_ref("A")])
    dlg = NotesDialog(window, rid)
    ed = dlg.editor
    ed.text.setPlainText("Argues for incrementalism")
    ed.text.selectAll()
    ed.toggle_bold()
    ed.text.moveCursor(ed.text.textCursor().MoveOperation.End)
    ed.add_link("https://example.org/x")
    dlg.save()
    assert lib.search("incrementalism") == [rid]
    stored = curation.note(lib, rid)
    assert "font-weight" in stored and 'href="https://example.org/x"' in stored
    window.undo_stack.undo()
    assert lib.search("incrementalism") == []


def test_check_library_flags_the_seed_record_and_fixes(window, lib: Library, shots: Path) -> None:
    from bibliofile.gui.integrity_dialog import IntegrityDialog

    import_files(lib, [SAMPLE], workers=1)
    lib.add_references([Reference(fields={"title": "Fixable", "date": "2001", "doi": "https://doi.org/10.1000/x1"},
                                  item_type="document", creators=[Creator(family="K")])])
    window.reload()
    dlg = IntegrityDialog(window)
    dlg.show()
    dlg.start()
    shown = dlg.findings_shown()
    assert any("needs its authors" in s for s in shown) and any("needs its volume" in s for s in shown)
    seed = [f for f in dlg.findings if f.citation_key == "kazakhstan2008modernizing"]
    assert {f.field for f in seed} == {"authors", "volume"}
    dlg.grab().save(str(shots / "check-library.png"))
    for i in range(dlg.list.topLevelItemCount()):
        item = dlg.list.topLevelItem(i)
        item.setSelected(item.data(0, Qt.ItemDataRole.UserRole).fixable)
    assert dlg.fix_button.isEnabled()
    dlg.fix_selected()
    [rid] = lib.search("title:fixable")
    assert lib.get(rid).get("doi") == "10.1000/x1"
    window.undo_stack.undo()
    assert lib.get(rid).get("doi").startswith("https://")


def test_find_duplicates_merge_and_undo(window, lib: Library, shots: Path) -> None:
    from bibliofile.gui.duplicates_dialog import DuplicatesDialog

    a, b, _c = lib.add_references([
        make_ref("Trust in networks", 2010, family="Ostrom", volume="3"),
        make_ref("Trust in Networks.", 2011, family="Ostrom", pages="1--9"),
        make_ref("Something else", 2010, family="Ostrom"),
    ])
    window.reload()
    dlg = DuplicatesDialog(window)
    dlg.show()
    dlg.start()
    assert len(dlg.pairs) == 1 and "same title" in dlg.pairs[0].reason
    assert dlg.fields.rowCount() >= 4
    dlg.grab().save(str(shots / "find-duplicates.png"))
    dlg.merge_current()
    assert lib.search("title:trust") == [a]
    assert lib.get(a).get("pages") == "1--9"
    assert dlg.list.topLevelItemCount() == 0
    window.undo_stack.undo()
    assert sorted(lib.search("title:trust")) == [a, b]
    dlg2 = DuplicatesDialog(window)
    dlg2.start()
    dlg2.not_duplicates()
    dlg3 = DuplicatesDialog(window)
    dlg3.start()
    assert dlg3.pairs == []


def test_overview_bars_are_painted_and_clickable(window, lib: Library, shots: Path, qtbot) -> None:
    from bibliofile.gui.overview_dialog import OverviewDialog

    ids = lib.add_references([make_ref("A", 2001), make_ref("B", 2001), make_ref("C", 2003, item_type="book")])
    with lib.write() as uow:
        curation.set_reading(uow, ids[:1], status="read", date_read="2026-02-10")
    window.reload()
    dlg = OverviewDialog(window)
    dlg.show()
    dlg.start()
    years = dlg.charts["year"]
    assert [b[:2] for b in years.bars] == [("2001", 2), ("2002", 0), ("2003", 1)]  # 2002: a gap on the axis
    assert [b[:2] for b in dlg.charts["read"].bars] == [("2026-02", 1)]
    QApplication.processEvents()
    dlg.grab().save(str(shots / "overview.png"))
    rect = years.bar_rects()[0]
    qtbot.mouseClick(years, Qt.MouseButton.LeftButton, pos=QPoint(int(rect.center().x()), int(rect.bottom() - 2)))
    assert sorted(titles(window)) == ["A", "B"]
    types = dlg.charts["type"]
    rect = types.bar_rects()[[b[2] for b in types.bars].index("type:book")]
    qtbot.mouseClick(types, Qt.MouseButton.LeftButton, pos=QPoint(int(rect.center().x()), int(rect.bottom() - 2)))
    assert titles(window) == ["C"]
    rect = dlg.charts["read"].bar_rects()[0]
    qtbot.mouseClick(dlg.charts["read"], Qt.MouseButton.LeftButton,
                     pos=QPoint(int(rect.center().x()), int(rect.bottom() - 2)))
    assert titles(window) == ["A"]
