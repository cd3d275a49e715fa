"""The window's full text (issue 19): a PDF dropped below the rows becomes a reference from its
own metadata (offline: a queued placeholder carrying its title), attached files are read into
the index by the background indexer, ``fulltext:`` and "Search Inside Files" find them, the
status bar says on which page, and a scan is reported as one. Real PDFs, a real library."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication
from tests.pdf_fixtures import Page, paper_pages, write_pdf

from bibliofile.services import attachments as att
from bibliofile.storage import lookup_queue
from bibliofile.storage.library import Library

from .conftest import make_ref
from .test_pane_attachments_drop import drop_on_viewport

SCIENCE = "10.1126/science.169.3946.635"


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
    monkeypatch.setenv("BIBLIOFILE_OFFLINE", "1")
    return home


def attach(lib: Library, base: Path, rid: int, file: Path) -> None:
    from bibliofile.services.changes import perform

    where = att.FileLocations.of(lib, base)
    perform(lib, lambda u: att.attach(u, where, rid, file, "link"))


def search(window, qtbot, text: str) -> list[int]:
    window.search_field.setText(text)
    window.search_field.flush()
    qtbot.waitUntil(lambda: window.model.query == text)
    return list(window.model.ids)


def test_a_pdf_dropped_below_the_rows_offline_becomes_a_placeholder_with_its_title(
    shown, lib: Library, base: Path, qtbot
) -> None:
    window = shown
    lib.add_references([make_ref("Alpha paper", family="Adams")])
    window.reload()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    pdf = write_pdf(base / "in" / "download (3).pdf",
                    paper_pages("Governance Without Government", 2, first_lines=[f"doi:{SCIENCE}"]))
    vp = window.table.viewport()
    assert drop_on_viewport(window, [pdf], QPoint(20, vp.height() - 5))
    [rid] = lib.search("Governance")
    ref = lib.get(rid)
    assert ref.title == "To look up: Governance Without Government" and ref.fields["doi"] == SCIENCE
    assert [p.identifier for p in lookup_queue.pending(lib)] == [f"doi:{SCIENCE}"]
    assert att.attachments_of(lib, att.FileLocations.of(lib, base), rid)[0].present
    assert "download (3).pdf" in window.statusBar().currentMessage()
    window.undo_stack.undo()
    assert lib.search("Governance") == []


def test_indexed_text_is_found_with_fulltext_and_inside_files_and_the_page_is_said(
    shown, lib: Library, base: Path, qtbot, shots: Path
) -> None:
    window = shown
    [a, b] = lib.add_references([make_ref("Alpha paper", family="Adams"), make_ref("Beta paper", family="Brown")])
    attach(lib, base, a, write_pdf(base / "alpha.pdf", paper_pages("Alpha", 3, words={2: "wombat"})))
    attach(lib, base, b, write_pdf(base / "scan.pdf", [Page(image=True)]))
    window.reload()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    reports = []
    window.fulltext.finished.connect(reports.append)
    window.fulltext.run()  # what the window does once idle (the test's runner is synchronous)
    assert reports and reports[0].read == 2
    assert "scan.pdf: scanned, no text (no OCR)" in window.statusBar().currentMessage()

    assert search(window, qtbot, "fulltext:wombat") == [a]
    assert search(window, qtbot, "wombat") == []
    window.search_field.inside_files_action.setChecked(True)  # "Search Inside Files"
    qtbot.waitUntil(lambda: list(window.model.ids) == [a])
    assert window.settings.value("search/inside_files") in (True, "true")
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: "Found in alpha.pdf, page 2" in window.statusBar().currentMessage())
    QApplication.processEvents()
    window.grab().save(str(shots / "fulltext_inside_files.png"))
    window.search_field.inside_files_action.setChecked(False)
    qtbot.waitUntil(lambda: list(window.model.ids) == [])


def test_the_inside_files_choice_is_remembered(make_window, lib: Library, settings) -> None:
    settings.setValue("search/inside_files", True)
    window = make_window()
    assert window.search_field.inside_files_action.isChecked()
    assert window.search_field.inside_files_indicator.isVisible()  # the icon at the field's start


def test_file_import_of_a_pdf_makes_a_reference_from_its_metadata(window, lib: Library, base: Path, qtbot) -> None:
    """File > Import (and a drop anywhere on the window) with a PDF among the files."""
    from tests.pdf_fixtures import PdfSpec, xmp_packet

    pdf = write_pdf(base / "x.pdf", PdfSpec(paper_pages("Large Title"), xmp=xmp_packet(
        title="Rules for Radicals", creators=["Saul Alinsky"])))
    window.import_files([str(pdf)])
    qtbot.waitUntil(lambda: bool(lib.search("Radicals")))
    [rid] = lib.search("Radicals")
    ref = lib.get(rid)
    assert ref.title == "Rules for Radicals" and ref.creators[0].family == "Alinsky"
    assert att.attachments_of(lib, att.FileLocations.of(lib, base), rid)[0].present
