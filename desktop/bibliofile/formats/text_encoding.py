"""Finding the text encoding of a bibliography file.

Most files are UTF-8, but JabRef and older tools wrote windows-1252 (with a ``% Encoding:``
header) and Windows tools UTF-16, sometimes without a BOM. Guessing wrong turns every accent
into mojibake, so the order is: BOM, NUL-byte pattern, declared header (only if it decodes),
strict UTF-8, charset-normalizer, and windows-1252 as the last resort.
"""

from __future__ import annotations

import codecs
import re

from bibliofile.model.problems import UnreadableFileError

NOT_BIBTEX = "is not a BibTeX file (no @entry found); nothing was imported from it"

_HEADER_RE = re.compile(rb"^[ \t]*%[ \t]*Encoding[ \t]*:[ \t]*([A-Za-z0-9_.:-]+)", re.MULTILINE)


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" when NULs sit in every other byte, as in ASCII-heavy UTF-16."""
    sample = data[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _declared(data: bytes) -> str | None:
    m = _HEADER_RE.search(data[:2048])
    if not m:
        return None
    name = m.group(1).decode("ascii")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(data: bytes, file: str) -> tuple[str, str]:
    """Decode a file's bytes; returns (text, name of the encoding used).

    Raises UnreadableFileError for binary data (images, word-processor files), which is not
    text in any encoding a bibliography uses.
    """
    if data.startswith(codecs.BOM_UTF8):
        text = _try(data, "utf-8-sig")
        if text is not None:
            return text, "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _try(data, "utf-16")
        if text is not None:
            return text, "utf-16"
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        text = _try(data, utf16)
        if text is not None:
            return text, utf16
    if b"\x00" in data[:8192]:
        raise UnreadableFileError(file, NOT_BIBTEX)
    declared = _declared(data)
    if declared is not None:
        text = _try(data, declared)
        if text is not None:
            return text, declared
    text = _try(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    guess = _charset_normalizer_guess(data)
    if guess is not None and _prefer_cp1252(data, guess):
        guess = "cp1252"
    if guess is not None:
        text = _try(data, guess)
        if text is not None:
            return text, guess
    text = _try(data, "cp1252")
    if text is not None:
        return text, "cp1252"
    return data.decode("latin-1"), "latin-1"


_MULTIBYTE = ("utf", "gb", "big5", "shift", "euc", "cp932", "cp949", "cp950", "hz", "iso2022", "johab")


def _prefer_cp1252(data: bytes, guess: str) -> bool:
    """charset-normalizer's pick among Latin code pages (cp1250, cp775, mac-roman...) is a coin
    toss on a few accented letters; such bibliographies are nearly always windows-1252.
    A guess for another script (Cyrillic, Greek...) is kept."""
    name = codecs.lookup(guess).name
    if name.startswith(_MULTIBYTE) or name == "cp1252":
        return False
    text = _try(data, name)
    if text is None or _try(data, "cp1252") is None:
        return False
    high = [c for c in text if ord(c) > 127]
    other_script = sum(1 for c in high if 0x370 <= ord(c) < 0x2000)
    return other_script * 2 < len(high)


def _charset_normalizer_guess(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:262144]).best()
    if best is None:
        return None
    encoding: str = best.encoding
    return encoding
