"""What keeps a keystroke quick: no search for a superseded key, no repaint that is not needed.

The timings are bench/bench_window.py's; these tests check the behaviour the figures rest on.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from bibliofile.gui.integrity_badges import IntegrityBadges
from bibliofile.gui.library_table import TABLE_COLUMNS, LibraryTableModel, LibraryTableView
from bibliofile.gui.task_runner import SyncTaskRunner
from bibliofile.storage.library import Library

from .conftest import make_ref, many_refs


class QueuedReads(SyncTaskRunner):
    """Reads wait in a queue until ``run_all``: as when the read pool is busy while keys come."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: list[tuple[Any, Any, Any]] = []

    def read(self, fn: Any, on_done: Any = None, on_error: Any = None, on_progress: Any = None) -> Any:
        self.queue.append((fn, on_done, on_error))
        return None

    def run_all(self) -> None:
        while self.queue:
            fn, on_done, on_error = self.queue.pop(0)
            super().read(fn, on_done, on_error)


def test_a_search_superseded_before_it_starts_is_skipped(lib: Library, monkeypatch) -> None:
    lib.add_references(many_refs(50))
    runner = QueuedReads()
    model = LibraryTableModel(lib, runner)
    searched: list[str] = []
    search = lib.search_staged
    monkeypatch.setattr(lib, "search_staged", lambda q, *a, **k: searched.append(q) or search(q, *a, **k))
    for text in ("g", "go", "gov"):
        model.set_query(text)
    runner.run_all()
    assert searched == ["gov"]  # the two earlier keys' searches never ran
    assert model.rowCount() == len(lib.search("gov"))


def test_a_trailing_space_does_not_search_again(lib: Library) -> None:
    lib.add_references(many_refs(20))
    runner = QueuedReads()
    model = LibraryTableModel(lib, runner)
    model.set_query("governance")
    runner.run_all()
    model.set_query("governance ")
    assert runner.queue == []
    model.set_query("governance -x")
    assert len(runner.queue) == 1


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def _shown_view(qtbot, lib: Library, n: int) -> tuple[LibraryTableView, LibraryTableModel, PaintCounter]:
    lib.add_references(many_refs(n))
    model = LibraryTableModel(lib, SyncTaskRunner())
    model.refresh()
    view = LibraryTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(600, 300)
    view.show()
    qtbot.waitExposed(view)
    qtbot.wait(50)
    counter = PaintCounter()
    view.viewport().installEventFilter(counter)
    return view, model, counter


def test_rows_changed_off_the_screen_do_not_repaint_the_table(qtbot, lib: Library) -> None:
    view, model, counter = _shown_view(qtbot, lib, 400)
    last_shown = view.rowAt(view.viewport().height() - 1)
    assert 0 < last_shown < 300
    model.dataChanged.emit(model.index(300, 0), model.index(399, len(TABLE_COLUMNS) - 1))
    QApplication.processEvents()
    qtbot.wait(30)
    assert counter.paints == 0
    model.dataChanged.emit(model.index(0, 0), model.index(399, len(TABLE_COLUMNS) - 1))
    qtbot.waitUntil(lambda: counter.paints > 0, timeout=2000)


def test_a_new_search_repaints_the_table_once(qtbot, lib: Library) -> None:
    """Qt lays the items out after a reset on a zero timer, which repainted the table a second
    time; the view lays them out at once so the two repaints merge."""
    _view, model, counter = _shown_view(qtbot, lib, 400)
    model.set_query("governance")
    qtbot.wait(100)
    assert counter.paints == 1


def test_badges_repaint_only_when_a_shown_answer_changes(qtbot, lib: Library) -> None:
    clean, flagged = lib.add_references(
        [
            make_ref("Complete", 2008, "Knox", container_title="Journal of Things", volume="3", pages="1--9"),
            make_ref("No journal", 2008, "Ostrom"),
        ]
    )
    badges = IntegrityBadges(lib, SyncTaskRunner())
    updates: list[int] = []
    badges.updated.connect(lambda: updates.append(1))
    assert badges.findings(flagged) == ()  # not known yet
    badges.flush()
    assert badges.findings(flagged) and updates == [1]  # a badge appears: repaint
    badges.mark_stale()
    assert badges.findings(flagged)  # the old answer is shown until checked again
    badges.flush()
    assert updates == [1]  # the same answer: nothing to repaint
    assert badges.findings(clean) == ()
    badges.flush()
    assert badges.known(clean) and updates == [1]
