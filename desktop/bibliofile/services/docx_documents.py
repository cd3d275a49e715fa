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
footnotes and endnotes are refreshed where they are, in the order of their references in the
text. As in Zotero and in our .odt, a note style puts each citation that stands in the text
into a new footnote there (making word/footnotes.xml, its content type and relationship when
the document has none), and an in-text style takes a citation alone in its footnote back out.
Rendering the citations and everything else that does not depend on the format is shared with
the .odt code in ``services.documents``; what is here is Word's markup and its notes.
"""

from __future__ import annotations

import secrets
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bibliofile.citation.csl_json import CslItem
from bibliofile.formats.docx_fields import (
    CSL_SCHEMA,
    PART,
    Field,
    NotDocumentXml,
    NoteReference,
    Scan,
    bibliography_xml,
    field_edits,
    field_xml,
    footnote_reference_xml,
    footnote_xml,
    footnotes_part,
    html_to_runs,
    insertion_point,
    paragraph_break,
    scan_document,
    split_run_edits,
    with_footnotes_content_type,
    with_footnotes_relationship,
    zotero_preferences,
)
from bibliofile.formats.xml_splice import splice
from bibliofile.services.citing import select_references
from bibliofile.services.documents import (
    DEFAULT_STYLE,
    PLACEHOLDER,
    DocumentError,
    DocumentReport,
    OdtFile,
    _cite_id,
    _embedded,
    bibliography_settings,
    embedded_items,
    is_note_style,
    read_zip,
    render_sites,
    settings_in,
    write_odt,
)
from bibliofile.storage.library import Library

CUSTOM = "docProps/custom.xml"
FOOTNOTES = "word/footnotes.xml"
NOTE_PARTS = (FOOTNOTES, "word/endnotes.xml")
CONTENT_TYPES = "[Content_Types].xml"
DOCUMENT_RELS = "word/_rels/document.xml.rels"


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


@dataclass(slots=True)
class _Order:
    """The citations in reading order, and the ones a refresh moves: into new footnotes (a note
    style, a citation in the text) or out of their footnote into the text (an in-text style, a
    citation alone in its note), with every citation's note number after the moves."""

    fields: list[Field]
    to_notes: set[int] = field(default_factory=set)  # id() of the fields
    to_text: set[int] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def _citations_in_order(scans: dict[str, Scan], note_style: bool | None = None) -> _Order:
    """Every citation field in the order a reader meets them: those in a footnote or endnote
    where the note's reference stands in the text, numbered as Word numbers the notes."""
    body = scans[PART]
    where = {(r.kind, r.note_id): r.offset for r in reversed(body.note_references)}
    keyed: list[tuple[tuple[int, int, int], Field]] = [((f.position, 0, 0), f) for f in body.citations]
    order = _Order([])
    for part in NOTE_PARTS:
        if part not in scans:
            continue
        kind = "footnote" if part == FOOTNOTES else "endnote"
        for f in scans[part].citations:
            at = where.get((kind, f.note_id))
            if at is None:
                order.problems.append(f"{part} line {f.line}: a citation in a {kind} the text does not refer to; left as it was")
                continue
            keyed.append(((at, 1, f.position), f))
    keyed.sort(key=lambda kf: kf[0])
    order.fields = [f for _, f in keyed]
    if note_style:
        order.to_notes = {id(f) for f in body.citations if f.info.data is not None}
    elif note_style is False and FOOTNOTES in scans:
        order.to_text = {
            id(f) for f in scans[FOOTNOTES].citations if f.info.data is not None and _alone_in_note(scans[FOOTNOTES], f)
        }
    gone = {f.note_id for f in order.fields if id(f) in order.to_text}
    events: list[tuple[int, NoteReference | Field]] = [
        (r.offset, r) for r in body.note_references if not (r.kind == "footnote" and r.note_id in gone)
    ]
    events.extend((f.position, f) for f in body.citations if id(f) in order.to_notes)
    events.sort(key=lambda e: e[0])
    counters = {"footnote": 0, "endnote": 0}
    numbers: dict[tuple[str, str], int] = {}
    for _, event in events:
        kind = event.kind if isinstance(event, NoteReference) else "footnote"
        counters[kind] += 1
        if isinstance(event, NoteReference):
            numbers.setdefault((kind, event.note_id), counters[kind])
        else:
            event.note = counters[kind]
    for f in order.fields:
        if f.part != PART:
            kind = "footnote" if f.part == FOOTNOTES else "endnote"
            f.note = 0 if id(f) in order.to_text else numbers.get((kind, f.note_id), 0)
    return order


def _alone_in_note(notes: Scan, f: Field) -> bool:
    """Whether the citation's footnote holds nothing but it (a note Zotero or we made for it),
    so that it can go back into the text without losing the writer's words."""
    note = notes.notes.get(f.note_id)
    if note is None or not note.end or sum(1 for c in notes.citations if c.note_id == f.note_id) != 1:
        return False
    return note.text.strip() == f.text.strip()


def _document_settings(doc: OdtFile, scan: Scan) -> tuple[str | None, str | None]:
    """(style, locale) the document was last refreshed with: what we keep in the bibliography
    field's data, else Zotero's document preferences (docProps/custom.xml)."""
    return settings_in(scan.bibliographies) or zotero_preferences(doc.member(CUSTOM))


# ---- refresh --------------------------------------------------------------------------------
def refresh_docx(
    path: str | Path, library: Library | None = None, style: str | None = None, locale: str | None = None
) -> DocumentReport:
    """Re-render every citation field and the bibliography of a .docx (see the module doc)."""
    doc = read_docx(path)
    parts, scans = _scan(doc)
    new, report = _refreshed(doc, parts, scans, library, style, locale)
    if new:
        _write(doc, new)
    return report


def _write(doc: OdtFile, parts: dict[str, bytes]) -> None:
    """Write the changed parts; a part the file lacks (a first footnotes.xml) is added at the end."""
    for name in parts:
        if doc.member(name) is None:
            info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            doc.members.append((info, b""))
    write_odt(doc, parts)


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
    order = _citations_in_order(scans, is_note_style(style))
    fields = order.fields
    report = DocumentReport(str(doc.path), style, locale)
    for part, part_scan in scans.items():
        report.problems.extend(f"{part} line {line}: {msg}" for line, msg in part_scan.problems)
    report.problems.extend(order.problems)
    done = render_sites(fields, library, style, locale, report, lambda usable: [f.note for f in usable], "field")
    edits: dict[str, list[tuple[int, int, bytes]]] = {part: [] for part in parts}
    notes = _NewNotes(parts, scans)
    for index, html in zip(done.indexes, done.citations, strict=True):
        f = fields[index]
        runs = html_to_runs(html)
        data, props = done.data(index)
        # Zotero compares the field's text with plainCitation to notice hand edits: the same text.
        props["formattedCitation"] = runs.text
        props["plainCitation"] = runs.text
        props["noteIndex"] = f.note
        if id(f) in order.to_notes:  # a note style: the citation goes into a new footnote there
            if f.space_before >= 0 and not any(c.position <= f.space_before < c.span_end for c in scans[PART].fields):
                edits[PART].append((f.space_before, f.space_before + 1, b""))  # the space before it goes too
            edits[PART].append((f.position, f.span_end, notes.add(field_xml("citation", data, runs.runs())).encode("utf-8")))
            report.moved_to_notes += 1
        elif id(f) in order.to_text:  # an in-text style takes a citation alone in its note back out
            ref = next(r for r in scans[PART].note_references if r.kind == "footnote" and r.note_id == f.note_id)
            new = '<w:r><w:t xml:space="preserve"> </w:t></w:r>' + field_xml("citation", data, runs.runs())
            edits[PART].append((ref.run[0], ref.run[1], new.encode("utf-8")))
            note = scans[f.part].notes[f.note_id]
            edits[f.part].append((note.start, note.end, b""))
            report.moved_to_text += 1
        else:
            edits[f.part].extend(field_edits(parts[f.part], f, data, runs.runs(f.run_properties)))
        report.refreshed += 1
    entries = [html_to_runs(e) for e in done.bibliography]
    report.bibliography_entries = len(entries)
    # a bibliography is added only beside a citation that was rendered: a document whose one
    # citation is damaged stays exactly as it was
    edits[PART].extend(_bibliography_edits(parts[PART], scan, style, locale, entries, bool(done.clusters)))
    added = notes.package_parts(doc)  # a first footnotes.xml, its content type and relationship
    if notes.notes and not added:
        edits[FOOTNOTES].append(notes.insertion())
    changed = {part: splice(parts[part], e) for part, e in edits.items() if e}
    changed.update(added)
    return {part: new for part, new in changed.items() if new != parts.get(part)}, report


class _NewNotes:
    """Footnotes a refresh adds (a note style): appended to word/footnotes.xml, which is made,
    with its content type and relationship, when the document has none yet."""

    def __init__(self, parts: dict[str, bytes], scans: dict[str, Scan]) -> None:
        self.parts = parts
        self.scan = scans.get(FOOTNOTES)
        ids = [int(i) for i in (self.scan.notes if self.scan else {}) if i.lstrip("-").isdigit()]
        self.next_id = max([0, *ids]) + 1
        self.notes: list[str] = []

    def add(self, inner: str) -> str:
        """Keep a new footnote holding ``inner``; the reference run that stands for it in the text."""
        note_id = str(self.next_id)
        self.next_id += 1
        self.notes.append(footnote_xml(note_id, inner))
        return footnote_reference_xml(note_id)

    def insertion(self) -> tuple[int, int, bytes]:
        """The new notes, at the end of the document's footnotes.xml."""
        assert self.scan is not None and self.scan.notes_end is not None
        return (self.scan.notes_end, self.scan.notes_end, "".join(self.notes).encode("utf-8"))

    def package_parts(self, doc: OdtFile) -> dict[str, bytes]:
        """When the document has no footnotes.xml (or one without its end tag): the parts that
        give it one."""
        if not self.notes or (self.scan is not None and self.scan.notes_end is not None):
            return {}
        return {
            FOOTNOTES: footnotes_part("".join(self.notes)),
            CONTENT_TYPES: with_footnotes_content_type(doc.member(CONTENT_TYPES) or b""),
            DOCUMENT_RELS: with_footnotes_relationship(doc.member(DOCUMENT_RELS)),
        }


def _bibliography_edits(
    xml: bytes, scan: Scan, style: str, locale: str | None, entries: Sequence[Any], cited: bool
) -> list[tuple[int, int, bytes]]:
    settings = bibliography_settings(style, locale)
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
    _write(doc, {PART: xml} | new)
    return report


# ---- import ---------------------------------------------------------------------------------
def docx_items(path: str | Path) -> tuple[list[CslItem], list[str]]:
    """The distinct items embedded in a .docx's citation fields, and problems."""
    doc = read_docx(path)
    _, scans = _scan(doc)
    order = _citations_in_order(scans)
    fields, problems = order.fields, order.problems
    for part, scan in scans.items():
        problems.extend(f"{part} line {line}: {msg}" for line, msg in scan.problems)
    return embedded_items(fields, problems), problems  # every field is Zotero's: "zotero:" ids


__all__ = ["Field", "cite_in_docx", "docx_items", "read_docx", "refresh_docx"]
