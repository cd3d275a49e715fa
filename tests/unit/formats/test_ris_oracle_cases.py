"""RIS records where our reader disagreed with Zotero's RIS translator and we were wrong (issue 15).

Each fixture is written here in the form the oracle comparison (bench/ris_vs_oracles.py) found it:
EndNote's keywords one per line after a single KW tag, and a DOI exported in M3 (type of work).
"""

from __future__ import annotations

from bibliofile.formats.ris import read_ris, write_ris
from bibliofile.model.reference import Reference


def _one(text: str) -> Reference:
    result = read_ris(text, "t.ris")
    refs = [r for r in result.items if isinstance(r, Reference)]
    assert len(refs) == 1
    return refs[0]


ENDNOTE_KEYWORDS = """TY  - JOUR
TI  - Snake microsatellites
KW  - population genetics
Agkistrodon contortrix
next-generation sequencing; 454
KW  - loci
ER  -
"""


def test_untagged_lines_after_kw_are_keywords_of_their_own() -> None:
    # Zotero reads each line as a keyword; we joined them into "population genetics Agkistrodon ...".
    ref = _one(ENDNOTE_KEYWORDS)
    assert ref.fields["keywords"].split("; ") == [
        "population genetics", "Agkistrodon contortrix", "next-generation sequencing", "454", "loci",
    ]


def test_keywords_read_from_lines_survive_a_write_and_read() -> None:
    ref = _one(ENDNOTE_KEYWORDS)
    again = _one(write_ris([ref]))
    assert again.fields["keywords"] == ref.fields["keywords"]


def test_other_tags_still_continue_on_untagged_lines() -> None:
    ref = _one("TY  - JOUR\nTI  - A title\nwrapped here\nKW  - one\nER  - \n")
    assert ref.fields["title"] == "A title wrapped here"
    assert ref.fields["keywords"] == "one"


SCIENCEDIRECT_M3 = """TY  - JOUR
TI  - From basic to applied research
DO  - 10.3109/07434618.2014.906498
M3  - doi: 10.3109/07434618.2014.906498
ER  -
"""


def test_a_doi_in_m3_is_not_the_genre_and_is_kept() -> None:
    # Zotero and JabRef do not take "doi: 10...." in M3 (type of work) as the genre; styles print it.
    ref = _one(SCIENCEDIRECT_M3)
    assert "genre" not in ref.fields
    assert ref.fields["doi"] == "10.3109/07434618.2014.906498"
    assert ref.extra["ris:M3"] == "doi: 10.3109/07434618.2014.906498"
    assert "M3  - doi: 10.3109/07434618.2014.906498" in write_ris([ref])


def test_a_type_of_work_in_m3_is_still_the_genre() -> None:
    ref = _one("TY  - THES\nTI  - T\nM3  - Doctoral dissertation\nER  - \n")
    assert ref.fields["genre"] == "Doctoral dissertation"
