"""Annotations already in attached PDFs (issue 19), on real PDFs written by the test and a real
library: each kind read with its page and the words under it, remembered until the file
changes, a damaged file reported by name, and Copy to Notes as one undoable operation whose
quotations carry the citation with the page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.pdf_annot_fixtures import AnnotPage, Markup, knox_pages, write_pdf

from bibliofile.model.creators import Creator
from bibliofile.model.reference import Reference
from bibliofile.pdf import extract
from bibliofile.pdf.worker import PdfWorker
from bibliofile.services import annotations, attachments, notes
from bibliofile.services.changes import perform, undo
from bibliofile.storage.library import Library


@pytest.fixture(scope="module")
def worker() -> Iterator[PdfWorker]:
    with PdfWorker() as w:
        yield w


@pytest.fixture
def where(library: Library, tmp_path: Path) -> attachments.FileLocations:
    return attachments.FileLocations.of(library, tmp_path)


def knox(library: Library, where: attachments.FileLocations, file: Path) -> int:
    ref = Reference(item_type="book", fields={"title": "Cities and Design", "date": "2008", "publisher": "Routledge"})
    ref.creators = [Creator(family="Knox", given="Paul")]
    with library.write() as u:
        [rid] = u.add_items([ref])
    perform(library, lambda u: attachments.attach(u, where, rid, file, "link"))
    return rid


def test_every_kind_is_read_with_its_page_text_comment_and_author(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "knox.pdf", knox_pages())
    found = [(a.page, a.kind, a.text, a.comment, a.author) for a in extract.read_annotations(pdf)]
    assert found == [
        (0, "Highlight", "read the street as text", "Key claim for chapter 2", "Ada"),
        (2, "Underline", "form of reading", "", ""),
        (2, "StrikeOut", "never", "", "Ada"),
        (2, "Squiggly", "older streets", "compare Lynch 1960", ""),
        (2, "Note", "", "Check the 1998 edition", "Ada"),
        (2, "FreeText", "", "Boxed remark", ""),
    ]


def test_links_and_empty_markups_are_not_remarks(tmp_path: Path) -> None:
    link = b"<< /Type /Annot /Subtype /Link /Rect [72 700 200 712] /A << /S /URI /URI (https://example.org) >> >>"
    page = AnnotPage(["Plain words here.", "                    "], markups=[Markup(1, "          ")], extra=[link])
    assert extract.read_annotations(write_pdf(tmp_path / "plain.pdf", [page])) == ()


def test_listed_from_the_library_until_the_file_changes(library: Library, where: attachments.FileLocations,
                                                        tmp_path: Path, worker: PdfWorker) -> None:
    pdf = write_pdf(tmp_path / "knox.pdf", knox_pages())
    rid = knox(library, where, pdf)
    assert annotations.annotations_of(library, where, rid, read=False).unread  # not read yet
    first = annotations.annotations_of(library, where, rid, worker=worker)
    assert [(a.page, a.kind_name) for a in first.annotations] == [
        (1, "Highlight"), (3, "Underline"), (3, "Strike-out"), (3, "Squiggly"), (3, "Note"), (3, "Text box")]
    again = annotations.annotations_of(library, where, rid, read=False)
    assert again.unread == [] and again.annotations == first.annotations
    # Another viewer adds a highlight on page 2 and saves: read again.
    pages = knox_pages()
    pages[1] = AnnotPage(pages[1].lines, markups=[Markup(1, "second page", comment="new")])
    write_pdf(pdf, pages)
    os.utime(pdf, (1_700_000_000, 1_700_000_000))
    assert annotations.annotations_of(library, where, rid, read=False).unread
    changed = annotations.annotations_of(library, where, rid, worker=worker)
    assert (2, "second page", "new") in [(a.page, a.text, a.comment) for a in changed.annotations]


def test_a_damaged_file_is_named_and_remembered(library: Library, where: attachments.FileLocations,
                                                tmp_path: Path, worker: PdfWorker) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ngarbage" * 3)
    rid = knox(library, where, bad)
    listed = annotations.annotations_of(library, where, rid, worker=worker)
    assert listed.annotations == []
    assert len(listed.messages) == 1 and listed.messages[0].startswith("broken.pdf: ")
    assert listed.messages[0].endswith("its annotations are not listed")
    assert annotations.annotations_of(library, where, rid, read=False).messages == listed.messages


def test_copy_to_notes_quotes_with_the_page_citation_and_undo_restores(
    library: Library, where: attachments.FileLocations, tmp_path: Path, worker: PdfWorker
) -> None:
    pdf = write_pdf(tmp_path / "knox.pdf", knox_pages())
    rid = knox(library, where, pdf)
    perform(library, lambda u: notes.set_note(u, rid, "<p>My own words</p>", "My own words"))
    items = annotations.annotations_of(library, where, rid, worker=worker).annotations
    chosen = [items[0], items[4]]
    cites = [annotations.citation_for(library, rid, a.page) for a in chosen]
    assert cites == ["(Knox, 2008, p. 1)", "(Knox, 2008, p. 3)"]
    new_html, new_plain = annotations.quotation_html(chosen, cites)
    change = perform(library, lambda u: annotations.append_to_note(u, rid, new_html, new_plain))
    assert change.description == "Copy Annotations to Notes"
    note = notes.note(library, rid)
    assert note.startswith("<p>My own words</p>")
    assert "“read the street as text” (Knox, 2008, p. 1)" in note
    assert "Key claim for chapter 2 (Ada)" in note
    assert "Note: Check the 1998 edition (Ada) (Knox, 2008, p. 3)" in note
    assert len(library.search("street")) == 1  # the note's plain words are searchable
    undo(library, change)
    assert notes.note(library, rid) == "<p>My own words</p>"
