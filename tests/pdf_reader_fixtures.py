"""Real PDFs written by the tests themselves, for the built-in reader (issue 19).

A few dozen lines of PDF syntax instead of a PDF-writing dependency: pages of Helvetica text
(one of the 14 standard fonts every PDF reader has, so nothing is embedded), a correct xref
table, and variants a reader must survive (a damaged file, an encrypted one). The reader's
tests and bench/bench_pdf_reader.py both use it, so the bench measures the same kind of file
the tests open.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

PAGE_WIDTH = 612  # US Letter in points; any size works, this one is what office suites write
PAGE_HEIGHT = 792


def _escape(text: str) -> str:
    """A PDF literal string body: backslash and parentheses escaped; Latin-1 only (Helvetica's
    WinAnsi encoding), anything else replaced so a test never writes a broken file."""
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def page_text(number: int, pages: int) -> list[str]:
    """The default lines of page ``number`` (1-based): a heading naming the page, then filler."""
    return [
        f"Page {number} of {pages}",
        "",
        f"This is the text of page {number}, written by the test's own PDF writer.",
        "Governance, reform and public management: a reading list's sample paper.",
    ]


def pdf_bytes(
    pages: Sequence[Sequence[str]],
    *,
    page_size: tuple[int, int] = (PAGE_WIDTH, PAGE_HEIGHT),
    rotate: dict[int, int] | None = None,
) -> bytes:
    """A PDF with one page per entry of ``pages``, each line of text set in 12 pt Helvetica from
    the top left; ``rotate`` maps a page number (1-based) to its /Rotate (90: shown turned
    clockwise, as a scanned landscape page often is). Object numbers: 1 catalog, 2 page tree,
    3 font, then (page, content) pairs."""
    width, height = page_size
    objects: list[bytes] = []
    kids = [f"{4 + 2 * i} 0 R" for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i, lines in enumerate(pages):
        content = ["BT", "/F1 12 Tf", "14 TL", f"72 {height - 72} Td"]
        for line in lines:
            content.append(f"({_escape(line)}) Tj T*")
        content.append("ET")
        stream = "\n".join(content).encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] /Rotate {(rotate or {}).get(i + 1, 0)} "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
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


def write_pdf(
    path: Path, pages: int = 5, extra: dict[int, Sequence[str]] | None = None, rotate: dict[int, int] | None = None
) -> Path:
    """``pages`` pages of default text; ``extra`` maps a page number (1-based) to more lines set
    below its default ones (a word a search must find on that page only); ``rotate`` as for
    ``pdf_bytes``."""
    body = []
    for n in range(1, pages + 1):
        body.append([*page_text(n, pages), *((extra or {}).get(n, ()))])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf_bytes(body, rotate=rotate))
    return path


def write_damaged_pdf(path: Path) -> Path:
    """A file that starts like a PDF and then is cut short and garbled (a broken download)."""
    good = pdf_bytes([page_text(1, 3), page_text(2, 3), page_text(3, 3)])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(good[:40] + b"\x00garbage\xff" * 20)
    return path


def write_not_pdf(path: Path) -> Path:
    """A file named .pdf that holds something else entirely (an HTML error page saved as PDF)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("<html><body>404 Not Found</body></html>\n", encoding="utf-8")
    return path


def write_encrypted_pdf(path: Path, password: str = "secret") -> Path:
    """A password-protected PDF (standard security handler, revision 2, RC4 40-bit: the oldest,
    enough for a file that will not open without its password). PDFium cannot encrypt, so the
    O and U entries are computed here by the algorithm of the PDF reference (7.6.3.3-4)."""
    import hashlib

    pad = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
    pw = (password.encode("latin-1") + pad)[:32]
    o_key = hashlib.md5(pw).digest()[:5]
    o_value = _rc4(o_key, pw)
    file_id = hashlib.md5(path.name.encode()).digest()
    p_value = -4
    key_input = pw + o_value + p_value.to_bytes(4, "little", signed=True) + file_id
    key = hashlib.md5(key_input).digest()[:5]
    u_value = _rc4(key, pad)
    body = pdf_bytes([page_text(1, 1)])
    objects_part = body.split(b"xref\n")[0]
    offsets = _object_offsets(objects_part)
    number = len(offsets) + 1  # the encryption dictionary comes after the file's objects
    offsets.append(len(objects_part))
    out = bytearray(objects_part)
    out += (
        b"%d 0 obj\n<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>\nendobj\n"
        % (number, o_value.hex().encode(), u_value.hex().encode(), p_value)
    )
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (number + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    ident = file_id.hex().encode()
    out += b"trailer\n<< /Size %d /Root 1 0 R /Encrypt %d 0 R /ID [<%s> <%s>] >>\n" % (number + 1, number, ident, ident)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(out))
    return path


def _object_offsets(data: bytes) -> list[int]:
    offsets = []
    n = 1
    while True:
        at = data.find(b"\n%d 0 obj\n" % n)
        if at < 0:
            return offsets
        offsets.append(at + 1)
        n += 1


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    i = j = 0
    out = bytearray()
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)
