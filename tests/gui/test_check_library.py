"""Tools > Verify Library File, and a window on a library it cannot write (issue 14).

Damage is real: one page in the middle of a closed library file is overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.damaged_library import damage_middle_page, fold_wal
from tests.gui.conftest import many_refs

from bibliofile.gui import messages
from bibliofile.storage import migrate
from bibliofile.storage.library import Library


def make_file(path: Path, n: int = 600) -> None:
    lib = Library.open(path)
    lib.add_references(many_refs(n))
    lib.close()
    fold_wal(path)


@pytest.fixture
def said(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What message boxes would have shown."""
    got: list[str] = []
    monkeypatch.setattr(messages, "warn", lambda _p, _t, text: got.append(text))
    monkeypatch.setattr(messages, "inform", lambda _p, _t, text: got.append(text))
    return got


def tools_action(window: object, text: str) -> object:
    menu = window.menu_tools  # type: ignore[attr-defined]
    [action] = [a for a in menu.actions() if a.text().replace("&", "") == text]
    return action


def test_check_library_file_finds_damage_and_recovers_from_the_backup(
    tmp_path: Path, make_window: Callable[..., object], said: list[str], qtbot: object
) -> None:
    path = tmp_path / "damaged.sqlite"
    make_file(path)
    backup = migrate.backup(path, "before-upgrade")
    damage_middle_page(path)
    before = path.read_bytes()
    library = Library.open(path)
    try:
        w = make_window(library)
        assert "(damaged)" in w.windowTitle()  # type: ignore[attr-defined]
        assert tools_action(w, "Verify Library File…").isVisible()  # type: ignore[attr-defined]

        said.clear()
        w.create_collection("Written into a damaged file")  # type: ignore[attr-defined]
        assert any("damaged" in s and "nothing was changed" in s for s in said), said

        tools_action(w, "Verify Library File…").trigger()  # type: ignore[attr-defined]
        dialog = w.check_file_dialog  # type: ignore[attr-defined]
        assert dialog.check_result is not None and not dialog.check_result.ok
        assert "damaged" in dialog.status.text()
        assert dialog.recover_button.isEnabled()
        dialog.recover_button.click()
        report = dialog.recovered
        assert report is not None and report.backup == backup and report.references == 600
        assert report.target.exists() and any(str(report.target) in s for s in said)
    finally:
        library.close()
    assert path.read_bytes() == before
    recovered = Library.open(report.target)
    try:
        assert recovered.damage is None and recovered.count() == 600
    finally:
        recovered.close()


def test_check_library_file_on_a_sound_library(window: object, said: list[str]) -> None:
    tools_action(window, "Verify Library File…").trigger()  # type: ignore[attr-defined]
    dialog = window.check_file_dialog  # type: ignore[attr-defined]
    assert dialog.check_result is not None and dialog.check_result.ok
    assert "No damage found" in dialog.status.text()
    assert not dialog.recover_button.isVisible()


def test_a_read_only_library_says_so_on_a_write(
    tmp_path: Path, make_window: Callable[..., object], said: list[str]
) -> None:
    path = tmp_path / "ro.sqlite"
    make_file(path, 20)
    before = path.read_bytes()
    library = Library.open(path, read_only=True)  # what a read-only folder or medium opens as
    try:
        w = make_window(library)
        assert "(read-only)" in w.windowTitle()  # type: ignore[attr-defined]
        assert w.model.rowCount() == 20  # type: ignore[attr-defined]
        w.create_collection("Nowhere to go")  # type: ignore[attr-defined]
        assert any("read-only" in s for s in said), said
    finally:
        library.close()
    assert path.read_bytes() == before


def test_the_window_asks_before_making_a_library_of_an_empty_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp: object) -> None:
    import sys

    from bibliofile.gui import app as gui_app

    empty = tmp_path / "typo.sqlite"
    empty.write_bytes(b"")
    asked: list[str] = []
    monkeypatch.setattr(messages, "ask", lambda _p, _t, text, **_k: asked.append(text) or False)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setenv(gui_app.EXIT_AFTER_START, "1")  # a window that opens anyway closes again
    assert gui_app.run_gui(empty, explicit=True) == 1
    assert asked and "is empty" in asked[0]
    assert empty.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["typo.sqlite"]


def test_closing_the_window_keeps_a_recent_backup_for_recovery(
    tmp_path: Path, make_window: Callable[..., object]
) -> None:
    """Without it, a library that was never upgraded has no backup and recovery has nothing."""
    path = tmp_path / "daily.sqlite"
    make_file(path, n=30)
    lib = Library.open(path)
    window = make_window(lib)
    window.close()  # type: ignore[attr-defined]
    backups = sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".bak"))
    assert len(backups) == 1 and backups[0].startswith("daily.sqlite.recent-")
    copy = Library.open(tmp_path / backups[0])
    try:
        assert len(copy.search("")) == 30
    finally:
        copy.close()
    lib.close()


def test_a_window_on_a_damaged_library_shows_what_it_can_read_and_says_why_not_the_rest(
    tmp_path: Path, make_window: Callable[..., object], qtbot: object
) -> None:
    """Reading rows from a damaged page raised inside the table model's data(), and the view
    repainted into the same error again and again; now unreadable rows say so and the status
    bar says what to do, once."""
    from bibliofile.gui.library_table import COLUMN_KEYS, UNREADABLE_TITLE

    path = tmp_path / "damaged.sqlite"
    make_file(path, n=800)
    damage_middle_page(path)
    lib = Library.open(path)
    window = make_window(lib)
    told: list[str] = []
    model = window.model  # type: ignore[attr-defined]
    model.rowsUnreadable.connect(told.append)
    title = COLUMN_KEYS.index("title")
    titles = [model.row_tuple(row)[title] for row in range(model.rowCount())]
    assert len(titles) == 800
    assert UNREADABLE_TITLE in titles
    readable = [t for t in titles if t != UNREADABLE_TITLE]
    written = {r.fields["title"] for r in many_refs(800)}
    assert readable and set(readable) <= written
    assert len(told) == 1 and "Verify Library File" in told[0]
    lib.close()
