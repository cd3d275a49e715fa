"""Item types, named after CSL, with the two-way map to BibTeX and BibLaTeX entry types.

CSL names are our internal names because citations are formatted in CSL. Export uses the first
BibTeX/BibLaTeX type listed; import accepts every alias in ``BIBTEX_IMPORT``/``BIBLATEX_IMPORT``.
The table is documented in docs/adr/0003-item-types-and-fields.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ItemType:
    """One type of reference and how each format names it."""

    csl: str
    label: str
    bibtex: str
    biblatex: str


ITEM_TYPES: tuple[ItemType, ...] = (
    ItemType("article-journal", "Journal article", "article", "article"),
    ItemType("article-magazine", "Magazine article", "article", "article"),
    ItemType("article-newspaper", "Newspaper article", "article", "article"),
    ItemType("book", "Book", "book", "book"),
    ItemType("chapter", "Book chapter", "incollection", "incollection"),
    ItemType("paper-conference", "Conference paper", "inproceedings", "inproceedings"),
    ItemType("thesis", "Thesis", "phdthesis", "thesis"),
    ItemType("report", "Report", "techreport", "report"),
    ItemType("webpage", "Web page", "misc", "online"),
    ItemType("post-weblog", "Blog post", "misc", "online"),
    ItemType("dataset", "Dataset", "misc", "dataset"),
    ItemType("software", "Software", "misc", "software"),
    ItemType("manuscript", "Manuscript", "unpublished", "unpublished"),
    ItemType("patent", "Patent", "misc", "patent"),
    ItemType("legislation", "Legislation", "misc", "legislation"),
    ItemType("legal_case", "Legal case", "misc", "jurisdiction"),
    ItemType("motion_picture", "Film", "misc", "movie"),
    ItemType("interview", "Interview", "misc", "misc"),
    ItemType("speech", "Presentation", "misc", "misc"),
    ItemType("manual", "Manual", "manual", "manual"),
    ItemType("periodical", "Journal issue", "misc", "periodical"),
    ItemType("standard", "Standard", "misc", "standard"),
    ItemType("entry-encyclopedia", "Encyclopedia entry", "incollection", "inreference"),
    ItemType("entry-dictionary", "Dictionary entry", "incollection", "inreference"),
    ItemType("review", "Review", "article", "review"),
    # RIS ART/CHART/FIGURE, MAP, MUSIC/SOUND, PCOMM/ICOMM, HEAR (docs/ris-types.md)
    ItemType("graphic", "Artwork / figure", "misc", "artwork"),
    ItemType("map", "Map", "misc", "misc"),
    ItemType("song", "Audio recording", "misc", "audio"),
    ItemType("personal_communication", "Letter / personal communication", "misc", "letter"),
    ItemType("hearing", "Hearing", "misc", "misc"),
    ItemType("document", "Document", "misc", "misc"),
)

_BY_CSL = {t.csl: t for t in ITEM_TYPES}

# BibTeX/BibLaTeX entry type (lower case) -> our type. Aliases from both worlds and JabRef.
BIBTEX_IMPORT: dict[str, str] = {
    "article": "article-journal",
    "book": "book",
    "mvbook": "book",
    "bookinbook": "chapter",
    "booklet": "book",
    "collection": "book",
    "mvcollection": "book",
    "proceedings": "book",
    "mvproceedings": "book",
    "reference": "book",
    "mvreference": "book",
    "inbook": "chapter",
    "incollection": "chapter",
    "suppbook": "chapter",
    "suppcollection": "chapter",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "inreference": "entry-encyclopedia",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "manual": "manual",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "webpage": "webpage",
    "dataset": "dataset",
    "data": "dataset",
    "software": "software",
    "unpublished": "manuscript",
    "patent": "patent",
    "legislation": "legislation",
    "jurisdiction": "legal_case",
    "legal": "legal_case",
    "movie": "motion_picture",
    "video": "motion_picture",
    "periodical": "periodical",
    "suppperiodical": "article-journal",
    "standard": "standard",
    "review": "review",
    "misc": "document",
    "artwork": "document",
    "audio": "document",
    "image": "document",
    "letter": "document",
    "music": "document",
    "performance": "document",
    "set": "document",
    "xdata": "document",
}


def item_type(csl: str) -> ItemType:
    """Look up by CSL name; unknown names fall back to "document" so nothing is refused."""
    return _BY_CSL.get(csl, _BY_CSL["document"])


def from_bibtex_type(entry_type: str) -> str:
    """Our type for a BibTeX/BibLaTeX entry type; unknown types become "document"."""
    return BIBTEX_IMPORT.get(entry_type.lower(), "document")


def is_known_item_type(csl: str) -> bool:
    return csl in _BY_CSL
