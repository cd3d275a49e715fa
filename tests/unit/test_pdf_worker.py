"""PDFium in its own process (issue 19, DESIGN "Outside the process"): a file that takes too long
is stopped, a child that runs out of memory is reported, an encrypted or damaged file gets a
sentence, and the next file is read by a fresh child as if nothing happened. The indexer turns
each into a message naming the file and what was kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.pdf_fixtures import paper_pages, write_pdf
from tests.pdf_reader_fixtures import write_encrypted_pdf

from bibliofile.model.reference import Reference
from bibliofile.pdf.worker import PdfFailed, PdfWorker
from bibliofile.services import attachments, fulltext
from bibliofile.services.changes import perform
from bibliofile.storage import fulltext as index
from bibliofile.storage.library import Library

# PDFium reads these 4,000 short pages in ~0.25 s on an idle machine, 5x the 0.05 s limit below;
# 400 pages (~0.02 s idle) were over the limit only on a busy machine.
BIG_PAGES = 4000


def test_a_file_that_takes_too_long_is_stopped_and_the_next_one_is_read(tmp_path: Path) -> None:
    big = write_pdf(tmp_path / "big.pdf", paper_pages("Big", BIG_PAGES))
    small = write_pdf(tmp_path / "small.pdf", paper_pages("Small", 2, words={2: "kiwi"}))
    with PdfWorker(timeout=0.05) as worker:
        with pytest.raises(PdfFailed) as caught:
            worker.pages(big, 0, BIG_PAGES)  # ~0.2 s of PDFium on an idle machine: over the limit
        assert caught.value.kind == "timeout" and "took longer than 0.05 s to read, so it was stopped" in str(caught.value)
        worker.timeout = 30.0
        assert "kiwi" in worker.pages(small, 0, 5).texts[1]


def test_a_child_that_runs_out_of_memory_is_reported(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "a.pdf", paper_pages("A", 1))
    # 1 MB of address space: the child cannot even load PDFium.
    with PdfWorker(memory_limit=1 << 20) as worker, pytest.raises(PdfFailed) as caught:
        worker.facts(pdf)
    assert caught.value.kind == "crashed" and "the PDF reader process did not start" in str(caught.value)


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda p: write_encrypted_pdf(p), "encrypted: it needs a password"),
        (lambda p: p.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog" + b"\x00" * 200) or p, "damaged or not a PDF"),
        (lambda p: p.write_text("<html>404 Not Found</html>") or p, "damaged or not a PDF"),
    ],
    ids=["encrypted", "damaged", "html-named-pdf"],
)
def test_unreadable_files_say_why(tmp_path: Path, make, said: str) -> None:
    path = tmp_path / "x.pdf"
    make(path)
    with PdfWorker() as worker, pytest.raises(PdfFailed) as caught:
        worker.pages(path, 0, 5)
    assert caught.value.kind == "unreadable" and said in str(caught.value)


def test_the_indexer_reports_a_stopped_file_keeps_its_pages_and_reads_the_rest(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit is per answer (a batch of pages): one batch of all its pages stands for a page
    PDFium spends too long on."""
    monkeypatch.setattr(fulltext, "BATCH_PAGES", BIG_PAGES)
    where = attachments.FileLocations.of(library, tmp_path)
    big = write_pdf(tmp_path / "big.pdf", paper_pages("Big", BIG_PAGES))
    small = write_pdf(tmp_path / "small.pdf", paper_pages("Small", 2, words={2: "kiwi"}))
    for title, f in (("Big", big), ("Small", small)):
        with library.write() as u:
            [rid] = u.add_items([Reference(fields={"title": title})])
        perform(library, lambda u, rid=rid, f=f: attachments.attach(u, where, rid, f, "link"))
    with PdfWorker(timeout=0.05) as worker:
        report = fulltext.index_files(library, where, worker=worker)
    assert [name for name, _why in report.failed] == ["big.pdf"]
    why = report.failed[0][1]
    assert "took longer than 0.05 s to read, so it was stopped" in why
    assert why.endswith("its text was not indexed") or "pages are searchable" in why
    assert library.search("fulltext:kiwi")
    states = {s.status for s in index.states(library).values()}
    assert states == {index.FAILED, index.DONE}
