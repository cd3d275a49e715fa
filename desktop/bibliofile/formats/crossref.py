"""BibTeX ``crossref`` and BibLaTeX ``xdata`` inheritance, resolved on demand.

The stored entry keeps only its own fields (and its ``crossref`` field), so it is written back
as it was read; citation formatting asks for the resolved view, built here with BibLaTeX's
rules (a parent's title becomes the child's book title) and a guard against cycles.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from bibliofile.model.creators import CreatorRole
from bibliofile.model.reference import Reference

# Fields that describe the parent itself, not the child (BibLaTeX does not inherit these
# either, or they would be wrong for a chapter: its own DOI, abstract, pages).
_NOT_INHERITED = frozenset(
    {
        "crossref", "title", "subtitle", "short_title", "doi", "url", "abstract", "keywords",
        "note", "annote", "pmid", "pmcid", "eprint", "eprint_type", "pages", "article_number",
    }
)
_EXTRA_NOT_INHERITED = frozenset({"xdata", "ids", "file", "owner", "timestamp", "crossref", "xref"})
_MAX_DEPTH = 10


def _parent_keys(ref: Reference) -> list[str]:
    keys: list[str] = []
    crossref = ref.fields.get("crossref", "").strip()
    if crossref:
        keys.append(crossref)
    xdata = ref.extra.get("xdata", "").strip().strip('{}"')
    keys.extend(k.strip() for k in xdata.split(",") if k.strip())
    return keys


def _lookup(key: str, by_key: Mapping[str, Reference]) -> Reference | None:
    found = by_key.get(key)
    if found is not None:
        return found
    folded = key.casefold()  # BibTeX matches crossref keys case-insensitively
    for k, v in by_key.items():
        if k.casefold() == folded:
            return v
    return None


def resolve_crossref(ref: Reference, by_key: Mapping[str, Reference]) -> Reference:
    """A new Reference with the fields ``ref`` inherits from its crossref/xdata parents.

    The child's own values always win; missing or circular parents are ignored.
    """
    return _resolve(ref, by_key, {ref.citation_key.casefold()}, 0)


def _resolve(ref: Reference, by_key: Mapping[str, Reference], seen: set[str], depth: int) -> Reference:
    fields = dict(ref.fields)
    creators = list(ref.creators)
    extra = dict(ref.extra)
    for key in _parent_keys(ref):
        if key.casefold() in seen or depth >= _MAX_DEPTH:
            continue
        found = _lookup(key, by_key)
        if found is None:
            continue
        parent = _resolve(found, by_key, seen | {key.casefold()}, depth + 1)
        if "container_title" not in fields:
            inherited = parent.fields.get("title") or parent.fields.get("container_title")
            if inherited:
                fields["container_title"] = inherited
        for name, value in parent.fields.items():
            if name not in _NOT_INHERITED and name not in fields and value:
                fields[name] = value
        own_roles = {c.role for c in creators}
        for c in parent.creators:
            role = c.role
            if role is CreatorRole.AUTHOR:
                role = CreatorRole.BOOK_AUTHOR  # the book's author is the chapter's book author
            if role not in own_roles:
                creators.append(dataclasses.replace(c, role=role))
        for name, value in parent.extra.items():
            if name not in _EXTRA_NOT_INHERITED and name not in extra:
                extra[name] = value
    return dataclasses.replace(ref, fields=fields, creators=creators, extra=extra)
