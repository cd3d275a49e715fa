"""Citation fields in a Word document's word/document.xml: find them, and splice new text in.

Zotero's Word plugins keep a citation as a complex field: a run with ``w:fldChar`` *begin*,
runs of ``w:instrText`` that together read `` ADDIN ZOTERO_ITEM CSL_CITATION {json} `` (Word
splits a long code over several runs, so they are joined), a run with ``w:fldChar``
*separate*, the runs of the citation's text, and a run with ``w:fldChar`` *end*. The
bibliography is the same with `` ADDIN ZOTERO_BIBL {json} CSL_BIBLIOGRAPHY `` and a result of
several paragraphs. (Format from Zotero's Word integration: ``FIELD_PREFIXES`` and ``setCode``
in build/zoteroWinWordIntegration/field.cpp of zotero/zotero-word-for-windows-integration, where
the code is written as the prefix " ADDIN ZOTERO_", the code and a space, and read back with
a trailing space ignored; document preferences in the custom properties ZOTERO_PREF_1, _2, …
as in getDocumentData of document.cpp. No code of theirs is used here.) Our own citations in a
.docx are written in exactly that format, so that Zotero users can switch both ways; see
docs/document-marks.md.

As for .odt (``formats.odt_marks``, ADR 16), the file is read with expat for the byte offset
of every run, and changed by replacing byte ranges (a field's instruction text, its result
runs): everything else in document.xml stays byte for byte as Word wrote it. The scanning
and splicing the two formats share is ``formats.xml_splice``. Pure functions over bytes; problems are collected with the line of document.xml they are on, never raised.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from bibliofile.formats.odt_marks import Kind, MarkName, mark_with_json
from bibliofile.formats.xml_splice import (
    SEP,
    OffsetScanner,
    escape_attr,
    escape_text,
    tag_end,
    text_end,
)
from bibliofile.formats.xml_splice import Chunk as _Chunk
from bibliofile.formats.xml_splice import NoteSpan as Note
from bibliofile.formats.xml_splice import Paragraph as _Paragraph
from bibliofile.formats.zotero_preferences import zotero_preferences as _zotero_preferences

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PART = "word/document.xml"

FIELD_PREFIX = "ADDIN ZOTERO_"
CITATION_CODE = "ITEM CSL_CITATION "
BIBLIOGRAPHY_CODE = "BIBL "
BIBLIOGRAPHY_TAIL = " CSL_BIBLIOGRAPHY"
CSL_SCHEMA = "https://github.com/citation-style-language/schema/raw/master/csl-citation.json"


def parse_field_code(instruction: str) -> MarkName | None:
    """The citation or bibliography an instruction describes, or None for any other field
    (a page number, a table of contents, another program's citation)."""
    code = instruction.strip()
    if not code.startswith(FIELD_PREFIX):
        return None
    code = code[len(FIELD_PREFIX) :]
    if code.startswith(CITATION_CODE):
        return mark_with_json("zotero", "citation", code[len(CITATION_CODE) :])
    if code.startswith(BIBLIOGRAPHY_CODE):
        body = code[len(BIBLIOGRAPHY_CODE) :]
        if body.endswith(BIBLIOGRAPHY_TAIL):
            body = body[: -len(BIBLIOGRAPHY_TAIL)]
        return mark_with_json("zotero", "bibliography", body)
    return None


def field_code(kind: Kind, data: dict[str, Any]) -> str:
    """The instruction text of a field holding ``data``, as Zotero writes it (leading and
    trailing space included)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if kind == "citation":
        return f" {FIELD_PREFIX}{CITATION_CODE}{body} "
    return f" {FIELD_PREFIX}{BIBLIOGRAPHY_CODE}{body}{BIBLIOGRAPHY_TAIL} "


# ---- scanning --------------------------------------------------------------------------------
@dataclass(slots=True)
class Field:
    """One citation or bibliography field, with the byte ranges a rewrite replaces.

    ``instr_elements`` are the ``w:instrText`` elements whose joined text is the code;
    ``result`` is the range from the end of the *separate* run to the start of the *end* run
    (the runs, or for a bibliography the paragraphs, a reader sees).
    """

    info: MarkName
    line: int
    instr_elements: list[tuple[int, int]] = field(default_factory=list)
    result: tuple[int, int] = (0, 0)
    text: str = ""
    run_properties: bytes = b""  # the first result run's w:rPr, kept for the new runs
    paragraph_properties: bytes = b""  # the w:pPr of the paragraph the result starts in
    note: int = 0  # the number of the footnote or endnote it is in (set by the refresh), 0 in the text
    part: str = PART
    note_id: str = ""  # in word/footnotes.xml or endnotes.xml: the w:id of its w:footnote/w:endnote
    position: int = 0  # where its begin run starts in its part
    span_end: int = 0  # where its end run ends: (position, span_end) is the whole field
    space_before: int = -1  # the byte of a space just before it in the text (it goes with a move into a note)


@dataclass(slots=True)
class Chunk(_Chunk):
    """A ``w:t``'s character data: where it starts in the paragraph's text and in the file, and
    the run it is in (for splitting that run when a citation goes after it)."""

    t_tag: tuple[int, int]
    run_properties: bytes


Paragraph = _Paragraph[Chunk]  # its in_citation: char ranges inside citation fields


@dataclass(slots=True)
class NoteReference:
    """A ``w:footnoteReference`` or ``w:endnoteReference`` in the text, and the run holding it."""

    kind: str  # "footnote" or "endnote"
    note_id: str
    offset: int
    run: tuple[int, int] = (0, 0)


@dataclass(slots=True)
class Scan:
    """Everything a refresh or an insert needs from document.xml."""

    fields: list[Field] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, message)
    body_end: int | None = None  # where a new bibliography goes: before the body's sectPr or </w:body>
    note_references: list[NoteReference] = field(default_factory=list)  # in document order
    notes: dict[str, Note] = field(default_factory=dict)  # a notes part's w:footnote/w:endnote by w:id
    notes_end: int | None = None  # where ``</w:footnotes>`` starts: a new footnote goes there

    @property
    def citations(self) -> list[Field]:
        return [f for f in self.fields if f.info.kind == "citation"]

    @property
    def bibliographies(self) -> list[Field]:
        return [f for f in self.fields if f.info.kind == "bibliography"]


class NotDocumentXml(ValueError):
    """document.xml is not well-formed XML (or has a DTD, which a Word document never has)."""


@dataclass(slots=True)
class _Run:
    start: int
    parent: int  # serial of the element holding the run
    paragraph: int  # serial of the paragraph it is in (0: none)
    rpr: tuple[int, int] | None = None
    fld: str = ""
    has_text: bool = False
    note_reference: NoteReference | None = None


@dataclass(slots=True)
class _Open:
    """A complex field between its begin and its end."""

    line: int
    begin_at: int
    space_before: int = -1
    instr: list[str] = field(default_factory=list)
    instr_elements: list[tuple[int, int]] = field(default_factory=list)
    separated: bool = False
    separate_end: int = 0
    separate_parent: int = 0
    separate_paragraph: int = 0
    separate_paragraph_parent: int = 0
    separate_ppr: bytes = b""
    char_start: int = -1  # where the result starts in the paragraph's text (-1: not in one)
    text: list[str] = field(default_factory=list)
    rpr: bytes | None = None
    odd: str = ""


def scan_document(data: bytes, part: str = PART) -> Scan:
    """Fields in document order, paragraphs' text with byte offsets, and what looked wrong, of
    word/document.xml or of the notes part ``part`` (word/footnotes.xml, word/endnotes.xml)."""
    scanner = _Scanner(data, part)
    scanner.run()
    return scanner.scan


class _Scanner(OffsetScanner):
    not_xml = NotDocumentXml
    dtd_message = "declares a DTD, which a Word document never has"
    entity_message = "declares entities, which a Word document never has"

    def __init__(self, data: bytes, part: str) -> None:
        super().__init__(data)
        self.part = part
        self.note_id = ""
        self.scan = Scan()
        self.stack: list[tuple[str, int]] = []  # (local name in w:, or "" for others; serial)
        self.serial = 0
        self.cur: _Run | None = None
        self.paragraphs: list[tuple[Paragraph, int, int, int]] = []  # (paragraph, serial, parent, pPr start)
        self.ppr: dict[int, tuple[int, int]] = {}  # paragraph serial -> its w:pPr range
        self.fields: list[_Open] = []
        self.instr_start = -1
        self.t_tag: tuple[int, int] | None = None

    def run(self) -> None:
        self.parse()
        for f in self.fields:
            info = parse_field_code("".join(f.instr))
            if info is not None:
                self.scan.problems.append((f.line, f"{_shown(info)} has a begin and no end; left as it was"))

    def _paragraph_serial(self) -> int:
        return self.paragraphs[-1][1] if self.paragraphs else 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.serial += 1
        parent = self.stack[-1][1] if self.stack else 0
        ns, _, local = name.rpartition(SEP)
        self.stack.append((local if ns == W_NS else "", self.serial))
        if ns != W_NS:
            return
        if local == "p":
            para = Paragraph()
            self.scan.paragraphs.append(para)
            self.paragraphs.append((para, self.serial, parent, -1))
        elif local == "pPr" and self.paragraphs and parent == self.paragraphs[-1][1]:
            self.ppr[parent] = (self.p.CurrentByteIndex, 0)
        elif local == "r":
            self.cur = _Run(self.p.CurrentByteIndex, parent, self._paragraph_serial())
        elif local == "rPr" and self.cur is not None and len(self.stack) >= 2 and self.stack[-2][0] == "r":
            self.cur.rpr = (self.p.CurrentByteIndex, 0)
        elif local == "fldChar" and self.cur is not None:
            kind = attrs.get(W_NS + SEP + "fldCharType", "")
            if self.cur.fld or self.cur.has_text:
                self.cur.has_text = True  # two field characters in one run: not the usual shape
            self.cur.fld = kind
            if kind == "begin":
                self.fields.append(_Open(self.p.CurrentLineNumber, self.cur.start, self._space_before()))
        elif local == "instrText" and self.fields and not self.fields[-1].separated:
            self.instr_start = self.p.CurrentByteIndex
        elif local == "t" and self.cur is not None:
            self.cur.has_text = True
            self.t_tag = self.tag_range()
        elif local in ("tab", "br", "cr", "noBreakHyphen") and self.cur is not None:
            self._virtual({"tab": "\t", "noBreakHyphen": "\u2011"}.get(local, "\n"))
        elif local in ("footnote", "endnote") and self._parent_is(local + "s"):
            self.note_id = attrs.get(W_NS + SEP + "id", "")
            self.scan.notes[self.note_id] = Note(self.p.CurrentByteIndex)
        elif local in ("footnoteReference", "endnoteReference") and self.cur is not None:
            kind = local[: -len("Reference")]
            self.scan.note_references.append(NoteReference(kind, attrs.get(W_NS + SEP + "id", ""), self.p.CurrentByteIndex))
            self.cur.note_reference = self.scan.note_references[-1]
        elif local == "sectPr" and parent and self._parent_is("body"):
            self.scan.body_end = self.p.CurrentByteIndex

    def _space_before(self) -> int:
        """The byte offset of a space that ends the paragraph's text so far, written as is."""
        if not self.paragraphs:
            return -1
        para = self.paragraphs[-1][0]
        if not para.text.endswith(" ") or not para.chunks:
            return -1
        last = para.chunks[-1]
        raw = last.text.encode("utf-8")
        if last.char_start + len(last.text) != len(para.text) or self.data[last.byte_start : last.byte_start + len(raw)] != raw:
            return -1
        return last.byte_start + len(raw) - 1

    def _parent_is(self, local: str) -> bool:
        return len(self.stack) >= 2 and self.stack[-2][0] == local

    def _virtual(self, text: str) -> None:
        """A tab or line break written as an element: part of the text, no bytes to insert at."""
        if self.cur is not None:
            self.cur.has_text = True
        self._add_text(text)

    def _add_text(self, text: str) -> None:
        if self.paragraphs:
            self.paragraphs[-1][0].text += text
        for f in self.fields:
            if f.separated:
                f.text.append(text)

    def end(self, name: str) -> None:
        local, serial = self.stack.pop()
        if local == "p" and self.paragraphs and self.paragraphs[-1][1] == serial:
            para = self.paragraphs.pop()[0]
            if self.note_id and self.note_id in self.scan.notes:
                self.scan.notes[self.note_id].text += para.text
        elif local == "pPr" and serial and self.stack and self.stack[-1][1] in self.ppr:
            start = self.ppr[self.stack[-1][1]][0]
            self.ppr[self.stack[-1][1]] = (start, tag_end(self.data, self.p.CurrentByteIndex))
        elif local == "rPr" and self.cur is not None and self.cur.rpr is not None and self.stack and self.stack[-1][0] == "r":
            self.cur.rpr = (self.cur.rpr[0], tag_end(self.data, self.p.CurrentByteIndex))
        elif local == "instrText" and self.instr_start >= 0 and self.fields:
            self.fields[-1].instr_elements.append((self.instr_start, tag_end(self.data, self.p.CurrentByteIndex)))
            self.instr_start = -1
        elif local == "t":
            self.t_tag = None
        elif local == "r" and self.cur is not None:
            self._end_run(tag_end(self.data, self.p.CurrentByteIndex))
            self.cur = None
        elif local in ("footnote", "endnote") and self.note_id and self.stack and self.stack[-1][0] == local + "s":
            self.scan.notes[self.note_id].end = tag_end(self.data, self.p.CurrentByteIndex)
            self.note_id = ""
        elif local in ("footnotes", "endnotes") and not self.stack:
            self.scan.notes_end = self.p.CurrentByteIndex
        elif local == "body" and self.scan.body_end is None:
            self.scan.body_end = self.p.CurrentByteIndex

    def _rpr_bytes(self, run: _Run) -> bytes:
        if run.rpr is None or not run.rpr[1]:
            return b""
        return self.data[run.rpr[0] : run.rpr[1]]

    def _end_run(self, run_end: int) -> None:
        run = self.cur
        assert run is not None
        if run.note_reference is not None:
            run.note_reference.run = (run.start, run_end)
        if not self.fields:
            return
        top = self.fields[-1]
        if run.fld == "separate" and not top.separated:
            top.separated = True
            top.separate_end = run_end
            top.separate_parent = run.parent
            top.separate_paragraph = run.paragraph
            top.separate_paragraph_parent = self.paragraphs[-1][2] if self.paragraphs else 0
            ppr = self.ppr.get(run.paragraph)
            top.separate_ppr = self.data[ppr[0] : ppr[1]] if ppr and ppr[1] else b""
            top.char_start = len(self.paragraphs[-1][0].text) if self.paragraphs else -1
            if run.has_text:
                top.odd = "its result starts in the run that separates it from its code"
        elif run.fld == "end":
            self.fields.pop()
            self._close(top, run, run_end)
        elif top.separated and top.rpr is None and run.has_text and not any(not f.separated for f in self.fields):
            top.rpr = self._rpr_bytes(run)

    def _close(self, f: _Open, end_run: _Run, run_end: int) -> None:
        info = parse_field_code("".join(f.instr))
        if info is None:
            return
        if not f.separated:
            self.scan.problems.append((f.line, f"{_shown(info)} has no result part; left as it was"))
            return
        if f.odd or end_run.has_text:
            self.scan.problems.append((f.line, f"{_shown(info)} is written in an unusual way ({f.odd or 'text shares the run that ends it'}); left as it was"))
            return
        if info.kind == "citation" and (end_run.parent != f.separate_parent or end_run.paragraph != f.separate_paragraph):
            self.scan.problems.append((f.line, f"{_shown(info)} starts and ends in different paragraphs or runs; left as it was"))
            return
        if info.kind == "bibliography" and not self._same_level(f, end_run):
            self.scan.problems.append((f.line, f"{_shown(info)} starts and ends at different levels of the document; left as it was"))
            return
        text = "".join(f.text)
        fld = Field(info, f.line, list(f.instr_elements), (f.separate_end, end_run.start), text,
                    f.rpr or b"", f.separate_ppr, part=self.part, note_id=self.note_id, position=f.begin_at,
                    span_end=run_end, space_before=f.space_before)
        self.scan.fields.append(fld)
        if info.kind == "citation" and self.paragraphs and f.char_start >= 0:
            para = self.paragraphs[-1][0]
            para.in_citation.append((f.char_start, len(para.text)))

    def _same_level(self, f: _Open, end_run: _Run) -> bool:
        """Whether the separate and end runs sit in paragraphs that are siblings (so the result's
        paragraphs can be replaced as a whole) or in the same paragraph."""
        if end_run.paragraph == f.separate_paragraph:
            return end_run.parent == f.separate_parent
        para_parent = self.paragraphs[-1][2] if self.paragraphs else -1
        return (
            f.separate_parent == f.separate_paragraph
            and end_run.parent == end_run.paragraph
            and para_parent == f.separate_paragraph_parent
        )

    def chars(self, text: str) -> None:
        if not self.stack:
            return
        local = self.stack[-1][0]
        if local == "instrText" and self.instr_start >= 0 and self.fields:
            self.fields[-1].instr.append(text)
        elif local == "t" and self.t_tag is not None and self.cur is not None:
            if self.paragraphs:
                para = self.paragraphs[-1][0]
                para.chunks.append(Chunk(len(para.text), self.p.CurrentByteIndex, text, self.t_tag, self._rpr_bytes(self.cur)))
            self._add_text(text)


def _shown(info: MarkName) -> str:
    kind = "Zotero citation field" if info.kind == "citation" else "Zotero bibliography field"
    return f"a {kind}"


# ---- inserting --------------------------------------------------------------------------------
def insertion_point(scan: Scan, data: bytes, after: str) -> tuple[int, Chunk] | None:
    """The byte offset just after the first ``after`` in a paragraph's text (outside citation
    fields) and the ``w:t`` it is in, or None when the text is nowhere or ends where no text
    can go (inside an entity, after a tab)."""
    return text_end(scan.paragraphs, data, after)


def split_run_edits(data: bytes, at: int, chunk: Chunk, inserted: str) -> list[tuple[int, int, bytes]]:
    """Edits that end the run ``chunk`` is in at ``at``, put ``inserted`` (whole runs) there and
    carry on with the rest of the run in a new run of the same properties."""
    edits: list[tuple[int, int, bytes]] = []
    tag = data[chunk.t_tag[0] : chunk.t_tag[1]]
    if b"xml:space" not in tag and not tag.endswith(b"/>"):  # keep the space we add before the field
        edits.append((chunk.t_tag[1] - 1, chunk.t_tag[1] - 1, b' xml:space="preserve"'))
    rpr = chunk.run_properties.decode("utf-8")
    new = f' </w:t></w:r>{inserted}<w:r>{rpr}<w:t xml:space="preserve">'
    edits.append((at, at, new.encode("utf-8")))
    return edits


def field_xml(kind: Kind, data: dict[str, Any], result_runs: str, rpr: str = "") -> str:
    """A whole complex field in one paragraph: begin, code, separate, ``result_runs``, end."""
    return (
        f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r>{rpr}<w:instrText xml:space="preserve">{escape_text(field_code(kind, data))}</w:instrText></w:r>'
        f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>{result_runs}'
        f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>'
    )


def bibliography_xml(data: dict[str, Any], entries: list[str]) -> str:
    """New paragraphs holding a bibliography field around ``entries`` (runs, one per paragraph)."""
    code = escape_text(field_code("bibliography", data))
    first = entries[0] if entries else ""
    rest = "".join(f"<w:p>{e}</w:p>" for e in entries[1:])
    begin = (
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve">{code}</w:instrText></w:r>'
        f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{first}'
    )
    end = '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    if not rest:
        return begin + end
    return begin + "</w:p>" + rest[: -len("</w:p>")] + end


def field_edits(data: bytes, f: Field, new_data: dict[str, Any], result: str) -> list[tuple[int, int, bytes]]:
    """Edits that give ``f`` the code holding ``new_data`` and the result ``result`` (runs, or
    for a bibliography paragraphs' runs joined by paragraph breaks): the first ``w:instrText``
    gets the whole code, the others are emptied, the result runs are replaced."""
    code = escape_text(field_code(f.info.kind, new_data))
    edits: list[tuple[int, int, bytes]] = []
    for i, (a, b) in enumerate(f.instr_elements):
        new = f'<w:instrText xml:space="preserve">{code}</w:instrText>' if i == 0 else ""
        edits.append((a, b, new.encode("utf-8")))
    edits.append((f.result[0], f.result[1], result.encode("utf-8")))
    return edits


# ---- footnotes --------------------------------------------------------------------------------
# The reference mark's character style Word's templates define, and superscript set directly so
# that the number is raised in a document whose styles.xml lacks that style.
NOTE_MARK_RPR = '<w:rPr><w:rStyle w:val="FootnoteReference"/><w:vertAlign w:val="superscript"/></w:rPr>'
FOOTNOTES_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
FOOTNOTES_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"


def footnote_reference_xml(note_id: str) -> str:
    """The run in the text that stands for footnote ``note_id``."""
    return f'<w:r>{NOTE_MARK_RPR}<w:footnoteReference w:id="{note_id}"/></w:r>'


def footnote_xml(note_id: str, inner_runs: str) -> str:
    """A footnote of one paragraph: its number (``w:footnoteRef``), a space, ``inner_runs``."""
    return (
        f'<w:footnote w:id="{note_id}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
        f'<w:r>{NOTE_MARK_RPR}<w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> </w:t></w:r>'
        f"{inner_runs}</w:p></w:footnote>"
    )


def footnotes_part(notes_xml: str) -> bytes:
    """A new word/footnotes.xml: Word's separator notes (-1, 0), then ``notes_xml``."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:footnotes xmlns:w="{W_NS}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
        f"{notes_xml}</w:footnotes>"
    ).encode()


def with_footnotes_content_type(types: bytes) -> bytes:
    """[Content_Types].xml with an Override for /word/footnotes.xml (spliced before its end tag)."""
    if b'PartName="/word/footnotes.xml"' in types:
        return types
    end = types.rfind(b"</Types>")
    override = f'<Override PartName="/word/footnotes.xml" ContentType="{FOOTNOTES_CONTENT_TYPE}"/>'.encode()
    return types[:end] + override + types[end:] if end >= 0 else types


def with_footnotes_relationship(rels: bytes | None) -> bytes:
    """word/_rels/document.xml.rels relating footnotes.xml to the document (made when missing)."""
    if rels is None:
        rels = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
        )
    if FOOTNOTES_RELATIONSHIP.encode() in rels:
        return rels
    taken = set(re.findall(rb'Id="([^"]*)"', rels))
    n = 1
    while f"rIdBibliofile{n}".encode() in taken:
        n += 1
    rel = f'<Relationship Id="rIdBibliofile{n}" Type="{FOOTNOTES_RELATIONSHIP}" Target="footnotes.xml"/>'.encode()
    end = rels.rfind(b"</Relationships>")
    if end < 0:  # an empty element written as <Relationships .../>
        close = rels.rfind(b"/>")
        return rels[:close] + b">" + rel + b"</Relationships>" + rels[close + 2 :]
    return rels[:end] + rel + rels[end:]


def paragraph_break(ppr: bytes) -> str:
    """What joins two entries of a bibliography: the end of one paragraph and the start of the
    next, with the paragraph properties of the first."""
    return "</w:p><w:p>" + ppr.decode("utf-8")


# ---- citeproc-js HTML as runs -------------------------------------------------------------------
# Word's run properties in the order its schema (CT_RPr) requires them; ours are set among them.
_RPR_ORDER = (
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline", "shadow",
    "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w", "kern",
    "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs",
    "em", "lang", "eastAsianLayout", "specVanish", "oMath",
)
_OURS = {"b", "i", "smallCaps", "u", "vertAlign"}
_CSS = (
    ("font-style:italic", ("i", "<w:i/>")),
    ("font-style:normal", ("i", '<w:i w:val="0"/>')),
    ("font-weight:bold", ("b", "<w:b/>")),
    ("font-weight:normal", ("b", '<w:b w:val="0"/>')),
    ("font-variant:small-caps", ("smallCaps", "<w:smallCaps/>")),
    ("text-decoration:underline", ("u", '<w:u w:val="single"/>')),
    ("vertical-align:sup", ("vertAlign", '<w:vertAlign w:val="superscript"/>')),
    ("vertical-align:sub", ("vertAlign", '<w:vertAlign w:val="subscript"/>')),
)
_TAGS = {
    "i": ("i", "<w:i/>"), "em": ("i", "<w:i/>"), "b": ("b", "<w:b/>"), "strong": ("b", "<w:b/>"),
    "sup": ("vertAlign", '<w:vertAlign w:val="superscript"/>'),
    "sub": ("vertAlign", '<w:vertAlign w:val="subscript"/>'),
}
_RPR_CHILD = re.compile(rb"<w:(\w+)\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*?(?:/>|>.*?</w:\1>)", re.S)


@dataclass(slots=True)
class Rendered:
    """A rendered citation or entry as runs (``runs(rpr)`` gives the XML) and its plain text."""

    segments: list[tuple[str, dict[str, str]]]
    text: str

    def runs(self, base_rpr: bytes = b"") -> str:
        base = _rpr_children(base_rpr)
        out: list[str] = []
        for text, props in self.segments:
            out.append(f"<w:r>{_rpr(base, props)}{_run_content(text)}</w:r>")
        return "".join(out)


def html_to_runs(html_text: str) -> Rendered:
    """citeproc-js's HTML (italic titles, small caps, superscript numbers) as Word runs; the
    bibliography's ``csl-left-margin`` label is joined to its entry by a space."""
    parser = _HtmlToRuns()
    parser.feed(html_text)
    parser.close()
    segments = parser.segments
    if segments:
        segments[-1] = (segments[-1][0].rstrip(), segments[-1][1])
        if not segments[-1][0]:
            segments.pop()
    return Rendered(segments, "".join(t for t, _ in segments).strip())


class _HtmlToRuns(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.segments: list[tuple[str, dict[str, str]]] = []
        self.open: list[list[tuple[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        props: list[tuple[str, str]] = []
        if tag in _TAGS:
            props.append(_TAGS[tag])
        a = dict(attrs)
        css = "".join((a.get("style") or "").split()).lower()
        props.extend(p for rule, p in _CSS if rule in css)
        if tag == "div" and "csl-right-inline" in (a.get("class") or "") and self.segments:
            self._text(" ")
        self.open.append(props)

    def handle_endtag(self, tag: str) -> None:
        if self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if "\n" in data and not data.strip():
            return  # the indentation between citeproc-js's block elements, not text
        self._text(data)

    def _text(self, data: str) -> None:
        if not self.segments:
            data = data.lstrip()
        if not data:
            return
        props: dict[str, str] = {}
        for level in self.open:
            props.update(level)
        if self.segments and self.segments[-1][1] == props:
            self.segments[-1] = (self.segments[-1][0] + data, props)
        else:
            self.segments.append((data, props))


def _rpr_children(rpr: bytes) -> list[tuple[str, str]]:
    inner = re.sub(rb"^<w:rPr\b[^>]*>|</w:rPr>$", b"", rpr.strip()) if rpr and not rpr.endswith(b"/>") else b""
    return [(m.group(1).decode(), m.group(0).decode("utf-8")) for m in _RPR_CHILD.finditer(inner)]


def _rpr(base: list[tuple[str, str]], props: dict[str, str]) -> str:
    if not props:
        children = [xml for _, xml in base]
    else:
        kept = [(n, x) for n, x in base if n not in _OURS and n not in ("bCs", "iCs")]
        merged = kept + list(props.items())
        rank = {n: i for i, n in enumerate(_RPR_ORDER)}
        merged.sort(key=lambda nx: rank.get(nx[0], len(rank)))
        children = [x for _, x in merged]
    return f"<w:rPr>{''.join(children)}</w:rPr>" if children else ""


_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _run_content(text: str) -> str:
    out: list[str] = []
    for part in re.split(r"(\t|\n)", _INVALID_XML.sub("", text)):
        if part == "\t":
            out.append("<w:tab/>")
        elif part == "\n":
            out.append("<w:br/>")
        elif part:
            out.append(f'<w:t xml:space="preserve">{escape_text(part)}</w:t>')
    return "".join(out)


# ---- Zotero's document preferences -------------------------------------------------------------
CUSTOM_PROPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"


def zotero_preferences(custom: bytes | None) -> tuple[str | None, str | None]:
    """(style, locale) from Zotero's document preferences in docProps/custom.xml, or (None, None)
    (``formats.zotero_preferences``)."""
    return _zotero_preferences(custom, _custom_properties)


def _custom_properties(root: Any) -> Iterable[tuple[str, str]]:
    return ((prop.get("name", ""), "".join(prop.itertext())) for prop in root.iter(f"{{{CUSTOM_PROPS_NS}}}property"))


__all__ = [
    "CSL_SCHEMA",
    "PART",
    "Field",
    "NotDocumentXml",
    "Rendered",
    "Scan",
    "bibliography_xml",
    "escape_attr",
    "field_code",
    "field_edits",
    "field_xml",
    "html_to_runs",
    "insertion_point",
    "paragraph_break",
    "parse_field_code",
    "scan_document",
    "split_run_edits",
    "zotero_preferences",
]
