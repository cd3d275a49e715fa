"""Our Reference as a CSL-JSON item, the input citeproc-js formats.

CSL-JSON is the one shape every CSL processor reads, so this is the only place that knows how our
field keys, creator roles and partial dates become CSL variables. Each choice that loses or bends
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


def to_csl_json(ref: Reference, item_id: str | None = None) -> CslItem:
    """One reference as a CSL-JSON item.

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
