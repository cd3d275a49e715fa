"""The table model: ids only, rows fetched a page at a time, sorting and filtering in SQL."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from bibliofile.gui.library_table import (
    COLUMN_KEYS,
    FIRST_SCREEN_ROWS,
    IDS_MIME,
    PAGE_SIZE,
    LibraryTableModel,
    ids_from_mime,
)
from bibliofile.gui.task_runner import SyncTaskRunner, TaskRunner
from bibliofile.storage.library import TRASH, Library, Scope

from .conftest import make_ref, many_refs

COL = {k: i for i, k in enumerate(COLUMN_KEYS)}


def model_for(lib: Library, runner=None) -> LibraryTableModel:
    model = LibraryTableModel(lib, runner or SyncTaskRunner())
    model.refresh()
    return model


def column(model: LibraryTableModel, key: str) -> list[str]:
    return [model.data(model.index(r, COL[key])) for r in range(model.rowCount())]


def test_model_passes_qtmodeltester(qtmodeltester, lib: Library) -> None:
    lib.add_references(many_refs(300))
    model = model_for(lib)
    assert model.rowCount() == 300
    qtmodeltester.check(model, force_py=True)
    # The tester stays connected and checks every change that follows.
    model.set_query("governance")
    assert 0 < model.rowCount() < 300
    model.sort(COL["year"], Qt.SortOrder.DescendingOrder)
    model.invalidate()
    model.set_scope(TRASH)
    assert model.rowCount() == 0


def test_rows_are_read_a_page_at_a_time(lib: Library, monkeypatch) -> None:
    lib.add_references(many_refs(2000))
    fetched: list[int] = []
    real_rows = lib.rows

    def counting_rows(ids, columns):
        fetched.append(len(ids))
        return real_rows(ids, columns)

    monkeypatch.setattr(lib, "rows", counting_rows)
    model = model_for(lib)
    assert model.rowCount() == 2000
    # The search reads its first screen of rows with the ids (on its worker), no more.
    assert fetched == [FIRST_SCREEN_ROWS]
    for r in range(FIRST_SCREEN_ROWS):
        model.data(model.index(r, COL["title"]))
    assert fetched == [FIRST_SCREEN_ROWS]  # painting the first screen reads nothing
    model.data(model.index(FIRST_SCREEN_ROWS, COL["title"]))
    assert len(fetched) == 2 and fetched[1] < PAGE_SIZE  # scrolling on: a page, less rows read
    model.data(model.index(1500, COL["title"]))
    assert len(fetched) == 3 and max(fetched) <= PAGE_SIZE


def test_sort_runs_in_sql(lib: Library) -> None:
    lib.add_references([make_ref("B", 2001), make_ref("A", 1999), make_ref("C", 2010), make_ref("D", None)])
    model = model_for(lib)
    assert column(model, "title") == ["A", "B", "C", "D"]
    model.sort(COL["year"], Qt.SortOrder.DescendingOrder)
    assert column(model, "year") == ["2010", "2001", "1999", ""]  # no year sorts last
    assert model.ids == lib.search("", "year", True)
    model.sort(COL["title"], Qt.SortOrder.DescendingOrder)
    assert column(model, "title") == ["D", "C", "B", "A"]


def test_the_delegate_gets_each_cells_own_roles_in_one_call(qtbot, lib: Library) -> None:
    """multiData answers what data() does; the delegate reuses its role slots from cell to
    cell, so the year's right alignment must not stay for the next cell."""
    from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QTableView

    lib.add_references(many_refs(5))
    model = model_for(lib)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    delegate = QStyledItemDelegate(view)
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    for row in range(model.rowCount()):
        for key in ("year", "title", "authors", "year", "type"):
            index = model.index(row, COL[key])
            option = QStyleOptionViewItem()
            delegate.initStyleOption(option, index)
            assert option.text == model.data(index)
            assert (option.displayAlignment == right) == (key == "year"), (row, key)


def test_type_and_date_columns_are_labels(lib: Library) -> None:
    lib.add_references([make_ref("Chapter", item_type="chapter")])
    model = model_for(lib)
    assert model.data(model.index(0, COL["type"])) == "Book chapter"
    added = model.data(model.index(0, COL["date_added"]))
    assert len(added) == len("2024-01-01 12:00") and added[4] == "-"


def test_search_filters(lib: Library) -> None:
    lib.add_references(
        [
            make_ref("Modernizing government", 2008, "Knox"),
            make_ref("Governing the commons", 1990, "Ostrom"),
            make_ref("Public management reform", 2004, "Pollitt"),
        ]
    )
    model = model_for(lib)
    hints: list[str] = []
    model.queryHintChanged.connect(hints.append)
    model.set_query("author:knox")
    assert column(model, "title") == ["Modernizing government"]
    model.set_query("year:2000..2010")
    assert column(model, "title") == ["Modernizing government", "Public management reform"]
    model.set_query("-commons")
    assert "Governing the commons" not in column(model, "title")
    assert len(column(model, "title")) == 2
    model.set_query("year:soon")
    assert hints[-1] and "year:" in hints[-1]
    model.set_query("")
    assert hints[-1] == ""
    assert model.rowCount() == 3


def test_markup_in_titles_is_data(lib: Library) -> None:
    lib.add_references([make_ref("<img src=x> and <b>bold</b>", family="<i>Evil</i>")])
    model = model_for(lib)
    assert model.data(model.index(0, COL["title"])) == "<img src=x> and <b>bold</b>"
    assert model.data(model.index(0, COL["authors"])) == "<i>Evil</i>"
    tip = model.data(model.index(0, COL["title"]), Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in tip and "&lt;img src=x&gt;" in tip


def test_mime_data_carries_ids(lib: Library) -> None:
    ids = lib.add_references([make_ref("One", citation_key="one"), make_ref("Two")])
    model = model_for(lib)
    assert IDS_MIME in model.mimeTypes()
    mime = model.mimeData([model.index(0, 0), model.index(0, 2), model.index(1, 1)])
    assert sorted(ids_from_mime(mime)) == sorted(ids)
    assert not model.flags(QModelIndex()) & Qt.ItemFlag.ItemIsSelectable


def test_scope_collection_and_unfiled(lib: Library) -> None:
    a, b, c = lib.add_references([make_ref("A"), make_ref("B"), make_ref("C")])
    with lib.write() as uow:
        cid = uow.add_collection("Thesis")
        uow.add_to_collection(cid, [a, c])
        uow.trash([b])
    model = model_for(lib)
    model.set_scope(Scope(collection_id=cid))
    assert column(model, "title") == ["A", "C"]
    model.set_scope(Scope(unfiled=True))
    assert column(model, "title") == []
    model.set_scope(TRASH)
    assert column(model, "title") == ["B"]


def test_threaded_search_keeps_only_the_latest_result(qtbot, lib: Library) -> None:
    lib.add_references(many_refs(500))
    runner = TaskRunner()
    model = LibraryTableModel(lib, runner)
    for q in ("governance", "audit", "author:ostrom"):
        model.set_query(q)
    qtbot.waitUntil(lambda: model.rowCount() > 0 and not runner.busy(), timeout=5000)
    assert model.ids == lib.search("author:ostrom")
    runner.wait()


def test_first_search_shows_the_head_then_the_whole_order(qtbot, lib: Library) -> None:
    """Launch: the first rows and the count are painted before the whole order is read."""
    from bibliofile.gui.library_table import HEAD_ROWS

    lib.add_references(many_refs(HEAD_ROWS + 150))
    full = lib.search("", "year", True)
    assert lib.search_head("year", True, limit=HEAD_ROWS) == full[:HEAD_ROWS]
    runner = TaskRunner()
    model = LibraryTableModel(lib, runner)
    heads: list[list[int]] = []
    model.countsChanged.connect(lambda shown, total: heads.append(list(model.ids)))
    model.set_sort("year", True)
    qtbot.waitUntil(lambda: model.ids == full, timeout=5000)
    runner.wait()
    # Either the head came first (then rows past it were 0, "not read yet") or the whole
    # order won the race; both show the same first rows and the same count.
    assert heads[-1] == full
    for ids in heads:
        assert len(ids) == len(full)
        assert ids[:HEAD_ROWS] == full[:HEAD_ROWS]
        assert all(i == 0 for i in ids[HEAD_ROWS:]) or ids == full


def test_rows_not_read_yet_are_left_out_of_selections_and_drags(qtbot, lib: Library) -> None:
    from bibliofile.gui.library_table import LibraryTableView

    lib.add_references(many_refs(10))
    model = LibraryTableModel(lib, SyncTaskRunner())
    head = lib.search_head(limit=3)
    model._serial += 1  # a first search on its way...
    model._apply_head(model._serial, head, 10)  # ...its head shown, the whole order not yet
    assert model.rowCount() == 10 and model.ids[3:] == [0] * 7
    assert model.data(model.index(5, COL["title"])) == ""
    view = LibraryTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.selectAll()
    assert view.selected_ids() == head
    assert ids_from_mime(model.mimeData([model.index(r, 0) for r in range(10)])) == head


def _threaded_model_with_order(qtbot, lib: Library, monkeypatch) -> tuple[LibraryTableModel, TaskRunner]:
    """200 references on the real runner, the title order in memory, and a head of 5 rows, so
    a broad search is shown head first (LibraryTableModel._apply_staged)."""
    import bibliofile.gui.library_table as lt

    monkeypatch.setattr(lt, "HEAD_ROWS", 5)
    lib.add_references(many_refs(200))
    runner = TaskRunner()
    model = LibraryTableModel(lib, runner)
    model.refresh()
    qtbot.waitUntil(lambda: len(model.ids) == 200 and all(model.ids) and not runner.busy(), timeout=5000)
    lib.prepare_order("title")
    return model, runner


def test_a_broad_search_shows_its_head_then_swaps_in_every_id_without_a_reset(
    qtbot, lib: Library, monkeypatch
) -> None:
    model, runner = _threaded_model_with_order(qtbot, lib, monkeypatch)
    expected = lib.search("governance")
    assert 5 < len(expected) < 200
    states: list[list[int]] = []
    resets: list[int] = []
    model.countsChanged.connect(lambda shown, total: states.append(list(model.ids)))
    model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(model.searchFinished, timeout=5000):
        model.set_query("governance")
    runner.wait()
    assert model.ids == expected
    assert states[0][:5] == expected[:5] and states[0][5:] == [0] * (len(expected) - 5)  # the head
    assert states[-1] == expected
    assert len(resets) == 1  # the head's; the other ids came in place


def test_typing_on_cancels_the_previous_search_rest_and_shows_the_last(qtbot, lib: Library, monkeypatch) -> None:
    model, runner = _threaded_model_with_order(qtbot, lib, monkeypatch)
    for q in ("g", "go", "gov", "governance"):
        model.set_query(q)
    qtbot.waitUntil(lambda: model.ids == lib.search("governance") and not runner.busy(), timeout=5000)
    runner.wait()
    assert model.ids == lib.search("governance") and all(model.ids)
