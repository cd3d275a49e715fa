"""The window's first search at launch (issue 22: first rows within 0.5 s at 100k). Its head (the
first rows and the count) is read apart from the whole order so the window paints early; the
whole order (~25 ms of CPU at 100k) waits until the head has been painted, where it ran beside
the first paint and delayed it. The head brings the rows a first run's column fit measures too,
so painting the first rows reads no rows on the GUI thread."""

from __future__ import annotations

import threading
import traceback
from typing import Any

from sqlalchemy import event

from bibliofile.storage.library import Library

from .conftest import many_refs

N = 3000  # more than the head (200 rows): the rest of the ids come with the whole order


AFTER_FIRST_ROWS = {"start_when_idle"}  # gui/lookup_queue.py and fulltext_indexer.py: after the first rows

def test_the_whole_order_is_read_only_once_the_head_is_painted(make_window, lib: Library, qtbot) -> None:
    lib.add_references(many_refs(N))
    window = make_window(sync=False)  # the real runner, as at launch
    window.resize(1000, 600)
    model = window.model
    # Not shown: nothing paints. The head arrives with the count; the other ids are 0 until the
    # whole order is read.
    qtbot.waitUntil(lambda: model.rowCount() == N, timeout=10000)
    qtbot.wait(100)  # within the fallback (PENDING_FINISH_MS), with no paint
    assert 0 in model.ids, "the whole order was read before the head was painted"
    assert model.finish_pending
    window.show()
    window.table.viewport().grab()
    qtbot.waitUntil(lambda: 0 not in model.ids, timeout=10000)
    assert not model.finish_pending
    assert sorted(model.ids) == sorted(r.id for r in lib.get_many(model.ids))


def test_painting_the_first_rows_reads_no_rows_on_the_gui_thread(make_window, lib: Library, qtbot) -> None:
    lib.add_references(many_refs(N))
    gui = threading.get_ident()
    on_gui: list[str] = []
    recording = [False]

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # Work hung on the first rows (the lookup queue's one index probe) runs once they are
        # painted; on a loaded machine it can fall before the grab below.
        if (
            recording[0]
            and threading.get_ident() == gui
            and 'FROM "references"' in statement
            and not any(f.name in AFTER_FIRST_ROWS for f in traceback.extract_stack())
        ):
            on_gui.append(statement)

    event.listen(lib.engine, "before_cursor_execute", seen)
    try:
        window = make_window(sync=False)  # a first run: the columns are fitted to the first rows
        window.resize(1000, 600)
        recording[0] = True
        window.show()
        qtbot.waitUntil(lambda: window.model.rowCount() == N, timeout=10000)
        window.table.viewport().grab()  # the first rows, painted
        recording[0] = False
    finally:
        event.remove(lib.engine, "before_cursor_execute", seen)
    assert on_gui == [], f"the first paint read rows on the GUI thread: {on_gui}"
    assert window.model.data(window.model.index(0, 0))  # ...and it showed them
