"""The built-in PDF reader (issue 19), offscreen, on PDFs the test writes itself
(tests/pdf_reader_fixtures.py): opening, the page box and PageUp/PageDown/Home/End, zoom,
search finding the words on the right page with their places highlighted, open_at_page, the
last page read kept in the attachment and restored, damaged/encrypted/not-PDF files named in a
message, and screenshots of page 1 and of a search (tests/gui/screenshots/pdf_reader_*.png)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from tests.pdf_reader_fixtures import (
    write_damaged_pdf,
    write_encrypted_pdf,
    write_not_pdf,
    write_pdf,
)

from bibliofile.gui import pdf_reader
from bibliofile.gui.pdf_reader import PdfReaderWindow, open_reader
from bibliofile.services import attachments as att
from bibliofile.services.changes import perform
from bibliofile.storage.library import Library

from .conftest import make_ref

WORD = "zeugma"  # on page 7 only (twice), and nowhere else in the document


@pytest.fixture
def readers(qtbot) -> Iterator[list[PdfReaderWindow]]:
    """Readers opened by a test, closed at its end (their threads stopped)."""
    made: list[PdfReaderWindow] = []
    yield made
    for r in list(pdf_reader._open.values()):
        if r not in made:
            made.append(r)
    for r in made:
        with contextlib.suppress(RuntimeError):  # already deleted with its parent
            r.close()
    pdf_reader._open.clear()


def opened(qtbot, readers: list[PdfReaderWindow], path: Path, **kw) -> PdfReaderWindow:
    r = open_reader(path, **kw)
    readers.append(r)
    qtbot.waitUntil(lambda: r.info is not None or r.error is not None, timeout=10000)
    return r


def drawn(qtbot, r: PdfReaderWindow) -> None:
    """Wait until every page in view is drawn at the current zoom."""
    def done() -> bool:
        QApplication.processEvents()
        scale = r.view.render_scale()
        return all(r.view.cache.get(p, scale) is not None for p in r.view.visible_pages())

    qtbot.waitUntil(done, timeout=10000)


@pytest.fixture
def paper(tmp_path: Path) -> Path:
    return write_pdf(tmp_path / "papers" / "paper.pdf", 12, {7: [f"A {WORD} is a figure of speech.", f"Another {WORD}, same page."]})


def dark_pixels(image: QImage) -> int:
    """How many pixels of a drawing are ink (text), counted on a grid."""
    n = 0
    for y in range(0, image.height(), 3):
        for x in range(0, image.width(), 3):
            if image.pixelColor(x, y).lightness() < 128:
                n += 1
    return n


def test_opens_at_page_one_draws_it_and_screenshot(qtbot, readers, paper: Path, shots: Path) -> None:
    r = opened(qtbot, readers, paper)
    assert r.error is None and r.info is not None and r.info.page_count == 12
    assert r.page == 1
    assert r.page_box.text() == "1" and r.page_count_label.text() == "/ 12"
    drawn(qtbot, r)
    image = r.view.cache.get(0, r.view.render_scale())
    assert image is not None and dark_pixels(image) > 50  # text was drawn, not a blank sheet
    r.grab().save(str(shots / "pdf_reader_page1.png"))


def test_page_box_and_keys_move_between_pages(qtbot, readers, paper: Path) -> None:
    r = opened(qtbot, readers, paper)
    r.page_box.setFocus()
    r.page_box.setText("9")
    QTest.keyClick(r.page_box, Qt.Key.Key_Return)
    assert r.page == 9 and r.page_box.text() == "9"
    assert r.windowTitle() == "paper.pdf — page 9 of 12"
    r.view.setFocus()
    QTest.keyClick(r.view, Qt.Key.Key_PageDown)
    assert r.page == 10
    QTest.keyClick(r.view, Qt.Key.Key_PageUp)
    QTest.keyClick(r.view, Qt.Key.Key_PageUp)
    assert r.page == 8
    QTest.keyClick(r.view, Qt.Key.Key_End)
    assert r.page == 12 and r.page_box.text() == "12"
    QTest.keyClick(r.view, Qt.Key.Key_Home)
    assert r.page == 1
    r.page_box.setText("400")  # past the end: the last page
    QTest.keyClick(r.page_box, Qt.Key.Key_Return)
    assert r.page == 12


def test_zoom_in_out_and_fit(qtbot, readers, paper: Path) -> None:
    r = opened(qtbot, readers, paper)
    r.go_to_page(5)
    r.act_fit_page.trigger()
    fit_page = r.view.zoom
    # A whole page fits the view: its height at this zoom is not taller than the view.
    assert r.view.page_rect(4).height() <= r.view.viewport().height()
    assert r.page == 5 and r.act_fit_page.isChecked() and not r.act_fit_width.isChecked()
    r.act_zoom_in.trigger()
    assert r.view.zoom == pytest.approx(fit_page * 1.25)
    assert r.zoom_label.text() == f"{round(fit_page * 125)} %"
    assert r.page == 5  # zooming keeps the page
    r.act_zoom_out.trigger()
    r.act_zoom_out.trigger()
    assert r.view.zoom == pytest.approx(fit_page / 1.25)
    drawn(qtbot, r)  # drawn again at the new zoom
    r.act_fit_width.trigger()
    assert r.view.page_rect(4).width() <= r.view.viewport().width()
    assert r.view.page_rect(4).width() > r.view.viewport().width() * 0.8
    for _ in range(20):
        r.act_zoom_in.trigger()
    assert r.view.zoom == 4.0  # the most there is


def test_search_finds_the_word_on_its_page_and_highlights_it(qtbot, readers, paper: Path, shots: Path) -> None:
    r = opened(qtbot, readers, paper)
    r.act_find.trigger()
    assert r.find_bar.isVisibleTo(r)
    r.find_bar.field.setText(WORD.upper())  # case does not matter
    with qtbot.waitSignal(r.searchDone, timeout=10000) as done:
        QTest.keyClick(r.find_bar.field, Qt.Key.Key_Return)
    assert done.args == [2]
    assert [h.page for h in r.hits] == [6, 6]  # page 7, 0-based
    assert r.page == 7 and r.current_hit == 0
    assert r.find_bar.status.text() == "1 of 2 — page 7"
    # The two hits are on different lines, the first above the second; each a word wide.
    first, second = (h.rects[0] for h in r.hits)
    assert first.bottom() < second.top() + 2
    assert 20 < first.width() < 80 and 5 < first.height() < 20
    drawn(qtbot, r)
    # The highlight is painted where the hit is: the pixel in its middle is orange-ish.
    shot = r.view.viewport().grab().toImage()
    k = r.view.pixels_per_point()
    page = r.view.page_rect(6).translated(-r.view.horizontalScrollBar().value(), -r.view.verticalScrollBar().value())
    centre = page.topLeft() + first.center() * k
    colour = shot.pixelColor(int(centre.x()), int(centre.y()))
    assert colour.red() > 200 and colour.blue() < 150, colour.name()
    r.grab().save(str(shots / "pdf_reader_search.png"))
    QTest.keyClick(r.find_bar.field, Qt.Key.Key_Return)  # Enter again: the next match
    assert r.current_hit == 1 and r.find_bar.status.text() == "2 of 2 — page 7"
    r.act_find_next.trigger()  # wraps around
    assert r.current_hit == 0


def test_search_for_absent_text_says_so(qtbot, readers, paper: Path) -> None:
    r = opened(qtbot, readers, paper)
    r.show_find()
    with qtbot.waitSignal(r.searchDone, timeout=10000):
        r.search("xylophone")
    assert r.hits == [] and r.page == 1
    assert r.find_bar.status.text() == "“xylophone” is not in this document"


@pytest.mark.qt_log_ignore(r"This plugin does not support (raise|propagateSizeHints)")  # offscreen: no stacking
def test_open_at_page_before_and_after_opening(qtbot, readers, paper: Path) -> None:
    r = open_reader(paper, page=4)  # asked before the document is open
    readers.append(r)
    qtbot.waitUntil(lambda: r.info is not None, timeout=10000)
    assert r.page == 4
    r.open_at_page(11)
    assert r.page == 11
    again = open_reader(paper, page=2)  # the same file: the same window, moved
    assert again is r and r.page == 2


def attached(lib: Library, base: Path, pdf: Path) -> tuple[int, int]:
    [rid] = lib.add_references([make_ref("Figures of Speech", 2001, family="Quintilian", given="M.")])
    where = att.FileLocations.of(lib, base)
    perform(lib, lambda u: att.attach(u, where, rid, pdf, "link"))
    [view] = att.attachments_of(lib, where, rid)
    return rid, view.attachment.id


def test_last_page_is_kept_and_reopening_returns_to_it(qtbot, readers, lib: Library, paper: Path, monkeypatch) -> None:
    monkeypatch.setenv("BIBLIOFILE_BASE_FOLDER", str(paper.parent))
    _rid, aid = attached(lib, paper.parent, paper)
    r = opened(qtbot, readers, paper, library=lib, attachment_id=aid)
    assert r.page == 1
    r.go_to_page(8)
    r.close()
    assert att.reading_place(lib, aid) == 8
    # A new window on the same attachment (as the pane's double-click opens it) goes to page 8.
    r2 = pdf_reader.open_attachment_id(lib, aid)
    assert r2 is not None and r2 is not r
    readers.append(r2)
    qtbot.waitUntil(lambda: r2.info is not None, timeout=10000)
    assert r2.page == 8
    # The place is kept a moment after the page changes too, not only on close.
    r2.go_to_page(3)
    qtbot.waitUntil(lambda: att.reading_place(lib, aid) == 3, timeout=pdf_reader.SAVE_DELAY_MS + 3000)


@pytest.mark.parametrize(
    ("writer", "words"),
    [
        (write_damaged_pdf, "damaged or is not a PDF"),
        (write_not_pdf, "damaged or is not a PDF"),
        (write_encrypted_pdf, "protected by a password"),
    ],
)
def test_unreadable_files_get_a_message_naming_them(qtbot, readers, tmp_path: Path, writer, words: str) -> None:
    path = writer(tmp_path / "broken paper.pdf")
    before = path.read_bytes()
    r = opened(qtbot, readers, path)
    assert r.info is None and r.error is not None
    assert "“broken paper.pdf”" in r.error and words in r.error
    assert "left as it is" in r.error
    assert r.stack.currentWidget() is r.notice and r.message.text() == r.error
    assert r.password_row.isVisibleTo(r) == (writer is write_encrypted_pdf)
    assert not r.act_find.isEnabled() and r.act_system.isEnabled()  # the system viewer stays one click away
    assert path.read_bytes() == before
    r.close()


def test_a_file_gone_before_opening_is_named(qtbot, readers, tmp_path: Path) -> None:
    r = opened(qtbot, readers, tmp_path / "gone.pdf")
    assert r.error is not None and "“gone.pdf”" in r.error and "not there" in r.error


def test_an_encrypted_file_opens_with_its_password(qtbot, readers, tmp_path: Path, shots: Path) -> None:
    path = write_encrypted_pdf(tmp_path / "locked.pdf", password="secret")
    r = opened(qtbot, readers, path)
    assert r.error is not None and "type it below" in r.error
    r.grab().save(str(shots / "pdf_reader_password.png"))
    r.password.setText("wrong")
    with qtbot.waitSignal(r.documentFailed, timeout=10000) as failed:
        QTest.keyClick(r.password, Qt.Key.Key_Return)
    assert "“locked.pdf”" in failed.args[0] and "not the right one" in failed.args[0]
    assert r.password_row.isVisibleTo(r) and r.password.text() == ""
    r.password.setText("secret")
    with qtbot.waitSignal(r.documentOpened, timeout=10000) as done:
        QTest.keyClick(r.password, Qt.Key.Key_Return)
    assert done.args == [1] and r.error is None
    assert r.stack.currentWidget() is r.view
    drawn(qtbot, r)
