"""The main window over a real library: search, scopes, trash with undo, collections, settings."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from bibliofile.gui import messages
from bibliofile.gui.library_table import COLUMN_KEYS, ids_to_mime
from bibliofile.storage.errors import LibraryLockedError
from bibliofile.storage.library import LIBRARY, TRASH, Scope

from .conftest import make_ref, many_refs

COL = {k: i for i, k in enumerate(COLUMN_KEYS)}


def titles(window) -> list[str]:
    m = window.model
    return [m.data(m.index(r, COL["title"])) for r in range(m.rowCount())]


def type_text(widget, text: str) -> None:
    """Type text key by key with its own QKeyEvents (QTest's helpers fail on non-ASCII)."""
    for ch in text:
        for kind in (QKeyEvent.Type.KeyPress, QKeyEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def test_title_counts_and_columns(window, lib) -> None:
    lib.add_references(many_refs(40))
    window.reload()
    assert window.windowTitle() == "lib.sqlite"  # the window system shows "lib.sqlite — Bibliofile"
    assert window.count_label.text() == "40 of 40 references"
    hh = window.table.horizontalHeader()
    shown = [window.model.headerData(i, Qt.Orientation.Horizontal) for i in range(len(COL)) if not hh.isSectionHidden(i)]
    assert shown == ["Authors", "Year", "Title", "Journal/Book", "Type", "Date added"]


def test_search_as_you_type(window, lib, qtbot) -> None:
    """Each key searches at once (no debounce); a trailing space does not search again."""
    lib.add_references(
        [make_ref("Modernizing government", 2008, "Knox"), make_ref("Governing the commons", 1990, "Ostrom")]
    )
    window.reload()
    window.focus_search()
    assert window.search_field.hasFocus() or not window.isVisible()
    requested: list[str] = []
    window.search_field.searchRequested.connect(requested.append)
    qtbot.keyClicks(window.search_field, "author:kno")
    assert requested[-3:] == ["author:k", "author:kn", "author:kno"]
    qtbot.waitUntil(lambda: titles(window) == ["Modernizing government"], timeout=2000)
    searches = window.model._serial
    qtbot.keyClicks(window.search_field, " ")
    assert window.model._serial == searches  # the same terms: no new search
    window.search_field.clear()
    qtbot.keyClicks(window.search_field, "author:ostrom")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=2000)
    assert titles(window) == ["Governing the commons"]
    assert window.count_label.text() == "1 of 2 references"


def test_non_ascii_typing_finds_references(window, lib) -> None:
    lib.add_references([make_ref("Ångström units", 1999, "Ångström"), make_ref("Other", 1999, "Weber")])
    window.reload()
    type_text(window.search_field, "ångström")
    assert window.search_field.text() == "ångström"
    window.search_field.flush()
    assert titles(window) == ["Ångström units"]


def test_query_syntax_and_hint_in_status_bar(window, lib) -> None:
    lib.add_references(
        [
            make_ref("Modernizing government", 2008, "Knox"),
            make_ref("Governing the commons", 1990, "Ostrom"),
            make_ref("Public management reform", 2004, "Pollitt"),
        ]
    )
    window.reload()
    for query, expected in [
        ("year:2000..2010", ["Modernizing government", "Public management reform"]),
        ("-commons", ["Modernizing government", "Public management reform"]),
        ("author:knox", ["Modernizing government"]),
    ]:
        window.search_field.setText(query)
        window.search_field.flush()
        assert titles(window) == expected, query
        assert "year:" not in window.statusBar().currentMessage()
    window.search_field.setText("year:someday")
    window.search_field.flush()
    assert "year:" in window.statusBar().currentMessage()
    assert not any(isinstance(w, QMessageBox) for w in QApplication.topLevelWidgets() if w.isVisible())


def test_sorting_by_header_click_requeries(window, lib, qtbot) -> None:
    """A click on a column header sorts by it, a second click reverses it (the header is our own
    subclass, and it was once left unclickable: sorting worked only from code)."""
    lib.add_references([make_ref("B", 2001), make_ref("A", 1999), make_ref("C", 2010)])
    window.reload()
    window.show()
    qtbot.waitExposed(window)
    assert titles(window) == ["A", "B", "C"]
    hh = window.table.horizontalHeader()
    year = QPoint(hh.sectionViewportPosition(COL["year"]) + hh.sectionSize(COL["year"]) // 2, hh.height() // 2)
    qtbot.mouseClick(hh.viewport(), Qt.MouseButton.LeftButton, pos=year)
    assert window.model.sort_key == "year" and hh.sortIndicatorSection() == COL["year"]
    first = titles(window)
    qtbot.mouseClick(hh.viewport(), Qt.MouseButton.LeftButton, pos=year)
    assert titles(window) == list(reversed(first)) and set(first) == {"A", "B", "C"}
    window.table.sortByColumn(COL["year"], Qt.SortOrder.DescendingOrder)
    assert titles(window) == ["C", "B", "A"]
    assert window.model.sort_key == "year" and window.model.descending


def test_trash_undo_redo_and_scope(window, lib, qtbot) -> None:
    ids = lib.add_references([make_ref("A"), make_ref("B"), make_ref("C")])
    window.reload()
    window.table.select_ids([ids[1]])
    window.trash_selected()
    assert titles(window) == ["A", "C"]
    assert window.table.selected_ids() == [ids[2]]  # the next row takes the selection
    assert lib.count(TRASH) == 1
    window.undo_stack.undo()
    assert titles(window) == ["A", "B", "C"]
    assert window.table.selected_ids() == [ids[1]]  # selection comes back with the reference
    window.undo_stack.redo()
    assert titles(window) == ["A", "C"]

    window.sidebar.tree.setCurrentItem(window.sidebar.trash_item)
    assert window.model.scope == TRASH
    assert titles(window) == ["B"]
    assert not window.act_trash.isEnabled()
    window.table.select_ids([ids[1]])
    assert window.act_restore.isEnabled()
    window.restore_selected()
    assert titles(window) == []
    assert lib.count(TRASH) == 0
    window.set_scope(LIBRARY)
    assert titles(window) == ["A", "B", "C"]


def test_delete_key_trashes_only_from_the_table(window, lib, qtbot) -> None:
    lib.add_references([make_ref("A"), make_ref("B")])
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.reload()
    window.table.setFocus()
    window.table.selectRow(0)
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    assert titles(window) == ["B"]
    window.search_field.setFocus()
    window.search_field.setText("x")
    window.search_field.setCursorPosition(0)
    qtbot.keyClick(window.search_field, Qt.Key.Key_Delete)
    assert window.search_field.text() == ""
    assert lib.count() == 1


def test_empty_trash_asks_and_clears_undo(window, lib, monkeypatch) -> None:
    ids = lib.add_references([make_ref("A"), make_ref("B")])
    window.reload()
    window.table.select_ids(ids)
    window.trash_selected()
    window.set_scope(TRASH)
    assert window.act_empty_trash.isEnabled()
    asked: list[str] = []
    monkeypatch.setattr(messages, "ask", lambda _p, _t, text, **_k: asked.append(text) or False)
    window.ask_empty_trash()
    assert lib.count(TRASH) == 2  # said no
    monkeypatch.setattr(messages, "ask", lambda _p, _t, text, **_k: asked.append(text) or True)
    window.ask_empty_trash()
    assert "2 references" in asked[0] and "cannot be undone" in asked[0]
    assert lib.count(TRASH) == 0 and lib.count() == 0
    assert titles(window) == []
    assert window.undo_stack.count() == 0


def test_new_reference_is_added_and_selected(window, lib) -> None:
    lib.add_references([make_ref("Existing")])
    window.reload()
    window.search_field.setText("existing")
    window.search_field.flush()
    window.new_reference("book")
    [rid] = window.table.selected_ids()
    assert lib.get(rid).item_type == "book"
    assert window.search_field.text() == ""
    row = window.model.row_of(rid)
    assert window.model.data(window.model.index(row, COL["type"])) == "Book"
    window.undo_stack.undo()
    assert lib.count() == 1 and lib.count(TRASH) == 1
    window.undo_stack.redo()
    assert lib.count() == 2


def test_collections_create_rename_drop_and_scope(window, lib) -> None:
    ids = lib.add_references([make_ref("A"), make_ref("B"), make_ref("C")])
    window.reload()
    window.create_collection("Thesis")
    [(cid, _parent, name)] = lib.collections()
    assert name == "Thesis"
    item = window.sidebar.collection_item(cid)
    assert item is not None and item.text(0) == "Thesis"

    # Drag A and C from the table onto the collection: the payload is the ids mime type.
    window.table.select_ids([ids[0], ids[2]])
    rows = window.table.selectionModel().selectedRows()
    mime = window.model.mimeData(rows)
    tree = window.sidebar.tree
    window.sidebar.show()
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    drop = QDropEvent(
        QPointF(rect.center()), Qt.DropAction.CopyAction, mime,
        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
    )
    tree.dropEvent(drop)
    assert drop.isAccepted()
    window.set_scope(Scope(collection_id=cid))
    assert titles(window) == ["A", "C"]
    assert window.table.selected_ids() == [ids[0], ids[2]]  # the selection follows by id
    assert window.act_remove_from_collection.isEnabled()
    window.table.select_ids([ids[0]])
    window.remove_selected_from_collection()
    assert titles(window) == ["C"]

    window.sidebar.tree.setCurrentItem(window.sidebar.unfiled_item)
    assert titles(window) == ["A", "B"]

    window.rename_collection(cid, "Chapter 2")
    assert window.sidebar.collection_name(cid) == "Chapter 2"
    window.create_collection("Sub", cid)
    assert [c[2] for c in lib.collections()] == ["Chapter 2", "Sub"]
    window.set_scope(Scope(collection_id=cid))
    window.delete_collection(cid)
    assert window.model.scope == LIBRARY  # the chosen collection is gone: back to the library
    assert lib.collections() == [] and lib.count() == 3

    # Each of these was one undo step: back through them, then forward again.
    stack = window.undo_stack
    stack.undo()  # the delete: the collection, its sub-collection and its item come back
    assert sorted(c[2] for c in lib.collections()) == ["Chapter 2", "Sub"]
    window.set_scope(Scope(collection_id=cid))
    assert titles(window) == ["C"]
    stack.undo()  # the new sub-collection
    assert [c[2] for c in lib.collections()] == ["Chapter 2"]
    stack.undo()  # the rename
    assert window.sidebar.collection_name(cid) == "Thesis"
    stack.undo()  # taking A out of it
    assert titles(window) == ["A", "C"]
    stack.redo()
    assert titles(window) == ["C"]
    stack.redo()
    stack.redo()
    assert sorted(c[2] for c in lib.collections()) == ["Chapter 2", "Sub"]
    stack.redo()
    assert lib.collections() == []
    for _ in range(4):
        stack.undo()
    stack.undo()  # the drop of A and C onto it
    window.set_scope(Scope(collection_id=cid))
    assert titles(window) == []
    stack.undo()  # its creation
    assert lib.collections() == []
    stack.redo()  # the same collection again, same id
    assert [c[0] for c in lib.collections()] == [cid]


def test_drop_on_non_collection_is_refused(window, lib) -> None:
    """References dropped on "My Library" and plain text dropped on a collection are refused
    and change nothing; the same references dropped on the collection are taken (so the point
    aimed at is the collection's row, and the refusals come from what was dropped where)."""
    [rid] = lib.add_references([make_ref("A")])
    window.create_collection("Thesis")
    [(cid, _parent, _name)] = lib.collections()
    window.reload()
    tree = window.sidebar.tree
    window.sidebar.show()

    def drop_on(item, mime: QMimeData) -> tuple[bool, bool]:
        """(drag entered, dropped): both events are made accepted, so only the tree refuses."""
        tree.scrollToItem(item)
        at = QPointF(tree.visualItemRect(item).center())
        enter = QDragEnterEvent(at.toPoint(), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        tree.dragEnterEvent(enter)
        drop = QDropEvent(at, Qt.DropAction.CopyAction, mime,
                          Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        tree.dropEvent(drop)
        return enter.isAccepted(), drop.isAccepted()

    collection = window.sidebar.collection_item(cid)
    # The ids may be dragged over the sidebar, but "My Library" does not take them.
    assert drop_on(window.sidebar.library_item, ids_to_mime([rid])) == (True, False)
    plain = QMimeData()
    plain.setText(str(rid))  # the id as text is not the ids payload
    assert drop_on(collection, plain) == (False, False)
    window.set_scope(Scope(collection_id=cid))
    assert titles(window) == []
    assert drop_on(collection, ids_to_mime([rid])) == (True, True)
    window.set_scope(Scope(collection_id=cid))
    assert titles(window) == ["A"]


def test_markup_is_shown_literally_everywhere(window, lib, shots) -> None:
    nasty = "<img src=x> and <b>bold</b>"
    [rid] = lib.add_references([make_ref(nasty, family="<i>Evil</i>")])
    window.create_collection("<b>Reading</b>")
    window.reload()
    window.table.select_ids([rid])
    m = window.model
    assert m.data(m.index(0, COL["title"])) == nasty
    assert "&lt;b&gt;bold&lt;/b&gt;" in m.data(m.index(0, COL["title"]), Qt.ItemDataRole.ToolTipRole)
    [(cid, _p, _n)] = lib.collections()
    assert window.sidebar.collection_item(cid).text(0) == "<b>Reading</b>"
    for label in window.findChildren(QLabel):
        if label.text() and ("<b>" in label.text() or "<img" in label.text()):
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    window.resize(1200, 500)
    window.show()
    window.grab().save(str(shots / "markup_literal.png"))


def test_known_errors_get_a_plain_message_and_bugs_the_crash_dialog(window, monkeypatch, crashes) -> None:
    shown: list[str] = []
    monkeypatch.setattr(messages, "warn", lambda _p, _t, text: shown.append(text))
    window.show_error(LibraryLockedError("The library is locked by another program; nothing was changed."))
    assert shown == ["The library is locked by another program; nothing was changed."]
    assert crashes == []
    window.show_error(RuntimeError("boom"))
    assert len(crashes) == 1 and "RuntimeError: boom" in crashes[0]
    crashes.clear()


def test_write_errors_reach_the_user(window, lib, monkeypatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(messages, "warn", lambda _p, _t, text: shown.append(text))

    def fails(_uow):
        raise LibraryLockedError("locked")

    window.run_write(fails)
    assert shown == ["locked"]


def test_settings_are_restored(make_window, lib, settings) -> None:
    lib.add_references(many_refs(20))
    w1 = make_window()
    w1.resize(777, 555)
    w1.table.set_column_visible(COL["doi"], True)
    w1.table.set_column_visible(COL["date_added"], False)
    w1.table.horizontalHeader().resizeSection(COL["authors"], 321)
    w1.table.horizontalHeader().moveSection(COL["year"], 0)
    w1.table.sortByColumn(COL["year"], Qt.SortOrder.DescendingOrder)
    w1.splitter.setSizes([150, 400, 200])
    sizes = w1.splitter.sizes()
    w1.close()
    assert settings.contains("table/header")

    w2 = make_window()
    hh = w2.table.horizontalHeader()
    assert not hh.isSectionHidden(COL["doi"])
    assert hh.isSectionHidden(COL["date_added"])
    assert hh.sectionSize(COL["authors"]) == 321
    assert hh.visualIndex(COL["year"]) == 0
    assert hh.sortIndicatorSection() == COL["year"]
    assert w2.model.sort_key == "year" and w2.model.descending
    assert (w2.size().width(), w2.size().height()) == (777, 555)
    assert w2.splitter.sizes() == sizes


def test_header_menu_toggles_optional_columns(window) -> None:
    menu = window.table.columns_menu(window)
    acts = {a.text(): a for a in menu.actions()}
    assert not acts["DOI"].isChecked() and acts["Title"].isEnabled() is False
    acts["DOI"].setChecked(True)
    assert not window.table.horizontalHeader().isSectionHidden(COL["doi"])


def test_a_column_shown_from_the_menu_is_in_view(window, lib, qtbot) -> None:
    """Shown from the header menu, a column takes its room from the title and is on screen;
    hidden again, its width goes back to the title."""
    lib.add_references(many_refs(30))
    window.reload()
    _shown(window, qtbot, size=(1500, 800))
    table, hh = window.table, window.table.horizontalHeader()
    table.horizontalHeader().resizeSection(COL["authors"], 200)  # the user's own widths, no auto-fit
    width = table.viewport().width()
    title_before = hh.sectionSize(COL["title"])
    for key in ("doi", "citation_key", "pages"):
        acts = {a.text(): a for a in table.columns_menu(window).actions()}
        acts[{"doi": "DOI", "citation_key": "Citation key", "pages": "Pages"}[key]].setChecked(True)
        qtbot.wait(50)
        left = hh.sectionViewportPosition(COL[key])
        assert left >= 0 and left + hh.sectionSize(COL[key]) <= table.viewport().width(), key
    assert hh.sectionSize(COL["title"]) >= width // 5
    assert hh.sectionSize(COL["title"]) < title_before
    shrunk = hh.sectionSize(COL["title"])
    for key in ("doi", "citation_key", "pages"):
        table.set_column_visible(COL[key], False)
    assert hh.sectionSize(COL["title"]) > shrunk and hh.length() <= table.viewport().width()


def test_a_narrow_table_keeps_a_readable_title_column(window, lib, qtbot) -> None:
    """The first-run fit of a narrow table (a laptop, both panes open) once left the title
    34 px beside the fixed columns; it keeps at least a fifth of the table, or 100 px."""
    lib.add_references(many_refs(30))
    window.reload()
    _shown(window, qtbot, size=(1100, 700))
    table, hh = window.table, window.table.horizontalHeader()
    assert hh.sectionSize(COL["title"]) >= max(100, table.viewport().width() // 5)
    assert hh.sectionSize(COL["authors"]) >= 60 and hh.sectionSize(COL["container"]) >= 60


def test_counts_are_written_with_thousands_separators(window, lib) -> None:
    """The status bar, the import summary and the detail pane write 1,200 the same way."""
    from bibliofile.gui.import_dialog import plural

    lib.add_references(many_refs(1200))
    window.reload()
    assert window.count_label.text() == "1,200 of 1,200 references"
    assert plural(100_000, "reference") == "100,000 references" and plural(1, "reference") == "1 reference"


def _shown(window, qtbot, size=None):
    """The window on screen and active, the focus in the table (at ``size`` if given)."""
    if size is not None:
        window.resize(*size)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    window.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.table, timeout=2000)


def test_tab_goes_from_the_table_through_the_detail_pane_in_its_order(window, lib, qtbot) -> None:
    """Tab: table -> item type -> citation key -> title ... -> last field -> search field ->
    sidebar -> table. (The pane's fields are made anew for each selection; with a focus proxy
    Tab once jumped from the table to the title, and never reached the search field.)"""
    [rid] = lib.add_references([make_ref("Alpha")])
    window.reload()
    window.table.select_ids([rid])
    _shown(window, qtbot)
    seen = []
    for _ in range(60):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        w = QApplication.focusWidget()
        seen.append(w)
        if w is window.table:
            break
    names = [w.objectName() for w in seen]
    assert names[:3] == ["itemTypeCombo", "citationKeyEdit", "field_title"], names
    assert seen[-4:] == [window.search_field, window.sidebar.tree, window.sidebar.add_button, window.table]
    assert seen.index(window.search_field) > names.index("field_note")
    qtbot.keyClick(window.table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget().objectName() == "itemTypeCombo"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is window.table


def test_home_end_and_enter_in_the_table(window, lib, qtbot) -> None:
    """Home/End go to the first/last reference (a table's own go along the row); Enter edits
    the current reference, as a double-click does: the focus goes to its title."""
    lib.add_references(many_refs(40))
    window.reload()
    _shown(window, qtbot)
    table = window.table
    qtbot.keyClick(table, Qt.Key.Key_End)
    assert table.currentIndex().row() == 39 and table.selected_ids() == [window.model.id_at(39)]
    qtbot.keyClick(table, Qt.Key.Key_Home)
    assert table.currentIndex().row() == 0
    qtbot.keyClick(table, Qt.Key.Key_End, Qt.KeyboardModifier.ShiftModifier)
    assert len(table.selected_ids()) == 40
    qtbot.keyClick(table, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: "title" in getattr(window.detail, "editors", {}), timeout=2000)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is window.detail.editors["title"]


def test_a_late_search_keeps_the_selection_the_user_moved_to(make_window, lib, qtbot, monkeypatch) -> None:
    """A search after a write can wait behind other work. If the user moves on meanwhile, the
    search must bring back where they are now, not where they were when it was asked for: it
    once put the selection back on the row before, and the next triage key went there."""
    import threading

    ids = lib.add_references([make_ref(t) for t in "ABCDE"])
    window = make_window(sync=False)
    _shown(window, qtbot)
    qtbot.waitUntil(lambda: window.model.rowCount() == 5, timeout=3000)
    window.table.select_ids([ids[0]], ids[0])
    gate = threading.Event()
    real = lib.search_staged

    def held(*args, **kwargs):
        gate.wait(5)
        return real(*args, **kwargs)

    monkeypatch.setattr(lib, "search_staged", held)
    window.reload()  # as after a write: the search is held
    qtbot.keyClick(window.table, Qt.Key.Key_Down)  # the user moves on to B
    assert window.table.selected_ids() == [ids[1]]
    with qtbot.waitSignal(window.model.searchFinished, timeout=5000):
        gate.set()
    assert window.table.selected_ids() == [ids[1]] and window.table.current_id() == ids[1]


def test_f2_renames_and_delete_deletes_a_collection_in_the_sidebar(window, lib, qtbot, monkeypatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    with lib.write() as uow:
        cid = uow.add_collection("Chapter 2")
    window.reload_collections()
    tree = window.sidebar.tree
    tree.setCurrentItem(window.sidebar.collection_item(cid))
    monkeypatch.setattr(QInputDialog, "getText", lambda *_a, **_k: ("Chapter Two", True))
    qtbot.keyClick(tree, Qt.Key.Key_F2)
    assert lib.collections() == [(cid, None, "Chapter Two")]
    asked: list[str] = []
    monkeypatch.setattr(messages, "ask", lambda _p, _t, text, **_k: asked.append(text) or True)
    tree.setCurrentItem(window.sidebar.collection_item(cid))
    qtbot.keyClick(tree, Qt.Key.Key_Delete)
    assert "Chapter Two" in asked[0] and lib.collections() == []
    window.undo_stack.undo()
    assert lib.collections() == [(cid, None, "Chapter Two")]
    # On My Library, Delete does nothing to the collections.
    tree.setCurrentItem(tree.topLevelItem(0))
    qtbot.keyClick(tree, Qt.Key.Key_Delete)
    assert len(asked) == 1


def test_a_new_reference_has_its_title_ready_to_type(window, lib, qtbot) -> None:
    """Ctrl+N: the new reference is selected and its title has the focus (as in Zotero), so
    what the user types next is the title, not a type-ahead search of the table."""
    lib.add_references([make_ref("Existing")])
    window.reload()
    _shown(window, qtbot)
    window.new_reference("book")
    title = window.detail.editors["title"]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is title, timeout=2000)
    [rid] = window.table.selected_ids()
    assert lib.get(rid).item_type == "book"


def test_down_or_enter_in_the_search_field_goes_to_the_results(window, lib, qtbot) -> None:
    ids = lib.add_references([make_ref("Alpha politics"), make_ref("Beta politics"), make_ref("Gamma")])
    window.reload()
    _shown(window, qtbot)
    window.focus_search()
    for ch in "polit":
        QApplication.sendEvent(window.search_field, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, ch))
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=2000)
    qtbot.keyClick(window.search_field, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is window.table and window.table.selected_ids() == [ids[0]]
    window.focus_search()
    window.table.select_ids([ids[1]], ids[1])
    qtbot.keyClick(window.search_field, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is window.table and window.table.selected_ids() == [ids[1]]


def test_selection_feeds_the_detail_pane(window, lib) -> None:
    ids = lib.add_references([make_ref("Alpha"), make_ref("Beta")])
    window.reload()
    got: list[list[int]] = []
    window.table.selectionIdsChanged.connect(got.append)
    window.table.select_ids(ids)
    assert got[-1] == ids
    detail = window.detail
    assert [r.id for r in detail.references] == ids
    assert detail.header.text() == "2 references selected"
    assert detail.editors["title"].text() == ""  # Alpha and Beta differ: no common title
    window.table.select_ids([ids[1]])
    assert got[-1] == [ids[1]]
    assert [r.id for r in detail.references] == [ids[1]]
    assert detail.editors["title"].text() == "Beta"


def test_window_screenshot(window, lib, shots, qtbot) -> None:
    lib.add_references(many_refs(120))
    window.resize(1300, 760)
    window.reload()
    window.show()
    qtbot.wait(20)  # the first-run column fit happens once the window is laid out
    hh = window.table.horizontalHeader()
    visible = sum(hh.sectionSize(i) for i in range(hh.count()) if not hh.isSectionHidden(i))
    assert visible <= window.table.viewport().width()  # no horizontal scrolling on first run
    window.table.selectRow(2)
    shot = window.grab()
    shot.save(str(shots / "main_window.png"))
    img = shot.toImage()
    scale = img.devicePixelRatio()
    table, m = window.table, window.model
    pal = table.palette()
    highlight = {pal.color(g, pal.ColorRole.Highlight).rgb() for g in (pal.ColorGroup.Active, pal.ColorGroup.Inactive)}

    def cell(row: int, key: str) -> tuple[int, list[int]]:
        """The cell's most common colour (its background) and the x of each pixel unlike it
        (the text drawn over it), read from the window's own screenshot."""
        r = table.visualRect(m.index(row, COL[key]))
        top_left = table.viewport().mapTo(window, r.topLeft())
        xs = range(int(top_left.x() * scale), int((top_left.x() + r.width()) * scale))
        ys = range(int(top_left.y() * scale), int((top_left.y() + r.height()) * scale))
        pixels = [(x, img.pixelColor(x, y)) for x in xs for y in ys]
        counts: dict[int, int] = {}
        for _x, c in pixels:
            counts[c.rgb()] = counts.get(c.rgb(), 0) + 1
        bg = img.pixelColor(0, 0)
        bg.setRgb(max(counts, key=counts.__getitem__))
        ink = [x for x, c in pixels
               if abs(c.red() - bg.red()) + abs(c.green() - bg.green()) + abs(c.blue() - bg.blue()) > 150]
        return bg.rgb(), ink

    rows = [r for r in range(m.rowCount()) if table.visualRect(m.index(r, 0)).bottom() < table.viewport().height()]
    assert len(rows) >= 10  # 760 pixels of window show many rows
    for r in rows:
        bg, ink = cell(r, "title")
        assert (bg in highlight) == (r == 2), f"row {r}: only the selected row is highlighted"
        # The title is drawn: its ink spans most of the width the title's text needs (or the
        # cell's width, where it is elided), measured from the text itself.
        title = m.data(m.index(r, COL["title"]))
        needed = min(table.fontMetrics().horizontalAdvance(title), table.columnWidth(COL["title"]) - 12)
        assert ink and (max(ink) - min(ink)) / scale >= 0.7 * needed, f"row {r}: {title!r} is not drawn"
        _bg, year_ink = cell(r, "year")
        assert year_ink, f"row {r}: no year drawn"


def test_columns_fill_the_table_when_it_grows(window, lib, qtbot) -> None:
    lib.add_references(many_refs(30))
    window.resize(1000, 700)
    window.reload()
    window.show()
    qtbot.wait(20)
    hh = window.table.horizontalHeader()
    title_before = hh.sectionSize(COL["title"])
    window.act_show_detail.setChecked(False)  # the table takes the detail pane's room
    window.resize(1400, 700)
    qtbot.waitUntil(lambda: hh.length() >= window.table.viewport().width())
    assert hh.sectionSize(COL["title"]) > title_before
    assert hh.sectionSize(COL["authors"]) > 0


def test_total_is_counted_once_per_scope_and_again_after_writes(window, lib, qtbot) -> None:
    lib.add_references(many_refs(10))
    window.reload()
    window.set_query("author:ostrom")
    qtbot.waitUntil(lambda: window.count_label.text().endswith("of 10 references"))
    # Written behind the window's back: a keystroke reuses the count it has...
    lib.add_references([make_ref("Governing the commons", 1990, "Ostrom")])
    window.set_query("author:ostro")
    qtbot.waitUntil(lambda: window.model.query == "author:ostro" and "of 10" in window.count_label.text())
    # ... and a reload after a write counts again.
    window.reload()
    qtbot.waitUntil(lambda: window.count_label.text().endswith("of 11 references"))
    window.set_query("")
    qtbot.waitUntil(lambda: window.count_label.text() == "11 of 11 references")


def test_selecting_a_row_keeps_the_keyboard_in_the_table(window, lib, qtbot) -> None:
    """The pane gives the focus back to the field being edited when it rebuilds, but only if
    that field has the focus now: Delete after a click on a row must reach the table."""
    # Different types: the pane rebuilds its form (the case where it restores the focus).
    ids = lib.add_references([make_ref("Alpha"), make_ref("Beta", item_type="book"), make_ref("Gamma")])
    window.show()
    qtbot.waitExposed(window)
    window.reload()
    window.table.select_ids([ids[0]])
    title = window.detail.editors["title"]
    title.setFocus()
    qtbot.waitUntil(title.hasFocus)
    window.table.setFocus()
    qtbot.waitUntil(window.table.hasFocus)
    window.table.select_ids([ids[1]])
    qtbot.wait(10)
    assert window.table.hasFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    assert lib.search("", scope=TRASH) == [ids[1]]


def test_curation_is_installed_after_the_first_rows_are_painted(make_window, lib, qtbot) -> None:
    """Launch: the curation area (sidebar tags, Tools menu, badges) waits for the first paint."""
    lib.add_references(many_refs(50))
    window = make_window(sync=False)
    assert window.curation is None  # not before the window has shown anything
    window.show()
    qtbot.waitUntil(lambda: window.curation is not None, timeout=5000)
    assert window.model.rowCount() == 50
    assert any(a.text().startswith("Check Library") for a in window.menu_tools.actions())


def test_the_collector_is_back_on_once_the_first_rows_are_painted(make_window, lib, qtbot) -> None:
    """Launch runs without the cyclic collector (startup.py); the window turns it back on, with
    start-up's objects frozen, when it has painted its first rows."""
    import gc

    from bibliofile import startup

    lib.add_references(many_refs(50))
    startup.pause_collector()
    try:
        window = make_window(sync=False)
        assert not gc.isenabled()
        window.show()
        qtbot.waitUntil(lambda: window.curation is not None, timeout=5000)
        assert gc.isenabled() and not startup.collector_paused()
        assert gc.get_freeze_count() > 0
    finally:
        startup.resume_collector()
        gc.enable()
        gc.unfreeze()
