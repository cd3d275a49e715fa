"""Word (.docx) files for the document tests, written by hand after ECMA-376 and Zotero's field
format, and read back for their text.

ECMA-376 part 2 (packaging): ``[Content_Types].xml`` gives each part's type, ``_rels/.rels``
points at the main part, ``word/_rels/document.xml.rels`` holds its relationships. Part 1
(17.16 fields): a complex field is ``w:fldChar`` begin, ``w:instrText`` runs, ``w:fldChar``
separate, the result runs, ``w:fldChar`` end. Zotero's Word plugin writes a citation's code as
" ADDIN ZOTERO_ITEM CSL_CITATION {json} " and the bibliography's as
" ADDIN ZOTERO_BIBL {json} CSL_BIBLIOGRAPHY " (zotero-word-for-windows-integration,
field.cpp: the prefix " ADDIN ZOTERO_", the code, a space); Word splits long codes over
several ``w:instrText`` runs, which the fixtures below do too.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
ZOTERO_SCHEMA = "https://github.com/citation-style-language/schema/raw/master/csl-citation.json"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/docProps/custom.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" '
    'Target="docProps/custom.xml"/>'
    "</Relationships>"
)
DOCUMENT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
)


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
FOOTNOTES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"


def write_docx(path: Path, body: str, zotero_style: str | None = None, footnotes: list[str] | None = None) -> Path:
    """A .docx whose w:body holds ``body`` (WordprocessingML using the w: prefix) and a final
    section; with ``zotero_style``, Zotero's document preferences in docProps/custom.xml; with
    ``footnotes``, word/footnotes.xml holding them as footnotes 1, 2, … (each the runs of one
    paragraph, after Word's separator notes -1 and 0), which ``footnote_reference(n)`` cites."""
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{W}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>'
    )
    types, document_rels = CONTENT_TYPES, DOCUMENT_RELS
    if footnotes is not None:
        types = types.replace("</Types>", f'<Override PartName="/word/footnotes.xml" ContentType="{FOOTNOTES_TYPE}"/></Types>')
        document_rels = document_rels.replace(
            "></Relationships>", f'><Relationship Id="rId1" Type="{FOOTNOTES_REL}" Target="footnotes.xml"/></Relationships>'
        )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", types, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("_rels/.rels", RELS, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("word/document.xml", document.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("word/_rels/document.xml.rels", document_rels, compress_type=zipfile.ZIP_STORED)
        if footnotes is not None:
            z.writestr("word/footnotes.xml", footnotes_xml(footnotes).encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("docProps/custom.xml", custom_properties(zotero_style), compress_type=zipfile.ZIP_DEFLATED)
    return path


def footnotes_xml(notes: list[str]) -> str:
    separators = (
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
    )
    ref = '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>'
    body = "".join(
        f'<w:footnote w:id="{n}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>{ref}{run(" ")}{note}</w:p></w:footnote>'
        for n, note in enumerate(notes, 1)
    )
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes xmlns:w="{W}">{separators}{body}</w:footnotes>'


def footnote_reference(n: int) -> str:
    return f'<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteReference w:id="{n}"/></w:r>'


def footnote_texts(path: Path) -> list[str]:
    """The text of each footnote (the separators left out)."""
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read("word/footnotes.xml"))
    return [
        "".join(t.text or "" for t in note.iter(f"{{{W}}}t")).strip()
        for note in root.iter(f"{{{W}}}footnote")
        if int(note.get(f"{{{W}}}id", "0")) > 0
    ]


def custom_properties(zotero_style: str | None) -> str:
    """docProps/custom.xml; Zotero's preferences split over ZOTERO_PREF_1 and _2 as Word's
    255-character property limit makes it do (document.cpp, setProperty)."""
    props = ""
    if zotero_style:
        prefs = (
            f'<data data-version="3" zotero-version="6.0.30"><session id="AbCdEfGh"/>'
            f'<style id="http://www.zotero.org/styles/{zotero_style}" locale="en-US" hasBibliography="1" '
            'bibliographyStyleHasBeenSet="1"/><prefs><pref name="fieldType" value="Field"/></prefs></data>'
        )
        halves = [prefs[:100], prefs[100:]]
        props = "".join(
            f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{i + 2}" name="ZOTERO_PREF_{i + 1}">'
            f"<vt:lpwstr>{esc(h)}</vt:lpwstr></property>"
            for i, h in enumerate(halves)
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"{props}</Properties>"
    )


def run(text: str, rpr: str = "") -> str:
    return f'<w:r>{rpr}<w:t xml:space="preserve">{esc(text)}</w:t></w:r>'


def field(code: str, result_runs: str, pieces: int = 3) -> str:
    """A complex field with its code split over ``pieces`` instrText runs, as Word writes long codes."""
    size = max(1, -(-len(code) // pieces))
    instr = "".join(
        f'<w:r><w:instrText xml:space="preserve">{esc(code[i : i + size])}</w:instrText></w:r>'
        for i in range(0, len(code), size)
    )
    return (
        f'<w:r><w:fldChar w:fldCharType="begin"/></w:r>{instr}'
        f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{result_runs}'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def zotero_citation_code(citation_id: str, cites: list[dict[str, Any]], plain: str) -> str:
    data = {
        "citationID": citation_id,
        "properties": {"formattedCitation": plain, "plainCitation": plain, "noteIndex": 0},
        "citationItems": cites,
        "schema": ZOTERO_SCHEMA,
    }
    return " ADDIN ZOTERO_ITEM CSL_CITATION " + json.dumps(data, ensure_ascii=False) + " "


ZOTERO_BIBL_CODE = ' ADDIN ZOTERO_BIBL {"uncited":[],"omitted":[],"custom":[]} CSL_BIBLIOGRAPHY '


def zotero_bibliography(entries: list[str]) -> str:
    """Paragraphs holding Zotero's bibliography field (begin in the first, end in the last)."""
    ppr = '<w:pPr><w:pStyle w:val="Bibliography"/></w:pPr>'
    first = f"<w:p>{ppr}" + field(ZOTERO_BIBL_CODE, run(entries[0]), pieces=1)
    if len(entries) == 1:
        return first + "</w:p>"
    head = first.rsplit('<w:r><w:fldChar w:fldCharType="end"/></w:r>', 1)[0]
    middle = "".join(f"<w:p>{ppr}{run(e)}</w:p>" for e in entries[1:])
    return head + "</w:p>" + middle[: -len("</w:p>")] + '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'


def document_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml")


def paragraphs(path: Path) -> list[str]:
    """Each body paragraph's visible text: w:t outside field codes."""
    root = ET.fromstring(document_xml(path))
    out = []
    for p in root.iter(f"{{{W}}}p"):
        out.append("".join(t.text or "" for t in p.iter(f"{{{W}}}t")))
    return out


def footnote_codes(path: Path) -> list[str]:
    """The field codes in word/footnotes.xml, in the order of the notes there."""
    return field_codes(path, "word/footnotes.xml")


def field_codes(path: Path, part: str = "word/document.xml") -> list[str]:
    """Every complex field's code, instrText runs joined, in document order."""
    codes: list[str] = []
    depth_codes: list[list[str]] = []
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read(part))
    for el in root.iter():
        if el.tag == f"{{{W}}}fldChar":
            kind = el.get(f"{{{W}}}fldCharType")
            if kind == "begin":
                depth_codes.append([])
            elif kind == "end" and depth_codes:
                codes.append("".join(depth_codes.pop()))
        elif el.tag == f"{{{W}}}instrText" and depth_codes:
            depth_codes[-1].append(el.text or "")
    return codes


def italic_texts(path: Path) -> list[str]:
    """Text of the runs set in italics (w:i without w:val="0")."""
    root = ET.fromstring(document_xml(path))
    out = []
    for r in root.iter(f"{{{W}}}r"):
        i = r.find(f"{{{W}}}rPr/{{{W}}}i")
        if i is not None and i.get(f"{{{W}}}val") not in ("0", "false"):
            out.append("".join(t.text or "" for t in r.iter(f"{{{W}}}t")))
    return out


def strip_fields(xml: bytes) -> bytes:
    """document.xml without its Zotero fields' code and result: what a refresh must keep."""
    text = xml.decode("utf-8")
    text = re.sub(r'<w:r>(?:(?!</w:r>).)*?w:fldCharType="begin".*?w:fldCharType="end"/></w:r>', "[FIELD]", text, flags=re.S)
    return text.encode("utf-8")
