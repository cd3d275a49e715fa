"""Export outputs and drag/clipboard payloads: exact documents, the portal formats, the cache."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from tests.citation_samples import ARTICLE_NO_DOI, BOOK, copies
from tests.citeproc_skip import needs_citeproc

from bibliofile.citation.styles import catalogue
from bibliofile.model import Reference
from bibliofile.services.citation_export import (
    PORTAL_FORMATS,
    all_options,
    data_options,
    data_text,
    data_text_of,
    render,
)
from bibliofile.services.citation_payload import PayloadCache, build_payload, payload_key
from bibliofile.storage.library import Library

# The shared samples, trimmed to what these exact outputs were written for.
ARTICLE = replace(
    ARTICLE_NO_DOI, fields={**ARTICLE_NO_DOI.fields, "date": "2008"}, creators=ARTICLE_NO_DOI.creators[:1]
)
BOOK = replace(BOOK, fields={k: v for k, v in BOOK.fields.items() if k != "edition"})


@pytest.fixture
def library(tmp_path: Path) -> Library:
    lib = Library.open(tmp_path / "lib.sqlite")
    yield lib
    lib.close()


@needs_citeproc
def test_apa_html_page_exact() -> None:
    assert render([ARTICLE], "apa", None, "html") == (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Bibliography</title></head>\n<body>'
        '<p class="csl-entry" style="margin-top: 0; margin-left: 48px; text-indent: -48px; '
        'margin-bottom: 0px; line-height: 200%">Knox, C. (2008). Tumour growth in mice. '
        "<i>Journal of Cancer Research</i>, <i>12</i>(3), 101–110.</p></body></html>"
    )


@needs_citeproc
def test_numeric_style_number_stays_on_the_entry_line() -> None:
    page = render([ARTICLE], "ieee", None, "html")
    assert '<span class="csl-left-margin">[1]</span> <span class="csl-right-inline">C. Knox,' in page
    assert "<div" not in page


@needs_citeproc
def test_citation_outputs_are_whole_documents_and_inline() -> None:
    assert render([ARTICLE], "apa", None, "text", "citations") == "(Knox, 2008)"
    rtf = render([ARTICLE], "apa", None, "rtf", "citations")
    assert rtf.startswith("{\\rtf1") and rtf.endswith("}") and "(Knox, 2008)" in rtf
    page = render([ARTICLE], "apa", None, "html", "citations")
    assert '<body><span class="csl-citation">(Knox, 2008)</span></body>' in page


@needs_citeproc
def test_small_caps_reach_the_html() -> None:
    # Chicago notes-bibliography has none; the DIN 1505-2 style sets author names in small caps.
    page = render([BOOK], "din-1505-2", None, "html")
    assert "font-variant:small-caps" in page.replace(" ", "")


def test_data_options_and_fallbacks(library: Library) -> None:
    keys = [o.key for o in data_options()]
    assert keys[:2] == ["bibtex", "biblatex"] and keys[-1] == "csl-json"
    assert {"bibliography:html", "citations:rtf", "bibliography:text"} <= {o.key for o in all_options()}
    with library.write() as u:
        ids = u.add_items(copies(ARTICLE, BOOK))
    items = json.loads(data_text(library, ids, "csl-json"))
    assert [i["id"] for i in items] == ["knox2008", "fisher1971"]
    assert items[0]["container-title"] == "Journal of Cancer Research"
    assert data_text(library, None, "bibtex").count("@") == 2
    assert "@book{fisher1971" in data_text_of([BOOK], "biblatex")


def test_ris_only_where_its_writer_is_installed() -> None:
    import importlib.util

    has_ris = importlib.util.find_spec("bibliofile.formats.ris") is not None
    offered = any(o.key == "ris" for o in data_options())
    assert offered <= has_ris  # never offered without a writer
    if not offered:
        with pytest.raises(ValueError, match="not installed"):
            data_text_of([ARTICLE], "ris")


@needs_citeproc
def test_portal_formats_play_with_real_styles() -> None:
    assert [p.label for p in PORTAL_FORMATS] == ["APA", "Author", "BibTeX", "Harvard", "Standard", "RIS", "Vancouver"]
    for pf in PORTAL_FORMATS:
        if pf.style:
            catalogue().get(pf.style)
    author = next(p for p in PORTAL_FORMATS if p.label == "Author")
    standard = next(p for p in PORTAL_FORMATS if p.label == "Standard")
    assert render([BOOK], author.style, None, "text") == "Fisher, Ronald A. The Design of Experiments. Hafner, 1971."
    assert render([ARTICLE], standard.style, None, "text") == (
        "KNOX, Colin, 2008. Tumour growth in mice. Journal of Cancer Research. 2008. "
        "Vol.\u00a012, no.\u00a03, p.\u00a0101–110."
    )


def test_payload_key_follows_content_and_formatting() -> None:
    edited = Reference(item_type=BOOK.item_type, fields={**BOOK.fields, "title": "Other"}, creators=BOOK.creators)
    base = payload_key([BOOK], "apa", None, False)
    assert base == payload_key([BOOK], "apa", None, False)
    assert len({base, payload_key([edited], "apa", None, False), payload_key([BOOK], "ieee", None, False),
                payload_key([BOOK], "apa", "de-DE", False), payload_key([BOOK], "apa", None, True)}) == 5


@needs_citeproc
def test_cache_builds_once_and_stays_bounded(library: Library) -> None:
    with library.write() as u:
        ids = u.add_items(copies(ARTICLE, BOOK))
    cache = PayloadCache(max_entries=2)
    assert cache.get(library, ids, "apa", None, False) is None
    first = cache.build(library, ids, "apa", None, False)
    assert cache.build(library, ids, "apa", None, False) is first
    assert cache.get(library, ids, "apa", None, False) is first
    assert first.text.splitlines()[0].startswith("Fisher, R. A. (1971).")
    assert first == build_payload(library.get_many(ids), "apa", None, False)
    cache.build(library, ids, "apa", None, True)
    cache.build(library, ids[:1], "apa", None, True)
    assert len(cache) == 2
    assert cache.get(library, ids, "apa", None, False) is None  # the oldest went
    mime = first.mime_types()
    assert set(mime) == {
        "text/html", "text/plain", "text/rtf", "application/rtf", "application/x-bibtex",
        "application/vnd.citationstyles.csl+json",
    }
    assert mime["text/plain"].decode() == first.text
