"""The full-text index of attached files (issue 19), on a real library file and real PDFs:
pages found by ``fulltext:`` with their page numbers, incremental re-reading (a touched file
is not read again, a changed one is), a reading stopped half-way resumed where it stopped,
scans and broken files reported, and pages gone with their attachment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.pdf_fixtures import Page, paper_pages, write_pdf

from bibliofile.model.query import including_fulltext, parse_query
from bibliofile.model.reference import Reference
from bibliofile.pdf.worker import PdfWorker
from bibliofile.services import attachments, fulltext
from bibliofile.services.changes import perform, undo
from bibliofile.storage import fulltext as index
from bibliofile.storage.attachments import all_attachments
from bibliofile.storage.library import Library


@pytest.fixture
def where(library: Library, tmp_path: Path) -> attachments.FileLocations:
    return attachments.FileLocations.of(library, tmp_path)


@pytest.fixture(scope="module")
def worker() -> Iterator[PdfWorker]:
    with PdfWorker() as w:
        yield w


def attach(library: Library, where: attachments.FileLocations, title: str, file: Path) -> int:
    with library.write() as u:
        [rid] = u.add_items([Reference(fields={"title": title})])
    perform(library, lambda u: attachments.attach(u, where, rid, file, "link"))
    return rid


def test_fulltext_search_finds_the_reference_and_says_the_page(
    library: Library, where: attachments.FileLocations, tmp_path: Path, worker: PdfWorker
) -> None:
    a = attach(library, where, "Alpha", write_pdf(tmp_path / "a.pdf", paper_pages("Alpha", 4, words={2: "zebra", 4: "zebra"})))
    attach(library, where, "Beta", write_pdf(tmp_path / "b.pdf", paper_pages("Beta", 2, words={1: "okapi"})))
    report = fulltext.index_files(library, where, worker=worker)
    assert (report.read, report.pages, report.failed, report.scanned) == (2, 6, [], [])
    assert library.search("fulltext:zebra") == [a]
    assert library.search("zebra") == []  # a plain search stays on the references' own fields
    assert library.search(including_fulltext(parse_query("zebra"))) == [a]  # "Search inside files"
    assert library.search("fulltext:zeb") == []  # whole words inside files...
    assert library.search("fulltext:zeb*") == [a]  # ...and a prefix where asked for
    assert library.search('fulltext:"word zebra appears"') == [a]  # a phrase, in order
    assert library.search('fulltext:"zebra word"') == []
    hits = index.page_hits(library, parse_query("fulltext:zebra").terms, [a])
    assert [pages for _aid, pages in hits[a].files] == [(2, 4)]


def test_a_touched_file_is_not_read_again_and_a_changed_one_is(
    library: Library, where: attachments.FileLocations, tmp_path: Path, worker: PdfWorker
) -> None:
    pdf = write_pdf(tmp_path / "a.pdf", paper_pages("Alpha", 3, words={3: "zebra"}))
    rid = attach(library, where, "Alpha", pdf)
    assert fulltext.index_files(library, where, worker=worker).read == 1
    again = fulltext.index_files(library, where, worker=worker)
    assert (again.read, again.unchanged, again.touched) == (0, 1, 0)

    st = pdf.stat()
    os.utime(pdf, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # touched: same bytes
    touched = fulltext.index_files(library, where, worker=worker)
    assert (touched.read, touched.touched, touched.pages) == (0, 1, 0)
    assert library.search("fulltext:zebra") == [rid]

    write_pdf(pdf, paper_pages("Alpha", 3, words={1: "okapi"}))  # changed: other bytes
    changed = fulltext.index_files(library, where, worker=worker)
    assert (changed.read, changed.pages) == (1, 3)
    assert library.search("fulltext:zebra") == [] and library.search("fulltext:okapi") == [rid]


def test_a_stopped_reading_resumes_where_it_stopped(
    library: Library, where: attachments.FileLocations, tmp_path: Path, worker: PdfWorker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages are committed in batches; a cancel (or a crash) after some of them keeps those,
    and the next run reads only the rest."""
    monkeypatch.setattr(fulltext, "BATCH_PAGES", 4)
    monkeypatch.setattr(fulltext, "COMMIT_SECONDS", 0.0)
    rid = attach(library, where, "Long", write_pdf(tmp_path / "long.pdf", paper_pages("Long", 20, words={3: "early", 18: "late"})))
    asked = []

    def cancel_after_two_batches() -> bool:
        asked.append(1)
        return len(asked) > 3  # the file loop asks once, then once per batch

    first = fulltext.index_files(library, where, worker=worker, cancelled=cancel_after_two_batches)
    assert first.cancelled and first.pages == 8
    [state] = index.states(library).values()
    assert (state.status, state.pages_done, state.pages) == (index.INDEXING, 8, 20)
    assert library.search("fulltext:early") == [rid] and library.search("fulltext:late") == []

    rest = fulltext.index_files(library, where, worker=worker)
    assert (rest.resumed, rest.pages) == (1, 12)
    assert library.search("fulltext:late") == [rid] and library.search("fulltext:early") == [rid]
    assert index.states(library)[state.attachment_id].status == index.DONE


def test_scanned_and_broken_files_are_reported_and_not_read_again(
    library: Library, where: attachments.FileLocations, tmp_path: Path, worker: PdfWorker
) -> None:
    attach(library, where, "Scan", write_pdf(tmp_path / "scan.pdf", [Page(image=True), Page(image=True)]))
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 50)
    attach(library, where, "Broken", broken)
    report = fulltext.index_files(library, where, worker=worker)
    assert report.scanned == [("scan.pdf", "scanned, no text (no OCR)")]
    assert [name for name, _why in report.failed] == ["broken.pdf"]
    assert "damaged or not a PDF" in report.failed[0][1] and "its text was not indexed" in report.failed[0][1]
    assert fulltext.index_files(library, where, worker=worker).unchanged == 2


def test_html_and_text_files_are_indexed_too(library: Library, where: attachments.FileLocations, tmp_path: Path, worker: PdfWorker) -> None:
    page = tmp_path / "saved.html"
    page.write_bytes('<html><head><meta charset="latin-1"><script>var hidden = "nowhere"</script></head>'
                     '<body><p>Caf\u00e9 society and its giraffes</p></body></html>'.encode("latin-1"))
    notes = tmp_path / "notes.txt"
    notes.write_text("first page\fsecond page with a narwhal", encoding="utf-8")
    h = attach(library, where, "Saved page", page)
    t = attach(library, where, "Notes", notes)
    fulltext.index_files(library, where, worker=worker)
    assert library.search("fulltext:giraffes") == [h] and library.search("fulltext:cafe") == [h]
    assert library.search("fulltext:nowhere") == []
    hits = index.page_hits(library, parse_query("fulltext:narwhal").terms, [t])
    assert [pages for _a, pages in hits[t].files] == [(2,)]


def test_removing_the_attachment_takes_its_pages_out_of_the_search(
    library: Library, where: attachments.FileLocations, tmp_path: Path, worker: PdfWorker
) -> None:
    rid = attach(library, where, "Alpha", write_pdf(tmp_path / "a.pdf", paper_pages("Alpha", 2, words={2: "zebra"})))
    fulltext.index_files(library, where, worker=worker)
    [a] = all_attachments(library)
    change = perform(library, lambda u: attachments.remove(u, where, [a.id]))
    assert library.search("fulltext:zebra") == [] and index.states(library) == {}
    undo(library, change)  # the attachment is back: its file is read again
    assert fulltext.index_files(library, where, worker=worker).read == 1
    assert library.search("fulltext:zebra") == [rid]
