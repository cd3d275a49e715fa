"""Issue 22: the window settles at once. A search's rows, count and badges arrive in one repaint,
typing never checks a row's integrity twice, and after launch nothing runs that the first screen
does not need (no warming of sort orders nobody asked for, no checks of rows not shown)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
from tests.citeproc_skip import needs_citeproc
from tests.gui.conftest import make_ref

from bibliofile.gui.library_table import ANNOTATED_ROWS, COLUMN_KEYS
from bibliofile.services import integrity
from bibliofile.storage.library import Library


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Counter[int]:
    """How often each reference's integrity was checked (the real check runs)."""
    counted: Counter[int] = Counter()
    real = integrity.findings_for

    def findings_for(library: Library, ids: Sequence[int]) -> dict[int, list[integrity.Finding]]:
        counted.update(ids)
        return real(library, ids)

    monkeypatch.setattr(integrity, "findings_for", findings_for)
    return counted


def flagged_and_clean(lib: Library, n: int) -> list[int]:
    """``n`` "Alpha" and ``n`` "Beta" references; the odd ones lack a journal and a volume."""
    refs = []
    for word in ("Alpha", "Beta"):
        for i in range(n):
            extra = {} if i % 2 else {"container_title": "Public Administration", "volume": "3"}
            refs.append(make_ref(f"{word} {i:03}", 2008, **extra))
    return lib.add_references(refs)


def visible_ids(window: Any) -> list[int]:
    table, model = window.table, window.model
    first = max(table.rowAt(0), 0)
    last = table.rowAt(table.viewport().height() - 1)
    last = model.rowCount() - 1 if last < 0 else last
    return [model.id_at(r) for r in range(first, last + 1) if model.id_at(r)]


def test_typing_never_checks_a_row_twice(make_window, lib: Library, qtbot, checks: Counter[int]) -> None:
    flagged_and_clean(lib, 120)
    window = make_window(sync=False)  # the real runner: searches and checks on worker threads
    window.resize(1000, 600)
    window.show()
    qtbot.waitUntil(lambda: window.integrity_badges is not None and window.model.rowCount() == 240, timeout=10000)
    badges = window.integrity_badges

    def settled() -> bool:  # the rows shown have their badges (other features' tasks aside)
        return not window.model.finish_pending and all(badges.known(i) for i in visible_ids(window))

    shown: set[int] = set()
    for query in ("", "alpha", "alph", "alpha", "beta", "", "alpha 01", ""):
        window.set_query(query)
        qtbot.waitUntil(lambda q=query: window.model.query == q and settled(), timeout=10000)
        qtbot.wait(300)  # time for any check that would come late
        assert settled()
        shown.update(visible_ids(window))
        shown.update(window.model.ids[:ANNOTATED_ROWS])  # checked with the search, for one repaint
    twice = {rid: n for rid, n in checks.items() if n > 1}
    assert not twice, f"checked again without a write: {twice}"
    assert set(checks) <= shown, "rows never shown were checked"


def test_rows_count_and_badges_are_ready_for_one_repaint(window, lib: Library, qtbot) -> None:
    """With the synchronous runner a search is applied inside set_query: by the time the event
    loop paints, the rows, the count and the badges of the first screen are all known, and
    painting them starts no second wave of checks and repaints."""
    ids = flagged_and_clean(lib, 40)
    window.resize(1000, 600)
    window.show()
    window.reload()
    badges = window.integrity_badges
    updates: list[int] = []
    badges.updated.connect(lambda: updates.append(1))
    window.set_query("beta")
    betas = ids[40:]
    assert window.count_label.text().startswith("40 of 80")
    first_screen = window.model.ids[:30]
    assert set(first_screen) <= set(betas)
    assert all(badges.known(i) for i in first_screen)
    flagged = [i for i in first_screen if badges.findings(i)]
    assert flagged and len(flagged) < len(first_screen)  # the odd ones, known before painting
    shot = window.table.viewport().grab()  # paints every visible row
    qtbot.wait(400)  # longer than any badge delay
    assert updates == [], "badges came in a second wave after the rows"
    shot.save(str(window_shots() / "settle-search-badges.png"))


def window_shots():
    from pathlib import Path

    out = Path(__file__).parent / "screenshots"
    out.mkdir(exist_ok=True)
    return out


def test_launch_reads_only_what_the_first_screen_needs(
    make_window, lib: Library, qtbot, checks: Counter[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    flagged_and_clean(lib, 150)
    prepared: list[tuple[str, bool]] = []
    real_prepare = Library.prepare_order

    def prepare_order(self: Library, sort: str, descending: bool = False, *args: Any, **kw: Any) -> None:
        prepared.append((sort, descending))
        real_prepare(self, sort, descending, *args, **kw)

    monkeypatch.setattr(Library, "prepare_order", prepare_order)
    window = make_window(sync=False)
    window.resize(1000, 600)
    window.show()
    qtbot.waitUntil(lambda: window.integrity_badges is not None and window.model.rowCount() == 300, timeout=10000)
    qtbot.wait(2600)  # past the moments the window used to warm other sort orders (1.5-2.3 s)
    assert not window.runner.busy()
    sort = (window.model.sort_key, window.model.descending)
    assert set(prepared) <= {sort}, f"orders read before anyone asked: {sorted(set(prepared) - {sort})}"
    assert checks and set(checks) <= set(visible_ids(window)), "rows not shown were checked"
    assert window.citations.prefetched == 0
    assert COLUMN_KEYS[window.table.horizontalHeader().sortIndicatorSection()] == sort[0]


def test_a_columns_orders_are_read_when_the_pointer_reaches_its_header(
    make_window, lib: Library, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not at launch (see above) but ahead of the click: the pointer resting on a header."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    flagged_and_clean(lib, 20)
    prepared: list[tuple[str, bool]] = []
    real_prepare = Library.prepare_order

    def prepare_order(self: Library, sort: str, descending: bool = False, *args: Any, **kw: Any) -> None:
        prepared.append((sort, descending))
        real_prepare(self, sort, descending, *args, **kw)

    monkeypatch.setattr(Library, "prepare_order", prepare_order)
    window = make_window(sync=False)
    window.resize(1000, 600)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 40 and not window.runner.busy(), timeout=10000)
    assert not any(sort == "container" for sort, _ in prepared)
    header = window.table.horizontalHeader()
    col = COLUMN_KEYS.index("container")
    x = header.sectionViewportPosition(col) + header.sectionSize(col) // 2
    QTest.mouseMove(header.viewport(), QPoint(x, header.height() // 2))
    qtbot.waitUntil(lambda: {("container", False), ("container", True)} <= set(prepared), timeout=5000)


@needs_citeproc
def test_a_search_that_keeps_the_selection_renders_no_citations_again(make_window, lib: Library, qtbot) -> None:
    """Each keystroke's search brings the selection back (selectionIdsChanged); the drag
    payloads of an unchanged selection are not rendered again until a write."""
    ids = flagged_and_clean(lib, 10)
    window = make_window(sync=False)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 20, timeout=10000)
    citations = window.citations
    window.table.select_ids([ids[0]])
    qtbot.waitUntil(lambda: citations.prefetched == 2, timeout=60000)
    for query in ("alp", "alpha", "alpha 00"):
        window.set_query(query)
        qtbot.waitUntil(lambda q=query: window.model.query == q and window.table.selected_ids() == [ids[0]], timeout=10000)
    qtbot.wait(600)  # past the pre-render's delay
    assert citations.prefetched == 2
    window.reload()  # as after a write: what was rendered may be out of date
    qtbot.waitUntil(lambda: citations.prefetched == 4, timeout=60000)
