"""Live citations in Word files end to end, with the real `bibliofile` command and real
LibreOffice reading every version: cite into a .docx written by the test, refresh in APA then
IEEE, LibreOffice saves it again and the fields still refresh, a library edit reaches the
document, Zotero's own documents are refreshed and imported, a damaged one is left as it was.
(LibreOffice's text export starts with a BOM.)

Skipped, with the reason, where LibreOffice or citeproc-js is not installed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.citeproc_skip import needs_citeproc
from tests.document_cli import (
    BIB,
    CITED_IN_APA,
    assert_only_rewritten,
    cite_all,
    cli,
    retitle,
    text_of,
)
from tests.docx_documents import (
    document_xml,
    field,
    field_codes,
    footnote_reference,
    paragraphs,
    run,
    strip_fields,
    write_docx,
    zotero_bibliography,
    zotero_citation_code,
)
from tests.odt_documents import members, needs_soffice, soffice_convert

pytestmark = [needs_citeproc, needs_soffice]

TIMES = '<w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman"/></w:rPr>'
THESIS = (
    '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr>' + run("Introduction") + "</w:p>"
    + "<w:p>" + run("Experiments were shaped by Fisher. Alpha came first. ", TIMES)
    + run("Beta followed. Fisher again. Über alles.", TIMES) + "</w:p>"
)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("docx")
    (root / "refs.bib").write_text(BIB, encoding="utf-8")
    assert cli(root, "import", str(root / "refs.bib")).returncode == 0
    yield root


@pytest.fixture(scope="module")
def cited(work: Path) -> tuple[Path, list[tuple[str, int, bytes]]]:
    """thesis.docx with four citations added by `bibliofile document cite`, and its members before."""
    doc = write_docx(work / "thesis.docx", THESIS)
    original = members(doc)
    cite_all(work, doc)
    return doc, original


def test_cite_then_refresh_in_apa_and_ieee_as_libreoffice_reads_it(
    work: Path, cited: tuple[Path, list[tuple[str, int, bytes]]]
) -> None:
    doc, original = cited
    assert paragraphs(doc)[1] == CITED_IN_APA
    assert_only_rewritten(original, members(doc), "word/document.xml")
    codes = field_codes(doc)
    assert len(codes) == 5 and all(c.startswith(" ADDIN ZOTERO_ITEM CSL_CITATION {") for c in codes[:4])
    assert codes[4].startswith(" ADDIN ZOTERO_BIBL {") and codes[4].endswith("} CSL_BIBLIOGRAPHY ")
    text = text_of(work, doc)
    assert "Experiments were shaped by Fisher (Fisher, 1935). Alpha came first (Lee, 2008a)." in text
    assert "Fisher, R. A. (1935). The Design of Experiments. Oliver and Boyd." in text
    assert "Lee, M. (2008b). Beta Study. Science, 1, 3–4." in text

    before = document_xml(doc)
    done = cli(work, "document", "refresh", str(doc), "--style", "ieee")
    assert done.returncode == 0, done.stderr
    assert "4 citations refreshed in ieee" in done.stdout
    text = text_of(work, doc)
    assert "shaped by Fisher [1]. Alpha came first [2]. Beta followed [3]. Fisher again [1]." in text
    assert "[1] R. A. Fisher, The Design of Experiments. Edinburgh: Oliver and Boyd, 1935." in text
    assert "[3] M. Lee, “Beta Study,” Science, vol. 1, pp. 3–4, 2008." in text
    # outside the fields, document.xml is byte for byte what it was
    assert strip_fields(document_xml(doc)) == strip_fields(before)

    done = cli(work, "document", "refresh", str(doc), "--style", "apa")
    assert "(Lee, 2008a)" in text_of(work, doc)
    assert "refreshed in apa" in cli(work, "document", "refresh", str(doc)).stdout  # the document's style now


def test_libreoffice_saves_the_fields_and_a_library_edit_reaches_the_document(
    work: Path, cited: tuple[Path, list[tuple[str, int, bytes]]]
) -> None:
    resaved = soffice_convert(cited[0], "docx", work / "resaved", work / "profile")
    # LibreOffice writes the codes back without their leading space; a refresh reads them still
    # and writes them as Zotero does again
    codes = field_codes(resaved)
    assert sum(c.startswith("ADDIN ZOTERO_ITEM CSL_CITATION ") for c in codes) == 4
    assert sum("ZOTERO_BIBL" in c for c in codes) == 1
    retitle(work, "lee2008b", "Beta Study, Revised")
    done = cli(work, "document", "refresh", str(resaved))
    assert done.returncode == 0, done.stderr
    assert "4 citations refreshed" in done.stdout and done.stderr == ""
    assert "Lee, M. (2008b). Beta Study, Revised. Science, 1, 3–4." in text_of(work, resaved)
    assert sum(c.startswith(" ADDIN ZOTERO_ITEM CSL_CITATION ") for c in field_codes(resaved)) == 4
    # a citation goes into LibreOffice's own runs as well
    done = cli(work, "document", "cite", str(resaved), "--after", "Über alles", "lee2008a")
    assert done.returncode == 0, done.stderr
    assert "Fisher again (Fisher, 1935). Über alles (Lee, 2008a)." in text_of(work, resaved)


def zotero_docx(path: Path, first_code: str | None = None) -> Path:
    """A document as Zotero's Word plugin leaves it (codes split over runs, Zotero item URIs)."""
    fisher = {"id": 11, "type": "book", "title": "The Design of Experiments", "publisher": "Oliver and Boyd",
              "issued": {"date-parts": [[1935]]}, "author": [{"family": "Fisher", "given": "Ronald A."}]}
    lee = {"id": 12, "type": "article-journal", "title": "Gamma Study", "container-title": "Nature",
           "issued": {"date-parts": [[2011]]}, "author": [{"family": "Lee", "given": "Min"}]}
    cite1 = first_code or zotero_citation_code(
        "zA1", [{"id": 11, "uris": ["http://zotero.org/users/9/items/AAAA1111"], "itemData": fisher}], "(Fisher 1935)")
    cite2 = zotero_citation_code(
        "zB2", [{"id": 12, "uris": ["http://zotero.org/users/9/items/BBBB2222"], "itemData": lee}], "(Lee 2011)")
    return write_docx(path, "<w:p>" + run("Zotero wrote this ") + field(cite1, run("(Fisher 1935)"), pieces=5)
                      + run(" and this ") + field(cite2, run("(Lee 2011)"), pieces=3) + run(".") + "</w:p>"
                      + zotero_bibliography(["Fisher 1935.", "Lee 2011."]), zotero_style="apa")


def test_a_zotero_document_is_refreshed_and_imported(work: Path, tmp_path: Path) -> None:
    doc = zotero_docx(tmp_path / "zotero.docx")
    done = cli(work, "document", "refresh", str(doc))
    assert done.returncode == 0, done.stderr
    # Fisher is found in the library by nothing (no key, no DOI): both come from the document
    assert "2 citations refreshed in apa (en-US)" in done.stdout
    text = text_of(tmp_path, doc)
    assert "Zotero wrote this (Fisher, 1935) and this (Lee, 2011)." in text
    assert "Lee, M. (2011). Gamma Study. Nature." in text
    done = cli(tmp_path, "document", "import", str(doc), library="other.sqlite")
    assert done.returncode == 0, done.stderr
    assert "2 references imported" in done.stdout
    again = cli(tmp_path, "document", "import", str(doc), library="other.sqlite")
    assert "0 references imported, 2 already in the library" in again.stdout


def test_a_damaged_code_is_named_and_the_file_left_as_it_was(work: Path, tmp_path: Path) -> None:
    broken = ' ADDIN ZOTERO_ITEM CSL_CITATION {"citationID":"zA1","citationItems":[{"id":11,"itemData":{"title":"Th '
    doc = write_docx(tmp_path / "broken.docx", "<w:p>" + run("Zotero wrote this ")
                     + field(broken, run("(Fisher 1935)")) + run(".") + "</w:p>")
    before = doc.read_bytes()
    done = cli(work, "document", "refresh", str(doc))
    assert done.returncode == 0
    assert "note: Zotero citation 1 (word/document.xml line 2 showing “(Fisher 1935)”): its data is not valid JSON" in done.stderr
    assert "that citation was left as it was" in done.stderr
    assert f"{doc}: 0 citations refreshed" in done.stdout
    assert doc.read_bytes() == before
    assert "Zotero wrote this (Fisher 1935)." in text_of(tmp_path, doc)
    # beside a good one: the good one is refreshed, the damaged one kept byte for byte
    mixed = zotero_docx(tmp_path / "mixed.docx", first_code=broken)
    done = cli(work, "document", "refresh", str(mixed))
    assert "1 citation refreshed" in done.stdout and "not valid JSON" in done.stderr
    assert field(broken, run("(Fisher 1935)"), pieces=5).encode() in document_xml(mixed)
    assert "Zotero wrote this (Fisher 1935) and this (Lee, 2011)." in text_of(tmp_path, mixed)


def test_missing_text_changes_nothing(work: Path, tmp_path: Path) -> None:
    doc = zotero_docx(tmp_path / "z.docx")
    before = doc.read_bytes()
    done = cli(work, "document", "cite", str(doc), "--after", "no such words", "fisher1935")
    assert done.returncode == 1
    assert "the text “no such words” is not in the document's paragraphs; nothing was changed" in done.stderr
    assert doc.read_bytes() == before
    assert json.loads(field_codes(doc)[0][len(" ADDIN ZOTERO_ITEM CSL_CITATION ") :])["citationID"] == "zA1"


def browser_text(html: str) -> str:
    """LibreOffice wraps its HTML's lines and marks where a field's text starts and ends with
    control characters: the text as a browser would show it."""
    return re.sub(r"\s+", " ", re.sub("[\x00-\x08]", "", html))


def test_chicago_notes_put_citations_in_footnotes_libreoffice_shows(work: Path, tmp_path: Path) -> None:
    doc = zotero_docx(tmp_path / "z.docx")
    done = cli(work, "document", "refresh", str(doc), "--style", "chicago-notes-bibliography-subsequent-ibid")
    assert done.returncode == 0, done.stderr
    assert "2 citations moved into footnotes" in done.stdout
    html = browser_text(soffice_convert(doc, "html", tmp_path / "html", work / "profile").read_text(encoding="utf-8"))
    assert "Ronald A. Fisher, <i>The Design of Experiments</i> (Oliver and Boyd, 1935)." in html
    assert "Min Lee, “Gamma Study,” <i>Nature</i>, 2011." in html
    assert "Zotero wrote this" in html and "(Fisher 1935)" not in html
    done = cli(work, "document", "refresh", str(doc), "--style", "apa")
    assert "2 citations moved from footnotes into the text" in done.stdout
    assert "Zotero wrote this (Fisher, 1935) and this (Lee, 2011)." in text_of(tmp_path, doc)


def test_a_zotero_document_in_chicago_notes_is_refreshed_in_its_footnotes(work: Path, tmp_path: Path) -> None:
    fisher = {"id": 11, "type": "book", "title": "The Design of Experiments", "publisher": "Oliver and Boyd",
              "issued": {"date-parts": [[1935]]}, "author": [{"family": "Fisher", "given": "Ronald A."}]}

    def note(cid: str, locator: str) -> str:
        cite = {"id": 11, "uris": ["http://zotero.org/users/9/items/AAAA1111"], "itemData": fisher,
                "locator": locator, "label": "page"}
        return field(zotero_citation_code(cid, [cite], "old"), run("old"), pieces=3)

    doc = write_docx(tmp_path / "notes.docx",
                     "<w:p>" + run("Randomise") + footnote_reference(1) + run(", then block.") + footnote_reference(2) + "</w:p>",
                     zotero_style="chicago-notes-bibliography-subsequent-ibid",
                     footnotes=[note("n1", "21"), note("n2", "22")])
    done = cli(work, "document", "refresh", str(doc))
    assert done.returncode == 0, done.stderr
    assert "2 citations refreshed in chicago-notes-bibliography-subsequent-ibid" in done.stdout
    html = browser_text(soffice_convert(doc, "html", tmp_path / "html", work / "profile").read_text(encoding="utf-8"))
    assert "Ronald A. Fisher, <i>The Design of Experiments</i> (Oliver and Boyd, 1935), 21." in html
    assert "Ibid., 22." in html
    assert "Fisher, Ronald A. <i>The Design of Experiments</i>. Oliver and Boyd, 1935." in html
