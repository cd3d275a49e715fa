"""The window's automatic sync (issue 21) in a real window against a real PostgreSQL: the
status-bar indicator, a sync a moment after a change, offline quietly with the changes counted
and retried, one sync at a time, the conflicts listed and settled as undo steps, and a change
pushed from another library shown in the table with no user action (LISTEN/NOTIFY).

Windows here run the real TaskRunner (the sync's threads as in the app) unless a test needs the
synchronous one to look at each step.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import count
from pathlib import Path

import pytest
from tests.pg_server import PgServer

from bibliofile.gui import messages, sync_action, sync_status
from bibliofile.gui.library_table import TABLE_COLUMNS
from bibliofile.model import Reference
from bibliofile.services import sync
from bibliofile.storage.library import Library

_names = count()
TITLE = [c.key for c in TABLE_COLUMNS].index("title")
FAST = {"debounce_ms": 200, "retry_ms": (300, 1000)}


@pytest.fixture
def url(pg: PgServer) -> str:
    return pg.create_database(f"status{next(_names)}").replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def said(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    got: list[tuple[str, str]] = []
    monkeypatch.setattr(messages, "inform", lambda _p, title, text: got.append(("inform", text)))
    monkeypatch.setattr(messages, "warn", lambda _p, title, text: got.append(("warn", text)))
    return got


@pytest.fixture
def other(tmp_path: Path) -> Iterator[Library]:
    lib = Library.open(tmp_path / "office.sqlite")
    yield lib
    lib.close()


def titles(window) -> list[str]:
    model = window.model
    return [model.data(model.index(row, TITLE)) for row in range(model.rowCount())]


def one(lib: Library, key: str) -> Reference:
    [i] = lib.by_citation_key([key])
    return lib.get(i)


def edit_in_window(window, key: str, **fields: str) -> None:
    """A change through the window's write path (a task of its writer, as its edits are)."""
    ref = one(window.library, key)
    ref.fields.update(fields)
    window.run_write(lambda u: u.update_many([(ref, True)]))


def test_ago_says_how_long_since_the_last_sync() -> None:
    now = datetime(2026, 12, 5, 9, 0, 0)
    assert sync_status.ago(now - timedelta(seconds=20), now) == "just now"
    assert sync_status.ago(now - timedelta(minutes=2, seconds=5), now) == "2 min ago"
    assert sync_status.ago(now - timedelta(hours=3), now) == "3 h ago"
    assert sync_status.ago(now - timedelta(days=3), now) == "on 2026-12-02"
    assert sync_status.ago(None, now) == "never"


def test_the_indicator_is_hidden_until_the_library_syncs_then_says_when(
    qtbot, make_window, url: str, said: list[tuple[str, str]]
) -> None:
    window = make_window()
    window.library.add_references([Reference(fields={"title": "Mine"}, citation_key="mine")])
    action = sync_action.install(window, **FAST)
    assert not action.auto.indicator.isVisibleTo(window)
    action.run(url)
    qtbot.waitUntil(lambda: action.last_report is not None, timeout=30000)
    assert action.auto.indicator.isVisibleTo(window)
    assert action.auto.indicator.text() == "Synced just now"
    assert "Shared library: postgresql://" in action.auto.indicator.toolTip()
    assert said == []


def test_a_change_in_the_window_is_synced_a_moment_later_and_an_offline_one_waits_quietly(
    qtbot, make_window, pg: PgServer, url: str, other: Library, said: list[tuple[str, str]]
) -> None:
    window = make_window(sync=False)
    window.library.add_references([Reference(fields={"title": f"Paper {i}"}, citation_key=f"p{i}") for i in range(3)])
    sync.sync(window.library, url)
    auto = sync_action.install(window, **FAST).auto
    qtbot.waitUntil(lambda: auto.syncs >= 1, timeout=30000)  # the sync soon after opening
    before = auto.syncs
    window.set_query("")  # a search is a task too, but no change: no sync
    qtbot.wait(600)
    assert auto.syncs == before
    edit_in_window(window, "p0", title="Edited in the window")
    qtbot.waitUntil(lambda: auto.syncs > before, timeout=30000)
    sync.sync(other, url)
    assert one(other, "p0").fields["title"] == "Edited in the window"

    pg.stop()
    try:
        edit_in_window(window, "p1", title="Edited offline")
        edit_in_window(window, "p2", title="Also offline")
        qtbot.waitUntil(lambda: auto.indicator.text() == "Offline — 2 changes waiting", timeout=60000)
        assert said == []  # quietly: no dialog
        assert "Not synced" in auto.indicator.toolTip()
        assert auto.failures >= 1
    finally:
        pg.restart()
    qtbot.waitUntil(lambda: auto.indicator.text() == "Synced just now", timeout=60000)  # the retry
    sync.sync(other)
    assert one(other, "p1").fields["title"] == "Edited offline"
    assert one(other, "p2").fields["title"] == "Also offline"
    assert said == []


def test_never_two_syncs_at_once_requests_meanwhile_share_one(
    qtbot, make_window, url: str, said: list[tuple[str, str]]
) -> None:
    window = make_window(sync=False)
    window.library.add_references([Reference(fields={"title": "One"}, citation_key="one")])
    sync.sync(window.library, url)
    auto = sync_action.install(window, debounce_ms=60000).auto
    running_at_once: list[bool] = []
    auto.finished.connect(lambda _r: running_at_once.append(auto.running))
    for _ in range(5):
        auto.request()
    assert auto.running
    qtbot.waitUntil(lambda: auto.syncs == 2 and not auto.running, timeout=30000)
    qtbot.wait(300)
    assert auto.syncs == 2  # the first, then one for the four asked meanwhile
    assert running_at_once == [False, False]


def test_conflicts_show_in_the_indicator_and_are_settled_as_undo_steps(
    qtbot, make_window, url: str, other: Library, said: list[tuple[str, str]]
) -> None:
    window = make_window()  # synchronous tasks: each click's write is done when it returns
    window.library.add_references([Reference(fields={"title": "Base", "date": "2001"}, citation_key="k")])
    sync.sync(window.library, url)
    sync.sync(other, url)
    ref = one(other, "k")
    ref.fields.update(title="Theirs", date="2002")
    other.update_reference(ref)
    sync.sync(other)
    mine = one(window.library, "k")
    mine.fields.update(title="Mine", date="1999")
    window.library.update_reference(mine)
    action = sync_action.install(window, debounce_ms=60000, live=False)
    auto = action.auto
    action.action.trigger()
    assert action.last_report is not None and len(action.last_report.conflicts) == 2
    assert auto.indicator.text() == "2 conflicts"
    said.clear()  # File > Sync (asked for) named them in a message
    auto.indicator.click()
    dialog = auto.conflicts_dialog
    assert dialog is not None and dialog.isVisible()
    cells = [[dialog.table.item(r, c).text() for c in range(4)] for r in range(dialog.table.rowCount())]
    assert cells == [["k", "date", "1999", "2002"], ["k", "title", "Mine", "Theirs"]]
    steps = window.undo_stack.count()
    dialog.buttons[1][1].click()  # Take Theirs: title
    assert one(window.library, "k").fields["title"] == "Theirs"
    assert window.undo_stack.count() == steps + 1
    assert window.undo_stack.undoText() == "Take their title of k"
    assert auto.indicator.text() == "1 conflict"
    assert [dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())] == ["date"]
    assert "Theirs" in titles(window)
    dialog.buttons[0][0].click()  # Keep Mine: date
    assert one(window.library, "k").fields["date"] == "1999"
    assert auto.indicator.text().startswith("Synced")
    assert dialog.table.rowCount() == 0 and dialog.empty.isVisibleTo(dialog)
    window.undo_stack.undo()  # the date's conflict is open again
    window.undo_stack.undo()  # and the title is mine again
    assert one(window.library, "k").fields["title"] == "Mine"
    assert auto.indicator.text() == "2 conflicts"
    window.undo_stack.redo()
    assert one(window.library, "k").fields["title"] == "Theirs"
    assert auto.indicator.text() == "1 conflict"
    assert said == []
    dialog.close()


def test_a_push_from_another_library_appears_in_the_table_without_any_user_action(
    qtbot, make_window, url: str, other: Library, said: list[tuple[str, str]]
) -> None:
    window = make_window(sync=False)
    window.library.add_references([Reference(fields={"title": "Shared start"}, citation_key="start")])
    sync.sync(window.library, url)
    sync.sync(other, url)
    auto = sync_action.install(window, debounce_ms=60000, period_ms=600000).auto
    qtbot.waitUntil(lambda: auto.listening, timeout=30000)
    other.add_references([Reference(fields={"title": "Live from the office"}, citation_key="live")])
    assert sync.sync(other).pushed == 1
    qtbot.waitUntil(lambda: "Live from the office" in titles(window), timeout=30000)
    ref = one(other, "start")
    ref.fields["title"] = "Renamed in the office"
    other.update_reference(ref)
    sync.sync(other)
    qtbot.waitUntil(lambda: "Renamed in the office" in titles(window), timeout=30000)
    assert auto.syncs >= 2
    assert said == []
    window.close()
    assert auto._listener is None


def test_the_windows_own_push_heard_back_starts_no_second_sync(
    qtbot, make_window, url: str, said: list[tuple[str, str]]
) -> None:
    """The NOTIFY of our own push arrives while that sync is finishing: it names a version the
    sync has, so nothing more runs."""
    window = make_window(sync=False)
    window.library.add_references([Reference(fields={"title": "Own"}, citation_key="own")])
    sync.sync(window.library, url)
    auto = sync_action.install(window, debounce_ms=200, period_ms=600000).auto
    qtbot.waitUntil(lambda: auto.listening and auto.syncs >= 1 and not auto.running, timeout=30000)
    for n in range(3):
        before = auto.syncs
        edit_in_window(window, "own", title=f"Own, edited {n}")
        qtbot.waitUntil(lambda before=before: auto.syncs > before and not auto.running, timeout=30000)
        qtbot.wait(1000)
        assert auto.syncs == before + 1
    assert said == []
