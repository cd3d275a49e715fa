"""Live citations in Word (.docx) files, without Word: refresh, cite, import.

The same guarantees as for .odt (``services.documents``, ADR 16), over Zotero's Word field
codes (``formats.docx_fields``): each citation field embeds its items' CSL-JSON, a refresh
takes each item from the library when it holds it and from the embedded data otherwise,
renders all clusters at once with citeproc-js in document order, and writes the new texts and
codes back. Our citations are written in exactly Zotero's format (``ADDIN ZOTERO_ITEM
CSL_CITATION``), so a document can go back and forth between Bibliofile and Zotero.

Only word/document.xml and the notes parts (word/footnotes.xml, endnotes.xml) are rewritten, by
byte ranges; every other member of the zip keeps its bytes, name, order and compression, and
the file is replaced atomically, never over a file someone saved meanwhile. Citations in
footnotes are refreshed where they are (Zotero's documents in a note style), but a citation in
the text is not moved into a new footnote: a note style is refused then, before anything is
changed.
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


def _scan(doc: OdtFile, data: bytes | None = None) -> tuple[dict[str, bytes], dict[str, Scan]]:
    """document.xml (or ``data`` in its place) and the notes parts the file has, scanned."""
    parts = {PART: (doc.member(PART) or b"") if data is None else data}
    for part in NOTE_PARTS:
        notes = doc.member(part)
        if notes is not None:
            parts[part] = notes
    scans: dict[str, Scan] = {}
    for part, xml in parts.items():
        try:
            scans[part] = scan_document(xml, part)
        except NotDocumentXml as exc:
            if data is not None and part == PART:  # our own insert broke it: a bug, never written
                raise RuntimeError(f"{doc.path}: inserting the citation made {PART} unreadable: {exc}") from exc
            raise DocumentError(f"{doc.path}: {part} {exc}; nothing was changed") from exc
    return parts, scans


def _citations_in_order(scans: dict[str, Scan]) -> tuple[list[Field], list[str]]:
    """Every citation field in the order a reader meets them: those in a footnote or endnote
    where the note's reference stands in the text, numbered as Word numbers the notes."""
    body = scans[PART]
    where: dict[tuple[str, str], tuple[int, int]] = {}
    counters = {"footnote": 0, "endnote": 0}
    for kind, note_id, offset in body.note_references:
        counters[kind] += 1
        where.setdefault((kind, note_id), (offset, counters[kind]))
    keyed: list[tuple[tuple[int, int, int], Field]] = [((f.position, 0, 0), f) for f in body.citations]
    problems: list[str] = []
    for part in NOTE_PARTS:
        if part not in scans:
            continue
        kind = "footnote" if part.endswith("footnotes.xml") else "endnote"
        for f in scans[part].citations:
            at = where.get((kind, f.note_id))
            if at is None:
                problems.append(f"{part} line {f.line}: a citation in a {kind} the text does not refer to; left as it was")
                continue
            f.note = at[1]
            keyed.append(((at[0], 1, f.position), f))
    keyed.sort(key=lambda kf: kf[0])
    return [f for _, f in keyed], problems


def _document_settings(doc: OdtFile, scan: Scan) -> tuple[str | None, str | None]:
    """(style, locale) the document was last refreshed with: what we keep in the bibliography
    field's data, else Zotero's document preferences (docProps/custom.xml)."""
    for f in scan.bibliographies:
        ours = (f.info.data or {}).get("bibliofile")
        if isinstance(ours, dict) and isinstance(ours.get("style"), str) and ours["style"]:
            locale = ours.get("locale")
            return ours["style"], locale if isinstance(locale, str) and locale else None
    return zotero_preferences(doc.member(CUSTOM))


def _refuse_note_style(doc: OdtFile, style: str, in_text: int) -> None:
    """A note style needs each citation in a footnote; citations already in footnotes (as Zotero
    leaves them) are refreshed, but new footnotes are not written in .docx yet."""
    if in_text and is_note_style(style):
        raise DocumentError(
            f"{doc.path}: {style} puts citations in footnotes, and Bibliofile does not move "
            f"citations into footnotes in .docx files yet ({in_text} in the text; an author-date or "
            "numeric style works); nothing was changed"
        )


# ---- refresh --------------------------------------------------------------------------------
def refresh_docx(
    path: str | Path, library: Library | None = None, style: str | None = None, locale: str | None = None
) -> DocumentReport:
    """Re-render every citation field and the bibliography of a .docx (see the module doc)."""
    doc = read_docx(path)
    parts, scans = _scan(doc)
    new, report = _refreshed(doc, parts, scans, library, style, locale)
    if new:
        write_odt(doc, new)
    return report


def _refreshed(
    doc: OdtFile,
    parts: dict[str, bytes],
    scans: dict[str, Scan],
    library: Library | None,
    style: str | None,
    locale: str | None,
) -> tuple[dict[str, bytes], DocumentReport]:
    """The parts a refresh changes, with their new bytes, and what it did."""
    scan = scans[PART]
    doc_style, doc_locale = _document_settings(doc, scan)
    style = style or doc_style or DEFAULT_STYLE
    locale = locale or doc_locale
    fields, order_problems = _citations_in_order(scans)
    _refuse_note_style(doc, style, sum(1 for f in fields if not f.note))
    report = DocumentReport(str(doc.path), style, locale)
    for part, part_scan in scans.items():
        report.problems.extend(f"{part} line {line}: {msg}" for line, msg in part_scan.problems)
    report.problems.extend(order_problems)
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
        clusters.append(Cluster(cluster_cites, str(data.get("citationID") or f"field-{index + 1}"), fields[index].note))
        cluster_fields.append(index)
    rendered = render(list(items.values()), ClusterInput(clusters), style, locale, "html")
    report.problems.extend(rendered.problems)
    edits: dict[str, list[tuple[int, int, bytes]]] = {part: [] for part in parts}
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
        props["noteIndex"] = f.note
        data["properties"] = props
        edits[f.part].extend(field_edits(parts[f.part], f, data, runs.runs(f.run_properties)))
        report.refreshed += 1
    entries = [html_to_runs(e) for e in rendered.result.bibliography.entries]
    report.bibliography_entries = len(entries)
    # a bibliography is added only beside a citation that was rendered: a document whose one
    # citation is damaged stays exactly as it was
    edits[PART].extend(_bibliography_edits(parts[PART], scan, style, locale, entries, bool(clusters)))
    changed = {part: splice(parts[part], e) for part, e in edits.items() if e}
    return {part: new for part, new in changed.items() if new != parts[part]}, report


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
    parts, scans = _scan(doc)
    xml, scan = parts[PART], scans[PART]
    doc_style, _ = _document_settings(doc, scan)
    _refuse_note_style(doc, style or doc_style or DEFAULT_STYLE, 1)
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
    parts, scans = _scan(doc, xml)
    new, report = _refreshed(doc, parts, scans, library, style, locale)
    write_odt(doc, {PART: xml} | new)
    return report


# ---- import ---------------------------------------------------------------------------------
def docx_items(path: str | Path) -> tuple[list[CslItem], list[str]]:
    """The distinct items embedded in a .docx's citation fields, and problems."""
    doc = read_docx(path)
    _, scans = _scan(doc)
    fields, problems = _citations_in_order(scans)
    for part, scan in scans.items():
        problems.extend(f"{part} line {line}: {msg}" for line, msg in scan.problems)
    seen: dict[str, CslItem] = {}
    for n, f in enumerate(fields, 1):
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
