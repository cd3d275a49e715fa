"""Sample references for the citation tests (engine, export dialog, quick copy, export service).

One set, so an APA expectation written in one test file holds in the others. Variants that a
test needs (no DOI, one author) are made from these with ``dataclasses.replace``. Storing a
reference sets its ``id``: tests store ``copies(...)``, so no test sees another's ids.
"""

from __future__ import annotations

import copy
from dataclasses import replace

from bibliofile.model import Creator, CreatorRole, Reference

ARTICLE = Reference(
    item_type="article-journal",
    citation_key="knox2008",
    fields={
        "title": "Tumour growth in mice",
        "date": "2008-03",
        "container_title": "Journal of Cancer Research",
        "volume": "12",
        "issue": "3",
        "pages": "101--110",
        "doi": "10.1000/jcr.2008.12",
    },
    creators=[Creator(family="Knox", given="Colin"), Creator(family="Berg", given="Hans", particle="van der")],
)
ARTICLE_NO_DOI = replace(ARTICLE, fields={k: v for k, v in ARTICLE.fields.items() if k != "doi"})
BOOK = Reference(
    item_type="book",
    citation_key="fisher1971",
    fields={"title": "The design of experiments", "date": "1971", "edition": "8", "publisher": "Hafner"},
    creators=[Creator(family="Fisher", given="Ronald A.")],
)
CHAPTER = Reference(
    item_type="chapter",
    citation_key="bourdieu1986",
    fields={
        "title": "The forms of capital",
        "date": "1986",
        "container_title": "Handbook of theory and research for the sociology of education",
        "pages": "241--258",
        "publisher": "Greenwood",
    },
    creators=[
        Creator(family="Bourdieu", given="Pierre"),
        Creator(role=CreatorRole.EDITOR, family="Richardson", given="John G."),
    ],
)
UNDATED = Reference(
    item_type="book",
    citation_key="roe",
    fields={"title": "An undated pamphlet", "publisher": "Self-published"},
    creators=[Creator(family="Roe", given="Rick")],
)

APA_ARTICLE = (
    "Knox, C., & van der Berg, H. (2008). Tumour growth in mice. Journal of Cancer Research, "
    "12(3), 101–110. https://doi.org/10.1000/jcr.2008.12"
)


def copies(*refs: Reference) -> list[Reference]:
    """Fresh copies of samples, to store in a library (storing sets ``Reference.id``)."""
    return [copy.deepcopy(r) for r in refs]
