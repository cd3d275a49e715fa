"""Research-portal pages: every field the page offers, from plain-text copies and Markdown captures.

The fixtures in tests/data/portal are synthetic pages in the shapes the portal software produces
(plain text with labels run into values; Markdown with tables, bullets and links).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bibliofile.formats.detect import detect_format
from bibliofile.formats.portal import read_portal
from bibliofile.model.creators import Creator
from bibliofile.model.reference import Reference

DATA = Path(__file__).parents[2] / "data" / "portal"


def read(name: str) -> tuple[Reference, list[str]]:
    path = DATA / name
    result = read_portal(path.read_text(encoding="utf-8"), str(path), today="2026-11-28")
    assert len(result.items) == 1
    ref = result.items[0]
    assert isinstance(ref, Reference)
    return ref, [p.message for p in result.problems]


def test_plain_text_copy_gives_every_field_of_the_page() -> None:
    ref, problems = read("plain-journal-article.txt")
    assert ref.item_type == "article-journal"
    assert ref.fields == {
        "title": "Water councils and river basin governance in Central Asia",
        "research_output_type": "Contribution to journal › Article",
        "peer_reviewed": "Yes",
        "citation_count": "12",
        "citation_count_source": "Scopus",
        "citation_count_date": "2026-11-28",
        "language": "English",
        "article_number": "104211",
        "number_of_pages": "14",
        "container_title": "Journal of Synthetic Hydrology",
        "volume": "27",
        "issue": "4",
        "status": "Published",
        "status_date": "2019-03-14",
        "externally_published": "No",
        "abstract": ref.fields["abstract"],
        "keywords": "River basin councils; Irrigation; Transboundary water",
        "subject_areas": "Water Science and Technology; Political Science and International Relations",
        "doi": "10.5555/synthetic.2019.104211",
        "date": "2019-03-14",
    }
    assert ref.fields["abstract"].startswith("Shared rivers in Central Asia")
    assert ref.fields["abstract"].endswith("similar councils elsewhere.")
    assert ref.creators == []
    assert any("no authors" in p for p in problems)
    assert ref.source is not None and ref.source.format == "portal"


def test_markdown_conference_paper_reads_tables_and_cite_this() -> None:
    ref, problems = read("markdown-conference-paper.md")
    f = ref.fields
    assert ref.item_type == "paper-conference"
    assert f["title"] == "LOOM: Scheduling Loops for Energy-aware Sensor Networks"
    assert f["research_output_type"] == "Chapter in Book/Report/Conference proceeding › Conference contribution"
    assert "peer_reviewed" not in f  # the page does not say so
    assert (f["citation_count"], f["citation_count_source"]) == ("7", "Scopus")
    assert f["container_title"] == "Proceedings of the 12th Workshop on Synthetic Systems"
    assert f["collection_title"] == "Workshop Series on Synthetic Systems"
    # The series table's volume is the series' number, not the book's volume (issue 15).
    assert "volume" not in f and ref.extra["csl:collection-number"] == "3"
    assert f["event_title"] == "12th Workshop on Synthetic Systems, WSS 2024"
    assert f["event_place"] == "Astana, Kazakhstan"
    assert ref.extra["portal:conference-period"] == "24/5/2 → 24/5/4"
    assert (f["status"], f["status_date"], f["date"]) == ("Published", "2024-05-02", "2024-05-02")
    assert f["pages"] == "101–112" and f["number_of_pages"] == "12"
    assert f["isbn"] == "9780306406157" and f["publisher"] == "Example Press"
    assert f["doi"] == "10.5555/loom.2024.101"
    assert f["note"] == "Publisher Copyright: © 2024 Example Press."
    assert f["subject_areas"] == "Hardware and Architecture; Computer Networks and Communications"
    # Keywords are only in the Cite this block.
    assert f["keywords"] == "energy; loops; sensor networks; scheduling"
    assert f["abstract"].startswith("Sensor networks spend most")
    # Authors: the structured RIS names (particle kept apart), not the page's display names.
    assert ref.creators == [
        Creator(family="Sadykova", given="Aigerim"),
        Creator(family="Berg", given="Jan", particle="van der"),
        Creator(family="García-López", given="Maria José"),
    ]
    # The BibTeX block says 101--113: reported, and the page's value kept.
    assert any("differs from the Cite this BibTeX" in p and "101–113" in p for p in problems)
    assert not any("no authors" in p for p in problems)


def test_page_without_title_or_cite_block_uses_the_library_link_and_says_so() -> None:
    ref, problems = read("markdown-no-title.md")
    f = ref.fields
    assert ref.item_type == "article-journal"
    assert f["title"] == "TRACE"
    assert any("no title" in p for p in problems)
    assert f["container_title"] == "Synthetic Notices"  # the link text, not "[...](#)"
    assert (f["volume"], f["issue"], f["pages"], f["number_of_pages"]) == ("9", "2", "33–47", "15")
    assert f["status"] == "Published" and "status_date" not in f
    assert f["date"] == "2011-06"
    assert f["language"] == "English (US)"
    assert f["keywords"] == "Tracing; Runtime monitoring"
    assert f["subject_areas"] == "General Computer Science"
    assert f["peer_reviewed"] == "Yes"
    assert "citation_count" not in f


@pytest.mark.parametrize("name", ["plain-journal-article.txt", "markdown-conference-paper.md", "markdown-no-title.md"])
def test_pages_are_detected_as_portal_pages(name: str) -> None:
    assert detect_format((DATA / name).read_text(encoding="utf-8")) == "portal"


def test_citation_count_undated_without_today_and_empty_text_is_harmless() -> None:
    text = (DATA / "plain-journal-article.txt").read_text(encoding="utf-8")
    ref = read_portal(text).items[0]
    assert isinstance(ref, Reference)
    assert "citation_count_date" not in ref.fields
    empty = read_portal("")
    assert len(empty.items) == 1 and empty.problems
