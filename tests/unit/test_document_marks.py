"""Citation marks in content.xml (formats.odt_marks) and a refresh of hand-written .odt files.

No LibreOffice here (test_document_refresh.py runs it): the documents are written after the ODF
spec by tests/odt_documents.py, and what a refresh must keep is checked byte for byte.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from tests.citeproc_skip import needs_citeproc
from tests.odt_documents import (
    body_paragraphs,
    mark_names,
    members,
    reference_mark,
    section_names,
    write_odt,
    zotero_bibliography_name,
    zotero_citation_name,
    zotero_prefs,
)

from bibliofile.formats.odt_marks import (
    NotContentXml,
    insertion_point,
    mark_name,
    parse_mark_name,
    scan_content,
    splice,
)
from bibliofile.services.documents import DocumentError, document_items, refresh_document

FISHER: dict[str, Any] = {"id": "fisher", "type": "book", "title": "The Design of Experiments", "publisher": "Oliver and Boyd",
          "issued": {"date-parts": [[1935]]}, "author": [{"family": "Fisher", "given": "Ronald A."}]}
LEE: dict[str, Any] = {"id": "lee", "type": "article-journal", "title": "Alpha study", "container-title": "Science", "volume": "1",
       "page": "1-2", "issued": {"date-parts": [[2008]]}, "author": [{"family": "Lee", "given": "Min"}]}


def ours(cid: str, *items: dict[str, Any], text: str = "{Citation}") -> str:
    data = {"version": 1, "citationID": cid, "citationItems": [{"id": i["id"], "itemData": i} for i in items],
            "properties": {"plainCitation": text, "noteIndex": 0}}
    return reference_mark("BIBLIOFILE_CITATION " + json.dumps(data), text)


# ---- names ---------------------------------------------------------------------------------
def test_names_of_ours_and_zoteros() -> None:
    o = parse_mark_name('BIBLIOFILE_CITATION {"citationID":"a","citationItems":[]}')
    assert o is not None and (o.vendor, o.kind, o.data) == ("bibliofile", "citation", {"citationID": "a", "citationItems": []})
    z = parse_mark_name('ZOTERO_ITEM CSL_CITATION {"citationID":"b"} RNDa1B2c3D4e5')
    assert z is not None and (z.vendor, z.kind, z.data, z.suffix) == ("zotero", "citation", {"citationID": "b"}, " RNDa1B2c3D4e5")
    zb = parse_mark_name('ZOTERO_BIBL {"uncited":[],"omitted":[],"custom":[]} CSL_BIBLIOGRAPHY RNDxYz0123456')
    assert zb is not None and (zb.kind, zb.data) == ("bibliography", {"uncited": [], "omitted": [], "custom": []})
    # rewriting keeps Zotero's shape, so Zotero still recognises its marks
    assert mark_name(zb, {"uncited": []}) == 'ZOTERO_BIBL {"uncited":[]} CSL_BIBLIOGRAPHY RNDxYz0123456'
    assert parse_mark_name("_Ref123456") is None  # a writer's own cross-reference is left alone


def test_corrupt_json_is_reported_not_raised() -> None:
    bad = parse_mark_name('BIBLIOFILE_CITATION {"citationID": "a", "citationItems": [')
    assert bad is not None and bad.data is None and "not valid JSON" in bad.error
    assert parse_mark_name("BIBLIOFILE_CITATION [1, 2]").error == "its data is not a JSON object"  # type: ignore[union-attr]


# ---- scanning content.xml --------------------------------------------------------------------
def _content(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
        f"{body}</office:text></office:body></office:document-content>"
    ).encode()


def test_marks_in_document_order_with_their_notes_and_text() -> None:
    data = _content(
        f"<text:p>One{ours('a', FISHER, text='(F)')} two"
        f'<text:note text:id="n1" text:note-class="footnote"><text:note-citation>1</text:note-citation>'
        f"<text:note-body><text:p>{ours('b', LEE, text='Lee')}</text:p></text:note-body></text:note></text:p>"
        f"<text:p>{ours('c', FISHER, text='(F2)')}</text:p>"
    )
    scan = scan_content(data)
    assert [(m.info.data or {}).get("citationID") for m in scan.citations] == ["a", "b", "c"]
    assert [m.note for m in scan.citations] == [0, 1, 0]
    assert [m.text for m in scan.citations] == ["(F)", "Lee", "(F2)"]
    assert scan.problems == []
    # the content range is exactly the text between the tags
    a = scan.citations[0]
    assert data[a.content[0] : a.content[1]] == b"(F)"


def test_a_broken_mark_is_named_and_left() -> None:
    name = 'BIBLIOFILE_CITATION {"citationID":"x","citationItems":[{"id":"fisher"}]}'
    spanning = (
        f'<text:p>a<text:reference-mark-start text:name="{name.replace(chr(34), "&quot;")}"/>b</text:p>'
        f'<text:p>c<text:reference-mark-end text:name="{name.replace(chr(34), "&quot;")}"/></text:p>'
    )
    scan = scan_content(_content(spanning))
    assert scan.citations == []
    assert len(scan.problems) == 1 and "different paragraphs" in scan.problems[0][1]
    with pytest.raises(NotContentXml):
        scan_content(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
    with pytest.raises(NotContentXml):
        scan_content(b"<office:document-content><unclosed>")


def test_insertion_after_text_and_splice_keep_the_rest() -> None:
    data = _content("<text:p>Café &amp; bar: as <text:span>argued before</text:span>, then more.</text:p>")
    scan = scan_content(data)
    at = insertion_point(scan, data, "argued before")
    assert at is not None
    new = splice(data, [(at, at, b"[X]")])
    assert new.replace(b"[X]", b"") == data
    assert b"argued before[X]</text:span>" in new
    assert insertion_point(scan, data, "Café &") is None  # ends inside "&amp;": no place to insert
    at = insertion_point(scan, data, "Café & bar")
    assert at is not None and splice(data, [(at, at, b"[Y]")]).count(b"Caf\xc3\xa9 &amp; bar[Y]: as") == 1
    assert insertion_point(scan, data, "not there") is None


# ---- refresh of hand-written documents --------------------------------------------------------
@needs_citeproc
def test_refresh_keeps_every_other_byte_and_member(tmp_path: Path) -> None:
    doc = write_odt(
        tmp_path / "d.odt",
        f"<text:p>Design matters{ours('a', FISHER)} and so does alpha{ours('b', LEE)}.</text:p>"
        '<text:p text:style-name="Keep">Untouched &amp; kept <text:span>as is</text:span>.</text:p>',
    )
    before = members(doc)
    report = refresh_document(doc, None, "apa")
    assert report.refreshed == 2 and report.problems == []
    after = members(doc)
    assert [(n, c) for n, c, _ in after] == [(n, c) for n, c, _ in before]  # names, order, compression
    assert [d for n, _, d in after if n != "content.xml"] == [d for n, _, d in before if n != "content.xml"]
    paragraphs = body_paragraphs(doc)
    assert paragraphs[0] == "Design matters(Fisher, 1935) and so does alpha(Lee, 2008)."
    assert paragraphs[1] == "Untouched & kept as is."
    old = dict((n, d) for n, _, d in before)["content.xml"]
    new = dict((n, d) for n, _, d in after)["content.xml"]
    assert b'<text:p text:style-name="Keep">Untouched &amp; kept <text:span>as is</text:span>.</text:p>' in old
    assert b'<text:p text:style-name="Keep">Untouched &amp; kept <text:span>as is</text:span>.</text:p>' in new
    # italics from the style (APA: journal and volume) as an automatic text style of ours
    assert b'alpha<text:reference-mark-start' in new
    assert b'<text:span text:style-name="BF_italic">Science</text:span>' in new
    assert b'<style:style style:name="BF_italic" style:family="text"><style:text-properties fo:font-style="italic"/>' in new
    assert b'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"' in new  # declared, was not
    # the style is kept in the bibliography section's data, and the entries are there
    [section] = section_names(doc)
    assert json.loads(section.removeprefix("BIBLIOFILE_BIBL ")) == {"version": 1, "style": "apa"}
    assert paragraphs[2:] == [
        "Fisher, R. A. (1935). The Design of Experiments. Oliver and Boyd.",  # CSL keeps a title's case
        "Lee, M. (2008). Alpha study. Science, 1, 1–2.",
    ]
    # a second refresh without --style uses the document's own
    assert refresh_document(doc, None).style == "apa"


@needs_citeproc
def test_corrupt_json_names_the_mark_and_loses_nothing(tmp_path: Path) -> None:
    broken = reference_mark('BIBLIOFILE_CITATION {"citationID": "zz", "citationItems": [{"id": "x"', "(Kept, 1999)")
    doc = write_odt(tmp_path / "c.odt", f"<text:p>First{ours('a', FISHER)}, then{broken}.</text:p>")
    report = refresh_document(doc, None, "apa")
    assert report.refreshed == 1
    [problem] = report.problems
    assert problem.startswith("citation 2 (content.xml line 2 showing “(Kept, 1999)”): its data is not valid JSON")
    assert problem.endswith("that citation was left as it was")
    assert body_paragraphs(doc)[0] == "First(Fisher, 1935), then(Kept, 1999)."
    assert 'BIBLIOFILE_CITATION {"citationID": "zz", "citationItems": [{"id": "x"' in mark_names(doc)


@needs_citeproc
def test_zotero_document_refreshes_in_its_own_style_and_stays_zoteros(tmp_path: Path) -> None:
    c1 = zotero_citation_name("AbC", [{"id": 12, "uris": ["http://zotero.org/users/1/items/ABCD1234"],
                                       "itemData": {**LEE, "id": 12}}], "(Lee 2008)")
    c2 = zotero_citation_name("DeF", [{"id": 7, "uris": ["http://zotero.org/users/1/items/EFGH5678"],
                                       "itemData": {**FISHER, "id": 7}, "locator": "12", "label": "page"}],
                              "(Fisher 1935, 12)")
    bib = zotero_bibliography_name()
    doc = write_odt(
        tmp_path / "z.odt",
        f"<text:p>Zotero cited {reference_mark(c1, '(Lee 2008)')} and {reference_mark(c2, '(Fisher 1935, 12)')}.</text:p>"
        f'<text:section text:name="{bib.replace(chr(34), "&quot;")}"><text:p>Old entries</text:p></text:section>',
        user_defined=zotero_prefs("ieee"),
    )
    report = refresh_document(doc, None)
    assert report.style == "ieee" and report.refreshed == 2 and report.problems == []
    assert body_paragraphs(doc)[0] == "Zotero cited [1] and [2, p. 12]."
    names = mark_names(doc)
    assert all(n.startswith("ZOTERO_ITEM CSL_CITATION {") and n[-14:-10] == " RND" for n in names)
    first = json.loads(names[0][len("ZOTERO_ITEM CSL_CITATION ") : -14])
    assert first["properties"]["plainCitation"] == "[1]"
    assert first["citationItems"][0]["uris"] == ["http://zotero.org/users/1/items/ABCD1234"]
    [section] = section_names(doc)
    assert section.startswith('ZOTERO_BIBL {"uncited":[],"omitted":[],"custom":[],"bibliofile":{"version":1,"style":"ieee"')
    assert section.endswith(bib[-14:])
    items, problems = document_items(doc)
    assert sorted(i["title"] for i in items) == ["Alpha study", "The Design of Experiments"] and problems == []


def test_not_a_document(tmp_path: Path) -> None:
    p = tmp_path / "x.odt"
    p.write_text("plain text", encoding="utf-8")
    with pytest.raises(DocumentError, match="not an OpenDocument file"):
        refresh_document(p, None)
    z = tmp_path / "y.odt"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("other.txt", "x")
    with pytest.raises(DocumentError, match=r"no content\.xml"):
        refresh_document(z, None)
    assert z.read_bytes()  # left as it was


def test_a_document_saved_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    """Two refreshes (or Writer saving) at once: the later writer finds the file changed since
    it read it and writes nothing, rather than putting back an older document."""
    from bibliofile.services.documents import read_odt
    from bibliofile.services.documents import write_odt as write_odt_file

    doc = write_odt(tmp_path / "d.odt", "<text:p>Text.</text:p>")
    mine = read_odt(doc)
    theirs = read_odt(doc)
    write_odt_file(theirs, {"content.xml": (theirs.member("content.xml") or b"").replace(b"Text.", b"Theirs.")})
    saved = doc.read_bytes()
    with pytest.raises(DocumentError, match="changed while it was being refreshed"):
        write_odt_file(mine, {"content.xml": b"<mine/>"})
    assert doc.read_bytes() == saved
    assert [p.name for p in tmp_path.iterdir()] == ["d.odt"]  # no temporary file left behind


@needs_citeproc
def test_import_a_zotero_documents_items_once(tmp_path: Path, library: Any) -> None:
    from bibliofile.services.documents import import_document

    c1 = zotero_citation_name("A", [{"id": 3, "uris": ["http://zotero.org/users/1/items/AAAA1111"],
                                     "itemData": {**LEE, "id": 3, "DOI": "10.1000/alpha"}}], "(Lee 2008)")
    c2 = zotero_citation_name("B", [{"id": 3, "uris": ["http://zotero.org/users/1/items/AAAA1111"],
                                     "itemData": {**LEE, "id": 3, "DOI": "10.1000/alpha"}},
                                    {"id": 4, "uris": ["http://zotero.org/users/1/items/BBBB2222"],
                                     "itemData": {**FISHER, "id": 4}}], "(Lee 2008; Fisher 1935)")
    broken = reference_mark('ZOTERO_ITEM CSL_CITATION {"citationID": RNDabcdefghij', "(?)")
    doc = write_odt(tmp_path / "z.odt", f"<text:p>{reference_mark(c1, '(Lee 2008)')} {reference_mark(c2, 'x')}"
                                        f"{broken}</text:p>")
    first = import_document(doc, library)
    assert len(first.imported) == 2 and first.already == 0
    assert any("Zotero citation 3" in p and "its references were not read" in p for p in first.problems)
    titles = sorted(r.title for r in library.get_many(first.imported))
    assert titles == ["Alpha study", "The Design of Experiments"]
    second = import_document(doc, library)
    assert second.imported == [] and second.already == 2
