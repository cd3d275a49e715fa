"""The fields a reference can carry, their groups in the detail pane, and their BibTeX names.

Field keys are our own (snake_case, close to CSL variable names). ``bibtex`` is the BibTeX field
name used on export (BibLaTeX uses ``biblatex`` where it differs); ``csl`` the CSL-JSON variable.
Fields with no BibTeX name are exported with a ``bibliofile-``-free, JabRef-compatible name where
one exists, else kept only in the library. Documented in docs/adr/0003-item-types-and-fields.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FieldGroup(StrEnum):
    MAIN = "Main"
    PUBLICATION = "Publication"
    IDENTIFIERS = "Identifiers"
    ABSTRACT = "Abstract"
    KEYWORDS = "Keywords"
    NOTES = "Notes"
    PORTAL = "Research portal"


@dataclass(frozen=True, slots=True)
class FieldDef:
    key: str
    label: str
    group: FieldGroup
    bibtex: str | None
    biblatex: str | None
    csl: str | None
    multiline: bool = False


def _f(
    key: str,
    label: str,
    group: FieldGroup,
    bibtex: str | None = None,
    biblatex: str | None = "",
    csl: str | None = "",
    multiline: bool = False,
) -> FieldDef:
    """Shorthand: biblatex defaults to the bibtex name, csl to the key with dashes."""
    return FieldDef(
        key,
        label,
        group,
        bibtex,
        bibtex if biblatex == "" else biblatex,
        key.replace("_", "-") if csl == "" else csl,
        multiline,
    )


G = FieldGroup
FIELDS: tuple[FieldDef, ...] = (
    _f("title", "Title", G.MAIN, "title"),
    _f("subtitle", "Subtitle", G.MAIN, None, "subtitle", None),
    _f("short_title", "Short title", G.MAIN, "shorttitle", "shorttitle", "title-short"),
    _f("date", "Date", G.MAIN, None, "date", "issued"),
    _f("language", "Language", G.MAIN, "language", "langid", "language"),
    _f("container_title", "Journal / book", G.PUBLICATION, "journal", "journaltitle"),
    _f("collection_title", "Series", G.PUBLICATION, "series"),
    _f("volume", "Volume", G.PUBLICATION, "volume"),
    _f("issue", "Issue", G.PUBLICATION, "number", "number", "issue"),
    _f("number", "Number", G.PUBLICATION, "number", "number", "number"),
    _f("edition", "Edition", G.PUBLICATION, "edition"),
    _f("pages", "Pages", G.PUBLICATION, "pages", "pages", "page"),
    _f("number_of_pages", "Number of pages", G.PUBLICATION, "pagetotal", "pagetotal"),
    _f("article_number", "Article number", G.PUBLICATION, "eid", "eid", "number"),
    _f("publisher", "Publisher", G.PUBLICATION, "publisher"),
    _f("publisher_place", "Place", G.PUBLICATION, "address", "location"),
    _f("event_title", "Event", G.PUBLICATION, None, "eventtitle", "event-title"),
    _f("event_place", "Event place", G.PUBLICATION, None, "venue", "event-place"),
    _f("genre", "Genre / thesis type", G.PUBLICATION, "type", "type", "genre"),
    _f("medium", "Medium", G.PUBLICATION, "howpublished", "howpublished", "medium"),
    _f("version", "Version", G.PUBLICATION, "version"),
    _f("status", "Publication status", G.PUBLICATION, "pubstate", "pubstate", "status"),
    _f("status_date", "Status date", G.PUBLICATION, None, None, None),
    _f("accessed", "Accessed", G.PUBLICATION, "urldate", "urldate", "accessed"),
    _f("doi", "DOI", G.IDENTIFIERS, "doi", "doi", "DOI"),
    _f("isbn", "ISBN", G.IDENTIFIERS, "isbn", "isbn", "ISBN"),
    _f("issn", "ISSN", G.IDENTIFIERS, "issn", "issn", "ISSN"),
    _f("url", "URL", G.IDENTIFIERS, "url", "url", "URL"),
    _f("pmid", "PMID", G.IDENTIFIERS, "pmid", "pmid", "PMID"),
    _f("pmcid", "PMCID", G.IDENTIFIERS, "pmcid", "pmcid", "PMCID"),
    _f("eprint", "E-print", G.IDENTIFIERS, "eprint", "eprint", None),
    _f("eprint_type", "E-print type", G.IDENTIFIERS, "archiveprefix", "eprinttype", None),
    _f("crossref", "Cross-reference", G.IDENTIFIERS, "crossref", "crossref", None),
    _f("abstract", "Abstract", G.ABSTRACT, "abstract", multiline=True),
    _f("keywords", "Keywords", G.KEYWORDS, "keywords"),
    _f("subject_areas", "Subject areas", G.KEYWORDS, None, None, None),
    _f("note", "Note", G.NOTES, "note", multiline=True),
    _f("annote", "Annotation", G.NOTES, "annote", "annotation", None, multiline=True),
    _f("research_output_type", "Research output", G.PORTAL, None, None, None),
    _f("peer_reviewed", "Peer-reviewed", G.PORTAL, None, None, None),
    _f("externally_published", "Externally published", G.PORTAL, None, None, None),
    _f("citation_count", "Citations", G.PORTAL, None, None, None),
    _f("citation_count_source", "Citation source", G.PORTAL, None, None, None),
    _f("citation_count_date", "Citations counted on", G.PORTAL, None, None, None),
)

FIELD_BY_KEY: dict[str, FieldDef] = {f.key: f for f in FIELDS}

# Fields that hold many values, stored joined with this separator (BibLaTeX's keywords convention).
LIST_SEPARATOR = "; "

# The portal-only fields, when exported to BibTeX, use these names so they survive our own
# round trip (and JabRef keeps unknown fields too).
EXTRA_BIBTEX_NAMES: dict[str, str] = {
    "subject_areas": "subject-areas",
    "status_date": "pubstate-date",
    "research_output_type": "research-output-type",
    "peer_reviewed": "peer-reviewed",
    "externally_published": "externally-published",
    "citation_count": "citation-count",
    "citation_count_source": "citation-count-source",
    "citation_count_date": "citation-count-date",
    "event_title": "eventtitle",
    "event_place": "venue",
    "subtitle": "subtitle",
    "date": "date",
}


def is_known_field(key: str) -> bool:
    return key in FIELD_BY_KEY
