"""PDFs with annotations as other viewers save them (issue 19): highlights and their kin over
words of the page, sticky notes and free-text boxes with an author.

The text is set in Courier (every character 0.6 of the type size wide), so a markup's quad
points can cover exactly the words a test names and the test knows which text lies under
them without asking PDFium. A small writer of its own, as tests/pdf_fixtures.py is, so each
test says what is in its file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

WIDTH = 612
HEIGHT = 792
LEFT = 72.0
SIZE = 12.0
LEADING = 18.0
CHAR = 0.6 * SIZE  # Courier's advance


@dataclass(frozen=True)
class Markup:
    """A text markup over ``words`` of ``line`` (from 0): Highlight, Underline, StrikeOut or
    Squiggly, with an optional popup comment and author."""

    line: int
    words: str
    kind: str = "Highlight"
    comment: str = ""
    author: str = ""


@dataclass(frozen=True)
class Note:
    """A sticky note (``Text``) or a box of text on the page (``FreeText``)."""

    contents: str
    author: str = ""
    kind: str = "Text"
    y: float = 700.0


@dataclass
class AnnotPage:
    lines: Sequence[str]
    markups: Sequence[Markup] = ()
    notes: Sequence[Note] = ()
    extra: Sequence[bytes] = field(default_factory=tuple)  # raw annotation dictionaries


def baseline(line: int) -> float:
    return HEIGHT - 72.0 - line * LEADING


def quad(page: AnnotPage, m: Markup) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) of the words in their line."""
    text = page.lines[m.line]
    at = text.index(m.words)
    y = baseline(m.line)
    return (LEFT + at * CHAR, y - 3.0, LEFT + (at + len(m.words)) * CHAR, y + SIZE - 1.0)


def _string(text: str) -> bytes:
    if text.isascii():
        return b"(" + text.encode().replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"
    return b"<" + (b"\xfe\xff" + text.encode("utf-16-be")).hex().encode() + b">"


def _markup(page: AnnotPage, m: Markup) -> bytes:
    left, bottom, right, top = quad(page, m)
    quads = b"%.2f %.2f %.2f %.2f %.2f %.2f %.2f %.2f" % (left, top, right, top, left, bottom, right, bottom)
    out = b"<< /Type /Annot /Subtype /%s /Rect [%.2f %.2f %.2f %.2f] /QuadPoints [%s] /C [1 1 0]" % (
        m.kind.encode(), left, bottom, right, top, quads)
    if m.comment:
        out += b" /Contents " + _string(m.comment)
    if m.author:
        out += b" /T " + _string(m.author)
    return out + b" >>"


def _note(n: Note) -> bytes:
    out = b"<< /Type /Annot /Subtype /%s /Rect [400 %.2f 560 %.2f] /Contents %s" % (
        n.kind.encode(), n.y, n.y + 40, _string(n.contents))
    if n.kind == "FreeText":
        out += b" /DA (/Helv 10 Tf 0 g)"
    if n.author:
        out += b" /T " + _string(n.author)
    return out + b" >>"


def pdf_bytes(pages: Sequence[AnnotPage]) -> bytes:
    """Objects: 1 catalog, 2 page tree, 3 font, then per page: page, contents, annotations."""
    objects: list[bytes] = [b"", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>"]
    kids: list[int] = []
    for page in pages:
        page_no = len(objects) + 1
        kids.append(page_no)
        objects.append(b"")  # the page, written once its annotations have numbers
        lines = [b"BT /F1 %.1f Tf" % SIZE]
        for i, text in enumerate(page.lines):
            lines.append(b"1 0 0 1 %.2f %.2f Tm %s Tj" % (LEFT, baseline(i), _string(text)))
        lines.append(b"ET")
        stream = b"\n".join(lines)
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        contents_no = len(objects)
        annots: list[int] = []
        for body in [_markup(page, m) for m in page.markups] + [_note(n) for n in page.notes] + list(page.extra):
            objects.append(body.replace(b"/Type /Annot", b"/Type /Annot /P %d 0 R" % page_no, 1))
            annots.append(len(objects))
        refs = b" ".join(b"%d 0 R" % a for a in annots)
        objects[page_no - 1] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R /Annots [%s] >>" % (WIDTH, HEIGHT, contents_no, refs)
        )
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.6\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def write_pdf(path: Path, pages: Sequence[AnnotPage]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf_bytes(pages))
    return path


def knox_pages() -> list[AnnotPage]:
    """Three pages as a reader of Knox (2008) left them: a highlight with a comment on page 1,
    nothing on page 2, and on page 3 an underline, a strike-out, a squiggly, a sticky note and a
    free-text box."""
    return [
        AnnotPage(
            ["Cities change faster than their maps.", "Planners read the street as text."],
            markups=[Markup(1, "read the street as text", comment="Key claim for chapter 2", author="Ada")],
        ),
        AnnotPage(["Nothing was marked on this page.", "It is the second page of three."]),
        AnnotPage(
            ["Walking is a form of reading.", "The map is never the territory.", "Old maps hide older streets."],
            markups=[
                Markup(0, "form of reading", kind="Underline"),
                Markup(1, "never", kind="StrikeOut", author="Ada"),
                Markup(2, "older streets", kind="Squiggly", comment="compare Lynch 1960"),
            ],
            notes=[Note("Check the 1998 edition", author="Ada"), Note("Boxed remark", kind="FreeText", y=600.0)],
        ),
    ]
