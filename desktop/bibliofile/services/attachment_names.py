"""File names for stored attachments, from a pattern like citation keys' (``[auth] [year] -
[shorttitle]``), made safe on every file system the library may be copied to.

A name is what the researcher sees in the library's folder, so it keeps spaces, accents and
case (unlike a citation key); it drops what Windows, macOS or Linux refuse (``/ \\ : * ? " < >
|``, control characters, a trailing dot or space, names such as ``CON``), is never empty and
stays well under the 255-byte limit of a name. Unique without regard to case, because the
folder may sit on a case-insensitive disk: "Smith 2020 - Deep.pdf", "Smith 2020 - Deep (2).pdf".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# The same [field] values and modifiers citation keys use (their module keeps them private).
from bibliofile.services.citation_keys import FIELDS, MODIFIERS, KeySource, PatternError
from bibliofile.services.citation_keys import _field as key_field
from bibliofile.services.citation_keys import _modify as key_modify

# The extension is the file's own (".pdf" for a PDF): a pattern names the rest.
DEFAULT_NAME_PATTERN = "[auth] [year] - [shorttitle]"
FALLBACK_NAME = "Attachment"
MAX_STEM = 120  # characters: with " (999)" and an extension still far below 255 bytes of UTF-8

_PART = re.compile(r"\[([A-Za-z]+)((?::[A-Za-z]+)*)\]")
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)


def check_name_pattern(pattern: str) -> None:
    """PatternError naming the first unknown field or modifier (an empty pattern is allowed:
    every name is then the fallback)."""
    for m in _PART.finditer(pattern):
        if m.group(1) not in FIELDS:
            raise PatternError(f"unknown field [{m.group(1)}] (known: {', '.join(FIELDS)})")
        for mod in filter(None, m.group(2).split(":")):
            if mod not in MODIFIERS:
                raise PatternError(f"unknown modifier :{mod} (known: {', '.join(MODIFIERS)})")


def pattern_stem(src: KeySource, pattern: str = DEFAULT_NAME_PATTERN) -> str:
    """The pattern filled in and made safe; parts that are empty take their separators with
    them ("Smith - Deep" without a year, not "Smith  - Deep")."""
    check_name_pattern(pattern)

    def part(m: re.Match[str]) -> str:
        value = key_field(src, m.group(1))
        for mod in filter(None, m.group(2).split(":")):
            value = key_modify(value, mod)
        return value

    return safe_stem(_PART.sub(part, pattern))


def safe_stem(text: str) -> str:
    """``text`` as a file name without extension that every file system takes; never empty."""
    text = unicodedata.normalize("NFC", text)
    text = _UNSAFE.sub(" ", text)
    text = re.sub(r"\s+", " ", text)
    # Separators left dangling by empty parts: "Smith  - " -> "Smith", " - Deep" -> "Deep".
    text = re.sub(r"^[\s\-–—_.,;]+|[\s\-–—_,;]+$", "", text)
    text = re.sub(r"(\s[-–—]\s)(?:[-–—]\s)+", r"\1", text)
    text = text[:MAX_STEM].rstrip(" .")
    text = text.lstrip(".")  # no hidden files
    if not text or text.split(".")[0].strip().lower() in _RESERVED:
        text = f"{FALLBACK_NAME} {text}".strip() if text else FALLBACK_NAME
    return text


def safe_suffix(suffix: str) -> str:
    """The file's extension kept when it is a plausible one (".pdf", ".epub", ".tar"), else none."""
    suffix = suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) else ""


def unique_name(stem: str, suffix: str, taken: Iterable[str]) -> str:
    """``stem + suffix``, or with " (2)", " (3)" ... before the suffix: the first whose name,
    compared without case, is not in ``taken``."""
    used = {t.casefold() for t in taken}
    name = stem + suffix
    n = 2
    while name.casefold() in used:
        name = f"{stem} ({n}){suffix}"
        n += 1
    return name


def file_name(src: KeySource, suffix: str, taken: Iterable[str], pattern: str = DEFAULT_NAME_PATTERN) -> str:
    """The stored file's name: pattern, safe, unique among ``taken``, with the file's extension."""
    return unique_name(pattern_stem(src, pattern), safe_suffix(suffix), taken)
