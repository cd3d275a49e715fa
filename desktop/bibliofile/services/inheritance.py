"""Crossref/xdata inheritance for references in a library: what a chapter shows and cites from
its book, with the stored entries left as written (so a BibTeX export writes them back unchanged).

Its own small module, apart from services/citing.py, because the detail pane needs it on the
window's start-up path and citing pulls in the citation engine and the BibTeX reader, which
the window otherwise loads only when it first cites.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from bibliofile.formats.crossref import resolve_crossref
from bibliofile.model.creators import Creator
from bibliofile.model.reference import Reference

if TYPE_CHECKING:  # only named in types: the window imports this before SQLAlchemy (issue 22)
    from bibliofile.storage.library import Library

MAX_CROSSREF_DEPTH = 10


def references_by_ids(library: Library, ids: Sequence[int]) -> list[Reference]:
    """The GUI's selection as References in table order, crossref/xdata parents resolved, so a
    chapter copied from the table cites its book's editors and publisher like `bibliofile cite`."""
    return resolve_parents(library, library.get_many(ids))


def resolve_parents(library: Library, refs: Sequence[Reference]) -> list[Reference]:
    """The references as they leave the library (citations, RIS, CSL-JSON, the detail pane):
    what they inherit through crossref/xdata filled in. The stored entries stay as written,
    so a BibTeX export writes them back unchanged."""
    if not any(parent_keys(r) for r in refs):
        return list(refs)
    parents = library_parents(library, refs)
    return [resolve_crossref(r, parents) if parent_keys(r) else r for r in refs]


def inherited_values(library: Library, ref: Reference) -> tuple[dict[str, str], list[Creator]]:
    """What a reference shows but does not store: the fields and the names it inherits."""
    if not parent_keys(ref):
        return {}, []
    resolved = resolve_crossref(ref, library_parents(library, [ref]))
    fields = {k: v for k, v in resolved.fields.items() if v and not ref.fields.get(k)}
    return fields, resolved.creators[len(ref.creators) :]


def library_parents(library: Library, refs: Iterable[Reference]) -> dict[str, Reference]:
    """Every crossref/xdata ancestor of ``refs``, fetched by key a generation at a time."""
    found: dict[str, Reference] = {}
    wanted = {k for r in refs for k in parent_keys(r)}
    for _ in range(MAX_CROSSREF_DEPTH):
        wanted -= found.keys()
        if not wanted:
            break
        parents = library.get_many(library.by_citation_key(sorted(wanted)))
        for p in parents:
            found.setdefault(p.citation_key, p)
        wanted = {k for p in parents for k in parent_keys(p)}
    return found


def parent_keys(ref: Reference) -> list[str]:
    keys = [ref.fields.get("crossref", "").strip()]
    keys += ref.extra.get("xdata", "").strip().strip('{}"').split(",")
    return [k.strip() for k in keys if k.strip()]


