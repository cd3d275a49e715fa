"""DOIs and URLs are links in the HTML and RTF a copy, drag or export carries (issue 17, item 14).

A word processor turns <a href> (HTML) and a HYPERLINK field (RTF) into a clickable link; the
plain text stays as it was. A DOI stored as a URL must not come out as https://doi.org/https://...
"""

from __future__ import annotations

import re

import pytest

from bibliofile.citation.engine import EngineUnavailable, find_citeproc_js
from bibliofile.model import Creator, Reference
from bibliofile.services.citation_export import render
from bibliofile.services.citation_payload import build_payload

try:
    find_citeproc_js()
    CITEPROC = ""
except EngineUnavailable as exc:
    CITEPROC = str(exc)

pytestmark = pytest.mark.skipif(bool(CITEPROC), reason=CITEPROC or "citeproc")

DOI = "10.1000/jcr.2008.12"
LINK = "https://doi.org/10.1000/jcr.2008.12"

ARTICLE = Reference(
    item_type="article-journal",
    fields={"title": "Tumour growth in mice", "date": "2008", "container_title": "Journal of Cancer Research",
            "volume": "12", "issue": "3", "pages": "101--110", "doi": DOI},
    creators=[Creator(family="Knox", given="Colin")],
)
AS_URL = Reference(
    item_type="article-journal",
    fields={"title": "Stored as a link", "date": "2010", "container_title": "Nature", "doi": "https://doi.org/10.1038/abc.1"},
    creators=[Creator(family="Ames", given="Ann")],
)
PAGE = Reference(
    item_type="webpage",
    fields={"title": "Data portal", "date": "2020", "url": "https://example.org/data?set=1&v=2"},
    creators=[Creator(family="Weber", given="Max")],
)
RTF_DOI_FIELD = '{\\field{\\*\\fldinst{HYPERLINK "https://doi.org/10.1000/jcr.2008.12"}}{\\fldrslt{https://doi.org/10.1000/jcr.2008.12}}}'


def test_apa_payload_links_the_doi_in_html_and_rtf_only() -> None:
    p = build_payload([ARTICLE], "apa", None, citation=False)
    assert f'<a href="{LINK}">{LINK}</a>' in p.html
    assert RTF_DOI_FIELD in p.rtf
    assert p.text == "Knox, C. (2008). Tumour growth in mice. Journal of Cancer Research, 12(3), 101–110. " + LINK
    assert "<a" not in p.text and "HYPERLINK" not in p.text


def test_a_doi_stored_as_a_url_is_not_doubled() -> None:
    p = build_payload([AS_URL], "apa", None, citation=False)
    for out in (p.text, p.html, p.rtf):
        assert "doi.org/https" not in out
        assert "https://doi.org/10.1038/abc.1" in out
    assert '<a href="https://doi.org/10.1038/abc.1">' in p.html
    assert 'HYPERLINK "https://doi.org/10.1038/abc.1"' in p.rtf


def test_urls_are_links_too_with_the_ampersand_escaped_in_html() -> None:
    p = build_payload([PAGE], "apa", None, citation=False)
    assert '<a href="https://example.org/data?set=1&#38;v=2">https://example.org/data?set=1&#38;v=2</a>' in p.html
    assert 'HYPERLINK "https://example.org/data?set=1&v=2"' in p.rtf
    assert "https://example.org/data?set=1&v=2" in p.text


@pytest.mark.parametrize("style", ["vancouver", "ieee"])
def test_a_style_that_shows_the_bare_doi_links_it_to_doi_org(style: str) -> None:
    p = build_payload([ARTICLE], style, None, citation=False)
    assert f'<a href="{LINK}">{DOI}</a>' in p.html
    assert f'{{\\field{{\\*\\fldinst{{HYPERLINK "{LINK}"}}}}{{\\fldrslt{{{DOI}}}}}}}' in p.rtf
    assert "<a" not in p.text


def test_exported_html_page_links_the_doi() -> None:
    page = render([ARTICLE, PAGE], "apa", None, "html")
    assert page.startswith("<!DOCTYPE html>")
    assert len(re.findall(r'<a href="https://', page)) == 2


def test_rtf_link_instruction_cannot_be_broken_by_the_doi() -> None:
    """Quotes and braces in a DOI are percent-encoded in the field instruction, escaped in the
    shown text: the RTF stays balanced."""
    odd = Reference(item_type="article-journal", fields={"title": "Odd", "date": "2001", "doi": '10.1/x{y}"z'},
                    creators=[Creator(family="Odd", given="O")])
    p = build_payload([odd], "apa", None, citation=False)
    assert 'HYPERLINK "https://doi.org/10.1/x%7By%7D%22z"' in p.rtf
    depth = 0
    body = p.rtf.replace("\\\\", "").replace("\\{", "").replace("\\}", "")
    for ch in body:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    assert '<a href="https://doi.org/10.1/x%7By%7D%22z">' in p.html
