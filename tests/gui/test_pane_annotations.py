"""The detail pane's Annotations list (issue 19), offscreen on a real library and a real PDF
with annotations made as other viewers save them: listed under Attachments with page, kind,
text and comment; a double-click opens the reader at that page; Copy to Notes quotes the chosen
ones with a citation of their page in one undo step."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication
from tests.pdf_annot_fixtures import knox_pages, write_pdf

from bibliofile.gui import pdf_reader
from bibliofile.gui.detail_pane import DetailPane
from bibliofile.gui.pane_annotations import AnnotationsSection
from bibliofile.gui.pane_attachments import AttachmentsSection
from bibliofile.services import attachments as att
from bibliofile.services import notes
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
def stack() -> QUndoStack:
    return QUndoStack()


@pytest.fixture
def pane(qtbot, lib: Library, stack: QUndoStack, base: Path) -> DetailPane:
    p = DetailPane(lib, stack)
    qtbot.addWidget(p)
    p.resize(420, 1400)
    p.show()
    qtbot.waitExposed(p)
    return p


@pytest.fixture
def readers() -> Iterator[None]:
    yield
    for r in list(pdf_reader._open.values()):
        with contextlib.suppress(RuntimeError):
            r.close()
    pdf_reader._open.clear()


def knox_with_pdf(lib: Library, base: Path) -> int:
    [rid] = lib.add_references([make_ref("Cities and Design", 2008, family="Knox", given="Paul", item_type="book")])
    pdf = write_pdf(base / "Downloads" / "knox.pdf", knox_pages())
    perform(lib, lambda u: att.attach(u, att.FileLocations.of(lib, base), rid, pdf, "link"))
    return rid


def section_of(pane: DetailPane) -> AnnotationsSection:
    found = pane.findChild(AnnotationsSection, "annotationsSection")
    assert found is not None and found.isVisibleTo(pane)
    return found


def rows(s: AnnotationsSection) -> list[list[str]]:
    return [[s.tree.topLevelItem(i).text(c) for c in range(4)] for i in range(s.tree.topLevelItemCount())]


def test_annotations_are_listed_under_the_attachments_with_pages(pane: DetailPane, lib: Library, base: Path,
                                                                 shots: Path) -> None:
    rid = knox_with_pdf(lib, base)
    pane.show_references([rid])
    s = section_of(pane)
    assert s.header.text() == "Annotations (6)"
    assert rows(s) == [
        ["1", "Highlight", "read the street as text", "Key claim for chapter 2 — Ada"],
        ["3", "Underline", "form of reading", ""],
        ["3", "Strike-out", "never", ""],
        ["3", "Squiggly", "older streets", "compare Lynch 1960"],
        ["3", "Note", "", "Check the 1998 edition — Ada"],
        ["3", "Text box", "", "Boxed remark"],
    ]
    layout = s.parentWidget().layout()
    assert layout.indexOf(s) == layout.indexOf(pane.findChild(AttachmentsSection, "attachmentsSection")) + 1
    s.header.click()  # collapsed: the header alone stays
    assert not s.tree.isVisibleTo(pane) and s.header.text() == "Annotations (6)"
    s.header.click()
    assert s.tree.isVisibleTo(pane)
    pane.scroll_area.ensureWidgetVisible(s)
    QApplication.processEvents()
    assert s.grab().save(str(shots / "pane_annotations_section.png"))
    assert pane.grab().save(str(shots / "pane_annotations.png"))


def test_copy_to_notes_quotes_with_the_page_and_is_one_undo_step(pane: DetailPane, lib: Library, base: Path,
                                                                  stack: QUndoStack) -> None:
    rid = knox_with_pdf(lib, base)
    perform(lib, lambda u: notes.set_note(u, rid, "<p>Read for the seminar.</p>", "Read for the seminar."))
    pane.show_references([rid])
    s = section_of(pane)
    s.tree.topLevelItem(0).setSelected(True)
    s.tree.topLevelItem(3).setSelected(True)
    s.copy_button.click()
    assert stack.count() == 1 and stack.undoText() == "Copy 2 Annotations to Notes"
    note = notes.note(lib, rid)
    assert note.startswith("<p>Read for the seminar.</p>")
    assert "“read the street as text” (Knox, 2008, p. 1)" in note
    assert "“older streets” (Knox, 2008, p. 3)" in note and "compare Lynch 1960" in note
    assert "form of reading" not in note  # only the chosen ones
    stack.undo()
    assert notes.note(lib, rid) == "<p>Read for the seminar.</p>"
    stack.redo()
    assert "(Knox, 2008, p. 1)" in notes.note(lib, rid)


def test_double_click_opens_the_reader_at_the_annotations_page(qtbot, pane: DetailPane, lib: Library, base: Path,
                                                               readers: None) -> None:
    rid = knox_with_pdf(lib, base)
    pane.show_references([rid])
    s = section_of(pane)
    item = s.tree.topLevelItem(4)
    pane.scroll_area.ensureWidgetVisible(s.tree)
    QApplication.processEvents()
    rect = s.tree.visualItemRect(item)
    # Qt delivers a double click after a press and release, as a mouse does.
    qtbot.mouseClick(s.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(s.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert len(pdf_reader._open) == 1
    [reader] = pdf_reader._open.values()
    qtbot.waitUntil(lambda: reader.info is not None, timeout=10000)
    qtbot.waitUntil(lambda: reader.page == 3, timeout=5000)


def test_a_reference_without_pdfs_shows_no_annotations(pane: DetailPane, lib: Library, base: Path) -> None:
    [rid] = lib.add_references([make_ref("No files here", 2001)])
    pane.show_references([rid])
    found = pane.findChild(AnnotationsSection, "annotationsSection")
    assert found is None or not found.isVisibleTo(pane)
