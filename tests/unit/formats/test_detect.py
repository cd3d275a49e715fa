"""Detection from content, not from the extension; DOIs and ISBNs become placeholders."""

from __future__ import annotations

import pytest

from bibliofile.formats.detect import (
    PLACEHOLDER_KEYWORD,
    detect_format,
    find_dois,
    find_isbns,
    read_text,
)
from bibliofile.model.reference import Reference


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@article{a, title={T}}", "bibtex"),
        ("% a comment\n@book{b, title={T}}", "bibtex"),
        ("Some notes first\n\n@misc{c, title={T}}", "bibtex"),
        ("TY  - JOUR\nTI  - T\nER  - \n", "ris"),
        ("\ufeffTY - GEN\n\nT1 - T\n\nER -\n", "ris"),
        ("\n\nProvider: X\n\nTY  - BOOK\nER  - \n", "ris"),
        ('[{"type": "book", "title": "T"}]', "csl-json"),
        ('{"id": "x", "type": "book"}', "csl-json"),
        ('<?xml version="1.0"?><xml><records><record><ref-type>17</ref-type></record></records></xml>', "endnote"),
        ("PMID- 1\nTI  - T\n", "medline"),
        ("A title\n\nResearch output: Contribution to journalArticlepeer-review\n", "portal"),
        ("10.1000/xyz", "doi"),
        ("https://doi.org/10.1000/xyz, doi:10.1000/abc\n10.5555/q", "doi"),
        ("978-3-16-148410-0", "isbn"),
        ("ISBN 0-306-40615-2\n9780306406157", "isbn"),
        ("just some words", None),
        ("978-3-16-148410-1", None),  # bad check digit
        ("", None),
    ],
)
def test_detect(text: str, expected: str | None) -> None:
    assert detect_format(text) == expected


def test_portal_page_with_cite_this_blocks_is_a_portal_page_not_bibtex_or_ris() -> None:
    page = "Title\n\nResearch output: Contribution to journal › Article\n\nCite this\n\n@article{x,\ntitle = \"T\"}\n\nTY - JOUR\n\nER -\n"
    assert detect_format(page) == "portal"


def test_dois_become_placeholders_to_look_up() -> None:
    fmt, result = read_text("10.1000/xyz\n10.1000/XYZ\nhttps://doi.org/10.5555/q.", "clipboard")
    assert fmt == "doi"
    refs = [r for r in result.items if isinstance(r, Reference)]
    assert [r.fields["doi"] for r in refs] == ["10.1000/xyz", "10.1000/XYZ", "10.5555/q"]
    assert all(r.fields["keywords"] == PLACEHOLDER_KEYWORD for r in refs)
    assert refs[0].title == "To look up: DOI 10.1000/xyz"


def test_isbns_become_book_placeholders() -> None:
    fmt, result = read_text("0-306-40615-2", "clipboard")
    (ref,) = result.items
    assert fmt == "isbn" and isinstance(ref, Reference)
    assert ref.item_type == "book" and ref.fields["isbn"] == "0306406152"
    assert find_isbns("0-306-40615-3") == [] and find_dois("see 10.1000/x") == []


def test_unknown_text_is_a_problem_not_an_exception() -> None:
    fmt, result = read_text("hello", "clip")
    assert fmt == "" and result.items == [] and "not a format Bibliofile reads" in result.problems[0].message
