"""Search inside the document from a full-text hit (issue 19): after ``fulltext:word`` (or a plain
word with Search Inside Files on) found a reference, opening its PDF (References > Open PDF, or a
double-click in the pane) shows the page the index found the word on, not the page last read,
with the word in the reader's find bar and highlighted so Next/Previous go through the matches.
Real PDFs written by the tests' own writer, indexed by the window's own background indexer."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.pdf_fixtures import paper_pages, write_pdf

from bibliofile.gui import pdf_reader
from bibliofile.gui.pane_attachments import AttachmentsSection
from bibliofile.services import attachments as att
from bibliofile.services.changes import perform
from bibliofile.storage.library import Library

from .conftest import make_ref
from .test_pdf_reader_window import double_click


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "papers"
    home.mkdir()
    monkeypatch.setenv("BIBLIOFILE_BASE_FOLDER", str(home))
    monkeypatch.setenv("BIBLIOFILE_OFFLINE", "1")
    return home


@pytest.fixture
def readers() -> Iterator[None]:
    yield
    for r in list(pdf_reader._open.values()):
        with contextlib.suppress(RuntimeError):  # already deleted with its parent
            r.close()
    pdf_reader._open.clear()


def attach(lib: Library, base: Path, rid: int, file: Path) -> int:
    where = att.FileLocations.of(lib, base)
    perform(lib, lambda u: att.attach(u, where, rid, file, "link"))
    return next(v.attachment.id for v in att.attachments_of(lib, where, rid) if v.file.name == file.name)


def indexed_window(make_window, qtbot, lib: Library):
    w = make_window()
    w.resize(1300, 1000)
    w.show()
    qtbot.waitExposed(w)
    reports: list[object] = []
    w.fulltext.finished.connect(reports.append)
    w.fulltext.run()  # what the window does once idle (the tests' runner is synchronous)
    assert reports
    return w


def search_and_select(w, qtbot, text: str, rid: int) -> None:
    w.search_field.setText(text)
    w.search_field.flush()
    qtbot.waitUntil(lambda: w.model.query == text and list(w.model.ids) == [rid])
    w.table.selectRow(0)
    qtbot.waitUntil(lambda: w.table.selected_ids() == [rid])


def opened_reader(qtbot, finding: bool = True) -> pdf_reader.PdfReaderWindow:
    """The one reader open, once its document is open and (``finding``) searched through."""
    assert len(pdf_reader._open) == 1, list(pdf_reader._open)
    [r] = pdf_reader._open.values()
    qtbot.waitUntil(lambda: r.info is not None, timeout=10000)
    if finding:
        assert r.find_bar.field.text(), f"opened at page {r.page} without the search's words to find"
        qtbot.waitUntil(lambda: r.search_complete, timeout=10000)
    return r


def test_open_pdf_after_fulltext_search_lands_on_the_page_of_the_hit_with_the_word_found(
    qtbot, make_window, lib: Library, base: Path, readers
) -> None:
    [rid, other] = lib.add_references([make_ref("Marsupials", 2011, family="Knox"), make_ref("Other", 2012)])
    attach(lib, base, rid, write_pdf(base / "cover.pdf", paper_pages("Cover letter", 2)))  # its first PDF
    pdf = write_pdf(base / "knox.pdf", paper_pages("Marsupials", 8, words={5: "wombat"}))
    aid = attach(lib, base, rid, pdf)
    attach(lib, base, other, write_pdf(base / "other.pdf", paper_pages("Other", 2)))
    att.remember_reading_place(lib, aid, 2)  # read before: without a search it would open there
    w = indexed_window(make_window, qtbot, lib)
    search_and_select(w, qtbot, "fulltext:wombat", rid)

    w.act_open_pdf.trigger()
    r = opened_reader(qtbot)
    assert r.path == pdf.resolve()  # the PDF holding the word, not the reference's first
    assert r.page == 5  # the page the index found the word on, not page 2 where reading stopped
    assert r.find_bar.isVisible() and r.find_bar.field.text() == "wombat"
    assert [h.page for h in r.hits] == [4] and r.current_hit == 0  # found by PDFium, highlighted
    assert "1 of 1 — page 5" in r.find_bar.status.text()
    assert r.view.hits and r.view.current_hit == 0


def test_several_words_on_different_pages_open_at_the_first_and_next_goes_through_each(
    qtbot, make_window, lib: Library, base: Path, readers
) -> None:
    [rid] = lib.add_references([make_ref("Fauna", 2011, family="Knox")])
    pdf = write_pdf(base / "fauna.pdf", paper_pages("Fauna", 9, words={4: "wombat", 7: "ocelot"}))
    attach(lib, base, rid, pdf)
    w = indexed_window(make_window, qtbot, lib)
    # Search Inside Files: plain words search the files too; no page has both, so either counts.
    w.search_field.inside_files_action.setChecked(True)
    search_and_select(w, qtbot, "ocelot wombat", rid)

    w.act_open_pdf.trigger()
    r = opened_reader(qtbot)
    assert r.page == 4
    assert r.find_bar.field.text() == "ocelot wombat"
    assert [h.page + 1 for h in r.hits] == [4, 7] and r.current_hit == 0
    r.next_hit()
    assert r.page == 7 and "2 of 2 — page 7" in r.find_bar.status.text()
    r.previous_hit()
    assert r.page == 4


def test_double_click_with_search_inside_files_opens_the_pdf_at_the_hit_and_without_a_search_where_left(
    qtbot, make_window, lib: Library, base: Path, readers
) -> None:
    [rid] = lib.add_references([make_ref("Marsupials", 2011, family="Knox")])
    pdf = write_pdf(base / "knox.pdf", paper_pages("Marsupials", 6, words={3: "wombat"}))
    aid = attach(lib, base, rid, pdf)
    att.remember_reading_place(lib, aid, 6)
    w = indexed_window(make_window, qtbot, lib)
    w.search_field.inside_files_action.setChecked(True)
    search_and_select(w, qtbot, "wombat", rid)  # a plain word, found only in the file's text
    section = w.detail.findChild(AttachmentsSection, "attachmentsSection")
    assert section is not None
    w.detail.scroll_area.ensureWidgetVisible(section)
    double_click(qtbot, section, 0)
    r = opened_reader(qtbot)
    assert r.page == 3 and r.find_bar.field.text() == "wombat"
    assert [h.page + 1 for h in r.hits] == [3]
    r.close()
    qtbot.waitUntil(lambda: not pdf_reader._open)

    # The same file after a search that is not about its text: the page last read, no find.
    att.remember_reading_place(lib, aid, 6)
    w.search_field.inside_files_action.setChecked(False)
    search_and_select(w, qtbot, "Marsupials", rid)
    w.act_open_pdf.trigger()
    r = opened_reader(qtbot, finding=False)
    assert r.page == 6 and not r.find_bar.isVisible() and r.hits == []
