"""What a PDF says about itself, read with PDFium: the Info dictionary, the XMP packet, the text
of its pages, and page 1's lines with their type sizes (the title is the largest).

These functions run inside the worker process (``worker.py``); tests may call them directly.
They return plain values (strings, tuples) that cross a process boundary cheaply, and raise
``PdfUnreadable`` with a sentence for the user when the file cannot be read at all.
"""

from __future__ import annotations

import ctypes
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

__all__ = [
    "PdfAnnotation", "PdfFacts", "PdfUnreadable", "find_xmp", "open_document", "page_count", "page_texts",
    "read_annotations", "read_facts",
]

# Page 1 characters looked at for the title (a title is near the top; a dense page has ~5,000).
TITLE_CHARS = 4000
# Bytes of the file searched for an XMP packet: the start and the end (an incremental update
# appends the newer packet), so a 500 MB scan costs two reads, not the whole file.
XMP_WINDOW = 8 << 20
XMP_MAX = 1 << 20  # a packet larger than this is no document metadata (and is not inflated)


class PdfUnreadable(Exception):
    """The file cannot be read as a PDF; ``str()`` says why, in words for the user."""


@dataclass(frozen=True, slots=True)
class PdfFacts:
    """``info``: the Info dictionary's non-empty entries; ``xmp``: the document's XMP packet
    ("" when none was found); ``first_pages``: the text of the first pages; ``title_lines``:
    (type size in points, distance from the page top, text) of the lines of the first page
    with text, in page order."""

    page_count: int
    info: dict[str, str]
    xmp: str
    first_pages: tuple[str, ...]
    title_lines: tuple[tuple[float, float, str], ...]


def open_document(path: str | Path) -> Any:
    """The PdfDocument, or PdfUnreadable saying why (encrypted, damaged, not a PDF)."""
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise PdfUnreadable("encrypted: it needs a password, so its text cannot be read") from None
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise PdfUnreadable("protected by a security handler PDFium does not support") from None
        if code == pdfium_c.FPDF_ERR_FILE:
            raise PdfUnreadable("could not be opened (missing or unreadable)") from None
        raise PdfUnreadable("damaged or not a PDF (PDFium could not read its structure)") from None
    except OSError as exc:
        raise PdfUnreadable(f"could not be opened ({exc.strerror or exc})") from None


def page_count(doc: Any) -> int:
    return len(doc)


def _clean(text: str) -> str:
    """PDFium's page text with plain newlines and no NULs (SQLite text must not hold them)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").replace("\ufffe", "")


def _page_text(doc: Any, index: int) -> str:
    page = doc[index]
    try:
        textpage = page.get_textpage()
        try:
            return _clean(textpage.get_text_range())
        finally:
            textpage.close()
    finally:
        page.close()


def page_texts(doc: Any, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, str]]:
    """(page index from 0, its text) from ``start`` up to ``stop`` (the end when None). A page
    PDFium cannot read gives "" (the others are still worth having)."""
    end = len(doc) if stop is None else min(stop, len(doc))
    for i in range(start, end):
        try:
            yield i, _page_text(doc, i)
        except pdfium.PdfiumError:
            yield i, ""


def _title_lines(doc: Any, index: int = 0) -> tuple[tuple[float, float, str], ...]:
    """A page (the first with text) cut into runs of characters of one type size and one line."""
    if len(doc) <= index:
        return ()
    page = doc[index]
    try:
        height = float(page.get_height())
        textpage = page.get_textpage()
        try:
            n = min(textpage.count_chars(), TITLE_CHARS)
            text = textpage.get_text_range(0, n) if n else ""
            matrix = pdfium_c.FS_MATRIX()
            runs: list[tuple[float, float, str]] = []
            cur: list[str] = []
            cur_size = 0.0
            cur_top = 0.0

            def flush() -> None:
                body = " ".join("".join(cur).split())
                if body:
                    runs.append((round(cur_size, 1), round(cur_top, 1), body))
                cur.clear()

            for i in range(min(n, len(text))):
                ch = text[i]
                if ch in "\r\n":
                    flush()
                    continue
                size = float(pdfium_c.FPDFText_GetFontSize(textpage, i))
                if pdfium_c.FPDFText_GetMatrix(textpage, i, ctypes.byref(matrix)):
                    # Effective size: the font size times the text matrix's scale (a 1 pt font
                    # scaled by 18 is 18 pt, as InDesign and Word write titles).
                    scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
                    if scale > 0:
                        size *= scale
                if ch.isspace():
                    cur.append(ch)
                    continue
                if cur and abs(size - cur_size) > 0.6:
                    flush()
                if not cur:
                    cur_size = size
                    box = textpage.get_charbox(i, loose=True)
                    cur_top = max(0.0, height - float(box[3]))
                cur.append(ch)
            flush()
            return tuple(runs)
        finally:
            textpage.close()
    finally:
        page.close()


def _info(doc: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        meta = doc.get_metadata_dict(skip_empty=True)
    except (pdfium.PdfiumError, UnicodeDecodeError):
        return out
    for key, value in meta.items():
        value = _clean(str(value)).strip()
        if value:
            out[str(key)] = value
    return out


_XMP_PACKET = re.compile(rb"<x(?:ap)?:x[am]p?meta\b.*?</x(?:ap)?:x[am]p?meta\s*>", re.S)
_RDF_ONLY = re.compile(rb"<rdf:RDF\b.*?</rdf:RDF\s*>", re.S)
_METADATA_DICT = re.compile(rb"/Type\s*/Metadata\b")
_STREAM = re.compile(rb"stream\r?\n")


def _windows(path: str | Path) -> list[bytes]:
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size <= 2 * XMP_WINDOW:
            return [fh.read()]
        head = fh.read(XMP_WINDOW)
        fh.seek(size - XMP_WINDOW)
        return [head, fh.read(XMP_WINDOW)]


def _inflated_packets(data: bytes) -> Iterator[bytes]:
    """Metadata streams compressed with Flate (PDFium has no call for the XMP stream, and many
    writers compress it): the bytes after ``stream`` of each ``/Type /Metadata`` dictionary."""
    for m in _METADATA_DICT.finditer(data):
        start = data.rfind(b"obj", max(0, m.start() - 400), m.start())
        s = _STREAM.search(data, m.end(), m.end() + 400)
        if s is None or b"/FlateDecode" not in data[max(start, 0) if start >= 0 else m.start() : s.start()]:
            continue
        inflater = zlib.decompressobj()
        try:
            out = inflater.decompress(data[s.end() : s.end() + XMP_MAX], XMP_MAX)
        except zlib.error:
            continue
        yield out


def find_xmp(path: str | Path) -> str:
    """The document's XMP packet as text ("" when none). Of several (images carry their own),
    the last one holding document fields (title, DOI, creators) wins: an incremental update
    appends the newer one."""
    best = ""
    best_score = -1
    for data in _windows(path):
        candidates = [m.group() for m in _XMP_PACKET.finditer(data)]
        if not candidates:
            candidates = [m.group() for m in _RDF_ONLY.finditer(data)]
        candidates += [m.group() for raw in _inflated_packets(data) for m in _XMP_PACKET.finditer(raw)]
        for packet in candidates:
            if len(packet) > XMP_MAX:
                continue
            score = sum(tag in packet for tag in (b"dc:title", b"prism:doi", b"dc:identifier", b"dc:creator", b"pdf:Producer"))
            if score >= best_score:
                best, best_score = packet.decode("utf-8", "replace"), score
    return best


def read_facts(path: str | Path, text_pages: int = 3) -> PdfFacts:
    """Everything metadata is read from, in one opening of the file."""
    doc = open_document(path)
    try:
        count = len(doc)
        first = tuple(text for _i, text in page_texts(doc, 0, text_pages))
        # The title is on the first page with text: a cover sheet or a blank first page (a
        # repository's, or an office suite's page break) comes before it.
        titled = next((i for i, text in enumerate(first) if text.strip()), 0)
        try:
            lines = _title_lines(doc, titled)
        except pdfium.PdfiumError:
            lines = ()
        info = _info(doc)
    finally:
        doc.close()
    try:
        xmp = find_xmp(path)
    except OSError:
        xmp = ""
    return PdfFacts(count, info, xmp, first, lines)


# ---- annotations made in any viewer (issue 19) ----------------------------------------------

# PDF subtype -> the word the pane shows. Markups carry the text under their quads; notes
# their contents. Other annotations (links, widgets, popups) are not a reader's remarks.
ANNOTATION_KINDS = {
    pdfium_c.FPDF_ANNOT_HIGHLIGHT: "Highlight",
    pdfium_c.FPDF_ANNOT_UNDERLINE: "Underline",
    pdfium_c.FPDF_ANNOT_STRIKEOUT: "StrikeOut",
    pdfium_c.FPDF_ANNOT_SQUIGGLY: "Squiggly",
    pdfium_c.FPDF_ANNOT_TEXT: "Note",
    pdfium_c.FPDF_ANNOT_FREETEXT: "FreeText",
}
_MARKUPS = frozenset({"Highlight", "Underline", "StrikeOut", "Squiggly"})
ANNOTATIONS_PER_PAGE = 500  # a page with more is machine-made; the rest are not listed
ANNOTATION_CHARS = 4000  # of one annotation's text or comment


@dataclass(frozen=True, slots=True)
class PdfAnnotation:
    """One remark in the file: ``page`` from 0, ``kind`` (Highlight, Underline, StrikeOut,
    Squiggly, Note, FreeText), ``text`` under a markup's quads, ``comment`` (/Contents) and
    ``author`` (/T)."""

    page: int
    kind: str
    text: str
    comment: str
    author: str


def _annot_string(annot: Any, key: bytes) -> str:
    size = pdfium_c.FPDFAnnot_GetStringValue(annot, key, None, 0)
    if size <= 2:
        return ""
    buf = ctypes.create_string_buffer(size)
    pdfium_c.FPDFAnnot_GetStringValue(annot, key, ctypes.cast(buf, ctypes.POINTER(pdfium_c.FPDF_WCHAR)), size)
    return _clean(buf.raw[: size - 2].decode("utf-16-le", "replace")).strip()[:ANNOTATION_CHARS]


def _bounded_text(textpage: Any, left: float, top: float, right: float, bottom: float) -> str:
    n = pdfium_c.FPDFText_GetBoundedText(textpage, left, top, right, bottom, None, 0)
    if n <= 0:
        return ""
    buf = ctypes.create_string_buffer(2 * (n + 1))
    got = pdfium_c.FPDFText_GetBoundedText(
        textpage, left, top, right, bottom, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)), n + 1
    )
    return buf.raw[: 2 * max(got, 0)].decode("utf-16-le", "replace")


def _text_under(annot: Any, textpage: Any) -> str:
    """The words a markup covers: each quad's bounding box read from the page, in order."""
    parts: list[str] = []
    quad = pdfium_c.FS_QUADPOINTSF()
    for q in range(min(int(pdfium_c.FPDFAnnot_CountAttachmentPoints(annot)), 200)):
        if not pdfium_c.FPDFAnnot_GetAttachmentPoints(annot, q, ctypes.byref(quad)):
            continue
        xs = (quad.x1, quad.x2, quad.x3, quad.x4)
        ys = (quad.y1, quad.y2, quad.y3, quad.y4)
        parts.append(_bounded_text(textpage, min(xs), max(ys), max(xs), min(ys)))
    return " ".join(_clean(" ".join(parts)).split())[:ANNOTATION_CHARS]


def _page_annotations(doc: Any, index: int) -> list[PdfAnnotation]:
    page = doc[index]
    out: list[PdfAnnotation] = []
    textpage: Any = None
    try:
        count = min(int(pdfium_c.FPDFPage_GetAnnotCount(page.raw)), ANNOTATIONS_PER_PAGE)
        for i in range(count):
            annot = pdfium_c.FPDFPage_GetAnnot(page.raw, i)
            if not annot:
                continue
            try:
                kind = ANNOTATION_KINDS.get(int(pdfium_c.FPDFAnnot_GetSubtype(annot)))
                if kind is None:
                    continue
                text = ""
                if kind in _MARKUPS:
                    if textpage is None:
                        textpage = page.get_textpage()
                    text = _text_under(annot, textpage.raw)
                comment = _annot_string(annot, b"Contents")
                author = _annot_string(annot, b"T")
                if text or comment:
                    out.append(PdfAnnotation(index, kind, text, comment, author))
            finally:
                pdfium_c.FPDFPage_CloseAnnot(annot)
    finally:
        if textpage is not None:
            textpage.close()
        page.close()
    return out


def read_annotations(path: str | Path) -> tuple[PdfAnnotation, ...]:
    """Every page's highlights, underlines, strike-outs, squigglies, notes and free-text boxes,
    in page order. A page PDFium cannot read contributes none (the others are still listed)."""
    doc = open_document(path)
    try:
        out: list[PdfAnnotation] = []
        for i in range(len(doc)):
            try:
                out.extend(_page_annotations(doc, i))
            except pdfium.PdfiumError:
                continue
        return tuple(out)
    finally:
        doc.close()
