"""Live citations in Word (.docx) files, without Word: refresh, cite, import.

The same guarantees as for .odt (``services.documents``, ADR 16), over Zotero's Word field
codes (``formats.docx_fields``): each citation field embeds its items' CSL-JSON, a refresh
takes each item from the library when it holds it and from the embedded data otherwise,
renders all clusters at once with citeproc-js in document order, and writes the new texts and
codes back. Our citations are written in exactly Zotero's format (``ADDIN ZOTERO_ITEM
CSL_CITATION``), so a document can go back and forth between Bibliofile and Zotero.

Only word/document.xml is rewritten (by byte ranges); every other member of the zip keeps its
bytes, name, order and compression, and the file is replaced atomically, never over a file
someone saved meanwhile. Footnotes are not written here: citations in word/footnotes.xml are
named as left alone, and a note style is refused before anything is changed.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bibliofile.citation.csl_json import CslItem
from bibliofile.citation.engine import Cluster
from bibliofile.formats.docx_fields import (
    CSL_SCHEMA,
    PART,
    Field,
    NotDocumentXml,
    Scan,
    bibliography_xml,
    field_edits,
    field_xml,
    html_to_runs,
    insertion_point,
    paragraph_break,
    scan_document,
    split_run_edits,
    zotero_preferences,
)
from bibliofile.formats.odt_marks import splice
from bibliofile.services.citation_clusters import ClusterInput, cite_from_json, render
from bibliofile.services.citing import select_references
from bibliofile.services.documents import (
    DEFAULT_STYLE,
    MARK_VERSION,
    PLACEHOLDER,
    DocumentError,
    DocumentReport,
    OdtFile,
    _Cite,
    _cite_id,
    _embedded,
    _items_for,
    _shown,
    _with_id,
    is_note_style,
    read_zip,
    write_odt,
)
from bibliofile.storage.library import Library

CUSTOM = "docProps/custom.xml"
NOTE_PARTS = ("word/footnotes.xml", "word/endnotes.xml")


def read_docx(path: str | Path) -> OdtFile:
    doc = read_zip(path, "a Word")
    if doc.member(PART) is None:
        raise DocumentError(f"{doc.path}: not a Word document (no {PART}); nothing was changed")
    return doc


def _scan(doc: OdtFile, data: bytes | None = None) -> tuple[bytes, Scan]:
    xml = (doc.member(PART) or b"") if data is None else data
    try:
        return xml, scan_document(xml)
    except NotDocumentXml as exc:
        if data is not None:  # our own insert broke it: a bug, never written
            raise RuntimeError(f"{doc.path}: inserting the citation made {PART} unreadable: {exc}") from exc
        raise DocumentError(f"{doc.path}: {PART} {exc}; nothing was changed") from exc


def _document_settings(doc: OdtFile, scan: Scan) -> tuple[str | None, str | None]:
    """(style, locale) the document was last refreshed with: what we keep in the bibliography
    field's data, else Zotero's document preferences (docProps/custom.xml)."""
    for f in scan.bibliographies:
        ours = (f.info.data or {}).get("bibliofile")
        if isinstance(ours, dict) and isinstance(ours.get("style"), str) and ours["style"]:
            locale = ours.get("locale")
            return ours["style"], locale if isinstance(locale, str) and locale else None
    return zotero_preferences(doc.member(CUSTOM))


def _refuse_note_style(doc: OdtFile, style: str) -> None:
    if is_note_style(style):
        raise DocumentError(
            f"{doc.path}: {style} puts citations in footnotes, which Bibliofile does not write in "
            ".docx files yet (an author-date or numeric style works); nothing was changed"
        )


# ---- refresh --------------------------------------------------------------------------------
def refresh_docx(
    path: str | Path, library: Library | None = None, style: str | None = None, locale: str | None = None
) -> DocumentReport:
    """Re-render every citation field and the bibliography of a .docx (see the module doc)."""
    doc = read_docx(path)
    xml, scan = _scan(doc)
    new, report = _refreshed(doc, xml, scan, library, style, locale)
    if new != xml:
        write_odt(doc, {PART: new})
    return report


def _refreshed(
    doc: OdtFile, xml: bytes, scan: Scan, library: Library | None, style: str | None, locale: str | None
) -> tuple[bytes, DocumentReport]:
    doc_style, doc_locale = _document_settings(doc, scan)
    style = style or doc_style or DEFAULT_STYLE
    locale = locale or doc_locale
    _refuse_note_style(doc, style)
    report = DocumentReport(str(doc.path), style, locale)
    report.problems.extend(f"{PART} line {line}: {msg}" for line, msg in scan.problems)
    for part in NOTE_PARTS:
        found = (doc.member(part) or b"").count(b"ZOTERO_ITEM")
        if found:
            report.problems.append(f"{part}: {found} citation(s) in notes are not refreshed in .docx files; left as they were")
    fields = scan.citations
    report.citations = len(fields)
    usable: list[int] = []
    cites: list[_Cite] = []
    for n, f in enumerate(fields, 1):
        if f.info.data is None:
            report.problems.append(f"{_shown(n, f)}: {f.info.error}; that citation was left as it was")
            continue
        raw_items = f.info.data.get("citationItems")
        if not isinstance(raw_items, list) or not raw_items:
            report.problems.append(f"{_shown(n, f)}: its data has no citationItems; that citation was left as it was")
            continue
        found_cites = [(i, raw, cite_from_json(raw)) for i, raw in enumerate(raw_items)]
        ok = [_Cite(n - 1, i, raw, c) for i, raw, c in found_cites if c is not None and isinstance(raw, dict)]
        if len(ok) != len(raw_items):
            report.problems.append(f"{_shown(n, f)}: a cite in its data has no id; that citation was left as it was")
            continue
        usable.append(n - 1)
        cites.extend(ok)
    items, ids = _items_for(cites, fields, library, report)
    clusters: list[Cluster] = []
    cluster_fields: list[int] = []
    for index in usable:
        mine = [c for c in cites if c.mark == index]
        if any(ids.get((c.mark, c.position)) is None for c in mine):
            continue  # named in problems by _items_for
        data = fields[index].info.data or {}
        cluster_cites = tuple(_with_id(c.cite, ids[(c.mark, c.position)]) for c in mine)
        clusters.append(Cluster(cluster_cites, str(data.get("citationID") or f"field-{index + 1}"), 0))
        cluster_fields.append(index)
    rendered = render(list(items.values()), ClusterInput(clusters), style, locale, "html")
    report.problems.extend(rendered.problems)
    edits: list[tuple[int, int, bytes]] = []
    for index, html in zip(cluster_fields, rendered.result.citations, strict=True):
        f = fields[index]
        runs = html_to_runs(html)
        data = dict(f.info.data or {})
        new_items = []
        for c in (c for c in cites if c.mark == index):
            raw = dict(c.raw)
            item = dict(items[ids[(c.mark, c.position)]])
            item["id"] = raw.get("id")
            raw["itemData"] = item
            new_items.append(raw)
        data["citationItems"] = new_items
        props = dict(data.get("properties") or {}) if isinstance(data.get("properties"), dict) else {}
        # Zotero compares the field's text with plainCitation to notice hand edits: the same text.
        props["formattedCitation"] = runs.text
        props["plainCitation"] = runs.text
        props["noteIndex"] = 0
        data["properties"] = props
        edits.extend(field_edits(xml, f, data, runs.runs(f.run_properties)))
        report.refreshed += 1
    entries = [html_to_runs(e) for e in rendered.result.bibliography.entries]
    report.bibliography_entries = len(entries)
    # a bibliography is added only beside a citation that was rendered: a document whose one
    # citation is damaged stays exactly as it was
    edits.extend(_bibliography_edits(xml, scan, style, locale, entries, bool(clusters)))
    return splice(xml, edits), report


def _bibliography_edits(
    xml: bytes, scan: Scan, style: str, locale: str | None, entries: Sequence[Any], cited: bool
) -> list[tuple[int, int, bytes]]:
    settings: dict[str, Any] = {"version": MARK_VERSION, "style": style}
    if locale:
        settings["locale"] = locale
    edits: list[tuple[int, int, bytes]] = []
    bibliographies = [b for b in scan.bibliographies if b.info.data is not None]
    for f in bibliographies:
        data = dict(f.info.data or {})
        data["bibliofile"] = settings  # Zotero reads only its own keys (uncited, omitted, custom)
        runs = [e.runs(f.run_properties) for e in entries]
        edits.extend(field_edits(xml, f, data, paragraph_break(f.paragraph_properties).join(runs)))
    if not bibliographies and cited and scan.body_end is not None:
        data = {"uncited": [], "omitted": [], "custom": [], "bibliofile": settings}
        new = bibliography_xml(data, [e.runs() for e in entries])
        edits.append((scan.body_end, scan.body_end, new.encode("utf-8")))
    return edits


# ---- cite -----------------------------------------------------------------------------------
def cite_in_docx(
    path: str | Path,
    after: str,
    keys: Sequence[str],
    library: Library | None = None,
    input_file: str | Path | None = None,
    style: str | None = None,
    locale: str | None = None,
) -> DocumentReport:
    """Insert one citation field of ``keys`` just after the first ``after`` in the text (outside
    other citations), in Zotero's format, then refresh the document."""
    refs = select_references(library, input_file, None, keys)
    doc = read_docx(path)
    xml, scan = _scan(doc)
    doc_style, _ = _document_settings(doc, scan)
    _refuse_note_style(doc, style or doc_style or DEFAULT_STYLE)
    found = insertion_point(scan, xml, after)
    if found is None:
        raise DocumentError(f"{doc.path}: the text “{after}” is not in the document's paragraphs; nothing was changed")
    at, chunk = found
    data = {
        "citationID": secrets.token_hex(6),
        "properties": {"formattedCitation": PLACEHOLDER, "plainCitation": PLACEHOLDER, "noteIndex": 0},
        "citationItems": [{"id": _cite_id(r, n), "itemData": _embedded(r, n)} for n, r in enumerate(refs, 1)],
        "schema": CSL_SCHEMA,
    }
    rpr = chunk.run_properties.decode("utf-8")
    placeholder = f'<w:r>{rpr}<w:t xml:space="preserve">{PLACEHOLDER}</w:t></w:r>'
    xml = splice(xml, split_run_edits(xml, at, chunk, field_xml("citation", data, placeholder, rpr)))
    xml, scan = _scan(doc, xml)
    new, report = _refreshed(doc, xml, scan, library, style, locale)
    write_odt(doc, {PART: new})
    return report


# ---- import ---------------------------------------------------------------------------------
def docx_items(path: str | Path) -> tuple[list[CslItem], list[str]]:
    """The distinct items embedded in a .docx's citation fields, and problems."""
    doc = read_docx(path)
    _, scan = _scan(doc)
    problems = [f"{PART} line {line}: {msg}" for line, msg in scan.problems]
    seen: dict[str, CslItem] = {}
    for n, f in enumerate(scan.citations, 1):
        if f.info.data is None:
            problems.append(f"{_shown(n, f)}: {f.info.error}; its references were not read")
            continue
        raw_items = f.info.data.get("citationItems")
        for raw in raw_items if isinstance(raw_items, list) else []:
            if not isinstance(raw, dict) or not isinstance(raw.get("itemData"), dict):
                continue
            uris = raw.get("uris") if isinstance(raw.get("uris"), list) else []
            seen.setdefault(f"zotero:{uris[0] if uris else raw.get('id')}", dict(raw["itemData"]))
    return list(seen.values()), problems


__all__ = ["Field", "cite_in_docx", "docx_items", "read_docx", "refresh_docx"]
