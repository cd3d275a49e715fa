"""How the reader is reached (issue 19): a double-click on a PDF in the detail pane's Attachments
section, and References > Open PDF (Ctrl+Shift+O) for the selected reference's first PDF; each
opens at the page last read. Other files and missing PDFs are not opened in the reader."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from tests.pdf_reader_fixtures import write_pdf

from bibliofile.gui import pdf_reader
from bibliofile.gui.pane_attachments import AttachmentsSection
from bibliofile.services import attachments as att
from bibliofile.services.changes import perform
from bibliofile.storage.library import Library

from .conftest import make_ref


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "papers"
    home.mkdir()
    monkeypatch.setenv("BIBLIOFILE_BASE_FOLDER", str(home))
    return home


@pytest.fixture
def system_opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Files handed to the system's application (recorded instead of starting one)."""
    got: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: got.append(url.toLocalFile()) or True)
    return got


@pytest.fixture
def readers() -> Iterator[None]:
    yield
    for r in list(pdf_reader._open.values()):
        with contextlib.suppress(RuntimeError):  # already deleted with its parent
            r.close()
    pdf_reader._open.clear()


def reference_with(lib: Library, base: Path, *files: Path, mode: str = "store") -> int:
    [rid] = lib.add_references([make_ref("Figures of Speech", 2001, family="Quintilian", given="M.")])
    where = att.FileLocations.of(lib, base)
    for f in files:
        perform(lib, lambda u, f=f: att.attach(u, where, rid, f, mode))  # type: ignore[arg-type]
    return rid


def only_reader() -> pdf_reader.PdfReaderWindow:
    assert len(pdf_reader._open) == 1, list(pdf_reader._open)
    [r] = pdf_reader._open.values()
    return r


def test_open_pdf_action_opens_the_selected_references_first_pdf_at_the_page_last_read(
    qtbot, make_window, lib: Library, base: Path, readers
) -> None:
    notes = base / "notes.txt"
    notes.write_text("not a pdf\n", encoding="utf-8")
    pdf = write_pdf(base / "quintilian.pdf", 9)
    rid = reference_with(lib, base, notes, pdf)
    [_txt, view] = att.attachments_of(lib, att.FileLocations.of(lib, base), rid)
    att.remember_reading_place(lib, view.attachment.id, 6)
    w = make_window()
    w.show()
    qtbot.waitExposed(w)
    assert w.act_open_pdf.shortcut() == QKeySequence("Ctrl+Shift+O")
    assert w.act_open_pdf in w.menu_references.actions()
    w.show_in_library([rid])
    qtbot.waitUntil(lambda: w.table.selected_ids() == [rid])
    assert w.act_open_pdf.isEnabled()
    w.act_open_pdf.trigger()
    r = only_reader()
    qtbot.waitUntil(lambda: r.info is not None, timeout=10000)
    assert r.path == view.file.resolve() and r.attachment_id == view.attachment.id
    assert r.page == 6  # where the reader was left
    assert r.parent() is w  # goes with the window
    # The reader's keys work in its own window, beside the main window's (Ctrl+F is both).
    r.activateWindow()
    qtbot.waitActive(r)
    QTest.keyClick(r.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert r.find_bar.isVisible() and r.find_bar.field.hasFocus()
    QTest.keyClick(r.find_bar.field, Qt.Key.Key_Escape)
    assert not r.find_bar.isVisible() and r.view.hasFocus()
    QTest.keyClick(r.view, Qt.Key.Key_Home)
    QTest.keyClick(r.view, Qt.Key.Key_PageDown)
    assert r.page == 2
    r.close()
    assert att.reading_place(lib, view.attachment.id) == 2


def test_open_pdf_says_why_when_there_is_none(qtbot, make_window, lib: Library, base: Path, readers) -> None:
    gone = write_pdf(base / "gone.pdf", 2)
    bare = lib.add_references([make_ref("No Files", 1999)])[0]
    missing = reference_with(lib, base, gone, mode="link")
    gone.unlink()
    w = make_window()
    w.show_in_library([bare])
    qtbot.waitUntil(lambda: w.table.selected_ids() == [bare])
    w.act_open_pdf.trigger()
    assert "has no PDF attached" in w.statusBar().currentMessage()
    w.show_in_library([missing])
    qtbot.waitUntil(lambda: w.table.selected_ids() == [missing])
    w.act_open_pdf.trigger()
    assert "“gone.pdf” is missing" in w.statusBar().currentMessage()
    assert not pdf_reader._open


def double_click(qtbot, section: AttachmentsSection, row: int) -> None:
    item = section.list.item(row)
    rect = section.list.visualItemRect(item)
    # A real double-click is press, release, double-click, release: QTest's mouseDClick sends only
    # the second half, so the first click comes first.
    for click in (QTest.mouseClick, QTest.mouseDClick):
        click(section.list.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
    QApplication.processEvents()


def test_double_click_on_a_pdf_in_the_pane_opens_the_reader_other_files_the_system(
    qtbot, make_window, lib: Library, base: Path, readers, system_opened: list[str]
) -> None:
    notes = base / "notes.txt"
    notes.write_text("not a pdf\n", encoding="utf-8")
    pdf = write_pdf(base / "quintilian.pdf", 4)
    rid = reference_with(lib, base, pdf, notes, mode="link")
    w = make_window()
    w.resize(1300, 1100)
    w.show()
    qtbot.waitExposed(w)
    w.show_in_library([rid])
    qtbot.waitUntil(lambda: w.table.selected_ids() == [rid])
    section = w.detail.findChild(AttachmentsSection, "attachmentsSection")
    assert section is not None
    section.list.scrollToItem(section.list.item(1))
    w.detail.scroll_area.ensureWidgetVisible(section)
    double_click(qtbot, section, 1)  # the text file: the system's application, as before
    assert system_opened == [str(notes)]
    assert not pdf_reader._open
    double_click(qtbot, section, 0)
    r = only_reader()
    qtbot.waitUntil(lambda: r.info is not None, timeout=10000)
    assert r.path == pdf.resolve() and r.page == 1
    assert system_opened == [str(notes)]  # the PDF did not go to the system viewer
    r.act_system.trigger()  # ... until asked: one click away
    assert system_opened == [str(notes), str(pdf.resolve())]
