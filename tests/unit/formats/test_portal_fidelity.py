"""Research-portal pages hold what the page says (issue 15): checked DOIs, no page artefacts, the
series' volume kept apart, the page's own URL, notes and dates, authors from the library link.

The fixtures in tests/data/portal are synthetic pages written for these tests in the shapes the
portal software produces (a plain-text copy, Markdown captures); the expected values are read off
the fixture text, not off the reader's output.
"""

from __future__ import annotations

from pathlib import Path

from bibliofile.citation.engine import format_bibliography
from bibliofile.formats.portal import read_portal
from bibliofile.model.creators import Creator
from bibliofile.model.csl import to_csl_json
from bibliofile.model.reference import Reference
from bibliofile.services.integrity import check_reference

DATA = Path(__file__).parents[2] / "data" / "portal"


def read(name: str, text: str | None = None) -> tuple[Reference, list[str]]:
    path = DATA / name
    result = read_portal(path.read_text(encoding="utf-8") if text is None else text, str(path))
    assert len(result.items) == 1
    ref = result.items[0]
    assert isinstance(ref, Reference)
    return ref, [p.message for p in result.problems]


# ---- DOIs -----------------------------------------------------------------------------------


def test_doi_run_into_the_licence_label_is_read_without_it() -> None:
    ref, problems = read("plain-licence-funding.txt")
    # The page's "Access to Document" line is "10.5555/rangelands.2025.0211Licence: CC BY".
    assert ref.fields["doi"] == "10.5555/rangelands.2025.0211"
    assert "portal:dois" not in ref.extra  # the RIS DOI is the same DOI, not a second one
    assert not any("differs" in p and "doi" in p for p in problems)


def test_a_page_doi_that_is_no_doi_is_kept_as_text_and_the_valid_cite_this_doi_wins() -> None:
    text = (DATA / "plain-licence-funding.txt").read_text(encoding="utf-8")
    text = text.replace("10.5555/rangelands.2025.0211Licence: CC BY", "DOI pending: see publisher")
    text = text.replace("Externally publishedNo\n", "Externally publishedNo\nDOIs10.55/x\n")
    ref, problems = read("plain-licence-funding.txt", text)
    assert ref.fields["doi"] == "10.5555/rangelands.2025.0211"  # from the Cite this RIS/BibTeX
    assert ref.extra["portal:doi-text"] == "10.55/x"
    assert any("'10.55/x' is not a DOI" in p for p in problems)


# ---- abstract, series, URL ------------------------------------------------------------------


def test_abstract_ends_with_its_text_not_the_table_placeholder() -> None:
    ref, _ = read("markdown-series-table.md")
    abstract = ref.fields["abstract"]
    assert abstract.endswith("on the benchmarks it was tried on.")
    assert "[TABLE]" not in abstract


def test_series_volume_is_the_series_number_not_the_books_volume() -> None:
    ref, _ = read("markdown-series-table.md")
    assert "volume" not in ref.fields
    assert ref.fields["collection_title"] == "Proceedings of the Synthetic Systems Workshop Series"
    assert ref.extra["csl:collection-number"] == "4"
    item = to_csl_json(ref)
    assert item["collection-number"] == "4" and "volume" not in item


def test_series_volume_that_is_no_number_is_kept_for_display_only() -> None:
    text = (DATA / "markdown-series-table.md").read_text(encoding="utf-8").replace("| Volume | 4 |", "| Volume | Part of 213862 |")
    ref, _ = read("markdown-series-table.md", text)
    assert "volume" not in ref.fields
    assert "csl:collection-number" not in ref.extra
    assert ref.extra["portal:series-volume"] == "Part of 213862"


def test_url_is_the_portal_page_and_scopus_links_are_kept_beside_it() -> None:
    ref, _ = read("markdown-series-table.md")
    assert ref.fields["url"] == "https://research.example.ac.kz/en/publications/prism-partitioning-recursive-index-structures/"
    links = ref.extra["portal:links"].split("\n")
    assert "https://www.scopus.com/pages/publications/0000000002" in links
    assert "https://www.scopus.com/pages/publications/0000000002#tab=citedBy" in links


def test_plain_copy_without_its_own_address_does_not_take_the_scopus_link_as_url() -> None:
    ref, _ = read("plain-licence-funding.txt")
    assert "url" not in ref.fields
    assert ref.extra["portal:links"].split("\n") == [
        "https://www.scopus.com/pages/publications/0000000001",
        "https://www.webofscience.com/wos/woscc/full-record/WOS:000000000000001",
    ]


# ---- notes, dates, status -------------------------------------------------------------------


def test_funding_note_of_the_cite_this_block_is_kept_once() -> None:
    ref, _ = read("plain-licence-funding.txt")
    funding = "Funding Information: The field work was paid for by the Synthetic Steppe Foundation (grant SSF-2291)."
    assert ref.fields["note"] == funding  # in both the RIS N1 and the BibTeX note: kept once


def test_funding_line_of_the_ris_note_is_added_to_the_pages_own_note() -> None:
    text = (DATA / "plain-licence-funding.txt").read_text(encoding="utf-8")
    text = text.replace("Access to Document\n", "Bibliographical note\nPublisher Copyright: © 2025 The authors.\n\nAccess to Document\n")
    text = text.replace("N1  - Funding", "N1  - Publisher Copyright: © 2025 The authors.\nN1  - Funding")
    ref, _ = read("plain-licence-funding.txt", text)
    assert ref.fields["note"].split("\n") == [
        "Publisher Copyright: © 2025 The authors.",
        "Funding Information: The field work was paid for by the Synthetic Steppe Foundation (grant SSF-2291).",
    ]


def test_cite_this_note_repeating_the_page_note_and_conference_adds_nothing() -> None:
    text = (DATA / "markdown-series-table.md").read_text(encoding="utf-8")
    text = text.replace("## Access to Document", "### Bibliographical note\n\nPublisher Copyright:  \n© 2024 Example Press.\n\n## Access to Document")
    ref, _ = read("markdown-series-table.md", text)
    assert ref.fields["note"] == "Publisher Copyright: © 2024 Example Press."


def test_date_takes_day_and_month_from_the_cite_this_block_when_it_agrees_with_the_page() -> None:
    ref, _ = read("plain-licence-funding.txt")  # "Published - 2025", PY 2025/10/17
    assert (ref.fields["date"], ref.fields["status_date"]) == ("2025-10-17", "2025")
    # Only the BibTeX block (year, month = oct, day = "17"): the same date.
    text = (DATA / "plain-licence-funding.txt").read_text(encoding="utf-8")
    ref, _ = read("plain-licence-funding.txt", text[: text.index("TY  - JOUR")])
    assert ref.fields["date"] == "2025-10-17"


def test_date_of_the_page_wins_over_a_cite_this_block_that_disagrees() -> None:
    text = (DATA / "plain-licence-funding.txt").read_text(encoding="utf-8").replace("2025/10/17", "2024/10/17")
    text = text.replace('year = "2025"', 'year = "2024"')
    ref, problems = read("plain-licence-funding.txt", text)
    assert ref.fields["date"] == "2025"
    assert any("date '2025' differs" in p for p in problems)


def test_status_published_is_kept_but_not_cited() -> None:
    ref, _ = read("plain-licence-funding.txt")
    assert ref.fields["status"] == "Published"
    (entry,) = format_bibliography([ref], "apa")
    assert "Published" not in entry  # APA printed "…, 31(2), 211–229. (Published)"
    assert "211–229" in entry
    assert "status" not in to_csl_json(ref, citation=True)
    assert to_csl_json(ref)["status"] == "Published"  # a CSL-JSON file keeps it


def test_other_statuses_still_reach_the_citation() -> None:
    ref, _ = read("plain-licence-funding.txt", (DATA / "plain-licence-funding.txt").read_text(encoding="utf-8").replace("Published - 2025", "Accepted/In press - 2025"))
    assert ref.fields["status"] == "Accepted/In press"
    assert to_csl_json(ref, citation=True)["status"] == "Accepted/In press"


# ---- authors and what a citation lacks ------------------------------------------------------


def test_page_without_author_list_takes_the_first_author_from_its_library_link() -> None:
    ref, problems = read("markdown-openurl-authors.md")
    assert ref.creators == [Creator(family="Abenova", given="Saule")]
    assert any("took Abenova, Saule from its library link" in p for p in problems)
    assert not any("no authors" in p for p in problems)
    assert ref.fields["date"] == "2019-03"  # "Published - 2019" made exact by rft.date=2019-03


def test_page_without_authors_volume_or_doi_says_what_a_citation_needs() -> None:
    ref, problems = read("plain-no-authors-volume-doi.txt")
    assert any("no authors, volume or DOI" in p for p in problems)
    ref.id = 1
    missing = {f.field for f in check_reference(ref, this_year=2026) if f.kind == "missing"}
    assert missing == {"authors", "volume"}  # an article citation needs these; a DOI it can lack
