"""Metadata from real PDFs (issue 19): files written by tests/pdf_fixtures.py, read by PDFium
(pdf/extract.py), turned into a reference by formats/pdf_metadata.py. The order of sources is
the point: XMP beats the Info dictionary, which beats what the text of the pages suggests."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.pdf_fixtures import HEIGHT, Line, Page, PdfSpec, paper_pages, write_pdf, xmp_packet

from bibliofile.formats.pdf_metadata import (
    INFO,
    TEXT,
    XMP,
    PdfMetadata,
    find_arxiv,
    find_doi,
    read_pdf_metadata,
)
from bibliofile.pdf.extract import read_facts


def metadata(path: Path) -> PdfMetadata:
    facts = read_facts(path)
    return read_pdf_metadata(
        info=facts.info, xmp=facts.xmp, first_pages=facts.first_pages, title_lines=facts.title_lines,
        page_height=HEIGHT, file_name=path.name,
    )


def names(meta: PdfMetadata) -> list[tuple[str, str]]:
    return [(c.family or c.literal, c.given) for c in meta.reference.creators]


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "flate"])
def test_xmp_beats_info_beats_text(tmp_path: Path, compressed: bool) -> None:
    spec = PdfSpec(
        paper_pages("The Title Set Large On Page One", first_lines=["doi:10.5555/from.the.text"]),
        info={"Title": "The Title In The Info Dictionary", "Author": "Info Person"},
        xmp=xmp_packet(title="The Title In The XMP Packet", creators=["Ada Lovelace", "Charles Babbage"],
                       doi="10.1000/xmp.doi"),
        xmp_compressed=compressed,
    )
    meta = metadata(write_pdf(tmp_path / "paper.pdf", spec))
    assert meta.reference.title == "The Title In The XMP Packet"
    assert names(meta) == [("Lovelace", "Ada"), ("Babbage", "Charles")]
    assert meta.reference.fields["doi"] == "10.1000/xmp.doi"
    assert meta.identifier is not None and meta.identifier.key == "doi:10.1000/xmp.doi"
    assert meta.sources == {"title": XMP, "author": XMP, "doi": XMP}
    assert meta.reference.item_type == "article-journal"


def test_info_beats_text_when_there_is_no_xmp(tmp_path: Path) -> None:
    spec = PdfSpec(paper_pages("The Title Set Large On Page One"),
                   info={"Title": "The Title In The Info Dictionary", "Author": "Lovelace, Ada; Babbage, Charles"})
    meta = metadata(write_pdf(tmp_path / "paper.pdf", spec))
    assert meta.reference.title == "The Title In The Info Dictionary"
    assert names(meta) == [("Lovelace", "Ada"), ("Babbage", "Charles")]
    assert meta.sources["title"] == INFO and meta.sources["author"] == INFO
    assert meta.identifier is None and meta.reference.item_type == "document"


def test_title_is_the_largest_text_on_page_one_when_the_metadata_has_none(tmp_path: Path) -> None:
    """A tool's leftovers in Info ("Microsoft Word - draft.docx") are no title."""
    spec = PdfSpec(paper_pages("Governance Without Government"), info={"Title": "Microsoft Word - draft17.docx"})
    meta = metadata(write_pdf(tmp_path / "paper.pdf", spec))
    assert meta.reference.title == "Governance Without Government"
    assert meta.title_guessed and meta.sources["title"] == TEXT


def test_title_on_two_lines_and_set_with_a_scaled_text_matrix(tmp_path: Path) -> None:
    """InDesign and Word set a 1 pt font scaled by the text matrix; a long title wraps."""
    page = Page([Line("Preprint, under review", 9, 760), Line("Deep Learning for the", 20, 700, scaled=True),
                 Line("Study of Reading Lists", 20, 676, scaled=True), Line("Ada Lovelace", 12, 640),
                 Line("Body text in ten point type, which is most of the page.", 10, 600)])
    meta = metadata(write_pdf(tmp_path / "scaled.pdf", [page]))
    assert meta.reference.title == "Deep Learning for the Study of Reading Lists"


def test_no_title_is_guessed_from_a_page_of_one_size(tmp_path: Path) -> None:
    meta = metadata(write_pdf(tmp_path / "plain.pdf", [[Line("Just some text", 10), Line("and more of it", 10)]]))
    assert "title" not in meta.reference.fields


def test_doi_on_page_one(tmp_path: Path) -> None:
    spec = paper_pages("A Paper", first_lines=["https://doi.org/10.1177/0261018308095278."],
                       words={2: "doi:10.9999/not.this.one"})
    meta = metadata(write_pdf(tmp_path / "doi.pdf", spec))
    assert meta.reference.fields["doi"] == "10.1177/0261018308095278"
    assert meta.sources["doi"] == TEXT
    assert meta.identifier is not None and meta.identifier.kind == "doi"


def test_arxiv_stamp(tmp_path: Path) -> None:
    """arXiv prints "arXiv:1512.03385v1 [cs.CV] 10 Dec 2015" down the margin of page 1."""
    spec = paper_pages("Deep Residual Learning", first_lines=["arXiv:1512.03385v1 [cs.CV] 10 Dec 2015"])
    meta = metadata(write_pdf(tmp_path / "arxiv.pdf", spec))
    assert meta.reference.fields["eprint"] == "1512.03385"
    assert meta.reference.fields["eprint_type"] == "arxiv"
    assert meta.identifier is not None and meta.identifier.key == "arxiv:1512.03385"
    assert meta.reference.title == "Deep Residual Learning"  # the stamp is not taken for the title


def test_a_broken_xmp_packet_is_a_problem_and_info_is_used(tmp_path: Path) -> None:
    broken = xmp_packet(title="Never Read").replace("</rdf:RDF>", "")
    spec = PdfSpec(paper_pages("Large Title"), info={"Title": "From The Info"}, xmp=broken)
    meta = metadata(write_pdf(tmp_path / "broken.pdf", spec))
    assert meta.reference.title == "From The Info"
    assert len(meta.problems) == 1 and "XMP metadata could not be read" in meta.problems[0].message


def test_a_scanned_pdf_gives_no_text_and_no_guess(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "scan.pdf", [Page(image=True), Page(image=True)])
    facts = read_facts(path)
    assert facts.page_count == 2 and facts.first_pages == ("", "")
    meta = metadata(path)
    assert meta.reference.fields == {} and meta.identifier is None


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("see doi:10.1000/182.", "10.1000/182"),
        # an old Wiley SICI DOI in brackets: its own brackets and < > stay, the closing one goes
        ("(https://doi.org/10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0)",
         "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0"),
        ("DOI 10.1145/3290605.3300233, accepted", "10.1145/3290605.3300233"),
        ("no identifier here, 10.5 percent", None),
    ],
)
def test_find_doi(text: str, want: str | None) -> None:
    got = find_doi(text)
    assert (got.value if got else None) == want


def test_find_arxiv_old_style() -> None:
    got = find_arxiv("arXiv:math.GT/0309136v2 11 Sep 2003")
    assert got is not None and got.value == "math/0309136" and got.version == "v2"


def test_a_blank_first_page_does_not_hide_the_title(tmp_path: Path) -> None:
    """A repository's cover sheet or an office suite's page break before the paper."""
    meta = metadata(write_pdf(tmp_path / "cover.pdf", [Page(image=True), *paper_pages("Governance After Reform", 2)]))
    assert meta.reference.title == "Governance After Reform"


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.2"
 office:mimetype="application/vnd.oasis.opendocument.text">
<office:automatic-styles>
<style:style style:name="T" style:family="paragraph"><style:text-properties fo:font-size="22pt" fo:font-weight="bold"/></style:style>
<style:style style:name="A" style:family="paragraph"><style:text-properties fo:font-size="12pt"/></style:style>
<style:style style:name="B" style:family="paragraph"><style:text-properties fo:font-size="10pt"/></style:style>
</office:automatic-styles>
<office:body><office:text>
<text:p text:style-name="B">Preprint, under review</text:p>
<text:p text:style-name="T">Trust in Public Institutions After Reform</text:p>
<text:p text:style-name="A">Ada Lovelace, Charles Babbage</text:p>
<text:p text:style-name="B">https://doi.org/10.5555/example.2024.17 — body text on Müller’s réforme.</text:p>
</office:text></office:body></office:document>
"""


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
def test_a_pdf_written_by_libreoffice(tmp_path: Path) -> None:
    """A real producer's PDF: embedded subset fonts, type sizes from styles, and a title that
    wraps onto a second line at this size."""
    src = tmp_path / "paper.fodt"
    src.write_text(FODT, encoding="utf-8")
    profile = (tmp_path / "profile").as_uri()
    proc = subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                           "--outdir", str(tmp_path), str(src)], capture_output=True, text=True, timeout=180,
                          env={**os.environ, "HOME": str(tmp_path)}, check=False)
    pdf = tmp_path / "paper.pdf"
    assert pdf.is_file(), f"soffice wrote no PDF: {proc.stdout}{proc.stderr}"
    meta = metadata(pdf)
    assert meta.reference.title == "Trust in Public Institutions After Reform" and meta.sources["title"] == TEXT
    assert meta.reference.fields["doi"] == "10.5555/example.2024.17"
