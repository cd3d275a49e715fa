"""services/pdf_import.py (issue 19): what a PDF becomes, and that nothing the user enters is
overwritten: a placeholder made offline is completed by the lookup queue once the service
answers, with the record's title replacing the guessed one, while a field the user filled in
meanwhile keeps the user's value. Real PDFs, a real library, the web replayed locally."""

from __future__ import annotations

from pathlib import Path

from pytest_httpserver import HTTPServer
from tests.online_server import CSL, Replay, client_for, recorded, unreachable_client
from tests.pdf_fixtures import PdfSpec, paper_pages, write_pdf, xmp_packet

from bibliofile.services import pdf_import
from bibliofile.services.attachments import FileLocations, attachments_of
from bibliofile.services.changes import undo
from bibliofile.services.editing import apply_edit, set_field
from bibliofile.services.lookup import retry_pending
from bibliofile.storage import lookup_queue
from bibliofile.storage.library import Library

SCIENCE = "10.1126/science.169.3946.635"


def test_offline_placeholder_is_completed_later_without_overwriting_the_users_edit(
    library: Library, tmp_path: Path, httpserver: HTTPServer
) -> None:
    where = FileLocations.of(library, tmp_path)
    pdf = write_pdf(tmp_path / "water.pdf", PdfSpec(
        paper_pages("Structure of Water", 2, first_lines=[f"https://doi.org/{SCIENCE}"]),
        xmp=xmp_packet(creators=["Henry S. Frank"])))
    with unreachable_client() as offline:
        report = pdf_import.import_pdfs(library, where, [pdf], offline)
    [made] = report.outcomes
    assert made.status == "queued" and "water.pdf" in made.message
    ref = library.get(made.reference_id)
    assert ref.title == "To look up: Structure of Water" and ref.fields["doi"] == SCIENCE
    assert [c.family for c in ref.creators] == ["Frank"]  # from the XMP, kept in the placeholder
    assert [p.identifier for p in lookup_queue.pending(library)] == [f"doi:{SCIENCE}"]
    assert report.index is not None and report.index.read == 1  # its text is searchable already

    apply_edit(library, ref, set_field(ref, "container_title", "My Own Journal Name"))  # the user's edit

    replay = Replay(httpserver)
    replay.add(f"/doi/{SCIENCE}", recorded("doi_science_169_635.csl.json"), content_type=CSL)
    with client_for(httpserver) as online:
        retry_pending(library, online)
    done = library.get(made.reference_id)
    assert done.title.startswith("The Structure of Ordinary Water")  # the record's, not the guess
    assert done.fields["container_title"] == "My Own Journal Name"  # the user's value stays
    assert lookup_queue.pending(library) == []


def test_undo_takes_the_reference_to_the_trash_and_the_stored_copy_off(library: Library, tmp_path: Path) -> None:
    where = FileLocations.of(library, tmp_path)
    pdf = write_pdf(tmp_path / "paper.pdf", PdfSpec(paper_pages("Large Title"), info={"Title": "A Paper", "Author": "Knox, Colin"}))
    with unreachable_client() as offline:
        report = pdf_import.import_pdfs(library, where, [pdf], offline, index_text=False)
    [made] = report.outcomes
    assert made.status == "from file"
    [view] = attachments_of(library, where, made.reference_id)
    assert view.stored and view.file.name == "Knox - Paper.pdf"  # named from the file's own author and title and view.present
    assert report.change is not None
    undo(library, report.change)
    assert library.search("Paper") == [] and not view.file.exists() and pdf.exists()
