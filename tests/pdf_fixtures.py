"""Real PDFs written by the tests for metadata and full-text extraction (issue 19).

A small PDF writer instead of a PDF-writing dependency, so each test says exactly what is in its
file: pages of Helvetica text at chosen sizes (one of the 14 standard fonts, nothing embedded),
an Info dictionary, an XMP packet (plain or Flate-compressed, as pdfTeX and Word write them),
image-only pages (a scan), and a correct xref table so PDFium opens the file without repair.
``bench/bench_fulltext.py`` writes its PDFs with it too.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

WIDTH = 612  # US Letter, in points
HEIGHT = 792


@dataclass(frozen=True)
class Line:
    """One line of text set at ``size`` points, its baseline ``y`` points from the bottom
    (None: below the previous line)."""

    text: str
    size: float = 11.0
    y: float | None = None
    scaled: bool = False  # set as a 1 pt font scaled by the text matrix (as InDesign and Word write)


@dataclass(frozen=True)
class Page:
    """A page: lines of text, or (``image``) a grey picture and no text at all, as a scanner makes."""

    lines: Sequence[Line | str] = ()
    image: bool = False


@dataclass
class PdfSpec:
    pages: Sequence[Page | Sequence[Line | str]]
    info: Mapping[str, str] = field(default_factory=dict)
    xmp: str = ""
    xmp_compressed: bool = False


def _literal(text: str) -> bytes:
    """A PDF literal string: Latin-1 (Helvetica's WinAnsi encoding) with \\ ( ) escaped."""
    raw = text.encode("latin-1", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _text_string(text: str) -> bytes:
    """An Info value: UTF-16BE with a byte-order mark when it is not Latin-1 (PDF 7.9.2.2)."""
    try:
        return _literal(text) if text.isascii() else b"<" + (b"\xfe\xff" + text.encode("utf-16-be")).hex().encode() + b">"
    except UnicodeEncodeError:
        return b"<" + (b"\xfe\xff" + text.encode("utf-16-be")).hex().encode() + b">"


def _content(page: Page) -> bytes:
    if page.image:
        # An 8x8 grey image drawn over the page: pixels, no text layer.
        return b"q 500 0 0 700 56 46 cm /Im1 Do Q"
    out = [b"BT"]
    y = HEIGHT - 72.0
    for item in page.lines:
        line = Line(item) if isinstance(item, str) else item
        if line.y is not None:
            y = line.y
        if line.scaled:
            out.append(b"/F1 1 Tf %.1f 0 0 %.1f 72 %.1f Tm %s Tj" % (line.size, line.size, y, _literal(line.text)))
        else:
            out.append(b"/F1 %.1f Tf 1 0 0 1 72 %.1f Tm %s Tj" % (line.size, y, _literal(line.text)))
        y -= line.size * 1.3
    out.append(b"ET")
    return b"\n".join(out)


def pdf_bytes(spec: PdfSpec) -> bytes:
    """The file. Objects: 1 catalog, 2 page tree, 3 font, 4 image, then per page (page,
    contents), then Info and the XMP stream when given."""
    pages = [p if isinstance(p, Page) else Page(p) for p in spec.pages]
    objects: list[bytes] = []
    first_page = 5
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(len(pages)))
    after_pages = first_page + 2 * len(pages)
    info_no = after_pages if spec.info else 0
    xmp_no = after_pages + (1 if spec.info else 0) if spec.xmp else 0
    catalog = b"<< /Type /Catalog /Pages 2 0 R"
    if xmp_no:
        catalog += b" /Metadata %d 0 R" % xmp_no
    objects.append(catalog + b" >>")
    objects.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages)))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    pixels = bytes(range(100, 164))
    objects.append(
        b"<< /Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream" % (len(pixels), pixels)
    )
    for i, page in enumerate(pages):
        stream = _content(page)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
            b"/Resources << /Font << /F1 3 0 R >> /XObject << /Im1 4 0 R >> >> /Contents %d 0 R >>"
            % (WIDTH, HEIGHT, first_page + 2 * i + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    if spec.info:
        entries = b" ".join(b"/%s %s" % (k.encode(), _text_string(v)) for k, v in spec.info.items())
        objects.append(b"<< " + entries + b" >>")
    if spec.xmp:
        data = spec.xmp.encode("utf-8")
        if spec.xmp_compressed:
            data = zlib.compress(data)
            objects.append(b"<< /Type /Metadata /Subtype /XML /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream" % (len(data), data))
        else:
            objects.append(b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream" % (len(data), data))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objects) + 1)
    if info_no:
        trailer += b" /Info %d 0 R" % info_no
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def write_pdf(path: Path, spec: PdfSpec | Sequence[Page | Sequence[Line | str]]) -> Path:
    """Write ``spec`` (or just its pages) to ``path``; returns the path."""
    if not isinstance(spec, PdfSpec):
        spec = PdfSpec(spec)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf_bytes(spec))
    return path


def xmp_packet(*, title: str = "", creators: Sequence[str] = (), doi: str = "", identifier: str = "", date: str = "") -> str:
    """An XMP packet as LaTeX's hyperxmp or a publisher writes it: dc:title (a language
    alternative), dc:creator (an ordered list), dc:identifier, prism:doi, xmp:CreateDate."""
    parts = []
    if title:
        parts.append(f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>')
    if creators:
        items = "".join(f"<rdf:li>{c}</rdf:li>" for c in creators)
        parts.append(f"<dc:creator><rdf:Seq>{items}</rdf:Seq></dc:creator>")
    if identifier:
        parts.append(f"<dc:identifier>{identifier}</dc:identifier>")
    if doi:
        parts.append(f"<prism:doi>{doi}</prism:doi>")
    if date:
        parts.append(f"<xmp:CreateDate>{date}</xmp:CreateDate>")
    body = "\n".join(parts)
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/">\n'
        f"{body}\n</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )


def paper_pages(title: str, pages: int = 3, *, first_lines: Sequence[str] = (), words: Mapping[int, str] | None = None) -> list[Page]:
    """A paper: page 1 with a running header (small), the title (large), authors, then body
    text; later pages body text. ``words`` puts a word on a page (1-based) and nowhere else."""
    out: list[Page] = []
    extra = words or {}
    for n in range(1, pages + 1):
        lines: list[Line | str] = []
        if n == 1:
            lines += [Line("Journal of Tested Results 12 (2024) 1-20", 8, 760), Line(title, 18, 700),
                      Line("Ada Lovelace and Charles Babbage", 12)]
            lines += [Line(t, 10) for t in first_lines]
        lines += [Line(f"Body text of page {n} about governance and public reform.", 10)]
        if n in extra:
            lines.append(Line(f"Here the word {extra[n]} appears.", 10))
        lines.append(Line(f"{n}", 9, 40))
        out.append(Page(lines))
    return out
