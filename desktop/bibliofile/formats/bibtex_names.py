"""BibTeX name lists: splitting "A and B", and each name into First / von / Last / Jr.

The rules are BibTeX's own (as pybtex implements them): "First von Last", "von Last, First",
"von Last, Jr, First"; von words start with a lower-case letter; text in braces is never split.
A name wholly in braces ("{World Health Organization}") is an institution, kept as a literal.
"""

from __future__ import annotations

import re

from bibliofile.formats.latex_text import latex_to_unicode, unicode_to_latex_safe
from bibliofile.model.creators import Creator, CreatorRole

_AND_RE = re.compile(r"\s+and\s+", re.IGNORECASE)
_SPACE_RE = re.compile(r"(?:\s|(?<!\\)~)+")


def split_names(value: str) -> list[str]:
    """The names of a name-list field, split on " and " outside braces (any case)."""
    value = value.strip()
    if not value:
        return []
    if "and" not in value.lower():
        return [value]
    if "{" not in value:
        return [n for n in (p.strip() for p in _AND_RE.split(value)) if n]
    names: list[str] = []
    start = 0
    for m in _AND_RE.finditer(value):
        if m.start() < start:
            continue
        head = value[start : m.start()]
        if head.count("{") == head.count("}"):
            names.append(head)
            start = m.end()
    names.append(value[start:])
    return [n for n in (p.strip() for p in names) if n]


def _split_top(s: str, sep: str) -> list[str]:
    """Split at ``sep`` characters outside braces (``sep`` is "," or whitespace)."""
    if "{" not in s:
        if sep == ",":
            return s.split(",")
        return _SPACE_RE.split(s.strip())
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and (c == sep or (sep == " " and (c.isspace() or (c == "~" and s[i - 1] != "\\")))):
            parts.append(s[start:i])
            start = i + 1
        i += 1
    parts.append(s[start:])
    if sep == " ":
        return [p for p in parts if p]
    return parts


def _words(s: str) -> list[str]:
    words = [w for w in _split_top(s.strip(), " ") if w]
    if "\\" not in s:
        return words
    # "L.\\ Thiele": a control space separates words like a space does.
    return [w[:-1] if len(w) > 1 and w.endswith("\\") and not w.endswith("\\\\") else w for w in words]


def _special_char_is_lower(group: str) -> bool | None:
    """Case of a brace group starting with a backslash: the first letter after the command."""
    control = True
    for ch in group[1:]:
        if control:
            if not ch.isalpha():
                control = False
        elif ch.isalpha():
            return ch.islower()
    return None


def _is_von(word: str) -> bool:
    first = word[0]
    if first.isalpha():
        return first.islower()
    depth = 0
    i = 0
    n = len(word)
    while i < n:
        c = word[i]
        if c == "{":
            if depth == 0 and i + 1 < n and word[i + 1] == "\\":
                end = _group_end(word, i)
                lower = _special_char_is_lower(word[i + 1 : end])
                return bool(lower)
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and c.isalpha():
            return c.islower()
        i += 1
    return False


def _group_end(s: str, start: int) -> int:
    depth = 0
    for i in range(start, len(s)):
        if s[i] == "{":
            depth += 1
        elif s[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return len(s)


def split_name_parts(name: str) -> tuple[list[str], list[str], list[str], list[str]]:
    """(first, von, last, jr) words of one name, still in LaTeX, exactly as BibTeX splits them."""
    parts = [p.strip() for p in _split_top(name, ",")] if "," in name else [name]
    if len(parts) > 3:  # more commas than BibTeX allows: the rest is the first name
        parts = [*parts[:2], " ".join(parts[2:])]
    first: list[str] = []
    von: list[str] = []
    last: list[str] = []
    jr: list[str] = []
    if len(parts) == 1:
        words = _words(name)
        pos = next((i for i, w in enumerate(words) if _is_von(w)), len(words))
        first, von_last = words[:pos], words[pos:]
        if not von_last and first:
            von_last = [first.pop()]
        von, last = _split_von_last(von_last)
    else:
        von, last = _split_von_last(_words(parts[0]))
        first = _words(parts[-1])
        if len(parts) == 3:
            jr = _words(parts[1])
    return first, von, last, jr


def _split_von_last(words: list[str]) -> tuple[list[str], list[str]]:
    if not words:
        return [], []
    head = words[:-1]
    pos = len(head)
    while pos > 0 and not _is_von(head[pos - 1]):
        pos -= 1
    return head[:pos], head[pos:] + words[-1:]


def _decode(words: list[str]) -> str:
    return latex_to_unicode(" ".join(words)) if words else ""


_L = r"\\[ij](?![A-Za-z])|[A-Za-z]"
_SYMBOL_CHARS = {"aa": "å", "AA": "Å", "o": "ø", "O": "Ø", "ss": "ß", "ae": "æ", "AE": "Æ",
                 "oe": "œ", "OE": "Œ", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ"}
# Accents and letters that cannot change how BibTeX splits a name: decoded once per field, so
# most accented names then take the plain-text path.
_NAME_LATEX_RE = re.compile(
    rf"\{{\\(?P<a1>[`'^\"~=.])\s*(?:\{{(?P<b1>{_L})\}}|(?P<c1>{_L}))\}}"
    rf"|\{{\\(?P<a2>[cvuHkrd])(?:\s*\{{(?P<b2>{_L})\}}|\s+(?P<c2>[A-Za-z]))\}}"
    rf"|\\(?P<a3>[`'^\"~=.])\s*(?:\{{(?P<b3>{_L})\}}|(?P<c3>{_L}))"
    rf"|\\(?P<a4>[cvuHkrd])(?:\s*\{{(?P<b4>{_L})\}}|\s+(?P<c4>[A-Za-z]))"
    r"|\{\\(?P<s1>aa|AA|o|O|ss|ae|AE|oe|OE|l|L|i|j)\}"
    r"|\\(?P<s2>aa|AA|o|O|ss|ae|AE|oe|OE|l|L)(?:\{\}|(?![A-Za-z]))"
)


_NAME_LATEX_CACHE: dict[str, str] = {}


def _name_latex(m: re.Match[str]) -> str:
    text = m.group(0)
    out = _NAME_LATEX_CACHE.get(text)
    if out is None:
        sym = m.group("s1") or m.group("s2")
        if sym:
            out = _SYMBOL_CHARS[sym]
        else:
            out = latex_to_unicode(text.removeprefix("{").removesuffix("}") if text[0] == "{" else text)
        if len(_NAME_LATEX_CACHE) < 10_000:
            _NAME_LATEX_CACHE[text] = out
    return out


def _is_plain(s: str) -> bool:
    return not ("{" in s or "\\" in s or "$" in s or "--" in s or "``" in s or "''" in s)


def _parse(name: str, role: CreatorRole) -> Creator:
    name = name.strip()
    if name.lower() == "others":
        return Creator.et_al(role)
    if name.startswith("{") and _group_end(name, 0) == len(name) - 1:
        return Creator(role=role, literal=latex_to_unicode(name[1:-1]).strip())
    plain = _is_plain(name)
    if plain and "~" not in name:
        # The two common shapes, "Last, Given Names" and "Given Last", without the general rules.
        comma = name.find(",")
        if comma > 0 and name.find(",", comma + 1) < 0:
            family = name[:comma].strip()
            if " " not in family and "\t" not in family and "\n" not in family:
                return Creator(role=role, family=family, given=" ".join(name[comma + 1 :].split()))
        elif comma < 0:
            words = name.split()
            if len(words) == 2 and words[0][:1].isupper() and words[1][:1].isupper():
                return Creator(role=role, given=words[0], family=words[1])
    first, von, last, jr = split_name_parts(name)
    if plain:
        return Creator(
            role=role,
            family=" ".join(last),
            given=" ".join(first),
            particle=" ".join(von),
            suffix=" ".join(jr),
        )
    return Creator(role=role, family=_decode(last), given=_decode(first), particle=_decode(von), suffix=_decode(jr))


_CACHE: dict[tuple[str, CreatorRole], Creator] = {}


def parse_name(name: str, role: CreatorRole = CreatorRole.AUTHOR) -> Creator:
    """One BibTeX name to a Creator; "others" is the et-al marker, a braced name a literal.

    Creators are immutable, so repeated names (common in a bibliography) share one parse.
    """
    if "\\" in name:
        name = _NAME_LATEX_RE.sub(_name_latex, name)
    key = (name, role)
    creator = _CACHE.get(key)
    if creator is None:
        if len(_CACHE) > 50_000:
            _CACHE.clear()
        creator = _CACHE[key] = _parse(name, role)
    return creator


def parse_names(value: str, role: CreatorRole = CreatorRole.AUTHOR) -> list[Creator]:
    """A whole name-list field ("A and B and others") to creators in order."""
    if "\\" in value:
        value = _NAME_LATEX_RE.sub(_name_latex, value)
    return [parse_name(n, role) for n in split_names(value)]


def _is_split_by_bibtex(family: str) -> bool:
    """True when BibTeX would not read ``family`` back as one family name."""
    if "," in family or "{" in family or "}" in family:
        return True
    words = family.split()
    if len(words) > 1 and any(_is_von(w) for w in words[:-1]):
        return True
    return bool(_AND_RE.search(f" {family} "))


def _part(text: str, protect: bool) -> str:
    safe = unicode_to_latex_safe(text)
    return "{" + safe + "}" if protect else safe


def format_name(creator: Creator) -> str:
    """A creator as BibTeX writes it: "von Last, Jr, First"; an institution in braces."""
    if creator.others:
        return "others"
    if creator.literal:
        return "{" + unicode_to_latex_safe(creator.literal) + "}"
    last = _part(creator.family, _is_split_by_bibtex(creator.family))
    if creator.particle:
        particle = creator.particle
        last = f"{_part(particle, ',' in particle or bool(_AND_RE.search(f' {particle} ')))} {last}"
    given = _part(creator.given, "," in creator.given or bool(_AND_RE.search(f" {creator.given} ")))
    if creator.suffix:
        suffix = _part(creator.suffix, "," in creator.suffix or bool(_AND_RE.search(f" {creator.suffix} ")))
        return f"{last}, {suffix}, {given}"
    if given or (not creator.particle and (len(creator.family.split()) > 1 or last.startswith("{"))):
        # "Garcia Marquez," keeps a given-less two-word family from reading as "First Last".
        return f"{last}, {given}".rstrip()
    return last


def format_names(creators: list[Creator]) -> str:
    """A creator list as one BibTeX name-list value ("A and B and others")."""
    return " and ".join(format_name(c) for c in creators)
