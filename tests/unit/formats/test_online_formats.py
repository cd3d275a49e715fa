"""The readers of online answers, on recorded responses (tests/data/online/README.md) and on
broken ones: malformed JSON/XML, the wrong document, hostile XML, never an exception."""

from __future__ import annotations

import pytest
from tests.online_server import recorded

from bibliofile.formats.arxiv_atom import read_arxiv_atom
from bibliofile.formats.crossref_json import read_crossref_works, read_doi_csl
from bibliofile.formats.openlibrary_json import read_openlibrary_books
from bibliofile.formats.pubmed_summary import read_esearch_ids, read_esummary
from bibliofile.model.reference import Reference


def only(result: object) -> Reference:
    items = [x for x in result.items if isinstance(x, Reference)]
    assert len(items) == 1, result.problems
    return items[0]


def test_doi_content_negotiation_record() -> None:
    ref = only(read_doi_csl(recorded("doi_science_169_635.csl.json")))
    assert ref.item_type == "article-journal"  # Crossref's "journal-article" is CSL's article-journal
    assert ref.title.startswith("The Structure of Ordinary Water: New data")
    assert ref.fields["container_title"] == "Science"
    assert (ref.fields["volume"], ref.fields["issue"], ref.fields["pages"]) == ("169", "3946", "635-641")
    assert ref.fields["doi"] == "10.1126/science.169.3946.635"
    assert ref.fields["date"] == "1970-08-14"
    assert [(c.family, c.given) for c in ref.creators] == [("Frank", "Henry S.")]
    assert "<jats:p>" not in ref.fields["abstract"]
    assert not any(k.startswith("csl:reference") for k in ref.extra)  # bookkeeping dropped
    assert "url" not in ref.fields  # Crossref's URL is only the DOI's resolver link


def test_crossref_works_search_items_in_order() -> None:
    result = read_crossref_works(recorded("crossref_works_knox_title_search.json"))
    refs = [x for x in result.items if isinstance(x, Reference)]
    assert [r.fields.get("doi") for r in refs] == [
        "10.1177/0020852308095314", "10.1093/med/9780190244187.001.0001", "10.1093/med/9780190223755.001.0001",
    ]
    knox = refs[0]
    assert knox.fields["container_title"] == "International Review of Administrative Sciences"
    assert knox.fields["volume"] == "74" and knox.year == 2008
    assert refs[1].item_type == "book" and refs[1].fields["isbn"] == "9780190244187"


def test_arxiv_entry_with_its_published_doi() -> None:
    ref = only(read_arxiv_atom(recorded("arxiv_hep-ex_0307015.atom.xml")))
    assert ref.fields["eprint"] == "hep-ex/0307015" and ref.fields["version"] == "v1"
    assert ref.fields["eprint_type"] == "arxiv" and ref.fields["doi"] == "10.1140/epjc/s2003-01326-x"
    assert ref.creators[0].literal == "H1 Collaboration"  # a group stays whole
    assert ref.fields["date"] == "2003-07-07"


def test_arxiv_feed_without_entries_reads_nothing() -> None:
    result = read_arxiv_atom(recorded("arxiv_no_results.atom.xml"))
    assert result.items == [] and result.problems == []


def test_pubmed_summary() -> None:
    ref = only(read_esummary(recorded("esummary_pubmed_11850928.xml")))
    assert ref.title == "Zirconium granuloma following treatment of rhus dermatitis"
    assert ref.fields["pages"] == "188–191" and ref.fields["date"] == "1965-08"
    assert ref.fields["container_title"] == "Archives of dermatology"
    assert [(c.family, c.given, c.suffix) for c in ref.creators] == [("LoPresti", "P. J.", ""), ("Hambrick", "G. W.", "Jr")]


def test_pubmed_summary_ids() -> None:
    ref = only(read_esummary(recorded("esummary_pubmed_30791436.xml")))
    assert (ref.fields["pmid"], ref.fields["pmcid"], ref.fields["doi"]) == ("30791436", "PMC6412329", "10.3390/molecules24040744")
    assert read_esearch_ids(recorded("esearch_pmcid_PMC6412329.xml")) == (["30791436"], [])


def test_open_library_book() -> None:
    ref = only(read_openlibrary_books(recorded("openlibrary_9780980200447.json")))
    assert ref.item_type == "book" and ref.title == "Slow reading"
    assert (ref.fields["publisher"], ref.fields["publisher_place"], ref.fields["date"]) == ("Litwin Books", "Duluth, Minn", "2009")
    assert ref.fields["number_of_pages"] == "80" and ref.fields["isbn"] == "9780980200447"
    assert [(c.family, c.given) for c in ref.creators] == [("Miedema", "John")]
    assert read_openlibrary_books("{}").items == []


@pytest.mark.parametrize(
    ("reader", "text", "expected"),
    [
        (read_doi_csl, '{"title": "x", ', "not valid JSON"),
        (read_doi_csl, "<!DOCTYPE html><html>DOI Not Found</html>", "not valid JSON"),
        (read_doi_csl, "[1, 2]", "no bibliographic record"),
        (read_crossref_works, '{"status":"ok","message":{"items":', "not valid JSON"),
        (read_crossref_works, '{"status":"ok","message":{}}', "not a Crossref list"),
        (read_crossref_works, "[" * 100_000, "nested too deeply"),
        (read_openlibrary_books, "{'ISBN:1': }", "not valid JSON"),
        (read_openlibrary_books, "[]", "not an Open Library"),
        (read_arxiv_atom, "<feed><entry>", "not valid XML"),
        (read_arxiv_atom, "<html/>", "not an arXiv Atom feed"),
        (read_arxiv_atom, '<!DOCTYPE f [<!ENTITY a "aaaa">]><feed xmlns="http://www.w3.org/2005/Atom">&a;</feed>', "unsafe XML"),
        (read_esummary, "<eSummaryResult><DocSum>", "not valid XML"),
        (read_esummary, "<eSearchResult/>", "not an E-utilities summary"),
    ],
)
def test_broken_answers_are_problems_not_exceptions(reader: object, text: str, expected: str) -> None:
    result = reader(text)  # type: ignore[operator]
    assert result.items == []
    assert any(expected in p.message and p.not_read for p in result.problems), result.problems
