"""BibTeX ``crossref`` and BibLaTeX ``xdata`` inheritance, resolved on demand.

The stored entry keeps only its own fields (and its ``crossref`` field), so it is written back
as it was read; display, citations and every non-BibTeX export ask for the resolved view, built
here with BibLaTeX's inheritance rules (biblatex manual, appendix B, "Default Inheritance
Setup"):

- a field the child lacks is inherited under the same name, except the bookkeeping fields
  (``ids``, ``crossref``, ``xref``, ``related``, ``sortkey``, ...);
- ``book``/``mvbook`` -> ``inbook``/``bookinbook``/``suppbook``: the author is the child's author
  *and* its book author;
- ``book`` -> ``inbook``..., ``collection``/``reference`` -> ``incollection``/``inreference``...,
  ``proceedings`` -> ``inproceedings``: the parent's title (and subtitle) is the book title;
  ``periodical`` -> ``article``: the journal title; ``mv*`` -> their volumes: the main title
  (kept as ``maintitle``, as BibLaTeX names it);
- the child's own values always win, name list by name list.

Two choices differ from BibLaTeX on purpose: what identifies or describes the parent itself
(its DOI, URL, abstract, keywords, note, pages, short title) is never inherited, since a chapter
citing its book's DOI as its own would be a wrong citation; and a contained child (a chapter, a
paper) still without a container title after the rules takes its parent's title, as plain
BibTeX styles print "In <parent>". Missing or circular parents are ignored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from bibliofile.model.creators import CreatorRole
from bibliofile.model.reference import Reference

__all__ = ["parent_keys", "resolve_crossref"]

# Fields that describe the parent itself, not the child.
_NOT_INHERITED = frozenset(
    {
        "crossref", "title", "subtitle", "short_title", "doi", "url", "abstract", "keywords",
        "note", "annote", "pmid", "pmcid", "eprint", "eprint_type", "pages", "article_number",
    }
)
# BibLaTeX's \noinherit list for every pair of types, and JabRef's bookkeeping fields.
_EXTRA_NOT_INHERITED = frozenset(
    {
        "ids", "crossref", "xref", "xdata", "entryset", "entrysubtype", "execute", "label",
        "options", "presort", "related", "relatedoptions", "relatedstring", "relatedtype",
        "shorthand", "shorthandintro", "sortkey", "file", "owner", "timestamp",
    }
)
# Not inherited where the parent's title becomes a book, journal or main title.
_TITLE_FAMILY = frozenset({"shorttitle", "sorttitle", "indextitle", "indexsorttitle", "titleaddon"})

_BOOKS_IN_BOOKS = frozenset({"inbook", "bookinbook", "suppbook"})
# (parent types, child types, what the parent's title becomes in the child)
_TITLE_RULES: tuple[tuple[frozenset[str], frozenset[str], str], ...] = (
    (frozenset({"mvbook"}), frozenset({"book"}) | _BOOKS_IN_BOOKS, "maintitle"),
    (
        frozenset({"mvcollection", "mvreference"}),
        frozenset({"collection", "reference", "incollection", "inreference", "suppcollection"}),
        "maintitle",
    ),
    (frozenset({"mvproceedings"}), frozenset({"proceedings", "inproceedings"}), "maintitle"),
    (frozenset({"book"}), _BOOKS_IN_BOOKS, "booktitle"),
    (
        frozenset({"collection", "reference"}),
        frozenset({"incollection", "inreference", "suppcollection"}),
        "booktitle",
    ),
    (frozenset({"proceedings"}), frozenset({"inproceedings"}), "booktitle"),
    (frozenset({"periodical"}), frozenset({"article", "suppperiodical"}), "journaltitle"),
)
_AUTHOR_IS_BOOK_AUTHOR = (frozenset({"book", "mvbook"}), _BOOKS_IN_BOOKS)

# Our item types as the BibLaTeX type they stand for, when the entry's own type is not known
# (a reference typed in the app, or imported from another format).
_BIBLATEX_TYPE = {
    "chapter": "inbook", "paper-conference": "inproceedings", "article-journal": "article",
    "article-magazine": "article", "article-newspaper": "article", "periodical": "periodical",
    "entry-encyclopedia": "inreference", "entry-dictionary": "inreference",
}
# Our contained types: a child of these needs a container title to be cited.
_CONTAINED = frozenset({"chapter", "paper-conference", "entry-encyclopedia", "entry-dictionary"}) | frozenset(
    t for t in _BIBLATEX_TYPE if t.startswith("article")
)
_MAX_DEPTH = 10


def parent_keys(ref: Reference) -> list[str]:
    """The keys ``ref`` inherits from: its ``crossref``, then its ``xdata`` entries."""
    keys: list[str] = []
    crossref = ref.fields.get("crossref", "").strip()
    if crossref:
        keys.append(crossref)
    xdata = ref.extra.get("xdata", "").strip().strip('{}"')
    keys.extend(k.strip() for k in xdata.split(",") if k.strip())
    return keys


_parent_keys = parent_keys  # the name this module used before


def _lookup(key: str, by_key: Mapping[str, Reference]) -> Reference | None:
    found = by_key.get(key)
    if found is not None:
        return found
    folded = key.casefold()  # BibTeX matches crossref keys case-insensitively
    for k, v in by_key.items():
        if k.casefold() == folded:
            return v
    return None


def resolve_crossref(ref: Reference, by_key: Mapping[str, Reference] | Reference) -> Reference:
    """A new Reference with the fields and names ``ref`` inherits from its crossref/xdata
    parents (``by_key``: references by citation key, or the one parent itself).

    ``source`` and ``edited`` are those of ``ref``, so a writer that keeps an entry as it was
    read still can; only what was missing is added.
    """
    parents = {by_key.citation_key: by_key} if isinstance(by_key, Reference) else by_key
    return _resolve(ref, parents, {ref.citation_key.casefold()}, 0)


def biblatex_type(ref: Reference) -> str:
    """The entry's BibLaTeX type: as written in its .bib file, else the nearest to its item type."""
    src = ref.source
    if src is not None and src.format == "bibtex" and src.entry_type:
        return src.entry_type.lower()
    return _BIBLATEX_TYPE.get(ref.item_type, ref.item_type)


def _title_target(parent_type: str, child_type: str) -> str:
    for parents, children, target in _TITLE_RULES:
        if parent_type in parents and child_type in children:
            return target
    return "title"


def _resolve(ref: Reference, by_key: Mapping[str, Reference], seen: set[str], depth: int) -> Reference:
    fields = dict(ref.fields)
    creators = list(ref.creators)
    extra = dict(ref.extra)
    child_type = biblatex_type(ref)
    for key in parent_keys(ref):
        if key.casefold() in seen or depth >= _MAX_DEPTH:
            continue
        found = _lookup(key, by_key)
        if found is None:
            continue
        parent = _resolve(found, by_key, seen | {key.casefold()}, depth + 1)
        parent_type = biblatex_type(found)
        target = _title_target(parent_type, child_type)
        _inherit_title(parent, target, fields, extra)
        for name, value in parent.fields.items():
            if name not in _NOT_INHERITED and name not in fields and value:
                fields[name] = value
        author_twice = parent_type in _AUTHOR_IS_BOOK_AUTHOR[0] and child_type in _AUTHOR_IS_BOOK_AUTHOR[1]
        own_roles = {c.role for c in creators}
        for c in parent.creators:
            if c.role not in own_roles:
                creators.append(c)
            if author_twice and c.role is CreatorRole.AUTHOR and CreatorRole.BOOK_AUTHOR not in own_roles:
                creators.append(dataclasses.replace(c, role=CreatorRole.BOOK_AUTHOR))
        skip = _EXTRA_NOT_INHERITED | (_TITLE_FAMILY if target != "title" else frozenset())
        for name, value in parent.extra.items():
            if name not in skip and name not in extra:
                extra[name] = value
        if ref.item_type in _CONTAINED and "container_title" not in fields:
            title = _joined_title(parent)
            if title:
                fields["container_title"] = title  # plain BibTeX styles print "In <parent>"
    return dataclasses.replace(ref, fields=fields, creators=creators, extra=extra)


def _joined_title(ref: Reference) -> str:
    title = ref.fields.get("title", "")
    subtitle = ref.fields.get("subtitle", "")
    return f"{title}: {subtitle}" if title and subtitle else title


def _inherit_title(parent: Reference, target: str, fields: dict[str, str], extra: dict[str, str]) -> None:
    """The parent's title, where BibLaTeX's rule for this pair of types puts it."""
    title = parent.fields.get("title", "")
    if not title:
        return
    if target == "title":
        if "title" not in fields:
            fields["title"] = title
            if parent.fields.get("subtitle") and "subtitle" not in fields:
                fields["subtitle"] = parent.fields["subtitle"]
    elif target == "maintitle":  # extra holds values as written in BibTeX: braced
        extra.setdefault("maintitle", "{" + title + "}")
        if parent.fields.get("subtitle"):
            extra.setdefault("mainsubtitle", "{" + parent.fields["subtitle"] + "}")
    elif "container_title" not in fields:  # booktitle, journaltitle: our container title
        fields["container_title"] = _joined_title(parent)
