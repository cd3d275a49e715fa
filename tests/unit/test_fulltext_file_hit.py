"""Where one attached file holds a search's words (issue 19): what the reader opens at when a
full-text search found the file. Only that file's pages count (another file with the same word
does not move the page), all words on one page come first, a phrase and a prefix are the words
the reader looks for as the user wrote them, and a search without full-text words has no hit.
A real library file and real PDFs read by the PDF worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.pdf_fixtures import paper_pages, write_pdf

from bibliofile.model.reference import Reference
from bibliofile.pdf.worker import PdfWorker
from bibliofile.services import attachments, fulltext
from bibliofile.services.changes import perform
from bibliofile.storage.library import Library


@pytest.fixture(scope="module")
def worker() -> Iterator[PdfWorker]:
    with PdfWorker() as w:
        yield w


def attach(library: Library, where: attachments.FileLocations, file: Path) -> int:
    """A reference with ``file`` linked; the attachment's id."""
    with library.write() as u:
        [rid] = u.add_items([Reference(fields={"title": file.stem})])
    perform(library, lambda u: attachments.attach(u, where, rid, file, "link"))
    [view] = attachments.attachments_of(library, where, rid)
    return view.attachment.id


def test_the_pages_of_one_file_and_the_words_to_find_there(library: Library, tmp_path: Path, worker: PdfWorker) -> None:
    where = attachments.FileLocations.of(library, tmp_path)
    a = attach(library, where, write_pdf(tmp_path / "a.pdf", paper_pages("A", 6, words={3: "zebra okapi", 5: "zebra"})))
    b = attach(library, where, write_pdf(tmp_path / "b.pdf", paper_pages("B", 3, words={1: "zebra", 2: "okapi"})))
    assert fulltext.index_files(library, where, worker=worker).read == 2

    assert fulltext.hit_in_file(library, "fulltext:zebra", a) == fulltext.FileHit((3, 5), ("zebra",))
    assert fulltext.hit_in_file(library, "fulltext:zebra", b) == fulltext.FileHit((1,), ("zebra",))
    # Both words: the page holding both; in b no page does, so the pages holding either.
    assert fulltext.hit_in_file(library, "fulltext:okapi fulltext:zebra", a) == fulltext.FileHit((3,), ("okapi", "zebra"))
    assert fulltext.hit_in_file(library, "fulltext:okapi fulltext:zebra", b) == fulltext.FileHit((1, 2), ("okapi", "zebra"))
    assert fulltext.hit_in_file(library, 'fulltext:"zebra okapi"', a) == fulltext.FileHit((3,), ("zebra okapi",))
    assert fulltext.hit_in_file(library, "fulltext:zeb*", b) == fulltext.FileHit((1,), ("zeb",))
    # Plain words count only while the search looks inside files; a negated word never.
    assert fulltext.hit_in_file(library, "okapi", b) is None
    assert fulltext.hit_in_file(library, "okapi", b, inside_files=True) == fulltext.FileHit((2,), ("okapi",))
    assert fulltext.hit_in_file(library, "fulltext:okapi -fulltext:zebra", b) == fulltext.FileHit((2,), ("okapi",))
    assert fulltext.hit_in_file(library, "fulltext:gnu", a) is None
