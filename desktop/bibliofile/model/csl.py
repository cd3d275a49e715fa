"""Our Reference <-> a CSL-JSON item: the input citeproc-js formats, and the CSL-JSON file format.

CSL-JSON is the one shape every CSL processor reads, so this is the only place that knows how our
field keys, creator roles and partial dates become CSL variables (``to_csl_json``) and back
(``from_csl_json``). It lives in model/ because both citation/ and formats/ use it. Each choice that loses or bends
information is written down here, because a citation that silently drops a field is a wrong
citation:

* "and others" (``Creator.others``) has no CSL-JSON form: CSL only knows the names it is given and
  decides et al. itself from the style's et-al rules. The marker is dropped from the item.
* A name particle ("van der") is a ``non-dropping-particle``: BibTeX's "von" part stays with the
  family name in every position ("van der Berg, H."), which is how BibTeX styles print it too.
* ``inventor`` is not a CSL name variable; patents cite their inventors as authors (as Zotero does).
* ``subtitle`` has no CSL variable; it is joined to the title with ": ".
* ``manual`` is not a CSL 1.0.2 type; it is formatted as a ``book``.
* The event name goes out as both ``event-title`` (CSL 1.0.2) and ``event`` (CSL 1.0.1 styles and
  citeproc-js 1.4, which only knows ``event``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.dates import PartialDate
from bibliofile.model.fields import LIST_SEPARATOR
from bibliofile.model.reference import Reference

CslItem = dict[str, Any]

# Our field key -> CSL variable, for fields copied as plain strings. Dates, title/subtitle,
# pages, keywords and the event name have their own handling below.
TEXT_VARIABLES: dict[str, str] = {
    "short_title": "title-short",
    "language": "language",
    "container_title": "container-title",
    "collection_title": "collection-title",
    "volume": "volume",
    "issue": "issue",
    "number": "number",
    "edition": "edition",
    "number_of_pages": "number-of-pages",
    "publisher": "publisher",
    "publisher_place": "publisher-place",
    "event_place": "event-place",
    "genre": "genre",
    "medium": "medium",
    "version": "version",
    "status": "status",
    "doi": "DOI",
    "isbn": "ISBN",
    "issn": "ISSN",
    "url": "URL",
    "pmid": "PMID",
    "pmcid": "PMCID",
    "abstract": "abstract",
    "note": "note",
    "annote": "annote",
}

DATE_VARIABLES: dict[str, str] = {"date": "issued", "accessed": "accessed"}

# Our roles that are not CSL name variables.
_ROLE_VARIABLE: dict[CreatorRole, str] = {CreatorRole.INVENTOR: "author"}

# Our types that are not CSL 1.0.2 types.
_TYPE_ALIASES: dict[str, str] = {"manual": "book"}

# The item types of CSL 1.0.2.
CSL_TYPES: frozenset[str] = frozenset(
    {
        "article", "article-journal", "article-magazine", "article-newspaper", "bill", "book",
        "broadcast", "chapter", "classic", "collection", "dataset", "document", "entry",
        "entry-dictionary", "entry-encyclopedia", "event", "figure", "graphic", "hearing",
        "interview", "legal_case", "legislation", "manuscript", "map", "motion_picture",
        "musical_score", "pamphlet", "paper-conference", "patent", "performance", "periodical",
        "personal_communication", "post", "post-weblog", "regulation", "report", "review",
        "review-book", "software", "song", "speech", "standard", "thesis", "treaty", "webpage",
    }
)

_PAGE_DASHES = re.compile(r"\s*(?:--+|—)\s*")


def csl_type(item_type: str) -> str:
    """The CSL type for one of ours; anything CSL does not know is a generic ``document``."""
    t = _TYPE_ALIASES.get(item_type, item_type)
    return t if t in CSL_TYPES else "document"


def csl_name(creator: Creator) -> dict[str, str] | None:
    """One creator as a CSL name object; None for the "and others" marker (see module doc)."""
    if creator.others:
        return None
    if creator.literal:
        return {"literal": creator.literal}
    name: dict[str, str] = {}
    if creator.family:
        name["family"] = creator.family
    if creator.given:
        name["given"] = creator.given
    if creator.particle:
        name["non-dropping-particle"] = creator.particle
    if creator.suffix:
        name["suffix"] = creator.suffix
    if not name:
        return None
    if "family" not in name and "non-dropping-particle" not in name:
        # A lone given name ("Plato" typed into the wrong box) still has to print.
        return {"literal": name.get("given", "")}
    return name


def csl_names(creators: Iterable[Creator]) -> dict[str, list[dict[str, str]]]:
    """Creators grouped by CSL name variable, in their original order within each role."""
    out: dict[str, list[dict[str, str]]] = {}
    for c in creators:
        name = csl_name(c)
        if name is None:
            continue
        variable = _ROLE_VARIABLE.get(c.role, c.role.value)
        out.setdefault(variable, []).append(name)
    return out


def csl_date(date: PartialDate) -> dict[str, Any] | None:
    """A partial date as CSL date-parts ({"literal": ...} for text we could not parse)."""
    if date.literal:
        return {"literal": date.literal}
    if date.year is None:
        return None
    start = _parts(date.year, date.month, date.day)
    if date.end_year is None:
        return {"date-parts": [start]}
    end = _parts(date.end_year, date.end_month, date.end_day)
    return {"date-parts": [start, end]}


def _parts(year: int, month: int | None, day: int | None) -> list[int]:
    parts = [year]
    if month is not None:
        parts.append(month)
        if day is not None:
            parts.append(day)
    return parts


def csl_pages(pages: str) -> str:
    """BibTeX's "1--10" as "1-10", so the style's page-range-format can rewrite the range."""
    return _PAGE_DASHES.sub("-", pages.strip())


def to_csl_json(ref: Reference, item_id: str | None = None, citation: bool = False) -> CslItem:
    """One reference as a CSL-JSON item (``citation``: for the citation engine, see "status").

    ``item_id`` defaults to the citation key, then the library id; the engine passes its own
    ids so that two references with the same key still format as two items.
    """
    rid = item_id if item_id is not None else (ref.citation_key or (str(ref.id) if ref.id is not None else ""))
    item: CslItem = {"id": rid, "type": csl_type(ref.item_type)}
    if ref.citation_key:
        item["citation-key"] = ref.citation_key
    f = {k: v.strip() for k, v in ref.fields.items() if v and v.strip()}

    title = f.get("title", "")
    subtitle = f.get("subtitle", "")
    if title and subtitle:
        sep = " " if title[-1] in ":?!." else ": "
        item["title"] = f"{title}{sep}{subtitle}"
    elif title or subtitle:
        item["title"] = title or subtitle

    for key, variable in TEXT_VARIABLES.items():
        if key in f:
            item[variable] = f[key]
    if citation and item.get("status", "").casefold() == "published":
        # Published is the normal state: styles print any status ("(Published)" in APA), so it
        # stays in the library and in CSL-JSON files, and out of citations (issue 15).
        del item["status"]
    if ref.extra.get("csl:collection-number", "").strip():
        item["collection-number"] = ref.extra["csl:collection-number"].strip()  # a portal series volume
    if "number" not in item and "article_number" in f:
        item["number"] = f["article_number"]
    if "pages" in f:
        item["page"] = csl_pages(f["pages"])
    if "event_title" in f:
        item["event-title"] = f["event_title"]
        item["event"] = f["event_title"]
    if "keywords" in f:
        words = [w.strip() for w in f["keywords"].split(LIST_SEPARATOR.strip())]
        item["keyword"] = ", ".join(w for w in words if w)

    for key, variable in DATE_VARIABLES.items():
        if key in f:
            date = csl_date(PartialDate.parse(f[key]))
            if date is not None:
                item[variable] = date

    item.update(csl_names(ref.creators))
    return item


# ---- CSL-JSON item -> Reference ---------------------------------------------------------------

_VARIABLE_FIELDS: dict[str, str] = {v: k for k, v in TEXT_VARIABLES.items()}
_VARIABLE_FIELDS.update({"page": "pages", "event-title": "event_title", "event": "event_title"})
_ARTICLES = frozenset({"article-journal", "article-magazine", "article-newspaper", "review"})
_ROLES: dict[str, CreatorRole] = {r.value: r for r in CreatorRole}
# CSL types we have no type for, read as the nearest one of ours.
_TYPE_FROM_CSL: dict[str, str] = {
    "article": "article-journal",
    "bill": "legislation",
    "regulation": "legislation",
    "treaty": "legislation",
    "hearing": "legislation",
    "classic": "book",
    "collection": "book",
    "entry": "entry-encyclopedia",
    "post": "post-weblog",
    "pamphlet": "document",
    "review-book": "review",
    "broadcast": "motion_picture",
    "event": "speech",
    "performance": "speech",
    "personal_communication": "document",
    "figure": "document",
    "graphic": "document",
    "map": "document",
    "musical_score": "document",
    "song": "document",
}
_RAW_DATE = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?\s*$")


def date_from_csl(value: Any) -> PartialDate | None:
    """A CSL date ({"date-parts"}, {"raw"}, {"literal"}, or a bare string) as a partial date.

    ``season``/``circa`` have no place in our dates; the caller keeps the whole value instead.
    """
    if isinstance(value, str):
        return PartialDate.parse(value)
    if not isinstance(value, dict):
        return None
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        try:
            start = [int(p) for p in parts[0][:3]]
            end = [int(p) for p in parts[1][:3]] if len(parts) > 1 and parts[1] else []
        except (TypeError, ValueError):
            return PartialDate(literal=json_text(parts))
        s = start + [None] * (3 - len(start))  # type: ignore[list-item]
        if not end:
            return PartialDate(s[0], s[1], s[2])
        e = end + [None] * (3 - len(end))  # type: ignore[list-item]
        return PartialDate(s[0], s[1], s[2], e[0], e[1], e[2])
    for key in ("raw", "literal"):
        text = value.get(key)
        if isinstance(text, str) and text.strip():
            parsed = PartialDate.parse(text)
            if parsed.literal:
                m = _RAW_DATE.match(text)
                if m:
                    y, mo, d = (int(g) if g else None for g in m.groups())
                    return PartialDate(y, mo, d)
            return parsed
    return None


def json_text(value: Any) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def creator_from_csl(name: Any, role: CreatorRole) -> Creator | None:
    """One CSL name object; a bare string is a literal name."""
    if isinstance(name, str):
        return Creator.institution(name, role) if name.strip() else None
    if not isinstance(name, dict):
        return None
    literal = str(name.get("literal") or "")
    if literal:
        return Creator.institution(literal, role)
    particle = " ".join(
        str(p) for p in (name.get("dropping-particle"), name.get("non-dropping-particle")) if p
    )
    c = Creator(
        role=role,
        family=str(name.get("family") or ""),
        given=str(name.get("given") or ""),
        particle=particle,
        suffix=str(name.get("suffix") or ""),
    )
    return c if (c.family or c.given or c.particle) else None


_SKIP = frozenset({"type", "citation-key", "id", "custom"})
_DATE_FIELDS: dict[str, str] = {v: k for k, v in DATE_VARIABLES.items()}
_NAME_ROLES: dict[str, CreatorRole] = {**_ROLES, "inventor": CreatorRole.INVENTOR}
_KEYWORD_SPLIT = re.compile(r"[,;]")


def from_csl_json(item: CslItem) -> tuple[Reference, list[str]]:
    """A CSL-JSON item as a Reference, and notes on what could not be mapped.

    Variables we have no field for are kept in ``extra`` as ``csl:<variable>`` (JSON text for
    non-strings) so writing the item again gives them back. Plain text variables take the
    first, fast branch: this runs for every item of a 100k-item file.
    """
    from bibliofile.model.item_types import is_known_item_type

    notes: list[str] = []
    ctype = str(item.get("type") or "document")
    our_type = _TYPE_FROM_CSL.get(ctype) or (ctype if ctype in CSL_TYPES else "")
    if not our_type or not is_known_item_type(our_type):
        notes.append(f"unknown CSL type {ctype!r}, read as a document")
        our_type = "document"
    ref = Reference(item_type=our_type)
    if ctype in CSL_TYPES and ctype != our_type:
        ref.extra["csl:type"] = ctype  # a CSL type we have none for: kept for the way out
    key = item.get("citation-key") or item.get("citation-label")
    if isinstance(key, str) and key.strip():
        ref.citation_key = key.strip()
    fields = ref.fields
    for variable, value in item.items():
        field_key = _VARIABLE_FIELDS.get(variable)
        if field_key is not None and value.__class__ is str:
            if field_key not in fields:
                text = value.strip()
                if text:
                    fields[field_key] = text
            elif value:
                ref.extra[f"csl:{variable}"] = value
            continue
        if variable in _SKIP:
            continue
        if variable == "title":
            if value:
                fields["title"] = json_text(value).strip()
            continue
        role = _NAME_ROLES.get(variable)
        if role is not None:
            names = value if isinstance(value, list) else [value]
            for n in names:
                c = creator_from_csl(n, role)
                if c is not None:
                    ref.creators.append(c)
            continue
        key_of = _DATE_FIELDS.get(variable)
        if key_of is not None:
            date = date_from_csl(value)
            bends = isinstance(value, dict) and ("season" in value or "circa" in value)
            if date is not None and not date.is_empty and not bends:
                fields[key_of] = date.iso()
            elif value not in (None, "", {}):
                ref.extra[f"csl:{variable}"] = json_text(value)
            continue
        if variable == "keyword":
            words = [w.strip() for w in _KEYWORD_SPLIT.split(json_text(value))]
            joined = LIST_SEPARATOR.join(w for w in words if w)
            if joined:
                fields["keywords"] = joined
            continue
        if variable == "number" and "number" not in fields:
            text = json_text(value).strip()
            if text:
                fields["number"] = text
            continue
        text = json_text(value) if value is not None else ""
        if field_key is not None and field_key not in fields:
            if text.strip():
                fields[field_key] = text.strip()
        elif value not in (None, ""):
            ref.extra[f"csl:{variable}"] = text
    if our_type in _ARTICLES and "number" in fields:
        # An article's issue is "issue"; its "number" is the article number (eid), never a
        # second issue (BibTeX would then get two "number" fields).
        fields["article_number"] = fields.pop("number")
    return ref, notes
