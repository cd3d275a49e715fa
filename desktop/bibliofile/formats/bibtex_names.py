"""BibTeX name lists: splitting "A and B", and each name into First / von / Last / Jr.

The rules are BibTeX 0.99d's own, checked name by name against real ``bibtex`` by
bench/names_vs_bibtex.py: "First von Last", "von Last, First", "von Last, Jr, First"; words are
split at spaces, ties and hyphens; von words start with a lower-case letter; text in braces is
never split. A name wholly in braces ("{World Health Organization}") is an institution, kept as
a literal. Where we differ from BibTeX on purpose, because 8-bit BibTeX misreads text that
LaTeX prints as letters:
- a word starting with a non-ASCII letter has that letter's Unicode case ("Élise" is not von;
  BibTeX skips the bytes of "É" and reads the "l");
- a Unicode space (no-break space) separates words as ``~`` does (BibTeX reads its bytes as
  letters);
- accent commands outside braces (``\\v{Z}``, ``\\~n``) are read as the accented letter before
  splitting (BibTeX takes the case of the command, ``\\v``, or splits at the ``~``).
"""

from __future__ import annotations

import re

from bibliofile.formats.bibtex_values import group_end
from bibliofile.formats.latex_text import latex_to_unicode, unicode_to_latex_safe
from bibliofile.model.creators import Creator, CreatorRole

_AND_RE = re.compile(r"\s+and\s+", re.IGNORECASE)


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


def _is_separator(s: str, i: int) -> bool:
    """A space, a tie (``~`` but not the accent ``\\~``) or a hyphen: BibTeX's token separators.

    Any Unicode space counts (a no-break space is a space between words, as ``~`` is), where
    8-bit BibTeX would read its bytes as letters.
    """
    c = s[i]
    return c == "-" or c.isspace() or (c == "~" and (i == 0 or s[i - 1] != "\\"))


def _tokens(name: str) -> tuple[list[str], list[str], list[int]]:
    """BibTeX's tokens of one name, the separator before each, and where its commas are.

    As BibTeX's name scanner does: tokens are split at spaces, ties and hyphens outside braces;
    the separator recorded before a token is the first one after the previous token (a comma
    wins); leading separators and trailing separators and commas are dropped ("Klema, V.,"
    is "Klema, V."); a comma's position is the number of tokens before it, and commas after
    the second only separate tokens.
    """
    if "{" not in name:
        return _tokens_without_braces(name)
    n = len(name)
    i = 0
    while i < n and _is_separator(name, i):
        i += 1
    while n > i and (name[n - 1] == "," or _is_separator(name, n - 1)):
        n -= 1
    tokens: list[str] = []
    seps: list[str] = []
    commas: list[int] = []
    sep = ""
    start = -1
    depth = 0
    while i < n:
        c = name[i]
        if depth > 0:
            depth += (c == "{") - (c == "}")
        elif c == "," or _is_separator(name, i):
            if start >= 0:
                tokens.append(_control_space(name[start:i]))
                start = -1
            if c == ",":
                if len(commas) < 2:
                    commas.append(len(tokens))
                    sep = ","
            elif not sep:
                sep = c if c in "-~" else " "
        else:
            if start < 0:
                start = i
                seps.append(sep or " ")
                sep = ""
            if c == "{":
                depth = 1
        i += 1
    if start >= 0:
        tokens.append(_control_space(name[start:n]))
    return tokens, seps, commas


_TOKEN_RE = re.compile(r"(?:\\~|[^\s~,-])+")


def _tokens_without_braces(name: str) -> tuple[list[str], list[str], list[int]]:
    """``_tokens`` for the common name without braces, with a regular expression."""
    tokens: list[str] = []
    seps: list[str] = []
    commas: list[int] = []
    pos = 0
    for m in _TOKEN_RE.finditer(name):
        sep = ""
        for c in name[pos : m.start()]:
            if c == ",":
                if len(commas) < 2:
                    commas.append(len(tokens))
                    sep = ","
            elif not sep and tokens:  # separators before the first token are dropped
                sep = c if c in "-~" else " "
        seps.append(sep or " ")
        tokens.append(_control_space(m.group()))
        pos = m.end()
    return tokens, seps, commas


def _control_space(token: str) -> str:
    """ "L.\\ Thiele": a control space separates words as a space does; it is not part of "L."."""
    if len(token) > 1 and token[-1] == "\\" and token[-2] != "\\":
        return token[:-1]
    return token


# BibTeX's special characters: ``{\\ss}`` reads as lower case, ``{\\AE}`` as upper case.
_SPECIAL_IS_LOWER = {
    "i": True, "j": True, "oe": True, "ae": True, "aa": True, "o": True, "l": True, "ss": True,
    "OE": False, "AE": False, "AA": False, "O": False, "L": False,
}


def _letter_case(c: str) -> bool | None:
    """True for a lower-case letter, False for an upper-case one, None for anything caseless.

    The one deliberate difference from 8-bit BibTeX: it reads only ASCII letters and skips the
    bytes of any other, so "Élise" takes the case of its "l" and is a von word. Here a
    non-ASCII letter has its Unicode case ("Élise" is upper case, "über" lower case).
    """
    if c.isascii():
        if "a" <= c <= "z":
            return True
        if "A" <= c <= "Z":
            return False
        return None
    if c.islower():
        return True
    if c.isupper() or c.istitle():
        return False
    return None


def _is_von(word: str) -> bool:
    """BibTeX's von test of one token: the case of its first letter at brace depth 0.

    A group at depth 0 that starts with a backslash is a special character: a known one
    (``{\\ss}``, ``{\\O}``) has its own case, any other (``{\\"U}``, ``{\\v{s}}``) the case
    of the first letter after the command; a group without a backslash is skipped.
    """
    n = len(word)
    i = 0
    while i < n:
        c = word[i]
        if c == "{":
            if i + 3 < n and word[i + 1] == "\\":
                return _special_char_is_lower(word, i + 2)
            depth = 1
            i += 1
            while i < n and depth > 0:
                depth += (word[i] == "{") - (word[i] == "}")
                i += 1
            continue
        case = _letter_case(c)
        if case is not None:
            return case
        i += 1
    return False


def _special_char_is_lower(word: str, i: int) -> bool:
    """Case of the special character whose command name starts at ``word[i]``."""
    n = len(word)
    j = i
    while j < n and ("a" <= word[j] <= "z" or "A" <= word[j] <= "Z"):
        j += 1
    known = _SPECIAL_IS_LOWER.get(word[i:j])
    if known is not None:
        return known
    depth = 1
    while j < n and depth > 0:
        c = word[j]
        case = _letter_case(c)
        if case is not None:
            return case
        depth += (c == "{") - (c == "}")
        j += 1
    return False


def split_name_parts(name: str) -> tuple[list[str], list[str], list[str], list[str]]:
    """(first, von, last, jr) words of one name, still in LaTeX, exactly as BibTeX splits them.

    BibTeX's rules (bibtex.web, "Tame the BeaST" 11): tokens are split at spaces, ties and
    hyphens, so "Jean-luc Doumont" has a von "luc" and "deDoncker-Kapenga, E." a von
    "deDoncker". Without a comma, von runs from the first to the last lower-case token before
    the last token; with none, Last is the last token plus any joined to it by hyphens. With
    commas, von is every token up to the last lower-case one before the first comma. Words
    joined by a hyphen within one part stay one word ("Geyer-Schulz").
    """
    tokens, seps, commas = _tokens(name)
    count = len(tokens)
    if not commas:
        last_end = count
        von_start = next((k for k in range(count - 1) if _is_von(tokens[k])), -1)
        if von_start >= 0:
            von_end = _von_end(tokens, von_start, last_end)
        else:
            von_start = max(count - 1, 0)
            while von_start > 0 and seps[von_start] == "-":
                von_start -= 1
            von_end = von_start
        first = (0, von_start)
        jr = (0, 0)
    else:
        last_end = commas[0]
        jr_end = commas[1] if len(commas) > 1 else last_end
        von_start = 0
        von_end = _von_end(tokens, 0, last_end)
        first = (jr_end, count)
        jr = (last_end, jr_end)
    return (
        _joined(tokens, seps, *first),
        _joined(tokens, seps, von_start, von_end),
        _joined(tokens, seps, von_end, last_end),
        _joined(tokens, seps, *jr),
    )


def _von_end(tokens: list[str], von_start: int, last_end: int) -> int:
    """One past the last von token before the last token of the von-Last tokens."""
    von_end = last_end - 1
    while von_end > von_start and not _is_von(tokens[von_end - 1]):
        von_end -= 1
    return max(von_end, von_start)


def _joined(tokens: list[str], seps: list[str], start: int, end: int) -> list[str]:
    """The words of tokens[start:end]: tokens joined by a hyphen stay one word."""
    words: list[str] = []
    for k in range(max(start, 0), end):
        if k > start and seps[k] == "-":
            words[-1] += "-" + tokens[k]
        else:
            words.append(tokens[k])
    return words


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
    if name.lower() == "others" or name.rstrip(", \t\n~-").lower() == "others":  # BibTeX drops trailing commas
        return Creator.et_al(role)
    if name.startswith("{") and group_end(name, 0) == len(name) - 1:
        return Creator(role=role, literal=latex_to_unicode(name[1:-1]).strip())
    plain = _is_plain(name)
    if plain and "~" not in name and "-" not in name:
        # The two common shapes, "Last, Given Names" and "Given Last", without the general rules
        # (a hyphen may start a von token: "deDoncker-Kapenga", so those take the general path).
        comma = name.find(",")
        if comma > 0 and name.find(",", comma + 1) < 0:
            family = name[:comma].strip()
            if len(family.split()) == 1:
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
    tokens = _tokens(family)[0]
    if len(tokens) > 1 and any(_is_von(w) for w in tokens[:-1]):
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
        return f"{last}, {suffix}, {given or '{}'}"
    if given or (not creator.particle and (len(_tokens(creator.family)[0]) > 1 or last.startswith("{"))):
        # "Garcia Marquez, {}" keeps a given-less two-word family from reading as "First Last":
        # BibTeX drops a trailing comma ("Garcia Marquez," is First Garcia), not an empty group.
        return f"{last}, {given or '{}'}"
    return last


def format_names(creators: list[Creator]) -> str:
    """A creator list as one BibTeX name-list value ("A and B and others")."""
    return " and ".join(format_name(c) for c in creators)
