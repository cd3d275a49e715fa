"""Files dropped from the file manager onto the table (issue 19): on a row they are attached to
that reference (one undo step, the row selected so the pane shows them); PDFs dropped below the
rows make references titled by their names; a .bib dropped on a row is imported as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from bibliofile.gui.pane_attachments import AttachmentsSection
from bibliofile.services import attachments as att
from bibliofile.storage.library import Library

from .conftest import make_ref

PDF = b"%PDF-1.4\n" + b"2" * 1000 + b"\n%%EOF\n"


@pytest.fixture
def shown(window, qtbot):
    window.resize(1100, 700)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "papers"
    home.mkdir()
    monkeypatch.setenv("BIBLIOFILE_BASE_FOLDER", str(home))
    return home


def write(folder: Path, name: str, data: bytes = PDF) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return folder / name


def drop_on_viewport(window, files: list[Path], at: QPoint) -> bool:
    """Enter, move and drop at ``at`` on the table's viewport, as a file manager's drag does;
    whether the drop was taken. The viewport refuses file drags, so Qt hands them to the window."""
    vp = window.table.viewport()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    action = Qt.DropAction.CopyAction
    for kind in (QDragEnterEvent, QDragMoveEvent):
        QApplication.sendEvent(vp, kind(at, action, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    event = QDropEvent(QPointF(at), action, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vp, event)
    return bool(event.isAccepted())


def row_center(window, row: int) -> QPoint:
    return window.table.visualRect(window.model.index(row, 2)).center()


def test_a_pdf_dropped_on_a_row_is_attached_to_that_reference(shown, lib: Library, base: Path, qtbot, shots: Path) -> None:
    window = shown
    lib.add_references([make_ref("Alpha paper", family="Adams"), make_ref("Beta paper", family="Brown")])
    window.reload()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    target = window.model.id_at(1)
    assert drop_on_viewport(window, [write(base / "Downloads", "beta.pdf")], row_center(window, 1))
    where = att.FileLocations.of(lib, base)
    [v] = att.attachments_of(lib, where, target)
    assert v.stored and v.present and v.attachment.original_name == "beta.pdf"
    assert att.attachments_of(lib, where, window.model.id_at(0)) == []
    assert window.undo_stack.undoText() == "Attach “beta.pdf”"
    qtbot.waitUntil(lambda: window.table.selected_ids() == [target])
    section = window.detail.findChild(AttachmentsSection, "attachmentsSection")
    assert section is not None and section.list.count() == 1
    QApplication.processEvents()
    assert window.grab().save(str(shots / "pane_attachments_drop_on_row.png"))
    window.undo_stack.undo()
    assert att.attachments_of(lib, where, target) == []


def test_pdfs_dropped_below_the_rows_make_references(shown, lib: Library, base: Path, qtbot) -> None:
    window = shown
    lib.add_references([make_ref("Alpha paper", family="Adams")])
    window.reload()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    vp = window.table.viewport()
    below = QPoint(20, vp.height() - 5)
    assert window.table.rowAt(below.y()) == -1
    assert drop_on_viewport(window, [write(base / "in", "Ostrom_1990_Governing.pdf")], below)
    [rid] = lib.search("Governing")
    assert lib.get(rid).title == "Ostrom 1990 Governing"
    assert att.attachments_of(lib, att.FileLocations.of(lib, base), rid)[0].present
    window.undo_stack.undo()
    assert lib.search("Governing") == []


def test_a_bib_dropped_on_a_row_is_imported_not_attached(shown, lib: Library, base: Path, qtbot) -> None:
    window = shown
    lib.add_references([make_ref("Alpha paper", family="Adams")])
    window.reload()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    got: list[tuple[list[str], str]] = []
    window.paste_importer.drop = lambda files, text: got.append((list(files), text))
    bib = write(base, "refs.bib", b"@misc{a, title={A}}\n")
    drop_on_viewport(window, [bib], row_center(window, 0))
    assert got == [([str(bib)], "")]
    assert att.all_files(lib, att.FileLocations.of(lib, base)) == []
