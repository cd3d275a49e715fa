"""The search-field query language, parsed to plain terms the storage layer turns into SQL.

Syntax (documented in the README): bare words match anywhere as prefixes; ``field:value`` for
author, title, year, type, tag, key, journal, doi, keyword; status, priority, rating (the
reading state); ``year:2000..2010`` ranges;
``"quoted phrase"``; ``-term`` excludes. Parsing never raises on user text: problems come back
as a hint string so the search field can show it instead of an error dialog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FIELD_ALIASES: dict[str, str] = {
    "author": "author",
    "authors": "author",
    "creator": "author",
    "editor": "author",
    "title": "title",
    "year": "year",
    "date": "year",
    "type": "type",
    "tag": "tag",
    "keyword": "keywords",
    "keywords": "keywords",
    "key": "key",
    "citekey": "key",
    "journal": "container",
    "container": "container",
    "book": "container",
    "doi": "doi",
    "abstract": "abstract",
    "note": "notes",
    "notes": "notes",
    "status": "status",
    "priority": "priority",
    "rating": "rating",
    "read": "read",
}

_TOKEN_RE = re.compile(r'\s*(-?)(?:([A-Za-z]+):)?(?:"([^"]*)"?|(\S+))')


@dataclass(frozen=True, slots=True)
class Term:
    """One condition: ``field`` is None for anywhere; ``phrase`` means match the words in order."""

    text: str
    field: str | None = None
    negated: bool = False
    phrase: bool = False
    year_from: int | None = None
    year_to: int | None = None


@dataclass(slots=True)
class Query:
    terms: list[Term] = field(default_factory=list)
    hint: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.terms


def parse_query(text: str) -> Query:
    """Parse what the user typed; unknown ``field:`` prefixes search the text as written."""
    q = Query()
    pos = 0
    text = text.strip()
    if text.count('"') % 2:
        q.hint = 'Unclosed quote: searching up to the end of the text.'
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        neg, fname, quoted, bare = m.groups()
        value = quoted if quoted is not None else (bare or "")
        phrase = quoted is not None
        fkey: str | None = None
        if fname:
            fkey = FIELD_ALIASES.get(fname.lower())
            if fkey is None:
                q.hint = f'Unknown field "{fname}:"; searching for "{fname}:{value}" as text.'
                value = f"{fname} {value}"
        if not value.strip() and not phrase:
            if fname:
                q.hint = f'"{fname}:" needs a value, e.g. {fname}:knox.'
            continue
        if fkey == "year":
            term = _year_term(value, bool(neg))
            if term is None:
                q.hint = f'"year:{value}" is not a year or a range like year:2000..2010.'
                continue
            q.terms.append(term)
            continue
        if fkey in ("rating", "priority") and not _small_number_or_range(value):
            q.hint = f'"{fname}:{value}" is not a {fkey} like {fkey}:4 or a range like {fkey}:3..5; nothing matches it.'
        q.terms.append(Term(value, fkey, bool(neg), phrase))
    if q.terms and all(t.negated for t in q.terms) and not q.hint:
        q.hint = "Only exclusions: showing everything without them."
    return q


def _year_term(value: str, negated: bool) -> Term | None:
    m = re.fullmatch(r"(\d{1,4})?\s*(?:\.\.|-|–)\s*(\d{1,4})?", value)
    if m and (m.group(1) or m.group(2)):
        lo = int(m.group(1)) if m.group(1) else None
        hi = int(m.group(2)) if m.group(2) else None
        return Term(value, "year", negated, False, lo, hi)
    if re.fullmatch(r"\d{1,4}", value):
        return Term(value, "year", negated, False, int(value), int(value))
    return None


def _small_number_or_range(value: str) -> bool:
    """``4``, ``3..5``, ``..2``: what a rating or priority can be (a few digits each side)."""
    return re.fullmatch(r"\s*\d{1,3}\s*|\s*\d{0,3}\s*\.\.\s*\d{0,3}\s*", value) is not None


def words(text: str) -> list[str]:
    """Split text into search words the way the FTS tokenizer does (letters and digits)."""
    return re.findall(r"\w+", text)
