"""File > Keep a .bib Updated… (issue 20): set up in the dialog, the file is written at once; an
edit in the window rewrites it within the debounce, on the writer thread, while the GUI thread
keeps running; a file that cannot be written says so in the status bar and in the list."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from bibliofile.services import autoexport
from bibliofile.services.exporting import encoded
from bibliofile.storage import autoexports as store
from bibliofile.storage.library import Library

from .conftest import make_ref


def _type(editor: QWidget, text: str) -> None:
    """Replace the editor's text key by key (QTest's helpers crash on non-ASCII), then Return."""
    editor.selectAll()  # type: ignore[attr-defined]
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(editor, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(editor, QKeyEvent(kind, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r"))


def _fresh(lib: Library, out: Path) -> bytes:
    row = store.find(lib, str(out))
    assert row is not None
    text, encoding = autoexport.fresh_text(lib, row)
    return encoded(text, encoding)


def test_an_edit_in_the_window_rewrites_the_file_in_the_background(
    make_window, lib: Library, qtbot, tmp_path: Path, shots: Path, monkeypatch
) -> None:
    lib.add_references([make_ref("Old title", family="Knox"), make_ref("Other work", family="Weber")])
    window = make_window(sync=False)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=10000)
    threads: list[int] = []
    real = autoexport.refresh_all

    def spy(*args, **kwargs):  # which thread rewrites (the real function does the work)
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(autoexport, "refresh_all", spy)

    window.autoexport_watch.action.trigger()  # File > Keep a .bib Updated…
    dlg = window.autoexport_watch.dialog
    qtbot.waitUntil(dlg.isVisible)
    out = tmp_path / "paper" / "references.bib"
    out.parent.mkdir()
    dlg.path_edit.setText(str(out))
    dlg.format_combo.setCurrentIndex(1)  # BibLaTeX
    dlg.add_button.click()
    qtbot.waitUntil(lambda: out.exists() and dlg.table.rowCount() == 1, timeout=10000)
    assert "Old title" in out.read_text(encoding="utf-8")
    assert dlg.table.item(0, 1).text() == "BibLaTeX" and dlg.table.item(0, 2).text() == "whole library"
    assert "written (2 references)" in dlg.status.text()
    dlg.grab().save(str(shots / "autoexport_dialog.png"))
    dlg.close()

    window.table.selectRow(0)  # "Old title" sorts first
    qtbot.waitUntil(lambda: window.detail.editors["title"].text() == "Old title", timeout=10000)
    _type(window.detail.editors["title"], "Nouveau titre é")
    qtbot.waitUntil(lambda: "Nouveau titre é" in out.read_text(encoding="utf-8"), timeout=2000)
    qtbot.waitUntil(lambda: not window.autoexport_watch.pending, timeout=5000)
    assert out.read_bytes() == _fresh(lib, out)
    assert threads and threading.get_ident() not in threads  # never on the GUI thread


def test_a_file_that_cannot_be_written_is_said_and_retried(
    make_window, lib: Library, qtbot, tmp_path: Path, shots: Path
) -> None:
    lib.add_references([make_ref("Alpha")])
    folder = tmp_path / "gone"
    folder.mkdir()
    out = folder / "refs.bib"
    autoexport.add(lib, out)
    window = make_window(sync=False)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10000)
    out.unlink()
    folder.rmdir()
    window.autoexport_watch.rewrite_now(force=True)
    qtbot.waitUntil(lambda: "does not exist" in window.statusBar().currentMessage(), timeout=5000)
    message = window.statusBar().currentMessage()
    assert str(out) in message and "retried after the next change" in message
    window.autoexport_watch.open_dialog()
    dlg = window.autoexport_watch.dialog
    assert dlg.table.item(0, 3).text() == "failed (see below)"
    assert "Not written: cannot export to" in dlg.status.text() and "does not exist" in dlg.status.text()
    dlg.grab().save(str(shots / "autoexport_dialog_failed.png"))
    folder.mkdir()
    dlg.write_button.click()
    qtbot.waitUntil(lambda: out.exists(), timeout=5000)
    qtbot.waitUntil(lambda: not dlg.table.item(0, 3).text().startswith("failed"), timeout=5000)
    dlg.remove_button.setEnabled(True)
    dlg.table.selectRow(0)
    dlg.remove_button.click()
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 0, timeout=5000)
    assert out.exists()  # removing stops the updates; the file stays


def test_a_rewrite_pending_when_the_window_closes_is_done_before_it_goes(
    make_window, lib: Library, qtbot, tmp_path: Path
) -> None:
    lib.add_references([make_ref("Before close")])
    out = tmp_path / "refs.bib"
    autoexport.add(lib, out)
    window = make_window(sync=False)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10000)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.detail.editors["title"].text() == "Before close", timeout=10000)
    _type(window.detail.editors["title"], "Closed at once")
    assert window.autoexport_watch.pending  # the debounce has not run yet
    window.close()
    assert "Closed at once" in out.read_text(encoding="utf-8")
    assert out.read_bytes() == _fresh(lib, out)
