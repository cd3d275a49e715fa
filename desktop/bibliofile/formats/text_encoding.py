"""Finding the text encoding of a bibliography file.

Most files are UTF-8, but JabRef and older tools wrote windows-1252 (with a ``% Encoding:``
header) and Windows tools UTF-16, sometimes without a BOM. Guessing wrong turns every accent
into mojibake, so the order is: BOM, NUL-byte pattern, declared header (only if it decodes),
strict UTF-8, charset-normalizer, and windows-1252 as the last resort.

A file can also mix encodings (entries pasted from a UTF-8 web page into an old windows-1252
file). Read whole as windows-1252, its UTF-8 accents turn into mojibake ("CafÃ©") with no
warning, so when the file is not UTF-8 but some of its lines are, each line is decoded on its
own: UTF-8 where it is, the guessed encoding elsewhere, and the guessed lines are reported.
"""

from __future__ import annotations

import codecs
import re

from bibliofile.model.problems import Problem, UnreadableFileError

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
    text, encoding, _problems = decode_bytes_reporting(data, file)
    return text, encoding


def decode_bytes_reporting(data: bytes, file: str) -> tuple[str, str, list[Problem]]:
    """``decode_bytes`` plus the problems met: the lines of a mixed-encoding file that were not
    UTF-8 and were decoded by a guess (the encoding is then "utf-8", what the rest is in)."""
    if data.startswith(codecs.BOM_UTF8):
        text = _try(data, "utf-8-sig")
        if text is not None:
            return text, "utf-8-sig", []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _try(data, "utf-16")
        if text is not None:
            return text, "utf-16", []
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        text = _try(data, utf16)
        if text is not None:
            return text, utf16, []
    if b"\x00" in data[:8192]:
        raise UnreadableFileError(file, NOT_BIBTEX)
    declared = _declared(data)
    if declared is not None:
        if _single_byte(declared) and _try(data, "utf-8") is None:
            mixed = _decode_mixed(data, file, declared)
            if mixed is not None:
                return mixed
        text = _try(data, declared)
        if text is not None:
            return text, declared, []
    text = _try(data, "utf-8")
    if text is not None:
        return text, "utf-8", []
    mixed = _decode_mixed(data, file, None)
    if mixed is not None:
        return mixed
    guess = _guess(data)
    text = _try(data, guess)
    if text is not None:
        return text, guess, []
    return data.decode("latin-1"), "latin-1", []


def _guess(data: bytes) -> str:
    """The legacy encoding of bytes that are not UTF-8 (windows-1252 unless clearly another)."""
    guess = _charset_normalizer_guess(data)
    if guess is not None and _prefer_cp1252(data, guess):
        guess = "cp1252"
    if guess is not None and _try(data, guess) is not None:
        return guess
    return "cp1252" if _try(data, "cp1252") is not None else "latin-1"


def _single_byte(encoding: str) -> bool:
    name = codecs.lookup(encoding).name
    return not name.startswith(_MULTIBYTE)


MAX_GUESSED_REPORTS = 50


def _decode_mixed(data: bytes, file: str, fallback: str | None) -> tuple[str, str, list[Problem]] | None:
    """Decode line by line when some lines are UTF-8 (with non-ASCII letters) and others are
    not; None when the file is not of that kind. ``fallback``: the encoding for the other
    lines (guessed from them when None)."""
    bom = data.startswith(codecs.BOM_UTF8)
    lines = data[3:].split(b"\n") if bom else data.split(b"\n")
    out: list[str | None] = []
    guessed: list[int] = []
    utf8_letters = False
    for i, line in enumerate(lines):
        if line.isascii():
            out.append(line.decode("ascii"))
            continue
        try:
            out.append(line.decode("utf-8"))
            utf8_letters = True
        except UnicodeDecodeError:
            out.append(None)
            guessed.append(i)
    if not guessed or not utf8_letters:
        return None
    encoding = fallback or _guess(b"\n".join(lines[i] for i in guessed))
    for i in guessed:
        decoded = _try(lines[i], encoding)
        out[i] = decoded if decoded is not None else lines[i].decode("latin-1")
    text = "\n".join(s for s in out if s is not None)
    return text, "utf-8-sig" if bom else "utf-8", _guessed_problems(file, guessed, lines, encoding)


def _guessed_problems(file: str, guessed: list[int], lines: list[bytes], encoding: str) -> list[Problem]:
    """One problem per run of guessed lines (ASCII-only lines between them do not break a run)."""
    runs: list[list[int]] = []
    for i in guessed:
        if runs and all(lines[j].isascii() for j in range(runs[-1][1] + 1, i)):
            runs[-1][1] = i
        else:
            runs.append([i, i])
    label = _LABELS.get(codecs.lookup(encoding).name, encoding)
    problems: list[Problem] = []
    for a, b in runs[:MAX_GUESSED_REPORTS]:
        where = f"line {a + 1} is" if a == b else f"lines {a + 1}-{b + 1} are"
        problems.append(
            Problem(
                file,
                a + 1,
                f"{where} not UTF-8 like the rest of the file and {'was' if a == b else 'were'} "
                f"read as {label} (a guess); check the accented letters there",
            )
        )
    if len(runs) > MAX_GUESSED_REPORTS:
        rest = runs[MAX_GUESSED_REPORTS:]
        count = sum(b - a + 1 for a, b in rest)
        problems.append(
            Problem(
                file,
                rest[0][0] + 1,
                f"{len(rest):,} more places ({count:,} lines from here on) are not UTF-8 either and "
                f"were read as {label} (a guess)",
            )
        )
    return problems


_LABELS = {"cp1252": "windows-1252", "latin_1": "Latin-1", "iso8859-15": "Latin-9"}


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
