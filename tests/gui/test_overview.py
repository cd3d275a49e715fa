"""View > Overview on a library with ~80 distinct years and every item type (issue 17, item 6):
labels never touch, long type labels are upright and elided with the full text in the tooltip,
and a click shows its filter as a search in the search field with My Library selected."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication
from tests.gui.conftest import make_ref

from bibliofile.gui.library_table import COLUMN_KEYS
from bibliofile.model.item_types import ITEM_TYPES
from bibliofile.storage import curation
from bibliofile.storage.library import LIBRARY, Library, Scope

COL = {k: i for i, k in enumerate(COLUMN_KEYS)}
# 80 distinct years between 1931 and 2025, with gaps, as a long-lived library has
YEARS = sorted({1931 + (i * 37) % 95 for i in range(80)})


def titles(window) -> list[str]:
    m = window.model
    return [m.data(m.index(r, COL["title"])) for r in range(m.rowCount())]


@pytest.fixture
def full_library(lib: Library) -> dict[str, list[int]]:
    assert len(YEARS) == 80
    refs = []
    for i, y in enumerate(YEARS):
        t = ITEM_TYPES[i % len(ITEM_TYPES)].csl
        refs += [make_ref(f"Work of {y} number {k}", y, item_type=t) for k in range(1 + i % 4)]
    ids = lib.add_references(refs)
    with lib.write() as uow:
        cid = uow.add_collection("Chapter 2")
        uow.add_to_collection(cid, ids[:3])
        for k, rid in enumerate(ids[:40]):
            curation.set_reading(uow, [rid], status="read", date_read=f"{2024 + k // 12}-{1 + k % 12:02d}-15")
    return {"ids": ids, "cid": [cid]}


def open_overview(window, qtbot):
    from bibliofile.gui.overview_dialog import OverviewDialog

    window.reload_collections()
    window.resize(1000, 600)
    window.show()
    dlg = OverviewDialog(window)
    dlg.resize(760, 680)
    dlg.show()
    dlg.start()
    qtbot.waitExposed(dlg)
    QApplication.processEvents()
    return dlg


def assert_apart(rects: list[QRectF], width: float) -> None:
    for a, b in pairwise(rects):
        assert not a.intersects(b), (a, b)
    for r in rects:
        assert r.left() >= 0 and r.right() <= width + 0.5, r


def test_year_labels_are_every_nth_and_never_touch(window, full_library, qtbot, shots: Path) -> None:
    dlg = open_overview(window, qtbot)
    years = dlg.charts["year"]
    # a continuous axis: every year from the first to the last, the 15 without references empty
    span = list(range(YEARS[0], YEARS[-1] + 1))
    assert [b[0] for b in years.bars] == [str(y) for y in span]
    per_year = {y: 1 + i % 4 for i, y in enumerate(YEARS)}
    assert [b[1] for b in years.bars] == [per_year.get(y, 0) for y in span]
    labels = years.labels()
    # never touching: at least a letter's width between neighbours
    gap = years.fontMetrics().averageCharWidth()
    rects = [lab.rect.adjusted(0, 0, gap, 0) for lab in labels]
    assert_apart(rects, years.width() + gap)
    assert not any(lab.upright for lab in labels)
    # every nth year is labelled, at round years, in order, with its own year under its own column
    assert 5 <= len(labels) < 80
    steps = {int(b.text) - int(a.text) for a, b in pairwise(labels)}
    (step,) = steps
    assert step in (2, 5, 10, 20) and all(int(lab.text) % step == 0 for lab in labels)
    bars = years.bar_rects()
    for lab in labels:
        assert lab.text == str(span[lab.index])
        assert lab.rect.left() <= bars[lab.index].center().x() <= lab.rect.right()
    dlg.grab().save(str(shots / "overview-80-years.png"))


def test_years_sit_on_a_continuous_axis_with_empty_years_as_gaps(window, lib: Library, qtbot, shots: Path) -> None:
    """The tester's library: 1931 drawn right next to 1948 hid the 17 years between them."""
    lib.add_references([make_ref(f"Of {y} ({k})", y) for y, n in ((1931, 2), (1948, 1), (1952, 3)) for k in range(n)]
                       + [make_ref("Undated", None)])
    dlg = open_overview(window, qtbot)
    chart = dlg.charts["year"]
    centre = {b[0]: r.center().x() for b, r in zip(chart.bars, chart.bar_rects(), strict=True)}
    assert set(centre) == {str(y) for y in range(1931, 1953)}
    step = (centre["1952"] - centre["1931"]) / 21
    assert step > 0
    assert centre["1948"] - centre["1931"] == pytest.approx(17 * step)  # not one bar's width apart
    assert centre["1952"] - centre["1948"] == pytest.approx(4 * step)
    heights = {b[0]: r.height() for b, r in zip(chart.bars, chart.bar_rects(), strict=True)}
    assert heights["1940"] == 0 and heights["1931"] > heights["1948"] > 0
    # an empty year is a gap: nothing to hover or click
    seen: list[str] = []
    chart.barClicked.connect(seen.append)
    x = int(centre["1940"])
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(x, int(chart.baseline()) - 2))
    assert seen == []
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(int(centre["1948"]), int(chart.baseline()) - 2))
    assert seen == ["year:1948"]
    labels = [lab.text for lab in chart.labels()]
    assert "1940" in labels and "1950" in labels  # round years, empty or not
    chart.grab().save(str(shots / "overview-year-gaps.png"))


def test_months_read_sit_on_a_continuous_axis(window, lib: Library, qtbot) -> None:
    ids = lib.add_references([make_ref(f"Read {k}") for k in range(3)])
    with lib.write() as uow:
        for rid, when in zip(ids, ["2024-11-02", "2025-03-15", "2025-03-20"], strict=True):
            curation.set_reading(uow, [rid], status="read", date_read=when)
    dlg = open_overview(window, qtbot)
    chart = dlg.charts["read"]
    assert [(b[0], b[1]) for b in chart.bars] == [
        ("2024-11", 1), ("2024-12", 0), ("2025-01", 0), ("2025-02", 0), ("2025-03", 2)]


def test_type_labels_are_upright_and_elided_with_the_full_text_in_the_tooltip(window, full_library, qtbot, shots: Path) -> None:
    dlg = open_overview(window, qtbot)
    types = dlg.charts["type"]
    assert len(types.bars) == len(ITEM_TYPES)
    labels = types.labels()
    assert [lab.index for lab in labels] == list(range(len(ITEM_TYPES)))  # every type named
    assert all(lab.upright for lab in labels)
    assert_apart([lab.rect for lab in labels], types.width())
    long = [lab for lab in labels if lab.text != types.bars[lab.index][0]]
    assert long, "'Letter / personal communication' is longer than the room under the bars"
    for lab in long:
        assert lab.text.endswith("…")
        assert types.bars[lab.index][0].startswith(lab.text[:-1])
        assert types.tooltip_for(lab.index).startswith(types.bars[lab.index][0] + ":")
    # the labels are under the bars, inside the widget
    assert all(lab.rect.top() >= types.baseline() and lab.rect.bottom() <= types.height() for lab in labels)
    # hovering the column of a one-reference bar shows its tooltip
    n = labels[-1].index
    at = QPointF(labels[-1].rect.center())
    QApplication.sendEvent(types, QMouseEvent(QEvent.Type.MouseMove, at, types.mapToGlobal(at), Qt.MouseButton.NoButton,
                                              Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))
    assert types.toolTip() == types.tooltip_for(n)
    dlg.grab().save(str(shots / "overview-all-types.png"))
    dlg.resize(420, 500)  # narrow: still apart
    QApplication.processEvents()
    assert_apart([lab.rect for lab in types.labels()], types.width())
    assert_apart([lab.rect for lab in dlg.charts["year"].labels()], dlg.charts["year"].width())
    dlg.grab().save(str(shots / "overview-narrow.png"))


def click_bar(qtbot, chart, query: str) -> None:
    n = [b[2] for b in chart.bars].index(query)
    r = chart.bar_rects()[n]
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(int(r.center().x()), int(r.bottom() - 1)))


def test_a_click_shows_the_filter_in_the_search_field_with_my_library_selected(window, full_library, qtbot) -> None:
    cid = full_library["cid"][0]
    dlg = open_overview(window, qtbot)
    window.set_scope(Scope(collection_id=cid))
    assert len(titles(window)) == 3
    year = YEARS[17]
    click_bar(qtbot, dlg.charts["year"], f"year:{year}")
    assert window.search_field.text() == f"year:{year}"
    assert window.sidebar.tree.currentItem() is window.sidebar.library_item
    assert window.model.scope == LIBRARY
    expected = sorted(f"Work of {year} number {k}" for k in range(1 + 17 % 4))
    assert sorted(titles(window)) == expected
    # the type bar replaces the year filter, as a search of its own
    click_bar(qtbot, dlg.charts["type"], "type:book")
    assert window.search_field.text() == "type:book"
    books = [i for i, _y in enumerate(YEARS) if ITEM_TYPES[i % len(ITEM_TYPES)].csl == "book"]
    assert len(titles(window)) == sum(1 + i % 4 for i in books)
    # clearing the field undoes it: the whole library again
    QApplication.sendEvent(window.search_field, QKeyEvent(QKeyEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier))
    assert window.search_field.text() == ""
    assert len(titles(window)) == len(full_library["ids"])
    assert window.sidebar.tree.currentItem() is window.sidebar.library_item


def in_sight(window) -> list[int]:
    """The selected references whose rows are inside the table's viewport."""
    view, m = window.table, window.model
    port = view.viewport().rect()
    rows = {i.row() for i in view.selectionModel().selectedRows()}
    return [m.id_at(r) for r in sorted(rows) if port.intersects(view.visualRect(m.index(r, 0)))]


def test_a_click_lets_go_of_a_selection_made_for_another_list(window, lib: Library, qtbot, shots: Path) -> None:
    """The tester's trip: nine references selected from a search, then the Conference paper
    bar: "7 references selected" among 149, one in sight and six scrolled away."""
    refs = [make_ref(f"Paper {k:03d}", 2000 + k % 20, item_type="paper-conference") for k in range(150)]
    refs += [make_ref(f"Article {k}", 2001) for k in range(20)]
    ids = lib.add_references(refs)
    window.reload()
    dlg = open_overview(window, qtbot)
    chosen = [ids[k] for k in (0, 30, 60, 90, 120, 149, 150, 160)]  # 6 conference papers, 2 articles
    window.table.select_ids(chosen)
    assert window.detail.header.text() == "8 references selected"
    click_bar(qtbot, dlg.charts["type"], "type:paper-conference")
    assert window.search_field.text() == "type:paper-conference" and window.model.rowCount() == 150
    assert window.table.selected_ids() == []  # not six papers the user cannot see
    assert window.detail.stack.currentWidget() is window.detail.empty_page
    QApplication.processEvents()
    window.grab().save(str(shots / "overview-bar-click-window.png"))

    # one reference being read stays selected when the bar shows it, and is in sight
    window.table.select_ids([ids[120]])
    click_bar(qtbot, dlg.charts["year"], f"year:{2000 + 120 % 20}")
    assert window.table.selected_ids() == [ids[120]] == in_sight(window)
    # and goes when the bar does not show it, as after a typed search
    click_bar(qtbot, dlg.charts["type"], "type:article-journal")
    assert window.table.selected_ids() == []
