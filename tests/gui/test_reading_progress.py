"""Reading progress in the built-in reader (issue 19), offscreen, on PDFs the test writes
(tests/pdf_reader_fixtures.py): the pages shown are kept per attachment, turning past page 1
marks the reference reading (one undo step in the library window), the last page offers
"Mark as Read" in a bar under the page (one undo step, with the date read), and the detail
pane and the table's Reading column say "3 of 5 pages". Screenshots:
tests/gui/screenshots/reading_progress_end_bar.png and reading_progress_pane.png."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from tests.pdf_reader_fixtures import write_pdf

from bibliofile.gui import pdf_reader
from bibliofile.gui.library_table import COLUMN_KEYS
from bibliofile.gui.pdf_reader import PdfReaderWindow
from bibliofile.services import attachments as att
from bibliofile.services import reading
from bibliofile.services.changes import perform
from bibliofile.storage import curation
from bibliofile.storage.library import Library

from .conftest import make_ref

PAGES = 5


@pytest.fixture
def readers(qtbot) -> Iterator[list[PdfReaderWindow]]:
    made: list[PdfReaderWindow] = []
    yield made
    for r in list(pdf_reader._open.values()):
        if r not in made:
            made.append(r)
    for r in made:
        with contextlib.suppress(RuntimeError):
            r.close()
    pdf_reader._open.clear()


def attached(lib: Library, tmp_path: Path, title: str = "Figures of Speech") -> tuple[int, att.AttachmentView]:
    pdf = write_pdf(tmp_path / "downloads" / "paper.pdf", PAGES)
    [rid] = lib.add_references([make_ref(title, 2001, family="Quintilian", given="M.")])
    where = att.FileLocations.of(lib, tmp_path)
    perform(lib, lambda u: att.attach(u, where, rid, pdf, "store"))
    [view] = att.attachments_of(lib, where, rid)
    return rid, view


def drawn(qtbot, r: PdfReaderWindow) -> None:
    """Wait until the pages in view are drawn (for the screenshot)."""
    def done() -> bool:
        QApplication.processEvents()
        scale = r.view.render_scale()
        return all(r.view.cache.get(p, scale) is not None for p in r.view.visible_pages())

    qtbot.waitUntil(done, timeout=10000)


def status(lib: Library, rid: int) -> str:
    return curation.reading_states(lib, [rid])[rid].status


def turn_to(qtbot, r: PdfReaderWindow, page: int) -> None:
    r.go_to_page(page)
    qtbot.waitUntil(lambda: r.page == page, timeout=5000)


def test_reader_alone_marks_reading_keeps_pages_and_offers_mark_as_read(
    qtbot, readers, lib: Library, tmp_path: Path, shots: Path
) -> None:
    rid, view = attached(lib, tmp_path)
    perform(lib, lambda u: reading.set_reading(u, [rid], status="toread"))
    r = pdf_reader.open_attachment(view, lib)
    readers.append(r)
    qtbot.waitUntil(lambda: r.info is not None, timeout=10000)
    assert status(lib, rid) == "toread"  # page 1 alone is only opening the paper
    turn_to(qtbot, r, 2)
    assert status(lib, rid) == "reading"
    turn_to(qtbot, r, 3)
    assert not r.end_bar.isVisible()
    r.save_place()
    assert reading.states(lib, [rid])[rid].date_read == ""
    from bibliofile.services.reading_progress import progress_text

    assert progress_text(lib, rid) == "3 of 5 pages"
    turn_to(qtbot, r, PAGES)
    qtbot.waitUntil(r.end_bar.isVisible, timeout=3000)
    assert r.end_bar.label.text() == "You reached the end (4 of 5 pages viewed) — "
    r.resize(760, 560)
    drawn(qtbot, r)
    r.grab().save(str(shots / "reading_progress_end_bar.png"))
    qtbot.mouseClick(r.end_bar.mark, Qt.MouseButton.LeftButton)
    state = reading.states(lib, [rid])[rid]
    assert (state.status, state.date_read) == ("read", date.today().isoformat())
    assert not r.end_bar.mark.isVisible() and "Marked as read" in r.end_bar.label.text()
    r.close()
    assert progress_text(lib, rid) == "4 of 5 pages"


def test_in_the_window_each_status_change_is_one_undo_step(
    qtbot, readers, window, lib: Library, tmp_path: Path, shots: Path
) -> None:
    rid, view = attached(lib, tmp_path)
    window.reload()
    r = pdf_reader.open_attachment(view, lib, parent=window)
    readers.append(r)
    qtbot.waitUntil(lambda: r.info is not None, timeout=10000)
    steps = window.undo_stack.count()
    turn_to(qtbot, r, 2)
    assert status(lib, rid) == "reading"
    assert window.undo_stack.count() == steps + 1 and window.undo_stack.undoText() == "Mark reading"
    assert "as reading (page 2 of 5)" in window.statusBar().currentMessage()
    window.undo_stack.undo()
    assert status(lib, rid) == ""
    window.undo_stack.redo()
    assert status(lib, rid) == "reading"
    turn_to(qtbot, r, 3)  # once per window: no second step
    assert window.undo_stack.count() == steps + 1
    turn_to(qtbot, r, PAGES)
    qtbot.waitUntil(r.end_bar.isVisible, timeout=3000)
    qtbot.mouseClick(r.end_bar.mark, Qt.MouseButton.LeftButton)
    assert status(lib, rid) == "read" and window.undo_stack.undoText() == "Mark as read"
    window.undo_stack.undo()
    assert status(lib, rid) == "reading"
    r.close()

    # The pane beside the status, and the table's Reading column on hover, say how far.
    window.table.select_ids([rid])
    qtbot.waitUntil(lambda: window.detail.reading_rows is not None
                    and window.detail.reading_rows.progress.text() == "4 of 5 pages", timeout=5000)
    assert window.detail.reading_rows.progress.isVisibleTo(window.detail)
    row = window.model.row_of(rid)
    tip = window.model.data(window.model.index(row, COLUMN_KEYS.index("read_status")), Qt.ItemDataRole.ToolTipRole)
    assert tip == "<p>4 of 5 pages viewed</p>"
    window.resize(1200, 800)
    window.detail.grab().save(str(shots / "reading_progress_pane.png"))


def test_a_paper_already_read_is_not_put_back_to_reading(qtbot, readers, lib: Library, tmp_path: Path) -> None:
    rid, view = attached(lib, tmp_path)
    perform(lib, lambda u: reading.set_reading(u, [rid], status="read", date_read="2024-05-01"))
    r = pdf_reader.open_attachment(view, lib)
    readers.append(r)
    qtbot.waitUntil(lambda: r.info is not None, timeout=10000)
    turn_to(qtbot, r, 2)
    turn_to(qtbot, r, PAGES)
    assert not r.end_bar.isVisible()  # nothing to offer
    r.close()
    state = reading.states(lib, [rid])[rid]
    assert (state.status, state.date_read) == ("read", "2024-05-01")
