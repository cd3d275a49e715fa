"""MEDLINE/PubMed .nbib: full names preferred, abbreviated pages expanded, DOIs from AID."""

from __future__ import annotations

from bibliofile.formats.detect import detect_format
from bibliofile.formats.medline import expand_pages, read_medline
from bibliofile.model.creators import Creator
from bibliofile.model.reference import Reference

NBIB = """PMID- 12345678
OWN - NLM
TI  - Public services reform in a synthetic country: a study written for
      the tests.
PG  - 477-96
AB  - An abstract over
      two lines.
FAU - Knox, Colin J
AU  - Knox CJ
FAU - van der Berg, Hans
AU  - van der Berg H
CN  - Synthetic Study Group
LA  - eng
PT  - Journal Article
DP  - 2008 Sep 1
TA  - Int Rev Adm Sci
JT  - International review of administrative sciences
VI  - 74
IP  - 3
IS  - 0020-8523 (Print)
AID - 10.1177/0020852308095313 [doi]
OT  - governance
MH  - *Public Administration

PMID- 999
TI  - Second
AU  - Smith J
DP  - 1999
"""


def test_reads_two_records() -> None:
    result = read_medline(NBIB, "p.nbib")
    assert result.problems == []
    a, b = result.items
    assert isinstance(a, Reference) and isinstance(b, Reference)
    assert a.fields == {
        "pmid": "12345678",
        "title": "Public services reform in a synthetic country: a study written for the tests.",
        "pages": "477–496",
        "abstract": "An abstract over two lines.",
        "language": "English",
        "date": "2008-09-01",
        "container_title": "International review of administrative sciences",
        "volume": "74",
        "issue": "3",
        "issn": "0020-8523",
        "doi": "10.1177/0020852308095313",
        "keywords": "governance; Public Administration",
    }
    assert a.creators == [
        Creator(family="Knox", given="Colin J"),
        Creator(family="Berg", given="Hans", particle="van der"),
        Creator.institution("Synthetic Study Group"),
    ]
    assert b.creators == [Creator(family="Smith", given="J.")]
    assert b.source is not None and b.source.line == 25
    assert detect_format(NBIB) == "medline"


def test_expand_pages() -> None:
    assert expand_pages("477-96") == "477–496"
    assert expand_pages("1021-1030") == "1021–1030"
    assert expand_pages("e123") == "e123"
    assert expand_pages("S12-9") == "S12–S19"


def test_eric_records_have_no_pmid_and_comma_names() -> None:
    eric = "\nOWN - ERIC\nTI  - A synthetic ERIC record\nAU  - van Groen, Maaike M.\nDP  - Article 10 2019\nISSN - EISSN-2375-5636\nLID - 1042 [pii]\n"
    assert detect_format(eric) == "medline"
    (ref,) = read_medline(eric).items
    assert isinstance(ref, Reference)
    assert ref.creators == [Creator(family="Groen", given="Maaike M.", particle="van")]
    assert (ref.fields["date"], ref.fields["issn"], ref.fields["article_number"]) == ("2019", "2375-5636", "1042")
