"""Issue 22: a search's first screen of rows comes with its result. The search's worker reads and
formats the rows it will show first, so the paint after a keystroke runs no query on the GUI
thread (the page read there was ~5-10 ms of each keystroke, more under load), and rows read
before a write are never shown after it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from bibliofile.gui.library_table import COLUMN_KEYS, LibraryTableModel
from bibliofile.gui.task_runner import SyncTaskRunner
from bibliofile.storage.library import Library

from .conftest import many_refs

TITLE = COLUMN_KEYS.index("title")


class Statements:
    """SQL sent to the library's engine, with the thread that sent it, while ``on``."""

    def __init__(self) -> None:
        self.on = False
        self.seen: list[tuple[int, str]] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.on:
            self.seen.append((threading.get_ident(), statement))


@pytest.fixture
def statements(lib: Library) -> Iterator[Statements]:
    recorder = Statements()
    event.listen(lib.engine, "before_cursor_execute", recorder)
    yield recorder
    event.remove(lib.engine, "before_cursor_execute", recorder)


def test_the_paint_after_a_keystroke_runs_no_query_on_the_gui_thread(
    make_window, lib: Library, qtbot, statements: Statements
) -> None:
    lib.add_references(many_refs(3000))
    window = make_window(sync=False)  # the real runner: searches on worker threads
    window.resize(1000, 600)
    window.show()
    model, table = window.model, window.table
    qtbot.waitUntil(lambda: model.rowCount() == 3000 and not model.finish_pending, timeout=10000)
    table.viewport().grab()
    gui = threading.get_ident()
    for query in ("trust", "trust 12", "network", "audit 2"):  # each shows rows not shown before
        with qtbot.waitSignal(model.modelReset, timeout=10000):
            window.set_query(query)
        statements.seen.clear()
        statements.on = True
        table.viewport().grab()  # paints every visible row, with the badges' delegate
        statements.on = False
        on_gui = [s for thread, s in statements.seen if thread == gui]
        assert on_gui == [], f"painting {query!r} queried the library: {on_gui}"
        # ...and the rows painted are the search's, as the library holds them.
        shown = [model.id_at(r) for r in range(min(model.rowCount(), 25))]
        assert shown and all(shown)
        titles = {r.id: r.fields["title"] for r in lib.get_many(shown)}
        painted = [model.data(model.index(r, TITLE)) for r in range(len(shown))]
        assert painted == [titles[i] for i in shown]
        assert all(query.split()[0] in t.lower() for t in painted)
        qtbot.waitUntil(lambda: not model.finish_pending, timeout=10000)


class LateResults(SyncTaskRunner):
    """Runs each read at once but hands its result over only on ``deliver``: as when a write
    lands between a search's worker reading the rows and the GUI thread showing them."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[tuple[Any, Any]] = []

    def read(self, fn: Any, on_done: Any = None, on_error: Any = None, on_progress: Any = None) -> Any:
        return super().read(fn, lambda value: self.held.append((on_done, value)), on_error, on_progress)

    def deliver(self) -> None:
        while self.held:
            on_done, value = self.held.pop(0)
            if on_done is not None:
                on_done(value)


def test_rows_read_before_a_write_are_not_shown_after_it(lib: Library) -> None:
    ids = lib.add_references(many_refs(400))
    runner = LateResults()
    model = LibraryTableModel(lib, runner)
    model.refresh()
    runner.deliver()
    model.set_query("trust")  # its worker reads the first screen's rows now
    first = lib.search("trust")[0]
    assert first in ids
    ref = lib.get(first)
    ref.fields["title"] = "Trust rewritten while the search ran"
    lib.update_reference(ref)
    model.invalidate()  # the write, as the window reports it
    runner.deliver()
    assert model.id_at(0) == first
    assert model.data(model.index(0, TITLE)) == "Trust rewritten while the search ran"
