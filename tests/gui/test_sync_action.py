"""File > Sync with Shared Library (issue 21) in a real window against a real PostgreSQL: the
first sync asks for the address and brings in the other library's references, collections
included; a later one uses the remembered address; an unreachable server is a plain message
and the local edit stays."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.pg_server import PgServer

from bibliofile.gui import messages, sync_action
from bibliofile.gui.sync_setup_dialog import SyncSetupDialog
from bibliofile.model import Reference
from bibliofile.services import sync
from bibliofile.storage import sync_replica
from bibliofile.storage.library import Library


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
    assert isinstance(dialog, SyncSetupDialog) and dialog.isVisible()
    assert dialog.whole.isChecked()  # the whole library unless the user chooses
    dialog.address.setText(url)
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


def _ids(lib: Library, *keys: str) -> list[int]:
    return [lib.by_citation_key([k])[0] for k in keys]


def test_a_group_library_is_chosen_in_the_window_named_in_the_status_bar_and_left(
    qtbot, make_window, pg: PgServer, tmp_path: Path, said: list[tuple[str, str]]
) -> None:
    """Only the checked collection is sent (the private references never reach the others), the
    group's references come in beside the private ones, and leaving with Remove Them takes the
    group's references out again but for one also filed in a collection of the user's own."""
    url = pg.create_database("gui_group").replace("postgresql+psycopg://", "postgresql://")
    colleague = Library.open(tmp_path / "colleague.sqlite")
    try:
        colleague.add_references([Reference(fields={"title": f"Lab {i}"}, citation_key=f"lab{i}") for i in range(2)]
                                 + [Reference(fields={"title": "Their secret"}, citation_key="theirs")])
        with colleague.write() as uow:
            uow.add_to_collection(uow.add_collection("Lab reading"), _ids(colleague, "lab0", "lab1"))
        sync.sync(colleague, url, scope=["Lab reading"])
    finally:
        colleague.close()
    window = make_window()
    lib = window.library
    lib.add_references([Reference(fields={"title": t}, citation_key=k)
                        for k, t in (("mine", "My draft"), ("ours", "For the lab"), ("both", "Filed twice"))])
    with lib.write() as uow:
        thesis = uow.add_collection("Thesis")
        uow.add_to_collection(uow.add_collection("Shared", parent_id=thesis), _ids(lib, "ours", "both"))
        uow.add_to_collection(thesis, _ids(lib, "mine", "both"))
    window.sidebar.set_collections(lib.collections())
    action = sync_action.install(window)
    assert not action.leave_action.isEnabled()
    action.action.trigger()
    dialog = action.dialog
    assert isinstance(dialog, SyncSetupDialog) and dialog.isVisible()
    assert [dialog.collections.item(r).text() for r in range(dialog.collections.count())] == ["Thesis", "Thesis/Shared"]
    dialog.address.setText(url)
    dialog.check("Thesis/Shared")
    assert dialog.only.isChecked()  # checking a collection chooses "Only these collections"
    dialog.accept()
    qtbot.waitUntil(lambda: action.last_report is not None, timeout=30000)
    report = action.last_report
    assert report is not None and [c["name"] for c in report.scope or []] == ["Shared"]
    assert "(only Shared)" in window.statusBar().currentMessage()
    assert window.model.rowCount() == 5  # my three and the group's two; not their secret
    assert action.auto.indicator.text().startswith("Shared: Synced")
    assert "only Shared syncs" in action.auto.indicator.toolTip()
    # What the colleague receives is the group only: their Lab reading and my Shared.
    colleague = Library.open(tmp_path / "colleague.sqlite")
    try:
        sync.sync(colleague)
        assert {colleague.get(i).citation_key for i in colleague.by_citation_key(["ours", "both", "mine"])} == {"ours", "both"}
    finally:
        colleague.close()

    assert action.leave_action.isEnabled()
    action.leave_action.trigger()
    box = action.leave_box
    assert box is not None and box.isVisible() and "Shared" in box.text()
    assert action.leave_remove is not None
    action.leave_remove.click()
    qtbot.waitUntil(lambda: action.last_left is not None, timeout=30000)
    left = action.last_left
    assert left is not None and (left.removed, left.kept) == (3, 1)  # lab0, lab1, ours; both is in Thesis
    assert {lib.get(i).citation_key for i in sync_replica.live_reference_gids(lib).values()} == {"mine", "both"}
    assert window.model.rowCount() == 2
    assert sync.remembered_server(lib) is None
    assert action.auto.url is None and action.auto.indicator.isHidden()
    assert not action.leave_action.isEnabled()
    assert "moved to the Trash" in window.statusBar().currentMessage()
    assert said == []


def test_a_group_chosen_while_the_server_is_down_is_kept_for_the_retry(
    qtbot, make_window, pg: PgServer, said: list[tuple[str, str]]
) -> None:
    """The first sync fails; the automatic retry must still send only the chosen collection,
    never the whole library (nothing was stored yet: the scope waits in the window)."""
    url = pg.create_database("gui_group_down").replace("postgresql+psycopg://", "postgresql://")
    window = make_window()
    lib = window.library
    lib.add_references([Reference(fields={"title": t}, citation_key=k) for k, t in (("mine", "Private"), ("ours", "Shared"))])
    with lib.write() as uow:
        uow.add_to_collection(uow.add_collection("Lab"), _ids(lib, "ours"))
    window.sidebar.set_collections(lib.collections())
    action = sync_action.install(window)
    action.action.trigger()
    dialog = action.dialog
    assert dialog is not None
    dialog.address.setText(url)
    dialog.check("Lab")
    pg.stop()
    try:
        dialog.accept()
        qtbot.waitUntil(lambda: bool(said), timeout=60000)
    finally:
        pg.restart()
    assert said[0][0] == "warn" and sync.remembered_server(lib) is None
    action.auto.request()  # what the retry timer does
    qtbot.waitUntil(lambda: action.auto.syncs == 1, timeout=30000)
    other = Library.open(Path(str(lib.path)).with_name("other.sqlite"))
    try:
        sync.sync(other, url)
        assert [other.get(i).citation_key for i in sync_replica.live_reference_gids(other).values()] == ["ours"]
    finally:
        other.close()
    assert [c["name"] for c in sync.scope(lib) or []] == ["Lab"]


def test_choose_what_syncs_shows_the_scope_and_changes_it(
    qtbot, make_window, pg: PgServer, tmp_path: Path, said: list[tuple[str, str]]
) -> None:
    url = pg.create_database("gui_group_change").replace("postgresql+psycopg://", "postgresql://")
    window = make_window()
    lib = window.library
    lib.add_references([Reference(fields={"title": t}, citation_key=k) for k, t in (("mine", "Private"), ("ours", "Shared"))])
    with lib.write() as uow:
        thesis = uow.add_collection("Thesis")
        uow.add_to_collection(thesis, _ids(lib, "mine"))
        uow.add_to_collection(uow.add_collection("Lab", parent_id=thesis), _ids(lib, "ours"))
    window.sidebar.set_collections(lib.collections())
    action = sync_action.install(window)
    assert not action.scope_action.isEnabled()
    sync.sync(lib, url, scope=["Thesis/Lab"])
    action.auto.request()  # the window takes up the remembered server
    qtbot.waitUntil(lambda: action.auto.syncs == 1, timeout=30000)
    assert action.scope_action.isEnabled()
    action.scope_action.trigger()
    dialog = action.dialog
    assert dialog is not None and dialog.isVisible() and dialog.address.isReadOnly()
    assert dialog.only.isChecked() and dialog.checked() == ["Thesis/Lab"]
    dialog.check("Thesis")
    dialog.accept()
    qtbot.waitUntil(lambda: action.last_report is not None, timeout=30000)
    assert [c["name"] for c in sync.scope(lib) or []] == ["Thesis", "Lab"]  # as the checklist lists them
    assert action.auto.indicator.text().startswith("Thesis, Lab: Synced")
    other = Library.open(tmp_path / "other.sqlite")
    try:
        sync.sync(other, url)
        assert sorted(other.get(i).citation_key for i in sync_replica.live_reference_gids(other).values()) == ["mine", "ours"]
    finally:
        other.close()
    assert said == []


def test_one_conflict_is_said_in_the_singular(qtbot, make_window, pg: PgServer, tmp_path: Path,
                                              said: list[tuple[str, str]]) -> None:
    url = pg.create_database("gui_one_conflict").replace("postgresql+psycopg://", "postgresql://")
    window = make_window()
    window.library.add_references([Reference(fields={"title": "Base"}, citation_key="k")])
    sync.sync(window.library, url)
    other = Library.open(tmp_path / "other.sqlite")
    try:
        sync.sync(other, url)
        [i] = other.by_citation_key(["k"])
        ref = other.get(i)
        ref.fields["title"] = "Theirs"
        other.update_reference(ref)
        sync.sync(other)
    finally:
        other.close()
    [i] = window.library.by_citation_key(["k"])
    mine = window.library.get(i)
    mine.fields["title"] = "Mine"
    window.library.update_reference(mine)
    action = sync_action.install(window, debounce_ms=60000, live=False)
    action.action.trigger()
    qtbot.waitUntil(lambda: action.last_report is not None, timeout=30000)
    message = window.statusBar().currentMessage()
    assert message.endswith("; 1 conflict (your value kept)"), message
