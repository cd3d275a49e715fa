"""Editing references: pure "make a changed copy" functions and one transaction to store an edit.

The GUI's undo stack keeps (before, after) pairs of plain References; ``apply_edits`` stores the
change between them as one unit of work. It applies only what differs between before and after
onto the stored reference, so undoing one field never reverts a change made to another field in
between. Which fields the detail pane shows for each item type is decided here too, so the
CLI and any other front end see the same fields with the same labels.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, cast

from bibliofile.model.creators import Creator
from bibliofile.model.fields import FIELD_BY_KEY, FIELDS, FieldDef
from bibliofile.model.item_types import is_known_item_type
from bibliofile.model.reference import Reference
from bibliofile.services import citation_keys

if TYPE_CHECKING:  # only named in types: the window imports this before SQLAlchemy (issue 22)
    from bibliofile.storage.library import Library

CITATION_KEY = "citation_key"


class InvalidCitationKey(ValueError):
    """A typed citation key BibTeX (or LaTeX's \\cite) cannot carry; ``str()`` says why.

    Refused at entry, so an export can never be forged through a key like ``k,x}\\n@misc{``.
    """


def check_citation_key(key: str) -> None:
    """Raise InvalidCitationKey when ``key`` holds a character BibTeX cannot carry."""
    from bibliofile.formats.bibtex_values import key_problem

    problem = key_problem(key)
    if problem is not None:
        raise InvalidCitationKey(f"{problem}; the key was not changed")
ITEM_TYPE = "item_type"

# Shown for every type: what a researcher looks for first, and what a citation always needs.
_ALWAYS = ("title", "short_title", "date", "language", "doi", "url", "abstract",
           "keywords", "note")

# Per type: the publication fields a researcher expects, with the label that type uses.
# A value of None keeps the field's own label.
_TYPE_FIELDS: dict[str, dict[str, str | None]] = {
    "article-journal": {"container_title": "Journal", "volume": None, "issue": None,
                        "pages": None, "article_number": None, "status": "Status", "issn": None,
                        "pmid": None},
    "article-magazine": {"container_title": "Magazine", "volume": None, "issue": None,
                         "pages": None, "issn": None},
    "article-newspaper": {"container_title": "Newspaper", "edition": None, "pages": None,
                          "publisher_place": "Place", "issn": None},
    "book": {"collection_title": None, "volume": None, "edition": None, "publisher": None,
             "publisher_place": "Place", "number_of_pages": None, "isbn": None},
    "chapter": {"container_title": "Book title", "collection_title": None, "volume": None,
                "edition": None, "pages": None, "publisher": None, "publisher_place": "Place",
                "isbn": None, "crossref": None},
    "paper-conference": {"container_title": "Proceedings title", "event_title": "Conference",
                         "event_place": "Conference place", "volume": None, "pages": None,
                         "publisher": None, "publisher_place": "Place", "isbn": None,
                         "crossref": None},
    "thesis": {"genre": "Thesis type", "publisher": "University",
               "publisher_place": "Place", "number_of_pages": None},
    "report": {"genre": "Report type", "number": "Report number", "publisher": "Institution",
               "publisher_place": "Place", "collection_title": None, "pages": None},
    "webpage": {"container_title": "Website", "accessed": None},
    "post-weblog": {"container_title": "Blog", "accessed": None},
    "dataset": {"publisher": "Repository", "version": None, "medium": "Format",
                "accessed": None},
    "software": {"publisher": None, "version": None, "medium": "Platform", "accessed": None},
    "manuscript": {"genre": "Manuscript type", "publisher_place": "Place",
                   "number_of_pages": None},
    "patent": {"number": "Patent number", "publisher": "Issuing authority",
               "publisher_place": "Country", "status": "Status"},
    "legislation": {"container_title": "Code", "number": "Number", "pages": "Section"},
    "legal_case": {"container_title": "Reporter", "volume": None, "pages": "First page",
                   "number": "Docket number", "publisher": "Court"},
    "motion_picture": {"publisher": "Distributor", "genre": None, "medium": None},
    "interview": {"medium": None, "publisher_place": "Place"},
    "speech": {"event_title": "Event", "event_place": "Event place", "genre": "Type"},
    "manual": {"edition": None, "version": None, "publisher": "Organization",
               "publisher_place": "Place"},
    "periodical": {"volume": None, "issue": None, "publisher": None, "issn": None},
    "standard": {"number": "Standard number", "version": None, "publisher": "Organization",
                 "status": "Status"},
    "entry-encyclopedia": {"container_title": "Encyclopedia", "volume": None, "pages": None,
                           "edition": None, "publisher": None, "publisher_place": "Place",
                           "crossref": None},
    "entry-dictionary": {"container_title": "Dictionary", "volume": None, "pages": None,
                         "edition": None, "publisher": None, "publisher_place": "Place",
                         "crossref": None},
    "review": {"container_title": "Journal", "volume": None, "issue": None, "pages": None},
    "document": {"publisher": None, "publisher_place": "Place", "genre": "Type",
                 "number": None, "medium": None},
}

# Web-only types get "Accessed"; every type keeps the URL row from _ALWAYS.
_DOI_PREFIX = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


# ---- which fields to show -------------------------------------------------------------------

def fields_for_type(item_type: str) -> list[FieldDef]:
    """The fields the detail pane shows for a type, in FIELDS order, labelled the way the type
    names them ("Journal" for an article's container, "University" for a thesis' publisher)."""
    typed = _TYPE_FIELDS.get(item_type, _TYPE_FIELDS["document"])
    out: list[FieldDef] = []
    for f in FIELDS:
        if f.key in typed:
            label = typed[f.key]
            out.append(dataclasses.replace(f, label=label) if label else f)
        elif f.key in _ALWAYS:
            out.append(f)
    return out


def visible_fields(refs: Sequence[Reference]) -> list[FieldDef]:
    """What to show for these references: their type's fields plus every known field that has
    a value in any of them, so nothing stored is ever hidden. Labels follow the type when all
    references share one; mixed types get the plain labels."""
    types = {r.item_type for r in refs}
    by_key: dict[str, FieldDef] = {}
    if len(types) == 1:
        by_key = {f.key: f for f in fields_for_type(next(iter(types)))}
    else:
        for t in sorted(types):
            by_key.update({f.key: FIELD_BY_KEY[f.key] for f in fields_for_type(t)})
    filled = {k for r in refs for k, v in r.fields.items() if v}
    return [by_key.get(f.key, f) for f in FIELDS if f.key in by_key or f.key in filled]


def other_field_keys(refs: Sequence[Reference]) -> list[str]:
    """Fields this version does not know (unknown keys and raw ``extra`` fields), sorted."""
    keys = {k for r in refs for k, v in r.fields.items() if v and k not in FIELD_BY_KEY}
    keys |= {k for r in refs for k in r.extra}
    return sorted(keys)


# ---- reading values -------------------------------------------------------------------------

def get_value(ref: Reference, key: str) -> str:
    """A field's value by key; ``citation_key`` and ``item_type`` are the reference's own."""
    if key == CITATION_KEY:
        return ref.citation_key
    if key == ITEM_TYPE:
        return ref.item_type
    if key in ref.fields or key in FIELD_BY_KEY:
        return ref.fields.get(key, "")
    return ref.extra.get(key, "")


def common_fields(refs: Sequence[Reference]) -> dict[str, str | None]:
    """Each field any of the references has: its value when all agree, else None (shown as
    "(multiple values)"). A missing field counts as "". Includes ``item_type`` and
    ``citation_key``."""
    if not refs:
        return {}
    keys = [ITEM_TYPE, CITATION_KEY]
    seen = set(keys)
    for r in refs:
        for k in [*r.fields, *r.extra]:
            if k not in seen:
                seen.add(k)
                keys.append(k)
    out: dict[str, str | None] = {}
    for k in keys:
        values = {get_value(r, k) for r in refs}
        out[k] = values.pop() if len(values) == 1 else None
    return out


def common_creators(refs: Sequence[Reference]) -> list[Creator] | None:
    """The creator list when all references have the same one, else None."""
    if not refs:
        return []
    first = refs[0].creators
    return list(first) if all(r.creators == first for r in refs[1:]) else None


# ---- changed copies -------------------------------------------------------------------------

def copy_reference(ref: Reference) -> Reference:
    """A copy whose fields, creators, extra and source can change without touching ``ref``."""
    return dataclasses.replace(
        ref,
        fields=dict(ref.fields),
        creators=list(ref.creators),
        extra=dict(ref.extra),
        source=copy.deepcopy(ref.source),
    )


def _edited_copy(ref: Reference) -> Reference:
    """A copy marked edited: what an edit produces (undo stores the unmarked original)."""
    out = copy_reference(ref)
    out.edited = True
    return out


def normalize_value(key: str, value: str) -> str:
    """What is stored for typed text: single-line fields are trimmed; a DOI pasted as a link
    ("https://doi.org/10.1/x", "doi:10.1/x") is stored as the bare DOI."""
    f = FIELD_BY_KEY.get(key)
    if f is not None and f.multiline:
        return value.rstrip()
    value = " ".join(value.split()) if key in ("title", "subtitle", "short_title") else value.strip()
    if key == "doi":
        value = _DOI_PREFIX.sub("", value).strip()
    return value


def set_field(ref: Reference, key: str, value: str) -> Reference:
    """A copy of ``ref`` with one field set (an empty value removes it).

    ``citation_key`` sets the key; keys this version does not know write the raw ``extra`` field
    if the reference has one (kept as written in the file), else a plain field.
    """
    if key == ITEM_TYPE:
        return set_item_type(ref, value)
    out = _edited_copy(ref)
    value = normalize_value(key, value)
    if key == CITATION_KEY:
        check_citation_key(value)
        out.citation_key = value
    elif key not in FIELD_BY_KEY and key in out.extra and key not in out.fields:
        if value:
            out.extra[key] = value
        else:
            del out.extra[key]
    elif value:
        out.fields[key] = value
    else:
        out.fields.pop(key, None)
    return out


def set_creators(ref: Reference, creators: Iterable[Creator]) -> Reference:
    out = _edited_copy(ref)
    out.creators = list(creators)
    return out


def set_item_type(ref: Reference, item_type: str) -> Reference:
    """A copy with another type. Fields the new type does not usually show are kept (and stay
    visible because they have values), so changing the type back loses nothing."""
    if not is_known_item_type(item_type):
        raise ValueError(f"unknown item type {item_type!r}")
    out = _edited_copy(ref)
    out.item_type = item_type
    return out


# ---- storing --------------------------------------------------------------------------------

def _merge(current: Reference, before: Reference, after: Reference) -> Reference:
    """``current`` with the changes from ``before`` to ``after`` (a three-way merge by field)."""
    out = copy_reference(current)
    for attr in ("fields", "extra"):
        b: dict[str, str] = getattr(before, attr)
        a: dict[str, str] = getattr(after, attr)
        target: dict[str, str] = getattr(out, attr)
        for k in set(b) | set(a):
            if b.get(k) != a.get(k):
                if k in a:
                    target[k] = a[k]
                else:
                    target.pop(k, None)
    if before.creators != after.creators:
        out.creators = list(after.creators)
    if before.item_type != after.item_type:
        out.item_type = after.item_type
    if before.citation_key != after.citation_key:
        out.citation_key = after.citation_key
    return out


def apply_edits(
    library: Library,
    edits: Sequence[tuple[Reference, Reference]],
    key_pattern: str = citation_keys.DEFAULT_PATTERN,
) -> list[int]:
    """Store edits of one or many references as one transaction; returns the ids written.

    References deleted for good in the meantime are skipped; edits with no change write nothing.
    A reference still without a citation key gets one from ``key_pattern`` once it has a title
    or authors (a new reference's first edits).
    """
    wanted = [(b, a) for b, a in edits if b.id is not None and b.id == a.id]
    if len(wanted) != len(edits):
        raise ValueError("before and after must be the same stored reference")
    for b, a in wanted:
        if a.citation_key != b.citation_key:
            check_citation_key(a.citation_key)
    current = {r.id: r for r in library.get_many([cast(int, b.id) for b, _ in wanted])}
    written: list[tuple[Reference, bool]] = []
    for before, after in wanted:
        now = current.get(before.id)
        if now is None:
            continue
        merged = _merge(now, before, after)
        if _same_data(merged, now):
            continue
        # Undo back to the pristine import leaves the entry unedited, so it exports verbatim again.
        pristine = not after.edited and _same_data(merged, after)
        written.append((merged, not pristine))
    if written:
        with library.write() as uow:
            uow.update_many(written)
            citation_keys.fill_missing(uow, [cast(int, r.id) for r, _ in written], key_pattern)
    return [cast(int, r.id) for r, _ in written]


def apply_edit(library: Library, before: Reference, after: Reference) -> None:
    """Store one reference's edit as one transaction (marks it edited)."""
    apply_edits(library, [(before, after)])


def edit_all(
    refs: Sequence[Reference], change: Callable[[Reference], Reference]
) -> list[tuple[Reference, Reference]]:
    """(before, after) pairs for the references ``change`` actually changes."""
    pairs = [(r, change(r)) for r in refs]
    return [(b, a) for b, a in pairs if not _same_data(b, a)]


def _same_data(a: Reference, b: Reference) -> bool:
    return (
        a.fields == b.fields
        and a.extra == b.extra
        and a.creators == b.creators
        and a.item_type == b.item_type
        and a.citation_key == b.citation_key
    )


# ---- links and inherited values -------------------------------------------------------------

def doi_url(doi: str) -> str:
    """The resolver link for a DOI, or "" when there is none."""
    from urllib.parse import quote

    d = normalize_value("doi", doi)
    return f"https://doi.org/{quote(d, safe='/:;()._-')}" if d else ""


def web_url(url: str) -> str:
    """The URL if it is safe to hand to a browser (http, https, ftp), else ""."""
    u = url.strip()
    if re.match(r"^(https?|ftp)://\S+$", u, re.IGNORECASE):
        return u
    if re.match(r"^www\.\S+$", u, re.IGNORECASE):
        return "https://" + u
    return ""


def inherited_fields(library: Library, ref: Reference) -> dict[str, str]:
    """Values a reference inherits through its ``crossref`` and does not store itself.

    Uses ``bibliofile.formats.crossref.resolve_crossref(child, parent) -> Reference`` when that
    module exists; without it (or without a parent in the library) nothing is inherited.
    """
    key = ref.fields.get("crossref", "").strip()
    if not key:
        return {}
    try:
        module = importlib.import_module("bibliofile.formats.crossref")
    except ModuleNotFoundError:
        return {}
    resolve = getattr(module, "resolve_crossref", None)
    if resolve is None:
        return {}
    ids = library.by_citation_key([key])
    if not ids:
        return {}
    parent = library.get(ids[0])
    merged = cast(Reference, resolve(ref, parent))
    return {k: v for k, v in merged.fields.items() if v and not ref.fields.get(k)}
