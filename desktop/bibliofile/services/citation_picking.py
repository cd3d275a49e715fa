"""What the quick citation picker reads: references found as the user types, and the cites made
of the ones picked (citation key and CSL-JSON item each).

The picker searches with the search field's language (``Library.search``: words, ``year:``,
``tag:``, quotes, OR) so what finds a reference in the window finds it in the picker, and shows
the first ``limit`` by author then year, enough to choose from while typing; the count says how
many more there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bibliofile.citation.csl_json import to_csl_json
from bibliofile.services.cayw_formats import PickedCite
from bibliofile.services.citation_keys import clean_key
from bibliofile.services.inheritance import resolve_parents
from bibliofile.storage.library import Library

PICKER_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Candidate:
    """One reference the picker lists: "Knox 2008 — Title"."""

    id: int
    authors: str
    year: int | None
    title: str
    citation_key: str

    def label(self) -> str:
        who = " ".join(p for p in (self.authors or "(no author)", str(self.year) if self.year else "") if p)
        return f"{who} — {self.title or '(untitled)'}"


@dataclass(frozen=True, slots=True)
class Found:
    """A search's first candidates and how many references matched in all."""

    query: str
    candidates: list[Candidate]
    total: int


@dataclass(frozen=True, slots=True)
class CiteChoice:
    """What the user set for one picked reference before its item is read."""

    id: int
    locator: str = ""
    label: str = "page"
    prefix: str = ""
    suffix: str = ""
    suppress_author: bool = False


def find_candidates(library: Library, query: str, limit: int = PICKER_LIMIT) -> Found:
    """The references matching ``query`` (the search field's syntax), first ``limit`` of them by
    author and year; an empty query finds nothing (the picker lists nothing until typed into)."""
    if not query.strip():
        return Found(query, [], 0)
    ids = library.search(query, sort="authors")
    head = ids[:limit]
    rows = library.rows(head, ["authors", "year", "title", "citation_key"])
    out = []
    for rid in head:
        row = rows.get(rid)
        if row is None:
            continue
        authors, year, title, key = row
        out.append(Candidate(rid, str(authors or ""), int(year) if year else None, str(title or ""), str(key or "")))
    return Found(query, out, len(ids))


def export_key(key: str, rid: int) -> str:
    """The key a reference is written under in a .bib export (bibtex_writer.written_key: its
    cleaned key, else ``ref-<id>``), so a cite matches the auto-exported file."""
    return clean_key(key) or f"ref-{rid}"


def picked_cites(library: Library, choices: Sequence[CiteChoice]) -> list[PickedCite]:
    """The cites of the picked references, in the order picked, each with its CSL-JSON item
    (crossref parents resolved, the item's id its export key). References deleted since they
    were listed are left out."""
    refs = resolve_parents(library, library.get_many(list(dict.fromkeys(c.id for c in choices))))
    by_id = {r.id: r for r in refs if r.id is not None}
    out = []
    for c in choices:
        ref = by_id.get(c.id)
        if ref is None:
            continue
        key = export_key(ref.citation_key, c.id)
        item = to_csl_json(ref, item_id=key, citation=True)
        out.append(PickedCite(c.id, key, item, c.locator.strip(), c.label or "page", c.prefix, c.suffix, c.suppress_author))
    return out
