"""Live citations in a document LibreOffice made, end to end with the real `bibliofile` command
and real LibreOffice: cite, refresh in APA, then IEEE, then Chicago notes (footnotes, Ibid.),
and LibreOffice reads every version back (its text export starts with a BOM).

Skipped, with the reason, where LibreOffice or citeproc-js is not installed.
"""

from __future__ import annotations

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
from tests.odt_documents import (
    body_paragraphs,
    footnotes,
    mark_names,
    members,
    needs_soffice,
    section_names,
    soffice_convert,
)

from bibliofile.storage.library import Library

pytestmark = [needs_citeproc, needs_soffice]


FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"
  office:mimetype="application/vnd.oasis.opendocument.text">
 <office:body><office:text>
  <text:h text:outline-level="1">Introduction</text:h>
  <text:p>Experiments were shaped by Fisher. Alpha came first. Beta followed. Fisher again. Über alles.</text:p>
 </office:text></office:body>
</office:document>
"""


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("docs")
    (root / "thesis.fodt").write_text(FODT, encoding="utf-8")
    soffice_convert(root / "thesis.fodt", "odt", root, root / "profile")
    (root / "refs.bib").write_text(BIB, encoding="utf-8")
    assert cli(root, "import", str(root / "refs.bib")).returncode == 0
    yield root


@pytest.fixture(scope="module")
def cited(work: Path) -> tuple[Path, list[tuple[str, int, bytes]]]:
    """thesis.odt with four citations added by `bibliofile document cite`, and its members before."""
    doc = work / "thesis.odt"
    original = members(doc)
    cite_all(work, doc)
    return doc, original


def test_cite_then_refresh_in_three_styles(work: Path, cited: tuple[Path, list[tuple[str, int, bytes]]]) -> None:
    doc, original = cited
    assert body_paragraphs(doc)[1] == CITED_IN_APA
    # every member but content.xml is as LibreOffice wrote it, in its order and compression
    assert_only_rewritten(original, members(doc), "content.xml")

    done = cli(work, "document", "refresh", str(doc), "--style", "ieee")
    assert done.returncode == 0, done.stderr
    assert "4 citations refreshed in ieee" in done.stdout
    text = text_of(work, doc)
    assert "shaped by Fisher [1]. Alpha came first [2]. Beta followed [3]. Fisher again [1]." in text
    assert "[1] R. A. Fisher, The Design of Experiments. Edinburgh: Oliver and Boyd, 1935." in text

    done = cli(work, "document", "refresh", str(doc), "--style", "chicago-notes-bibliography-subsequent-ibid")
    assert done.returncode == 0, done.stderr
    assert "4 citations moved into footnotes" in done.stdout
    notes = footnotes(doc)
    assert notes[0].startswith("Ronald A. Fisher, The Design of Experiments (")
    assert notes[1].startswith("Min Lee, “Alpha Study,” Science 1 (2008)")
    assert notes[3].startswith("Fisher, ") and "Oliver" not in notes[3]  # a later note is short
    assert body_paragraphs(doc)[1].startswith("Experiments were shaped by Fisher. Alpha came first.")
    text = text_of(work, doc)
    assert "Experiments were shaped by Fisher1. Alpha came first2." in text
    assert "Fisher, Ronald A. The Design of Experiments. Oliver and Boyd, 1935." in text

    done = cli(work, "document", "refresh", str(doc), "--style", "apa")
    assert "4 citations moved from footnotes into the text" in done.stdout
    assert footnotes(doc) == []
    assert "shaped by Fisher (Fisher, 1935). Alpha came first (Lee, 2008a)." in text_of(work, doc)
    # the style is the document's now: a refresh without --style keeps APA
    assert "refreshed in apa" in cli(work, "document", "refresh", str(doc)).stdout


def test_marks_survive_libreoffice_and_the_library_edit_reaches_the_document(
    work: Path, cited: tuple[Path, list[tuple[str, int, bytes]]]
) -> None:
    doc = work / "second.odt"
    doc.write_bytes(cited[0].read_bytes())
    assert cli(work, "document", "cite", str(doc), "--after", "Über alles", "lee2008b", "--style", "apa").returncode == 0
    # LibreOffice opens and saves it again: the marks and the bibliography section stay
    resaved = soffice_convert(doc, "odt", work / "resaved", work / "profile")
    assert mark_names(resaved) == mark_names(doc)
    assert section_names(resaved) == section_names(doc)
    # an edit in the library shows after a refresh (the mark is found by its citation key)
    retitle(work, "lee2008b", "Beta Study, Revised")
    done = cli(work, "document", "refresh", str(resaved))
    assert done.returncode == 0, done.stderr
    assert "Lee, M. (2008b). Beta Study, Revised. Science, 1, 3–4." in text_of(work, resaved)
    # and LibreOffice shows the style's italics (APA: the journal and its volume)
    html = soffice_convert(resaved, "html", work / "html", work / "profile").read_text(encoding="utf-8")
    assert "Beta Study, Revised. <i>Science</i>, <i>1</i>, 3–4." in html


def test_import_the_documents_references(cited: tuple[Path, list[tuple[str, int, bytes]]], tmp_path: Path) -> None:
    doc = cited[0]
    other = tmp_path / "other.sqlite"
    done = cli(tmp_path, "document", "import", str(doc), library=other.name)
    assert done.returncode == 0, done.stderr
    assert "3 references imported" in done.stdout
    lib = Library.open(other)
    try:
        titles = sorted(r.title for r in lib.get_many(lib.search("")))
    finally:
        lib.close()
    assert titles == ["Alpha Study", "Beta Study", "The Design of Experiments"]
    again = cli(tmp_path, "document", "import", str(doc), library=other.name)
    assert "0 references imported, 3 already in the library" in again.stdout


def test_text_not_found_changes_nothing(work: Path) -> None:
    doc = work / "thesis.odt"
    before = doc.read_bytes()
    done = cli(work, "document", "cite", str(doc), "--after", "no such words", "fisher1935")
    assert done.returncode == 1
    assert "the text “no such words” is not in the document's paragraphs; nothing was changed" in done.stderr
    assert doc.read_bytes() == before
