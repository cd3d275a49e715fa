"""Citation keys from JabRef-like patterns, unique in the library, never replacing a user's key.

A pattern is literal text with ``[field:modifier...]`` parts:

- ``[auth]`` first author's family name; ``[authEtAl]`` that, plus the second author's when
  there are two, or ``EtAl`` when more; ``[authors]`` all family names (up to three);
- ``[year]``; ``[title]`` the whole title in CamelCase; ``[shorttitle]`` its first three words
  that are not function words, ``[veryshorttitle]`` the first such word;
- modifiers ``:lower``, ``:upper``, ``:abbr`` (first letter of each word).

Keys are made of ASCII letters, digits and ``-_:.+`` (accents are folded, other characters
dropped), so every BibTeX and BibLaTeX tool reads them. A key already taken gets ``a``, ``b``,
... ``z``, ``aa`` as JabRef does. Only references without a key get one, unless the user asks
to regenerate chosen ones (``regenerate``): a key from their .bib or typed by them stays.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bibliofile.services.changes import Change, unchanged

if TYPE_CHECKING:
    from bibliofile.storage.library import Library, UnitOfWork

# The window imports this module (the pattern language, DEFAULT_PATTERN) before its first rows
# are painted, so storage.curation, which imports SQLAlchemy, is imported on first use in the
# functions that read or write keys (issue 22).

DEFAULT_PATTERN = "[auth:lower][year][shorttitle:lower]"

# JabRef's list of words [shorttitle] skips (English function words).
FUNCTION_WORDS = frozenset(
    {
        "a", "about", "above", "across", "against", "along", "among", "an", "and", "around", "as",
        "at", "before", "behind", "below", "beneath", "beside", "between", "beyond", "but", "by",
        "down", "during", "except", "for", "from", "in", "inside", "into", "like", "near", "nor",
        "of", "off", "on", "onto", "or", "out", "outside", "over", "past", "since", "so", "the",
        "through", "throughout", "till", "to", "toward", "towards", "under", "underneath", "until",
        "up", "upon", "with", "within", "without", "yet",
    }
)

_PART = re.compile(r"\[([A-Za-z]+)((?::[A-Za-z]+)*)\]")
_KEEP = re.compile(r"[^A-Za-z0-9\-_:.+]")


class PatternError(ValueError):
    """A pattern with an unknown field or modifier (the message names it)."""


@dataclass(frozen=True, slots=True)
class KeySource:
    """What a key is made from: plain values, so patterns are tested without a library."""

    title: str = ""
    year: int | None = None
    authors: tuple[str, ...] = ()  # family names (or an institution's name), in order


FIELDS = ("auth", "authEtAl", "authors", "year", "title", "shorttitle", "veryshorttitle")
MODIFIERS = ("lower", "upper", "abbr")


def check_pattern(pattern: str) -> None:
    """Raise PatternError naming the first unknown field or modifier."""
    for m in _PART.finditer(pattern):
        if m.group(1) not in FIELDS:
            raise PatternError(f"unknown field [{m.group(1)}] (known: {', '.join(FIELDS)})")
        for mod in filter(None, m.group(2).split(":")):
            if mod not in MODIFIERS:
                raise PatternError(f"unknown modifier :{mod} (known: {', '.join(MODIFIERS)})")
    if not _PART.search(pattern):
        raise PatternError("a pattern needs at least one [field], e.g. [auth][year]")


def make_key(src: KeySource, pattern: str = DEFAULT_PATTERN) -> str:
    """The key a pattern gives, before making it unique ("" when the parts are all empty)."""
    check_pattern(pattern)

    def part(m: re.Match[str]) -> str:
        value = _field(src, m.group(1))
        for mod in filter(None, m.group(2).split(":")):
            value = _modify(value, mod)
        return value.replace(" ", "")

    return clean_key(_PART.sub(part, pattern))


def clean_key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ß", "ss").replace("ø", "o").replace("Ø", "O"))
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return _KEEP.sub("", folded)


def _field(src: KeySource, name: str) -> str:
    names = [_name_words(a) for a in src.authors if a.strip()]
    if name == "auth":
        return names[0] if names else ""
    if name == "authEtAl":
        if len(names) > 2:
            return names[0] + "EtAl"
        return "".join(names)
    if name == "authors":
        return "".join(names[:3]) + ("EtAl" if len(names) > 3 else "")
    if name == "year":
        return str(src.year) if src.year is not None else ""
    words = _title_words(src.title)
    if name == "title":
        return " ".join(_capitalise(w) for w in words)
    significant = [w for w in words if w.lower() not in FUNCTION_WORDS]
    if name == "shorttitle":
        return " ".join(_capitalise(w) for w in significant[:3])
    return _capitalise(significant[0]) if significant else ""  # veryshorttitle


def _modify(value: str, mod: str) -> str:
    if mod == "lower":
        return value.lower()
    if mod == "upper":
        return value.upper()
    # abbr: first letter of each word (CamelCase counts as words, as after [shorttitle])
    parts = re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", value) if " " not in value else value.split()
    return "".join(p[0] for p in parts if p)


def _name_words(name: str) -> str:
    """"van der Berg" -> "vanderBerg"; braces and punctuation go."""
    return "".join(re.findall(r"\w+", name))


def _title_words(title: str) -> list[str]:
    title = re.sub(r"[{}]|\\[A-Za-z]+\s*", "", title)
    return re.findall(r"[^\W_]+", title)


def _capitalise(word: str) -> str:
    return word[:1].upper() + word[1:]


def _suffix(n: int) -> str:
    """The n-th suffix: 0 -> a, 25 -> z, 26 -> aa, 27 -> ab ... (JabRef's order)."""
    suffix = ""
    while True:
        suffix = chr(ord("a") + n % 26) + suffix
        n = n // 26 - 1
        if n < 0:
            return suffix


def unique_key(base: str, taken: set[str]) -> str:
    """``base``, or ``base`` + a, b, ... z, aa, ab... : the first that is not taken.

    One key; for many at once use ``KeyAllocator``, which does not search from ``a`` each time.
    """
    if base not in taken:
        return base
    n = 0
    while base + _suffix(n) in taken:
        n += 1
    return base + _suffix(n)


class KeyAllocator:
    """Unique keys for many references at once, in time linear in their number.

    Searching the suffixes from ``a`` for every key made 20k identical records take a minute
    (each search walked past all the suffixes given before). Keys are only ever added, so the
    first free suffix of a base never moves back: remembering where each base's search stopped
    gives the same keys as searching from ``a`` each time.
    """

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken
        self._next: dict[str, int] = {}

    def allocate(self, base: str) -> str:
        """The first free key of ``base``'s sequence; it is marked taken."""
        if base not in self.taken:
            self.taken.add(base)
            return base
        n = self._next.get(base, 0)
        while base + _suffix(n) in self.taken:
            n += 1
        self._next[base] = n + 1
        key = base + _suffix(n)
        self.taken.add(key)
        return key


def _sources(src: Library | UnitOfWork, ids: Sequence[int]) -> dict[int, KeySource]:
    from bibliofile.storage import curation

    return {rid: KeySource(t, y, tuple(a)) for rid, (t, y, a) in curation.key_inputs(src, ids).items()}


def fill_missing(uow: UnitOfWork, ids: Iterable[int] | None = None, pattern: str = DEFAULT_PATTERN) -> dict[int, str]:
    """Give a key to each of these references (all when None) that has none; inside the
    caller's unit of work (the import's, a new reference's). Returns the keys given."""
    from bibliofile.storage import curation

    missing = curation.ids_without_key(uow, None if ids is None else list(ids))
    if not missing:
        return {}
    return _assign(uow, missing, pattern, replace=False)


def regenerate(uow: UnitOfWork, ids: Sequence[int], pattern: str = DEFAULT_PATTERN) -> dict[int, str]:
    """New keys for these references, asked for by the user; returns the keys they had."""
    return _assign(uow, list(ids), pattern, replace=True)


def _assign(uow: UnitOfWork, ids: list[int], pattern: str, replace: bool) -> dict[int, str]:
    from bibliofile.storage import curation

    check_pattern(pattern)
    keys = curation.citation_keys(uow)
    targets = set(ids)
    taken = {k for rid, k in keys.items() if k and not (replace and rid in targets)}
    sources = _sources(uow, ids)
    allocator = KeyAllocator(taken)
    new: dict[int, str] = {}
    for rid in ids:
        s = sources.get(rid)
        if s is None or not (s.title.strip() or s.authors):
            continue  # nothing to make a key from yet (a new, empty reference)
        base = make_key(s, pattern) or "ref"
        key = allocator.allocate(base)
        if keys.get(rid) != key:
            new[rid] = key
    before = curation.set_citation_keys(uow, new)
    return new if not replace else before


def regenerate_keys(uow: UnitOfWork, ids: Sequence[int], pattern: str = DEFAULT_PATTERN) -> Change:
    """``regenerate`` as an undoable operation (Regenerate Citation Keys): its undo puts back
    the keys the references had, and the redo the keys made."""
    text = "Regenerate Citation Keys"
    before = regenerate(uow, ids, pattern)
    return _undone_by(text, before) if before else unchanged(text)


def fill_missing_keys(uow: UnitOfWork, pattern: str = DEFAULT_PATTERN) -> Change:
    """``fill_missing`` over the whole library as an undoable operation (Generate Missing
    Citation Keys): its undo takes the keys given off again."""
    text = "Generate Missing Citation Keys"
    given = fill_missing(uow, None, pattern)
    return _undone_by(text, dict.fromkeys(given, "")) if given else unchanged(text)


def _undone_by(text: str, restore: Mapping[int, str]) -> Change:
    """A Change whose undo sets the keys in ``restore`` (and whose redo, the keys they replaced)."""

    def undo(u: UnitOfWork) -> Change:
        from bibliofile.storage import curation

        return _undone_by(text, curation.set_citation_keys(u, restore))

    return Change(text, undo, tuple(restore))
