"""Citing from a library or a file: the use case behind `bibliofile cite` and the GUI's copy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.citation_samples import ARTICLE, copies
from tests.citeproc_skip import needs_citeproc

from bibliofile.citation.engine import CitationItem
from bibliofile.model import Creator, CreatorRole, Reference
from bibliofile.services.citing import (
    CitingError,
    cite,
    cite_items,
    clipboard_formats,
    select_references,
)
from bibliofile.storage.library import Library

BIB = r"""@string{jcr = "Journal of Cancer Research"}

@article{knox2008,
  author = {Knox, Colin and van der Berg, Hans},
  title = {Tumour growth in mice},
  journal = jcr,
  year = 2008,
  month = mar,
  volume = 12,
  number = 3,
  pages = {101--110},
  doi = {10.1000/jcr.2008.12}
}

@incollection{bourdieu1986,
  author = {Bourdieu, Pierre},
  title = {The forms of capital},
  crossref = {richardson1986},
  pages = {241--258}
}

@book{richardson1986,
  editor = {Richardson, John G. and Smith, Anna},
  title = {Handbook of theory and research for the sociology of education},
  publisher = {Greenwood},
  year = 1986
}

@techreport{who2020,
  author = {{World Health Organization}},
  title = {World health statistics 2020},
  institution = {World Health Organization},
  year = {2020}
}
"""

KNOX = (
    "Knox, C., & van der Berg, H. (2008). Tumour growth in mice. Journal of Cancer Research, "
    "12(3), 101–110. https://doi.org/10.1000/jcr.2008.12"
)
BOURDIEU = (
    "Bourdieu, P. (1986). The forms of capital. In J. G. Richardson & A. Smith (Eds.), "
    "Handbook of theory and research for the sociology of education (pp. 241–258). Greenwood."
)


@pytest.fixture
def bib_file(tmp_path: Path) -> Path:
    p = tmp_path / "refs.bib"
    p.write_text(BIB, encoding="utf-8")
    return p


@pytest.fixture
def filled(library: Library) -> Library:
    library.add_references(
        [
            *copies(ARTICLE),
            Reference(
                item_type="chapter",
                citation_key="bourdieu1986",
                fields={"title": "The forms of capital", "pages": "241--258", "crossref": "richardson1986"},
                creators=[Creator(family="Bourdieu", given="Pierre")],
            ),
            Reference(
                item_type="book",
                citation_key="richardson1986",
                fields={
                    "title": "Handbook of theory and research for the sociology of education",
                    "publisher": "Greenwood",
                    "date": "1986",
                },
                creators=[
                    Creator(role=CreatorRole.EDITOR, family="Richardson", given="John G."),
                    Creator(role=CreatorRole.EDITOR, family="Smith", given="Anna"),
                ],
            ),
        ]
    )
    return library


# ---- choosing ----------------------------------------------------------------------------------
def test_select_by_keys_keeps_the_order_asked(filled: Library) -> None:
    refs = select_references(filled, keys=["richardson1986", "knox2008"])
    assert [r.citation_key for r in refs if isinstance(r, Reference)] == ["richardson1986", "knox2008"]


def test_select_resolves_crossref_parents_from_the_library(filled: Library) -> None:
    (chapter,) = select_references(filled, keys=["bourdieu1986"])
    assert isinstance(chapter, Reference)
    assert chapter.fields["container_title"].startswith("Handbook of theory")
    assert chapter.fields["date"] == "1986"
    assert [c.family for c in chapter.creators if c.role is CreatorRole.EDITOR] == ["Richardson", "Smith"]


def test_unknown_keys_are_named(filled: Library) -> None:
    with pytest.raises(CitingError, match="nope, nada"):
        select_references(filled, keys=["knox2008", "nope", "nada"])


def test_query_that_matches_nothing(filled: Library) -> None:
    with pytest.raises(CitingError, match="No references match"):
        select_references(filled, query="zebra")


def test_empty_library_and_no_source(library: Library) -> None:
    with pytest.raises(CitingError, match="empty"):
        select_references(library)
    with pytest.raises(CitingError, match="library or an input file"):
        select_references(None)


def test_select_from_bib_file_with_keys_and_query(bib_file: Path) -> None:
    refs = select_references(None, bib_file, keys=["who2020", "knox2008"])
    assert [r.citation_key for r in refs if isinstance(r, Reference)] == ["who2020", "knox2008"]
    assert len(select_references(None, bib_file, query="tumour MICE")) == 1


def test_unreadable_file(tmp_path: Path) -> None:
    p = tmp_path / "x.bib"
    p.write_text("no entries here", encoding="utf-8")
    with pytest.raises(CitingError):
        select_references(None, p)
    with pytest.raises(CitingError, match="cannot read"):
        select_references(None, tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CitingError, match="CSL-JSON"):
        select_references(None, bad)


# ---- formatting --------------------------------------------------------------------------------
@needs_citeproc
def test_cite_library_by_keys(filled: Library) -> None:
    out = cite(filled, keys=["knox2008", "bourdieu1986"])
    assert out == f"{BOURDIEU}\n{KNOX}"


@needs_citeproc
def test_cite_library_by_query_as_citation(filled: Library) -> None:
    assert cite(filled, query="tumour", citation=True) == "(Knox & van der Berg, 2008)"


@needs_citeproc
def test_cite_whole_bib_file(bib_file: Path) -> None:
    out = cite(None, bib_file).splitlines()
    assert out[0] == BOURDIEU
    assert out[1] == KNOX
    assert out[3].startswith("World Health Organization. (2020). World health statistics 2020.")


@needs_citeproc
def test_cite_bib_file_html_and_rtf(bib_file: Path) -> None:
    html = cite(None, bib_file, fmt="html", keys=["knox2008"])
    assert html.startswith('<div class="csl-bib-body">') and "<i>Journal of Cancer Research</i>" in html
    rtf = cite(None, bib_file, fmt="rtf", keys=["knox2008"])
    assert rtf.startswith("{\\rtf1") and r"{\i{}Journal of Cancer Research}" in rtf


@needs_citeproc
def test_cite_csl_json_file(tmp_path: Path) -> None:
    p = tmp_path / "refs.json"
    p.write_text(
        json.dumps(
            [
                {
                    "id": "fisher1971",
                    "type": "book",
                    "title": "The design of experiments",
                    "author": [{"family": "Fisher", "given": "Ronald A."}],
                    "issued": {"date-parts": [[1971]]},
                    "edition": "8",
                    "publisher": "Hafner",
                }
            ]
        ),
        encoding="utf-8",
    )
    assert cite(None, p) == "Fisher, R. A. (1971). The design of experiments (8th ed.). Hafner."
    assert cite(None, p, style="ieee", citation=True, keys=["fisher1971"]) == "[1]"


@needs_citeproc
def test_cite_other_style_and_locale(bib_file: Path) -> None:
    out = cite(None, bib_file, style="mla", locale="en-US", keys=["knox2008"])
    assert out.startswith("Knox, Colin, and Hans van der Berg. “Tumour Growth in Mice.”")


@needs_citeproc
def test_clipboard_formats_and_cite_items(filled: Library) -> None:
    refs = select_references(filled, keys=["knox2008"])
    payload = clipboard_formats(refs, citation=True)
    assert payload["text"] == "(Knox & van der Berg, 2008)"
    assert payload["html"] == "(Knox &#38; van der Berg, 2008)"
    assert set(payload) == {"text", "html", "rtf"}
    assert cite_items([CitationItem(refs[0], locator="105", prefix="see ")]) == (
        "(see Knox & van der Berg, 2008, p. 105)"
    )
