"""Zotero's Word fields in word/document.xml (formats.docx_fields) and refreshes of hand-written
.docx files (services.docx_documents), checked byte for byte where a refresh must keep things.

No LibreOffice here (test_docx_refresh.py runs it); the documents are written after ECMA-376
and Zotero's field format by tests/docx_documents.py.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.citeproc_skip import needs_citeproc
from tests.docx_documents import (
    ZOTERO_BIBL_CODE,
    custom_properties,
    document_xml,
    field,
    field_codes,
    footnote_codes,
    footnote_reference,
    footnote_texts,
    italic_texts,
    paragraphs,
    run,
    strip_fields,
    write_docx,
    zotero_bibliography,
    zotero_citation_code,
)

from bibliofile.formats.docx_fields import (
    NotDocumentXml,
    field_code,
    field_xml,
    html_to_runs,
    insertion_point,
    parse_field_code,
    scan_document,
    zotero_preferences,
)
from bibliofile.services.documents import DocumentError, document_items, refresh_document, write_odt
from bibliofile.services.docx_documents import cite_in_docx, read_docx

FISHER: dict[str, Any] = {"id": "fisher", "type": "book", "title": "The Design of Experiments", "publisher": "Oliver and Boyd",
                          "publisher-place": "Edinburgh", "issued": {"date-parts": [[1935]]},
                          "author": [{"family": "Fisher", "given": "Ronald A."}]}
LEE: dict[str, Any] = {"id": "lee", "type": "article-journal", "title": "Alpha study", "container-title": "Science",
                       "volume": "1", "page": "1-2", "issued": {"date-parts": [[2008]]},
                       "author": [{"family": "Lee", "given": "Min"}]}


def zotero_cite(item: dict[str, Any], n: int) -> dict[str, Any]:
    return {"id": n, "uris": [f"http://zotero.org/users/1/items/ITEM000{n}"], "itemData": {**item, "id": n}}


def body(*parts: str) -> str:
    return "".join(parts)


def zotero_document(path: Path, style: str | None = "apa") -> Path:
    """A document as Zotero's Word plugin leaves it: two citations, codes split over runs, the
    first citation's text in a font of the writer's, and a bibliography of two paragraphs."""
    arial = '<w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial"/><w:sz w:val="22"/></w:rPr>'
    return write_docx(path, body(
        '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr>' + run("Introduction") + "</w:p>",
        "<w:p>" + run("Experiments were shaped by Fisher ")
        + field(zotero_citation_code("aaa111", [zotero_cite(FISHER, 1)], "(Fisher, 1935)"), run("(Fisher, 1935)", arial), pieces=4)
        + run(". Alpha came first ")
        + field(zotero_citation_code("bbb222", [zotero_cite(LEE, 2)], "(Lee, 2008)"), run("(Lee, 2008)"), pieces=2)
        + run(". Über alles.") + "</w:p>",
        zotero_bibliography(["Fisher, R. A. (1935). The design of experiments.", "Lee, M. (2008). Alpha study."]),
    ), zotero_style=style)


def members(path: Path) -> list[tuple[str, int, bytes]]:
    with zipfile.ZipFile(path) as z:
        return [(i.filename, i.compress_type, z.read(i)) for i in z.infolist()]


# ---- codes -----------------------------------------------------------------------------------
def test_zotero_codes_and_other_fields() -> None:
    c = parse_field_code(' ADDIN ZOTERO_ITEM CSL_CITATION {"citationID":"x","citationItems":[]} ')
    assert c is not None and (c.vendor, c.kind, c.data) == ("zotero", "citation", {"citationID": "x", "citationItems": []})
    b = parse_field_code(ZOTERO_BIBL_CODE)
    assert b is not None and (b.kind, b.data) == ("bibliography", {"uncited": [], "omitted": [], "custom": []})
    assert parse_field_code(" PAGE ") is None
    assert parse_field_code(" ADDIN EN.CITE <EndNote>…</EndNote>") is None  # another program's citation
    bad = parse_field_code(' ADDIN ZOTERO_ITEM CSL_CITATION {"citationID": ')
    assert bad is not None and bad.data is None and "not valid JSON" in bad.error
    # written exactly as Zotero writes them: prefix, code, one trailing space
    assert field_code("citation", {"a": 1}) == ' ADDIN ZOTERO_ITEM CSL_CITATION {"a":1} '
    assert field_code("bibliography", {"uncited": []}) == ' ADDIN ZOTERO_BIBL {"uncited":[]} CSL_BIBLIOGRAPHY '


def test_fields_are_found_with_codes_joined_over_runs(tmp_path: Path) -> None:
    doc = zotero_document(tmp_path / "z.docx")
    xml = document_xml(doc)
    scan = scan_document(xml)
    assert [f.info.kind for f in scan.fields] == ["citation", "citation", "bibliography"]
    assert [(f.info.data or {}).get("citationID") for f in scan.citations] == ["aaa111", "bbb222"]
    assert [len(f.instr_elements) for f in scan.fields] == [4, 2, 1]
    assert [f.text for f in scan.citations] == ["(Fisher, 1935)", "(Lee, 2008)"]
    first = scan.citations[0]
    assert xml[first.result[0] : first.result[1]].count(b"(Fisher, 1935)") == 1
    assert first.run_properties.startswith(b"<w:rPr><w:rFonts")
    assert scan.bibliographies[0].paragraph_properties == b'<w:pPr><w:pStyle w:val="Bibliography"/></w:pPr>'
    assert scan.problems == []
    with pytest.raises(NotDocumentXml):
        scan_document(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')


def test_a_citation_across_paragraphs_is_named_and_left(tmp_path: Path) -> None:
    code = zotero_citation_code("c", [zotero_cite(LEE, 1)], "(Lee)")
    split = field(code, run("(Lee") + "</w:p><w:p>" + run(")"))
    doc = write_docx(tmp_path / "s.docx", f"<w:p>{run('Text ')}{split}</w:p>")
    scan = scan_document(document_xml(doc))
    assert scan.citations == []
    assert len(scan.problems) == 1 and "different paragraphs" in scan.problems[0][1]


def test_zotero_preferences_from_custom_properties() -> None:
    assert zotero_preferences(custom_properties("chicago-author-date").encode()) == ("chicago-author-date", "en-US")
    assert zotero_preferences(custom_properties(None).encode()) == (None, None)
    assert zotero_preferences(b"<not xml") == (None, None)


def test_runs_keep_the_writers_font_and_add_the_styles_italics() -> None:
    rendered = html_to_runs('Lee, M. (2008). Alpha study. <i>Science</i>, <i>1</i>, 1–2.')
    assert rendered.text == "Lee, M. (2008). Alpha study. Science, 1, 1–2."
    xml = rendered.runs(b'<w:rPr><w:rFonts w:ascii="Arial"/><w:i w:val="0"/><w:sz w:val="22"/></w:rPr>')
    # the writer's font kept in each run, italics where the style has them, in the schema's order
    assert '<w:r><w:rPr><w:rFonts w:ascii="Arial"/><w:i/><w:sz w:val="22"/></w:rPr><w:t xml:space="preserve">Science</w:t></w:r>' in xml
    assert xml.startswith('<w:r><w:rPr><w:rFonts w:ascii="Arial"/><w:i w:val="0"/><w:sz w:val="22"/></w:rPr>')


def test_insertion_splits_the_run_and_keeps_the_rest(tmp_path: Path) -> None:
    bold = "<w:rPr><w:b/></w:rPr>"
    doc = write_docx(tmp_path / "i.docx", f"<w:p>{run('Café & bar: as argued before, then more.', bold)}</w:p>")
    xml = document_xml(doc)
    scan = scan_document(xml)
    assert scan.paragraphs[0].text == "Café & bar: as argued before, then more."
    assert insertion_point(scan, xml, "Café &") is None  # ends inside "&amp;": no place to insert
    found = insertion_point(scan, xml, "argued before")
    assert found is not None
    at, chunk = found
    assert xml[at - len(b"argued before") : at] == b"argued before"
    assert chunk.run_properties == bold.encode()
    assert insertion_point(scan, xml, "no such words") is None


# ---- the property: what is written is read back ------------------------------------------------
_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
_item = st.fixed_dictionaries({"id": st.text("abcdefghij0123456789", min_size=1, max_size=8), "title": _text,
                               "type": st.sampled_from(["book", "article-journal"])})
_citation = st.fixed_dictionaries({
    "citationID": st.text("abcdef0123456789", min_size=1, max_size=12),
    "citationItems": st.lists(st.builds(lambda i, loc: {"id": i["id"], "itemData": i, **({"locator": loc} if loc else {})},
                                        _item, _text), min_size=1, max_size=3),
    "properties": st.fixed_dictionaries({"plainCitation": _text, "noteIndex": st.just(0)}),
})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(citations=st.lists(_citation, min_size=1, max_size=4), pieces=st.integers(1, 6))
def test_written_citations_read_back(citations: list[dict[str, Any]], pieces: int) -> None:
    """Our writer's fields, and the same codes split over several runs as Word does, give back
    every citation's data and text."""
    ours = "".join(f"<w:p>{run('Text ')}{field_xml('citation', c, run(c['properties']['plainCitation']))}</w:p>"
                   for c in citations)
    split = "".join(f"<w:p>{field(field_code('citation', c), run(c['properties']['plainCitation']), pieces)}</w:p>"
                    for c in citations)
    for xml_body in (ours, split):
        xml = f'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{xml_body}</w:body></w:document>'
        scan = scan_document(xml.encode("utf-8"))
        assert [f.info.data for f in scan.citations] == citations
        assert [f.text for f in scan.citations] == [c["properties"]["plainCitation"] for c in citations]
        assert scan.problems == []


# ---- refresh, cite, import ---------------------------------------------------------------------
@needs_citeproc
def test_refresh_in_apa_then_ieee_touches_only_the_fields(tmp_path: Path) -> None:
    doc = zotero_document(tmp_path / "z.docx")
    before = members(doc)
    report = refresh_document(doc)
    assert report.style == "apa" and report.refreshed == 2 and report.problems == []  # Zotero's own preference
    texts = paragraphs(doc)
    assert texts[1] == "Experiments were shaped by Fisher (Fisher, 1935). Alpha came first (Lee, 2008). Über alles."
    assert texts[2:] == ["Fisher, R. A. (1935). The Design of Experiments. Oliver and Boyd.",
                         "Lee, M. (2008). Alpha study. Science, 1, 1–2."]
    assert "Science" in italic_texts(doc) and "The Design of Experiments" in italic_texts(doc)
    # every other member as written, in order and compression; document.xml the same outside the fields
    after = members(doc)
    assert [(n, c) for n, c, _ in after] == [(n, c) for n, c, _ in before]
    assert [d for n, _, d in after if n != "word/document.xml"] == [d for n, _, d in before if n != "word/document.xml"]
    assert strip_fields(document_xml(doc)) == strip_fields(dict((n, d) for n, _, d in before)["word/document.xml"])
    # the codes stay Zotero's, with the new text as plainCitation and our settings under "bibliofile"
    codes = field_codes(doc)
    assert codes[0].startswith(" ADDIN ZOTERO_ITEM CSL_CITATION {") and codes[0].endswith("} ")
    data = json.loads(codes[0][len(" ADDIN ZOTERO_ITEM CSL_CITATION ") :])
    assert data["properties"]["plainCitation"] == "(Fisher, 1935)"
    assert data["citationItems"][0]["uris"] == ["http://zotero.org/users/1/items/ITEM0001"]
    assert codes[2].endswith(' CSL_BIBLIOGRAPHY ') and '"bibliofile":{"version":1,"style":"apa","locale":"en-US"}' in codes[2]  # Zotero's language too
    # the first citation keeps the writer's Arial
    assert b'<w:rFonts w:ascii="Arial" w:hAnsi="Arial"/><w:sz w:val="22"/></w:rPr><w:t xml:space="preserve">(Fisher, 1935)' in document_xml(doc)

    report = refresh_document(doc, style="ieee")
    assert report.refreshed == 2
    texts = paragraphs(doc)
    assert texts[1] == "Experiments were shaped by Fisher [1]. Alpha came first [2]. Über alles."
    assert texts[2:] == ["[1] R. A. Fisher, The Design of Experiments. Edinburgh: Oliver and Boyd, 1935.",
                         "[2] M. Lee, “Alpha study,” Science, vol. 1, pp. 1–2, 2008."]
    assert refresh_document(doc).style == "ieee"  # the document's style now


@needs_citeproc
def test_a_corrupt_payload_is_named_and_nothing_is_lost(tmp_path: Path) -> None:
    bad = ' ADDIN ZOTERO_ITEM CSL_CITATION {"citationID":"x","citationItems":[{"id":1,"itemData": '
    doc = write_docx(tmp_path / "bad.docx", "<w:p>" + run("Shaped by Fisher ") + field(bad, run("(Fisher, 1935)")) + "</w:p>")
    before = doc.read_bytes()
    report = refresh_document(doc)
    assert report.refreshed == 0
    assert report.problems == [
        "Zotero citation 1 (word/document.xml line 2 showing “(Fisher, 1935)”): its data is not valid JSON "
        "(Expecting value at character 55); that citation was left as it was"  # 54 characters of JSON, then nothing
    ]
    assert doc.read_bytes() == before
    # beside a good citation: the good one is refreshed, the damaged one kept byte for byte
    good = field(zotero_citation_code("g", [zotero_cite(LEE, 2)], "old"), run("old"))
    doc2 = write_docx(tmp_path / "mixed.docx", "<w:p>" + run("A ") + field(bad, run("(Fisher, 1935)")) + run(" B ") + good + "</w:p>")
    damaged = field(bad, run("(Fisher, 1935)")).encode()
    report = refresh_document(doc2)
    assert report.refreshed == 1 and len(report.problems) == 1
    assert damaged in document_xml(doc2)
    assert paragraphs(doc2)[0].startswith("A (Fisher, 1935) B (Lee, 2008)")
    items, problems = document_items(doc2)
    assert [i["title"] for i in items] == ["Alpha study"] and "not valid JSON" in problems[0]


@needs_citeproc
def test_cite_after_text_then_the_bibliography_is_added(tmp_path: Path) -> None:
    inputs = tmp_path / "refs.json"
    inputs.write_text(json.dumps([{**FISHER, "id": "fisher1935"}, {**LEE, "id": "lee2008"}]), encoding="utf-8")
    bold = "<w:rPr><w:b/></w:rPr>"
    doc = write_docx(tmp_path / "plain.docx", f"<w:p>{run('As argued before, then more.', bold)}</w:p>")
    original = document_xml(doc)
    report = cite_in_docx(doc, "argued before", ["fisher1935", "lee2008"], input_file=inputs)
    assert report.refreshed == 1 and report.bibliography_entries == 2
    texts = paragraphs(doc)
    assert texts[0] == "As argued before (Fisher, 1935; Lee, 2008), then more."
    assert texts[1:] == ["Fisher, R. A. (1935). The Design of Experiments. Oliver and Boyd.",
                         "Lee, M. (2008). Alpha study. Science, 1, 1–2."]
    codes = field_codes(doc)
    assert codes[0].startswith(" ADDIN ZOTERO_ITEM CSL_CITATION ") and codes[1].startswith(" ADDIN ZOTERO_BIBL {")
    data = json.loads(codes[0][len(" ADDIN ZOTERO_ITEM CSL_CITATION ") :])
    assert set(data) == {"citationID", "properties", "citationItems", "schema"}  # Zotero's keys, nothing else
    assert [c["id"] for c in data["citationItems"]] == ["fisher1935", "lee2008"]
    assert data["citationItems"][0]["itemData"]["title"] == "The Design of Experiments"
    # the split run keeps its bold on both sides; nothing else of document.xml moved
    new = document_xml(doc)
    assert new.startswith(original[: original.index(b"<w:p>")])
    assert new.endswith(original[original.index(b"<w:sectPr>") :])
    assert b'<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">, then more.</w:t></w:r>' in new
    with pytest.raises(DocumentError, match="the text “nowhere” is not in the document's paragraphs; nothing was changed"):
        cite_in_docx(doc, "nowhere", ["lee2008"], input_file=inputs)


@needs_citeproc
def test_a_note_style_moves_citations_into_new_footnotes_and_back(tmp_path: Path) -> None:
    """Chicago notes on a document without footnotes.xml: each citation becomes a footnote where
    it stood (the part made, with its content type and relationship); APA takes them back."""
    doc = zotero_document(tmp_path / "z.docx")
    before = members(doc)
    report = refresh_document(doc, style="chicago-notes-bibliography-subsequent-ibid")
    assert report.moved_to_notes == 2 and report.problems == []
    assert paragraphs(doc)[1] == "Experiments were shaped by Fisher. Alpha came first. Über alles."
    assert footnote_texts(doc) == ["Ronald A. Fisher, The Design of Experiments (Oliver and Boyd, 1935).",
                                   "Min Lee, “Alpha Study,” Science 1 (2008): 1–2."]
    xml = document_xml(doc)
    assert xml.count(b"<w:footnoteReference ") == 2 and b"Fisher </w:t>" not in xml  # the space went with it
    with zipfile.ZipFile(doc) as z:
        assert b'<Override PartName="/word/footnotes.xml"' in z.read("[Content_Types].xml")
        assert b'Target="footnotes.xml"' in z.read("word/_rels/document.xml.rels")
        assert z.namelist()[-1] == "word/footnotes.xml"
    # the members the move does not need are as they were
    unchanged = {n: d for n, _, d in before if n not in ("word/document.xml", "[Content_Types].xml", "word/_rels/document.xml.rels")}
    assert {n: d for n, _, d in members(doc) if n in unchanged} == unchanged

    report = refresh_document(doc, style="apa")
    assert report.moved_to_text == 2
    assert paragraphs(doc)[1] == "Experiments were shaped by Fisher (Fisher, 1935). Alpha came first (Lee, 2008). Über alles."
    assert footnote_texts(doc) == []
    assert document_xml(doc).count(b"<w:footnoteReference ") == 0


def test_not_a_word_document(tmp_path: Path) -> None:
    odd = tmp_path / "odd.docx"
    with zipfile.ZipFile(odd, "w") as z:
        z.writestr("content.xml", "<x/>")
    with pytest.raises(DocumentError, match=r"not a Word document \(no word/document\.xml\); nothing was changed"):
        refresh_document(odd)
    (tmp_path / "text.docx").write_text("hello", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"not a Word file \(not a zip"):
        refresh_document(tmp_path / "text.docx")
    broken = write_docx(tmp_path / "broken.docx", "<w:p>")
    with pytest.raises(DocumentError, match=r"word/document\.xml line 2: not well-formed XML"):
        refresh_document(broken)


@needs_citeproc
def test_a_zotero_document_in_a_note_style_is_refreshed_in_its_footnotes(tmp_path: Path) -> None:
    """Zotero leaves a note style's citations in Word footnotes: they are refreshed where they are,
    in the order their references stand in the text (not the order of the notes' ids)."""
    def note(cid: str, item: dict[str, Any], n: int, locator: str = "") -> str:
        cite = {**zotero_cite(item, n), **({"locator": locator, "label": "page"} if locator else {})}
        return field(zotero_citation_code(cid, [cite], "old"), run("old"), pieces=2)

    text = ("<w:p>" + run("First") + footnote_reference(2) + run(" second") + footnote_reference(1)
            + run(" third") + footnote_reference(3) + run(" fourth") + footnote_reference(4) + run(".") + "</w:p>")
    doc = write_docx(tmp_path / "notes.docx", text, zotero_style="chicago-notes-bibliography-subsequent-ibid",
                     footnotes=[note("n1", LEE, 2), note("n2", FISHER, 1), note("n3", FISHER, 1, "12"),
                                note("n4", FISHER, 1, "13")])
    before = members(doc)
    report = refresh_document(doc)
    assert report.style == "chicago-notes-bibliography-subsequent-ibid" and report.refreshed == 4
    assert report.problems == []
    notes = footnote_texts(doc)  # by id: 1 is read second, 2 first
    assert notes[1].startswith("Ronald A. Fisher, The Design of Experiments (Oliver and Boyd, 1935)")  # no place: 18th ed.
    assert notes[0].startswith("Min Lee, “Alpha Study,” Science 1 (2008)")
    assert notes[2].startswith("Fisher, ") and "Oliver" not in notes[2] and notes[2].endswith("12.")  # short form
    assert notes[3] == "Ibid., 13."
    codes = [json.loads(c[len(" ADDIN ZOTERO_ITEM CSL_CITATION ") :]) for c in footnote_codes(doc)]
    assert [c["properties"]["noteIndex"] for c in codes] == [2, 1, 3, 4]  # Word's note numbers
    # the text part is untouched but for the new bibliography at its end; other members as they were
    assert paragraphs(doc)[0] == "First second third fourth."
    assert [d for n, _, d in members(doc) if n not in ("word/document.xml", "word/footnotes.xml")] == [
        d for n, _, d in before if n not in ("word/document.xml", "word/footnotes.xml")
    ]
    # a citation added in the text between two notes becomes note 2: the later notes are renumbered
    cite_in_docx(doc, " second", ["lee"], input_file=_items_file(tmp_path))
    codes = [json.loads(c[len(" ADDIN ZOTERO_ITEM CSL_CITATION ") :]) for c in footnote_codes(doc)]
    assert [c["properties"]["noteIndex"] for c in codes] == [3, 1, 4, 5, 2]  # by id: 1, 2, 3, 4, the new 5
    notes = footnote_texts(doc)
    assert "Alpha Study" in notes[4] and notes[3] == "Ibid., 13."


def _items_file(tmp_path: Path) -> Path:
    path = tmp_path / "items.json"
    path.write_text(json.dumps([FISHER, LEE]), encoding="utf-8")
    return path


def test_a_document_saved_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    """Two refreshes at once, or Word saving during one: the later write finds the file changed
    since it was read and writes nothing."""
    doc = zotero_document(tmp_path / "z.docx")
    read = read_docx(doc)
    saved_by_word = zotero_document(tmp_path / "other.docx", style="ieee").read_bytes()
    doc.write_bytes(saved_by_word)
    with pytest.raises(DocumentError, match="changed while it was being refreshed"):
        write_odt(read, {"word/document.xml": b"<w:document/>"})
    assert doc.read_bytes() == saved_by_word



@needs_citeproc
def test_a_damaged_citation_keeps_its_footnote_and_its_number(tmp_path: Path) -> None:
    bad = ' ADDIN ZOTERO_ITEM CSL_CITATION {"citationID":"x","citationItems":[ '
    good = field(zotero_citation_code("g", [zotero_cite(LEE, 2)], "old"), run("old"))
    doc = write_docx(tmp_path / "n.docx", "<w:p>" + run("One") + footnote_reference(1) + run(" two") + footnote_reference(2) + "</w:p>",
                     footnotes=[field(bad, run("(Fisher 1935)")), run("As shown by ") + good])
    report = refresh_document(doc, style="apa")
    assert report.moved_to_text == 0 and report.refreshed == 1 and "not valid JSON" in report.problems[0]
    assert footnote_texts(doc) == ["(Fisher 1935)", "As shown by (Lee, 2008)"]  # the damaged note stays note 1
    codes = footnote_codes(doc)
    assert codes[0] == bad
    assert json.loads(codes[1][len(" ADDIN ZOTERO_ITEM CSL_CITATION ") :])["properties"]["noteIndex"] == 2
