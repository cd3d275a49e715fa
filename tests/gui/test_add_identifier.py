"""Add by identifier from the toolbar field (issue 18): Ctrl+Shift+N, Enter, the references
looked up against a local server replaying recorded answers, added as one undo step and
selected; duplicates selected, not fetched; what is unknown stays in the field with its reason."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from pytest_httpserver import HTTPServer

from bibliofile.gui.add_identifier import PLACEHOLDER, IdentifierField

from .conftest import SCREENSHOTS as SHOTS
from .online_window import (
    BOOK_TITLE,
    PUBMED_TITLE,
    SCIENCE,
    SCIENCE_TITLE,
    by_title,
    live,
    point_at,
    replay_for,
    selected_titles,
    status_text,
)


@pytest.fixture
def replay(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch):
    point_at(monkeypatch, httpserver)
    return replay_for(httpserver)


def enter(window, qtbot, text: str) -> IdentifierField:
    """Ctrl+Shift+N, the text typed (ASCII: QTest's key helpers), Enter."""
    window.show()
    qtbot.waitExposed(window)
    window.table.setFocus()
    qtbot.waitUntil(window.table.hasFocus, timeout=2000)
    QTest.keyClick(window.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    field = window.add_by_identifier.field
    qtbot.waitUntil(field.hasFocus, timeout=2000)
    QTest.keyClicks(field, text)
    QTest.keyClick(field, Qt.Key.Key_Return)
    return field


def test_a_doi_typed_in_the_toolbar_field_is_added_selected_and_undone_in_one_step(window, lib, qtbot, replay, shots) -> None:
    field = window.add_by_identifier.field
    assert field.placeholderText() == PLACEHOLDER == "DOI, ISBN, arXiv or PubMed ID…"
    assert window.toolbar.widgetForAction(window.toolbar.actions()[3]) is field, "the field follows New and Trash"
    window.show()
    qtbot.waitExposed(window)
    window.toolbar.grab().save(str(shots / "add_identifier_toolbar_empty.png"))
    enter(window, qtbot, f"https://doi.org/{SCIENCE}")
    qtbot.waitUntil(lambda: bool(live(lib)), timeout=10000)
    [ref] = live(lib)
    assert (ref.title, ref.fields["doi"], ref.fields["volume"], ref.creators[0].family) == (SCIENCE_TITLE, SCIENCE, "169", "Frank")
    qtbot.waitUntil(lambda: window.table.selected_ids() == [ref.id], timeout=5000)
    assert status_text(window) == "Added 1 reference."
    assert field.text() == "", "what was added leaves the field"
    assert replay.unexpected == []
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: live(lib) == [], timeout=5000)
    window.undo_stack.redo()
    qtbot.waitUntil(lambda: [r.id for r in live(lib)] == [ref.id], timeout=5000)


def test_a_pasted_list_adds_several_at_once(window, lib, qtbot, replay, shots) -> None:
    window.show()
    qtbot.waitExposed(window)
    field = window.add_by_identifier.field
    QGuiApplication.clipboard().setText(f"doi:{SCIENCE}\nPMID: 11850928\r\nISBN 978-0-9802004-4-7\n")
    window.add_by_identifier.focus()
    field.paste()
    assert field.text().strip().split(" ") == [f"doi:{SCIENCE}", "PMID:", "11850928", "ISBN", "978-0-9802004-4-7"]
    field.grab().save(str(shots / "add_identifier_field.png"))
    window.toolbar.grab().save(str(shots / "add_identifier_toolbar.png"))
    QTest.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(live(lib)) == 3, timeout=10000)
    assert set(by_title(lib)) == {SCIENCE_TITLE, PUBMED_TITLE, BOOK_TITLE}
    qtbot.waitUntil(lambda: selected_titles(window) == {SCIENCE_TITLE, PUBMED_TITLE, BOOK_TITLE}, timeout=5000)
    assert status_text(window) == "Added 3 references."
    assert window.undo_stack.count() == 1 and window.undo_stack.undoText() == "Add 3 References by Identifier"
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: live(lib) == [], timeout=5000)


def test_an_identifier_already_in_the_library_selects_it_and_fetches_nothing(window, lib, qtbot, replay) -> None:
    enter(window, qtbot, SCIENCE)
    qtbot.waitUntil(lambda: len(live(lib)) == 1, timeout=10000)
    [ref] = live(lib)
    window.table.clearSelection()
    asked = len(replay.seen)
    enter(window, qtbot, f"https://doi.org/{SCIENCE.upper()}")
    qtbot.waitUntil(lambda: window.table.selected_ids() == [ref.id], timeout=5000)
    assert len(replay.seen) == asked, "a duplicate is not looked up again"
    assert len(live(lib)) == 1 and window.undo_stack.count() == 1
    assert status_text(window) == f"DOI {SCIENCE.upper()} is already in the library (selected)."


def test_unknown_and_invalid_identifiers_stay_in_the_field_with_the_reason(window, lib, qtbot, replay) -> None:
    field = enter(window, qtbot, f"10.1126/foo 9780980200448 {SCIENCE}")
    qtbot.waitUntil(lambda: len(live(lib)) == 1, timeout=10000)
    qtbot.waitUntil(lambda: window.add_by_identifier.last is not None, timeout=5000)
    assert field.text() == "10.1126/foo 9780980200448", "what could not be added stays, to be corrected"
    msg = status_text(window)
    assert msg.startswith("Added 1 reference; not added: DOI 10.1126/foo was not found (127.0.0.1:")
    assert "“9780980200448” is not a valid ISBN: the check digit of 9780980200448 is wrong (a typo?)" in msg
    assert by_title(lib).keys() == {SCIENCE_TITLE}


def test_the_field_sits_in_the_toolbar_and_the_references_menu(window) -> None:
    act = window.add_by_identifier.action
    assert act.shortcut().toString() == "Ctrl+Shift+N"
    menu_titles = [a.text() for a in window.menuBar().actions()]
    assert "&References" in menu_titles and menu_titles.index("&References") < menu_titles.index("&Tools")
    assert act in window.menu_references.actions() and window.act_find_metadata in window.menu_references.actions()


@pytest.fixture
def slow_server():
    """Answers side by side, each after a second: time enough to press Cancel."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_cancel_in_the_status_bar_adds_nothing(make_window, lib, qtbot, slow_server, monkeypatch) -> None:
    import re
    import time

    from tests.online_server import CSL, recorded
    from werkzeug import Response

    body = recorded("doi_science_169_635.csl.json")

    def slow(_request):
        time.sleep(1.0)
        return Response(body, status=200, content_type=CSL)

    point_at(monkeypatch, slow_server)
    slow_server.expect_request(re.compile("/doi/.*")).respond_with_handler(slow)
    window = make_window(sync=False)
    window.show()
    qtbot.waitExposed(window)
    window.add_by_identifier.add(" ".join(f"10.5555/cancel-{n}" for n in range(30)))
    progress = window.lookup_progress
    qtbot.waitUntil(progress.isVisible, timeout=10000)
    assert progress.label.text().startswith("Looking up 30 identifiers: ")
    window.statusBar().grab().save(str(SHOTS / "add_identifier_progress.png"))
    progress.cancel_button.click()
    qtbot.waitUntil(lambda: window.add_by_identifier.last is not None, timeout=20000)
    assert window.add_by_identifier.last.cancelled and not progress.isVisible()
    assert status_text(window) == "Lookup cancelled: nothing was added."
    assert live(lib) == [] and window.undo_stack.count() == 0
    assert len(slow_server.log) < 30, "requests not yet sent when Cancel was pressed are not sent"
