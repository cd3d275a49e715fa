"""Byte-offset XML scanning and splicing, shared by the .odt and .docx citation readers.

Both ``formats.odt_marks`` (content.xml) and ``formats.docx_fields`` (word/document.xml) edit a
document by replacing byte ranges rather than by re-serialising a tree (ADR 16): a round trip
through ElementTree drops namespace declarations that only attribute values use and rewrites
every byte, while a splice leaves everything outside the citations as the word processor wrote
it. What that needs is the same for both formats and lives here: an expat parser that reports
the byte offset of every tag and refuses DTDs and entities, the end of a tag found by its bytes,
the character data of a paragraph kept with its offsets in the file (so a place found in the
text becomes a place in the bytes), XML escaping, and the splice itself. Pure functions over
bytes; what the elements mean is each format's own.
"""

from __future__ import annotations

import xml.parsers.expat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

SEP = " "  # expat's namespace separator: a space is never part of a name


def tag_end(data: bytes, start: int) -> int:
    """The offset just past the ``>`` closing the tag that starts at ``start`` (quotes respected).

    expat gives where a tag starts but not where it ends, and a splice needs both."""
    quote = 0
    i = start
    n = len(data)
    while i < n:
        c = data[i]
        if quote:
            if c == quote:
                quote = 0
        elif c in (0x22, 0x27):
            quote = c
        elif c == 0x3E:
            return i + 1
        i += 1
    return n


class OffsetScanner:
    """An expat parse of one XML part that knows the byte offset of every event.

    Subclasses handle ``start``, ``end`` and ``chars``, and name the error a damaged part raises
    (``not_xml``) and what the part is (``dtd_message``, ``entity_message``): a document part
    never declares a DTD or entities, so one that does is refused rather than expanded (no
    entity bombs, no external fetches). ``buffer_text`` is off so that each character-data
    event's offset is that of its own bytes.
    """

    not_xml: ClassVar[type[ValueError]] = ValueError
    dtd_message: ClassVar[str] = "declares a DTD"
    entity_message: ClassVar[str] = "declares entities"

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.p = xml.parsers.expat.ParserCreate(namespace_separator=SEP)
        self.p.buffer_text = False
        self.p.StartElementHandler = self.start
        self.p.EndElementHandler = self.end
        self.p.CharacterDataHandler = self.chars
        self.p.StartDoctypeDeclHandler = self._doctype
        self.p.EntityDeclHandler = self._entity

    def start(self, name: str, attrs: dict[str, str]) -> None:
        """An element starts at ``self.p.CurrentByteIndex``."""

    def end(self, name: str) -> None:
        """An element's end tag starts at ``self.p.CurrentByteIndex``."""

    def chars(self, text: str) -> None:
        """Character data whose bytes start at ``self.p.CurrentByteIndex``."""

    def _doctype(self, *_: Any) -> None:
        raise self.not_xml(self.dtd_message)

    def _entity(self, *_: Any) -> None:
        raise self.not_xml(self.entity_message)

    def parse(self) -> None:
        """Parse the whole part; a part that is not well-formed raises ``not_xml`` with its line."""
        try:
            self.p.Parse(self.data, True)
        except xml.parsers.expat.ExpatError as exc:
            raise self.not_xml(f"line {exc.lineno}: not well-formed XML ({xml.parsers.expat.ErrorString(exc.code)})") from exc

    def tag_range(self) -> tuple[int, int]:
        """The bytes of the start tag being handled."""
        start = self.p.CurrentByteIndex
        return start, tag_end(self.data, start)


@dataclass(slots=True)
class Chunk:
    """A run of character data of a paragraph, where it starts in the text and in the file."""

    char_start: int
    byte_start: int
    text: str


ChunkT = TypeVar("ChunkT", bound=Chunk)


@dataclass(slots=True)
class Paragraph(Generic[ChunkT]):
    """A paragraph's text as a reader sees it, its character data with their offsets, and the
    character ranges inside citations (where no new citation may go)."""

    chunks: list[ChunkT] = field(default_factory=list)
    text: str = ""
    in_citation: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True)
class NoteSpan:
    """A footnote or endnote element: its bytes (``start`` to ``end``) and its paragraphs' text.

    A refresh in an in-text style removes the whole element when the note holds nothing but
    one citation (its text is the citation's), in an .odt as in a .docx."""

    start: int
    end: int = 0
    text: str = ""


def text_end(paragraphs: Iterable[Paragraph[ChunkT]], data: bytes, after: str) -> tuple[int, ChunkT] | None:
    """The byte offset just after the first ``after`` in a paragraph's text (outside citations)
    and the chunk it ends in, or None when the text is nowhere or ends where no text can go.

    An occurrence that ends inside an entity or character reference, or in text not written
    as it reads (CDATA, line ends, a tab element), has no clean place to insert at: the next
    occurrence is tried."""
    if not after:
        return None
    for para in paragraphs:
        start = 0
        while True:
            found = para.text.find(after, start)
            if found < 0:
                break
            end = found + len(after)
            start = found + 1
            if any(a < end <= b for a, b in para.in_citation):
                continue
            at = _byte_at(para.chunks, data, end)
            if at is not None:
                return at
    return None


def _byte_at(chunks: Sequence[ChunkT], data: bytes, char_end: int) -> tuple[int, ChunkT] | None:
    """The file offset just after the character ``char_end - 1`` of the paragraph's text."""
    for chunk in chunks:
        if chunk.char_start < char_end <= chunk.char_start + len(chunk.text):
            if data[chunk.byte_start : chunk.byte_start + 1] == b"&":
                return None  # expat hands an entity or character reference over as its own chunk
            head = chunk.text[: char_end - chunk.char_start].encode("utf-8")
            if data[chunk.byte_start : chunk.byte_start + len(head)] != head:
                return None  # not written as it reads (CDATA, line ends): no clean place to insert
            return chunk.byte_start + len(head), chunk
    return None


def escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(text: str) -> str:
    return (
        escape_text(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    )


def splice(data: bytes, edits: Iterable[tuple[int, int, bytes]]) -> bytes:
    """``data`` with each (start, end) range replaced; ranges must not overlap."""
    out: list[bytes] = []
    at = 0
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < at:
            raise ValueError(f"overlapping edits at byte {start}")
        out.append(data[at:start])
        out.append(new)
        at = end
    out.append(data[at:])
    return b"".join(out)
