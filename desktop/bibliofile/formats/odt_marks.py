"""Citation marks in an ODF text document's content.xml: find them, and splice new text in.

A citation in a Writer document is a reference mark (``text:reference-mark-start`` and
``-end`` around the citation's text) whose name carries the citation as JSON; the
bibliography is a section (``text:section``) named the same way. Ours are named
``BIBLIOFILE_CITATION {json}`` and ``BIBLIOFILE_BIBL {json}``; Zotero's LibreOffice plugin
names them ``ZOTERO_ITEM CSL_CITATION {json} RNDxxxxxxxxxx`` and
``ZOTERO_BIBL {json} CSL_BIBLIOGRAPHY RNDxxxxxxxxxx`` (see docs/document-marks.md).

The file is read with expat for the byte offset of every tag, and changed by replacing byte
ranges (a mark's text, a tag's name attribute, a section's paragraphs): everything else in
content.xml stays byte for byte as Writer wrote it, including namespace declarations that
only attribute values use (``ooow:``, ``of:`` in formulas), which a parse-and-serialise round
trip through ElementTree would drop (the scanning and splicing shared with .docx is
``formats.xml_splice``). Pure functions over bytes; problems are collected with
the line of content.xml they are on, never raised.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Literal

from bibliofile.formats.xml_splice import (
    SEP,
    Chunk,
    OffsetScanner,
    escape_attr,
    escape_text,
    tag_end,
    text_end,
)
from bibliofile.formats.xml_splice import NoteSpan as NoteRange
from bibliofile.formats.xml_splice import Paragraph as _Paragraph
from bibliofile.formats.xml_splice import splice as splice  # callers splice what they scanned here
from bibliofile.formats.zotero_preferences import zotero_preferences as _zotero_preferences

META_NS = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"

OURS_CITATION = "BIBLIOFILE_CITATION "
OURS_BIBLIOGRAPHY = "BIBLIOFILE_BIBL "
ZOTERO_CITATION = "ZOTERO_ITEM CSL_CITATION "
ZOTERO_BIBLIOGRAPHY = "ZOTERO_BIBL "
ZOTERO_BIBL_TAIL = " CSL_BIBLIOGRAPHY"
# Zotero ends every name with " RND" and ten letters or digits, so that names stay unique.
_RND = re.compile(r" RND[0-9A-Za-z]+$")

Vendor = Literal["bibliofile", "zotero"]
Kind = Literal["citation", "bibliography"]


@dataclass(slots=True)
class MarkName:
    """What a mark's name says: whose it is, citation or bibliography, and its JSON."""

    vendor: Vendor
    kind: Kind
    data: dict[str, Any] | None  # None: the JSON could not be read (``error`` says why)
    error: str = ""
    suffix: str = ""  # Zotero's " RNDxxxxxxxxxx", kept when the name is rewritten


def parse_mark_name(name: str) -> MarkName | None:
    """The mark a name describes, or None for a name that is not a citation mark of ours or
    Zotero's (an ordinary cross-reference the writer made)."""
    if name.startswith(OURS_CITATION):
        return mark_with_json("bibliofile", "citation", name[len(OURS_CITATION) :])
    if name.startswith(OURS_BIBLIOGRAPHY):
        return mark_with_json("bibliofile", "bibliography", name[len(OURS_BIBLIOGRAPHY) :])
    if name.startswith(ZOTERO_CITATION) or name.startswith(ZOTERO_BIBLIOGRAPHY):
        m = _RND.search(name)
        suffix = m.group(0) if m else ""
        body = name[: len(name) - len(suffix)]
        if body.startswith(ZOTERO_CITATION):
            return mark_with_json("zotero", "citation", body[len(ZOTERO_CITATION) :], suffix)
        body = body[len(ZOTERO_BIBLIOGRAPHY) :]
        if body.endswith(ZOTERO_BIBL_TAIL):
            body = body[: -len(ZOTERO_BIBL_TAIL)]
        return mark_with_json("zotero", "bibliography", body, suffix)
    return None


def mark_with_json(vendor: Vendor, kind: Kind, text: str, suffix: str = "") -> MarkName:
    """The mark whose data is the JSON ``text``; JSON that cannot be read is kept as the error a
    refresh names (the same for an .odt mark's name and a .docx field's code)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return MarkName(vendor, kind, None, f"its data is not valid JSON ({exc.msg} at character {exc.pos + 1})", suffix)
    except RecursionError:
        return MarkName(vendor, kind, None, "its data is nested too deeply to read", suffix)
    if not isinstance(data, dict):
        return MarkName(vendor, kind, None, "its data is not a JSON object", suffix)
    return MarkName(vendor, kind, data, "", suffix)


def mark_name(info: MarkName, data: dict[str, Any]) -> str:
    """The name for a mark of this vendor and kind holding ``data`` (Zotero's suffix kept)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if info.vendor == "bibliofile":
        return (OURS_CITATION if info.kind == "citation" else OURS_BIBLIOGRAPHY) + body
    if info.kind == "citation":
        return ZOTERO_CITATION + body + info.suffix
    return ZOTERO_BIBLIOGRAPHY + body + ZOTERO_BIBL_TAIL + info.suffix


@dataclass(slots=True)
class Mark:
    """One citation or bibliography mark, with the byte ranges a rewrite replaces.

    ``content`` is the range between the opening and closing tags (the text a reader sees);
    ``name_tags`` are the tags whose name attribute holds the JSON. A point mark (an empty
    ``text:reference-mark``) has its one tag as ``point`` and an empty content.
    """

    name: str
    info: MarkName
    element: Literal["reference-mark", "section"]
    line: int
    name_tags: list[tuple[int, int]] = field(default_factory=list)
    content: tuple[int, int] = (0, 0)
    point: tuple[int, int] | None = None
    note: int = 0  # ordinal of the footnote/endnote it is in (1-based), 0 in the body
    notes_before: int = 0  # notes that start before it: the number a new footnote here gets, less one
    text: str = ""
    paragraph_style: str = ""  # a section's first paragraph style, reused for its entries


Paragraph = _Paragraph[Chunk]  # its in_citation: char ranges inside citation marks


@dataclass(slots=True)
class Scan:
    """Everything a refresh or an insert needs from content.xml."""

    marks: list[Mark] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, message)
    notes: int = 0
    # ordinal -> the note's element range and its paragraphs' text (not its number)
    note_ranges: dict[int, NoteRange] = field(default_factory=dict)
    office_text_end: int | None = None  # where ``</office:text>`` starts: a new section goes there
    automatic_styles: tuple[int, int] | None = None  # start tag range of office:automatic-styles
    automatic_styles_end: int | None = None
    root_tag: tuple[int, int] | None = None  # the document element's start tag (its namespaces)
    body_start: int | None = None  # where ``<office:body>`` starts: automatic styles go before it

    @property
    def citations(self) -> list[Mark]:
        return [m for m in self.marks if m.info.kind == "citation"]

    @property
    def bibliographies(self) -> list[Mark]:
        return [m for m in self.marks if m.info.kind == "bibliography"]


class NotContentXml(ValueError):
    """content.xml is not well-formed XML (or has a DTD, which ODF never uses)."""


def scan_content(data: bytes) -> Scan:
    """Marks in document order, paragraphs' text with byte offsets, and what looked wrong."""
    scanner = _Scanner(data)
    scanner.run()
    return scanner.scan


class _Scanner(OffsetScanner):
    not_xml = NotContentXml
    dtd_message = "content.xml declares a DTD, which an ODF document never has"
    entity_message = "content.xml declares entities, which an ODF document never has"

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.scan = Scan()
        self.stack: list[tuple[str, int]] = []  # (name, element serial)
        self.serial = 0
        self.open_marks: dict[str, tuple[Mark, int, int, int]] = {}  # name -> (mark, parent serial, paragraph, char start)
        self.sections: list[tuple[Mark | None, int]] = []
        self.paragraph_stack: list[Paragraph] = []
        self.note_stack: list[int] = []
        self.section_first_para: list[Mark] = []

    def run(self) -> None:
        self.parse()
        for name, (mark, _, _, _) in self.open_marks.items():
            self.scan.problems.append((mark.line, f"{_shown(name)} has a start and no end; left as it was"))

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.serial += 1
        parent = self.stack[-1][1] if self.stack else 0
        self.stack.append((name, self.serial))
        ns, _, local = name.rpartition(SEP)
        if len(self.stack) == 1:
            self.scan.root_tag = self.tag_range()
        elif ns == OFFICE_NS and local == "body" and len(self.stack) == 2:
            self.scan.body_start = self.p.CurrentByteIndex
        if ns == OFFICE_NS and local == "automatic-styles" and len(self.stack) == 2:
            self.scan.automatic_styles = self.tag_range()
        if ns != TEXT_NS:
            return
        if local in ("p", "h"):
            para = Paragraph()
            self.paragraph_stack.append(para)
            self.scan.paragraphs.append(para)
            if self.section_first_para and not self.section_first_para[-1].paragraph_style:
                self.section_first_para[-1].paragraph_style = attrs.get(TEXT_NS + SEP + "style-name", "") or " "
        elif local == "note":
            self.scan.notes += 1
            self.note_stack.append(self.scan.notes)
            self.scan.note_ranges[self.scan.notes] = NoteRange(self.p.CurrentByteIndex)
        elif local == "s":
            self._virtual(" " * max(1, _int(attrs.get(TEXT_NS + SEP + "c", "1"))))
        elif local == "tab":
            self._virtual("\t")
        elif local == "line-break":
            self._virtual("\n")
        elif local in ("reference-mark-start", "reference-mark", "reference-mark-end", "section"):
            self._mark_tag(local, attrs.get(TEXT_NS + SEP + "name", ""), parent)

    def _virtual(self, text: str) -> None:
        """Whitespace written as an element: part of the text, with no bytes to insert at."""
        if self.paragraph_stack:
            para = self.paragraph_stack[-1]
            para.text += text

    def _mark_tag(self, local: str, name: str, parent: int) -> None:
        info = parse_mark_name(name) if name else None
        line = self.p.CurrentLineNumber
        tag = self.tag_range()
        if local == "section":
            if info is None:
                self.sections.append((None, self.serial))
                return
            mark = Mark(name, info, "section", line, [tag], (tag[1], tag[1]), note=self._note())
            self.sections.append((mark, self.serial))
            self.section_first_para.append(mark)
            return
        if info is None:
            return
        para_index = len(self.scan.paragraphs) - 1 if self.paragraph_stack else -1
        char_at = len(self.paragraph_stack[-1].text) if self.paragraph_stack else 0
        if local == "reference-mark":
            mark = self._add(Mark(name, info, "reference-mark", line, [tag], (tag[1], tag[1]), tag, self._note()))
            self.scan.marks.append(mark)
        elif local == "reference-mark-start":
            mark = self._add(Mark(name, info, "reference-mark", line, [tag], (tag[1], tag[1]), note=self._note()))
            self.scan.marks.append(mark)
            self.open_marks[name] = (mark, parent, para_index, char_at)
        else:
            opened = self.open_marks.pop(name, None)
            if opened is None:
                self.scan.problems.append((line, f"{_shown(name)} has an end and no start; left as it was"))
                return
            mark, start_parent, start_para, start_char = opened
            if start_parent != parent:
                self.scan.marks.remove(mark)
                self.scan.problems.append(
                    (mark.line, f"{_shown(name)} starts and ends in different paragraphs or spans; left as it was")
                )
                return
            mark.content = (mark.content[0], tag[0])
            mark.name_tags.append(tag)
            if start_para >= 0 and self.paragraph_stack:
                para = self.paragraph_stack[-1]
                mark.text = para.text[start_char:]
                para.in_citation.append((start_char, len(para.text)))

    def _note(self) -> int:
        return self.note_stack[-1] if self.note_stack else 0

    def _add(self, mark: Mark) -> Mark:
        mark.notes_before = self.scan.notes - (1 if self.note_stack else 0)
        return mark

    def end(self, name: str) -> None:
        self.stack.pop()
        ns, _, local = name.rpartition(SEP)
        if ns == OFFICE_NS and local == "text":
            self.scan.office_text_end = self.p.CurrentByteIndex
        elif ns == OFFICE_NS and local == "automatic-styles" and len(self.stack) == 1:
            self.scan.automatic_styles_end = self.p.CurrentByteIndex
        if ns != TEXT_NS:
            return
        if local in ("p", "h") and self.paragraph_stack:
            para = self.paragraph_stack.pop()
            if self.note_stack:
                self.scan.note_ranges[self.note_stack[-1]].text += para.text
        elif local == "note" and self.note_stack:
            ordinal = self.note_stack.pop()
            self.scan.note_ranges[ordinal].end = tag_end(self.data, self.p.CurrentByteIndex)
        elif local == "section" and self.sections:
            mark, _ = self.sections.pop()
            if mark is not None:
                if self.section_first_para and self.section_first_para[-1] is mark:
                    self.section_first_para.pop()
                mark.content = (mark.content[0], self.p.CurrentByteIndex)
                mark.paragraph_style = mark.paragraph_style.strip()
                self.scan.marks.append(mark)

    def chars(self, text: str) -> None:
        if not self.paragraph_stack:
            return
        para = self.paragraph_stack[-1]
        para.chunks.append(Chunk(len(para.text), self.p.CurrentByteIndex, text))
        para.text += text


def _int(v: str) -> int:
    try:
        return int(v)
    except ValueError:
        return 1


def _shown(name: str) -> str:
    """A mark named for a message: its kind and the start of its data."""
    return f"the mark “{name[:60]}{'…' if len(name) > 60 else ''}”"


# ---- writing ---------------------------------------------------------------------------------
def text_xml(text: str) -> str:
    """Plain text as ODF paragraph content: runs of spaces, tabs and line breaks as elements,
    since ODF collapses white space in character data."""
    out: list[str] = []
    for part in re.split(r"(\n|\t| {2,})", text):
        if part == "\n":
            out.append("<text:line-break/>")
        elif part == "\t":
            out.append("<text:tab/>")
        elif part.startswith("  "):
            out.append(f' <text:s text:c="{len(part) - 1}"/>')
        elif part:
            out.append(escape_text(part))
    return "".join(out)


# ---- citeproc-js HTML as ODF text -------------------------------------------------------------
STYLE_NS = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
FO_NS = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
# Our automatic text styles: what citeproc-js's HTML output marks up (csl-html formats).
TEXT_STYLES: dict[str, str] = {
    "BF_italic": 'fo:font-style="italic"',
    "BF_roman": 'fo:font-style="normal"',
    "BF_bold": 'fo:font-weight="bold"',
    "BF_normal_weight": 'fo:font-weight="normal"',
    "BF_small_caps": 'fo:font-variant="small-caps"',
    "BF_sup": 'style:text-position="super 58%"',
    "BF_sub": 'style:text-position="sub 58%"',
    "BF_underline": 'style:text-underline-style="solid" style:text-underline-width="auto" '
    'style:text-underline-color="font-color"',
}
_CSS_STYLES = (
    ("font-style:italic", "BF_italic"),
    ("font-style:normal", "BF_roman"),
    ("font-weight:bold", "BF_bold"),
    ("font-weight:normal", "BF_normal_weight"),
    ("font-variant:small-caps", "BF_small_caps"),
    ("text-decoration:underline", "BF_underline"),
    ("vertical-align:sup", "BF_sup"),
    ("vertical-align:sub", "BF_sub"),
)
_TAG_STYLES = {"i": "BF_italic", "em": "BF_italic", "b": "BF_bold", "strong": "BF_bold", "sup": "BF_sup", "sub": "BF_sub"}


@dataclass(slots=True)
class Rich:
    """A rendered citation or entry as ODF inline XML, its plain text, and the styles it uses."""

    xml: str
    text: str
    styles: set[str] = field(default_factory=set)


def html_to_odf(html_text: str) -> Rich:
    """citeproc-js's HTML (italic titles, small caps, superscript numbers) as ODF spans.

    Only the markup citeproc-js writes is understood; anything else keeps its text and loses
    its tag. The bibliography's ``csl-left-margin`` label ("[1]") is joined to its entry by a
    space, as in the plain-text output.
    """
    parser = _HtmlToOdf()
    parser.feed(html_text)
    parser.close()
    return Rich("".join(parser.out), "".join(parser.text).strip(), parser.styles)


class _HtmlToOdf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.text: list[str] = []
        self.styles: set[str] = set()
        self.open: list[int] = []  # spans opened per HTML element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names: list[str] = []
        if tag in _TAG_STYLES:
            names.append(_TAG_STYLES[tag])
        css = "".join((dict(attrs).get("style") or "").split()).lower()
        names.extend(style for rule, style in _CSS_STYLES if rule in css)
        if tag == "div" and "csl-right-inline" in (dict(attrs).get("class") or "") and self.text:
            self._text(" ")
        for n in names:
            self.out.append(f'<text:span text:style-name="{n}">')
            self.styles.add(n)
        self.open.append(len(names))

    def handle_endtag(self, tag: str) -> None:
        if self.open:
            self.out.append("</text:span>" * self.open.pop())

    def handle_data(self, data: str) -> None:
        self._text(data)

    def _text(self, data: str) -> None:
        if not self.text:
            data = data.lstrip()
        if data:
            self.out.append(text_xml(data))
            self.text.append(data)


def text_styles_xml(names: Iterable[str]) -> str:
    return "".join(
        f'<style:style style:name="{n}" style:family="text"><style:text-properties {TEXT_STYLES[n]}/></style:style>'
        for n in sorted(names)
        if n in TEXT_STYLES
    )


def style_edits(data: bytes, scan: Scan, names: set[str]) -> list[tuple[int, int, bytes]]:
    """Edits that define the automatic text styles ``names`` (those content.xml lacks), and
    declare the style: and fo: namespaces on the root element when it does not."""
    missing = {n for n in names if f'style:name="{n}"'.encode() not in data}
    if not missing or scan.root_tag is None:
        return []
    edits: list[tuple[int, int, bytes]] = []
    root = data[scan.root_tag[0] : scan.root_tag[1]]
    declare = "".join(
        f' xmlns:{prefix}="{uri}"'
        for prefix, uri in (("style", STYLE_NS), ("fo", FO_NS))
        if f'xmlns:{prefix}="{uri}"'.encode() not in root
    )
    if declare:
        end = scan.root_tag[1] - (2 if root.endswith(b"/>") else 1)
        edits.append((end, end, declare.encode()))
    styles = text_styles_xml(missing).encode()
    tag = scan.automatic_styles
    if tag is not None and data[tag[0] : tag[1]].endswith(b"/>"):
        edits.append((tag[0], tag[1], b"<office:automatic-styles>" + styles + b"</office:automatic-styles>"))
    elif tag is not None and scan.automatic_styles_end is not None:
        edits.append((scan.automatic_styles_end, scan.automatic_styles_end, styles))
    elif scan.body_start is not None:
        edits.append((scan.body_start, scan.body_start, b"<office:automatic-styles>" + styles + b"</office:automatic-styles>"))
    else:
        return []
    return edits


def reference_mark_xml(name: str, content_xml: str) -> str:
    """A whole reference mark around already-escaped content."""
    n = escape_attr(name)
    return f'<text:reference-mark-start text:name="{n}"/>{content_xml}<text:reference-mark-end text:name="{n}"/>'


def renamed_tag(data: bytes, tag: tuple[int, int], new_name: str) -> bytes:
    """The tag at ``tag`` with its ``text:name`` attribute (any prefix) set to ``new_name``."""
    raw = data[tag[0] : tag[1]].decode("utf-8")
    pattern = re.compile(r'(\s[\w.-]+:name\s*=\s*)(["\'])(.*?)\2', re.S)
    m = pattern.search(raw)
    if m is None:  # cannot happen for a tag we found by its name; keep it rather than guess
        return raw.encode("utf-8")
    value = escape_attr(new_name)
    return (raw[: m.start()] + m.group(1) + '"' + value + '"' + raw[m.end() :]).encode("utf-8")


def insertion_point(scan: Scan, data: bytes, after: str) -> int | None:
    """The byte offset just after the first occurrence of ``after`` in a paragraph's text
    (outside citation marks), or None when the text is nowhere or ends where no text can go."""
    found = text_end(scan.paragraphs, data, after)
    return found[0] if found is not None else None


def zotero_preferences(meta: bytes | None) -> tuple[str | None, str | None]:
    """(style, locale) from Zotero's document preferences in meta.xml's user-defined
    properties, or (None, None) (``formats.zotero_preferences``)."""
    return _zotero_preferences(meta, _user_defined)


def _user_defined(root: Any) -> Iterable[tuple[str, str]]:
    return ((el.get(f"{{{META_NS}}}name", ""), el.text or "") for el in root.iter(f"{{{META_NS}}}user-defined"))
