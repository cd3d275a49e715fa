"""File > Sync with Shared Library (issue 21) in a real window against a real PostgreSQL: the
first sync asks for the address and brings in the other library's references, collections
included; a later one uses the remembered address; an unreachable server is a plain message
and the local edit stays."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QInputDialog
from tests.pg_server import PgServer, running_server

from bibliofile.gui import messages, sync_action
from bibliofile.model import Reference
from bibliofile.services import sync
from bibliofile.storage.library import Library


@pytest.fixture(scope="module")
def pg() -> Iterator[PgServer]:
    with running_server() as s:
        yield s


@pytest.fixture
def said(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    got: list[tuple[str, str]] = []
    monkeypatch.setattr(messages, "inform", lambda _p, title, text: got.append(("inform", text)))
    monkeypatch.setattr(messages, "warn", lambda _p, title, text: got.append(("warn", text)))
    return got


def test_the_first_sync_asks_for_the_address_and_brings_the_others_references_in(
    qtbot, make_window, pg: PgServer, tmp_path: Path, said: list[tuple[str, str]]
) -> None:
    url = pg.create_database("gui_lab").replace("postgresql+psycopg://", "postgresql://")
    other = Library.open(tmp_path / "other.sqlite")
    try:
        ids = other.add_references([Reference(fields={"title": f"Shared {i}"}, citation_key=f"s{i}") for i in range(3)])
        with other.write() as uow:
            uow.add_to_collection(uow.add_collection("Lab reading"), ids[:2])
        sync.sync(other, url)
    finally:
        other.close()
    window = make_window()
    action = sync_action.install(window)
    assert action.action in window.menu_file.actions()
    action.action.trigger()
    dialog = action.dialog
    assert isinstance(dialog, QInputDialog) and dialog.isVisible()
    dialog.setTextValue(url)
    dialog.accept()
    qtbot.waitUntil(lambda: action.last_report is not None, timeout=30000)
    assert action.last_report is not None and action.last_report.pulled == 4
    assert window.model.rowCount() == 3
    assert any(name == "Lab reading" for _i, _p, name in window.library.collections())
    assert "4 received" in window.statusBar().currentMessage()
    assert said == []


def test_an_unreachable_server_is_a_plain_message_and_the_edit_stays(
    qtbot, make_window, pg: PgServer, said: list[tuple[str, str]]
) -> None:
    url = pg.create_database("gui_gone").replace("postgresql+psycopg://", "postgresql://")
    window = make_window()
    window.library.add_references([Reference(fields={"title": "Mine"}, citation_key="mine")])
    sync.sync(window.library, url)
    ref = window.library.get(window.library.by_citation_key(["mine"])[0])
    ref.fields["title"] = "Edited offline"
    window.library.update_reference(ref)
    action = sync_action.install(window)
    pg.stop()
    try:
        action.action.trigger()  # the address is remembered: no question
        qtbot.waitUntil(lambda: bool(said), timeout=60000)
    finally:
        pg.restart()
    assert action.dialog is None
    kind, text = said[0]
    assert kind == "warn" and "Could not sync with the shared library" in text
    assert "Not synced" in window.statusBar().currentMessage()
    assert action.action.isEnabled()
    assert window.library.get(ref.id or 0).fields["title"] == "Edited offline"
    action.action.trigger()
    qtbot.waitUntil(lambda: action.last_report is not None, timeout=30000)
    assert action.last_report is not None and action.last_report.pushed == 1


def test_the_window_offers_sync_in_the_file_menu_before_quit(window) -> None:
    """Installed once the window is idle, the entry goes before Quit, not after it."""
    window._install_deferred()
    texts = [a.text() for a in window.menu_file.actions()]
    assert "Sync with Shared Library…" in texts
    assert texts.index("Sync with Shared Library…") < texts.index("&Quit")
