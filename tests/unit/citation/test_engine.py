"""citeproc-js in V8: golden APA 7 output, the three output formats, citations, other styles.

The golden strings are what APA 7 (7th edition, Publication Manual 2020) prescribes for each case;
a change in them after an upgrade of citeproc or the styles package must be looked at, not
blindly re-recorded.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from tests.citation_samples import APA_ARTICLE, ARTICLE, BOOK, CHAPTER, UNDATED

from bibliofile.citation.engine import (
    Bibliography,
    CitationError,
    CitationItem,
    CiteprocEngine,
    EngineUnavailable,
    find_citeproc_js,
)
from bibliofile.model import Creator, CreatorRole, Reference

R = CreatorRole

# The shared samples, with what these tests also check: a place of publication (Chicago and
# IEEE print it) and a second editor.
BOOK = replace(BOOK, fields={**BOOK.fields, "publisher_place": "New York"})
CHAPTER = replace(CHAPTER, creators=[*CHAPTER.creators, Creator(role=R.EDITOR, family="Smith", given="Anna")])
LEE_ALPHA = Reference(
    fields={"title": "Alpha study", "date": "2008", "container_title": "Science", "volume": "1", "pages": "1--2"},
    creators=[Creator(family="Lee", given="Min")],
)
LEE_BETA = Reference(
    fields={"title": "Beta study", "date": "2008", "container_title": "Science", "volume": "1", "pages": "3--4"},
    creators=[Creator(family="Lee", given="Min")],
)
WHO = Reference(
    item_type="report",
    fields={"title": "World health statistics 2020", "date": "2020", "publisher": "World Health Organization"},
    creators=[Creator.institution("World Health Organization")],
)
# ---- APA 7 bibliography ------------------------------------------------------------------------
def test_apa_journal_article(engine: CiteprocEngine) -> None:
    assert engine.bibliography([ARTICLE]).entries == [APA_ARTICLE]


def test_apa_book_with_edition(engine: CiteprocEngine) -> None:
    assert engine.bibliography([BOOK]).entries == [
        "Fisher, R. A. (1971). The design of experiments (8th ed.). Hafner."
    ]


def test_apa_chapter_in_edited_book(engine: CiteprocEngine) -> None:
    assert engine.bibliography([CHAPTER]).entries == [
        "Bourdieu, P. (1986). The forms of capital. In J. G. Richardson & A. Smith (Eds.), "
        "Handbook of theory and research for the sociology of education (pp. 241–258). Greenwood."
    ]


def test_apa_same_author_same_year_gets_letters_in_title_order(engine: CiteprocEngine) -> None:
    bib = engine.bibliography([LEE_BETA, LEE_ALPHA])
    assert bib.entries == [
        "Lee, M. (2008a). Alpha study. Science, 1, 1–2.",
        "Lee, M. (2008b). Beta study. Science, 1, 3–4.",
    ]
    assert bib.order == [1, 0]


def test_letters_go_away_when_the_twin_is_not_cited(engine: CiteprocEngine) -> None:
    engine.bibliography([LEE_ALPHA, LEE_BETA])
    assert engine.bibliography([LEE_ALPHA]).entries == ["Lee, M. (2008). Alpha study. Science, 1, 1–2."]


def test_apa_institutional_author(engine: CiteprocEngine) -> None:
    assert engine.bibliography([WHO]).entries == [
        "World Health Organization. (2020). World health statistics 2020. World Health Organization."
    ]
    assert engine.citation([WHO]) == "(World Health Organization, 2020)"


def test_apa_no_date(engine: CiteprocEngine) -> None:
    assert engine.bibliography([UNDATED]).entries == ["Roe, R. (n.d.). An undated pamphlet. Self-published."]
    assert engine.citation([UNDATED]) == "(Roe, n.d.)"


def test_apa_sorts_by_author(engine: CiteprocEngine) -> None:
    bib = engine.bibliography([ARTICLE, WHO, BOOK, CHAPTER])
    assert [e.split(",")[0].split(".")[0] for e in bib.entries] == ["Bourdieu", "Fisher", "Knox", "World Health Organization"]
    assert bib.order == [3, 2, 0, 1]


def test_identical_references_are_both_kept(engine: CiteprocEngine) -> None:
    twin = Reference(item_type=BOOK.item_type, fields=dict(BOOK.fields), creators=list(BOOK.creators))
    assert len(engine.bibliography([BOOK, twin]).entries) == 2


def test_empty_input(engine: CiteprocEngine) -> None:
    assert engine.bibliography([]).entries == []
    assert engine.citation([]) == ""


def test_apa_chapter_with_one_editor_is_ed(engine: CiteprocEngine) -> None:
    one_editor = Reference(
        item_type="chapter",
        fields={**CHAPTER.fields, "container_title": "Handbook of theory"},
        creators=CHAPTER.creators[:2],
    )
    assert engine.bibliography([one_editor]).entries == [
        "Bourdieu, P. (1986). The forms of capital. In J. G. Richardson (Ed.), Handbook of theory "
        "(pp. 241–258). Greenwood."
    ]


def test_apa_second_edition(engine: CiteprocEngine) -> None:
    book = Reference(
        item_type="book",
        fields={"title": "Statistics", "date": "2015", "edition": "2", "publisher": "Sage"},
        creators=[Creator(family="Field", given="Andy")],
    )
    assert engine.bibliography([book]).entries == ["Field, A. (2015). Statistics (2nd ed.). Sage."]


def test_apa_same_author_same_year_in_text(engine: CiteprocEngine) -> None:
    assert engine.citation([LEE_ALPHA, LEE_BETA]) == "(Lee, 2008a, 2008b)"
    # APA's CSL sorts a citation by author and year only, so two works of one year stay in the
    # order they were cited: "(Lee, 2008b, 2008a)" for [beta, alpha], as in Zotero.
    assert engine.citation([LEE_BETA, LEE_ALPHA]) == "(Lee, 2008b, 2008a)"


def test_apa_two_undated_works_by_one_author(engine: CiteprocEngine) -> None:
    other = Reference(
        item_type="book",
        fields={"title": "Another undated pamphlet", "publisher": "Self-published"},
        creators=UNDATED.creators,
    )
    assert engine.bibliography([other, UNDATED]).entries == [
        "Roe, R. (n.d.-a). An undated pamphlet. Self-published.",
        "Roe, R. (n.d.-b). Another undated pamphlet. Self-published.",
    ]
    assert engine.citation([UNDATED, other]) == "(Roe, n.d.-a, n.d.-b)"


def test_apa_three_authors_et_al_in_text(engine: CiteprocEngine) -> None:
    three = Reference(
        fields={"title": "Three authors", "date": "2019", "container_title": "Nature", "volume": "5", "issue": "2", "pages": "10--20"},
        creators=[Creator(family="Ames", given="Ann"), Creator(family="Bell", given="Bob"), Creator(family="Cole", given="Cy")],
    )
    assert engine.citation([three]) == "(Ames et al., 2019)"
    assert engine.bibliography([three]).entries == [
        "Ames, A., Bell, B., & Cole, C. (2019). Three authors. Nature, 5(2), 10–20."
    ]


# ---- output formats ------------------------------------------------------------------------------
def test_html_output(engine: CiteprocEngine) -> None:
    bib = engine.bibliography([ARTICLE], fmt="html")
    assert bib.entries == [
        '<div class="csl-entry">Knox, C., &#38; van der Berg, H. (2008). Tumour growth in mice. '
        "<i>Journal of Cancer Research</i>, <i>12</i>(3), 101–110. "
        '<a href="https://doi.org/10.1000/jcr.2008.12">https://doi.org/10.1000/jcr.2008.12</a></div>'  # issue 17
    ]
    doc = bib.document()
    assert doc.startswith('<div class="csl-bib-body">') and doc.endswith("</div>")


def test_rtf_output(engine: CiteprocEngine) -> None:
    bib = engine.bibliography([ARTICLE], fmt="rtf")
    assert bib.entries == [
        r"Knox, C., & van der Berg, H. (2008). Tumour growth in mice. {\i{}Journal of Cancer Research}, "
        r"{\i{}12}(3), 101\uc0\u8211{}110. "
        r'{\field{\*\fldinst{HYPERLINK "https://doi.org/10.1000/jcr.2008.12"}}{\fldrslt{https://doi.org/10.1000/jcr.2008.12}}}'
    ]
    doc = bib.document()
    assert doc.startswith("{\\rtf1") and doc.endswith("}")
    assert r"\fi-720\li720" in doc  # APA's hanging indent reaches the word processor


def test_text_document_is_one_entry_per_line(engine: CiteprocEngine) -> None:
    assert engine.bibliography([BOOK, ARTICLE]).document().count("\n") == 1


def test_apa_layout_parameters(engine: CiteprocEngine) -> None:
    params = engine.bibliography([ARTICLE]).params
    assert params.hanging_indent is True
    assert params.line_spacing == 2


def test_switching_formats_reuses_one_engine(engine: CiteprocEngine) -> None:
    engine.bibliography([ARTICLE], fmt="text")
    before = engine.cached_engines
    for fmt in ("html", "rtf", "text"):
        engine.bibliography([ARTICLE], fmt=fmt)  # type: ignore[arg-type]
    assert engine.cached_engines == before
    assert engine.bibliography([ARTICLE]).entries == [APA_ARTICLE]


def test_unknown_format_is_refused(engine: CiteprocEngine) -> None:
    with pytest.raises(ValueError, match="unknown output format"):
        engine.bibliography([ARTICLE], fmt="docx")  # type: ignore[arg-type]


# ---- citations -------------------------------------------------------------------------------------
def test_apa_citation(engine: CiteprocEngine) -> None:
    assert engine.citation([ARTICLE]) == "(Knox & van der Berg, 2008)"
    assert engine.citation([CHAPTER]) == "(Bourdieu, 1986)"


def test_citation_with_locator_prefix_suffix_sorted_by_author(engine: CiteprocEngine) -> None:
    out = engine.citation(
        [CitationItem(ARTICLE, locator="105"), CitationItem(BOOK, prefix="see ", suffix=", for a review")]
    )
    assert out == "(see Fisher, 1971, for a review; Knox & van der Berg, 2008, p. 105)"


def test_citation_suppress_author_and_locator_label(engine: CiteprocEngine) -> None:
    assert engine.citation([CitationItem(ARTICLE, suppress_author=True)]) == "(2008)"
    assert engine.citation([CitationItem(ARTICLE, suppress_author=True, locator="3", label="chapter")]) == (
        "(2008, Chapter 3)"
    )


def test_citation_author_only(engine: CiteprocEngine) -> None:
    assert engine.citation([CitationItem(BOOK, author_only=True)]) == "Fisher"


def test_citation_disambiguates_against_the_document(engine: CiteprocEngine) -> None:
    assert engine.citation([LEE_ALPHA]) == "(Lee, 2008)"
    assert engine.citation([LEE_ALPHA], all_refs=[LEE_ALPHA, LEE_BETA]) == "(Lee, 2008a)"


def test_citation_html(engine: CiteprocEngine) -> None:
    assert engine.citation([ARTICLE], fmt="html") == "(Knox &#38; van der Berg, 2008)"


def test_citation_from_a_csl_json_item(engine: CiteprocEngine) -> None:
    item = {"id": "x", "type": "book", "title": "Raw", "author": [{"family": "Raw", "given": "R."}], "issued": {"date-parts": [[1999]]}}
    assert engine.citation([item]) == "(Raw, 1999)"
    assert item["id"] == "x"  # the caller's dict is not rewritten


# ---- other styles, locales, dependent styles -------------------------------------------------------
def test_dependent_style_formats_with_its_parent(engine: CiteprocEngine) -> None:
    resolved = engine.styles.resolve("vancouver-nlm")
    assert resolved.info.dependent and resolved.independent.id == "nlm-citation-sequence"
    assert engine.bibliography([ARTICLE], style="vancouver-nlm").entries == engine.bibliography(
        [ARTICLE], style="nlm-citation-sequence"
    ).entries
    assert engine.bibliography([ARTICLE], style="vancouver-nlm").entries == [
        "1. Knox C, van der Berg H. Tumour growth in mice. Journal of Cancer Research. "
        "2008 Mar;12(3):101–10. doi:10.1000/jcr.2008.12"
    ]


def test_dependent_style_default_locale(engine: CiteprocEngine) -> None:
    """Nature's journals ask for British English: dates and punctuation follow it."""
    assert engine.styles.resolve("nature").default_locale == "en-GB"


def test_numeric_style_numbers_in_document_order(engine: CiteprocEngine) -> None:
    assert engine.citation([BOOK], style="ieee", all_refs=[ARTICLE, BOOK, CHAPTER]) == "[2]"
    assert engine.bibliography([ARTICLE, BOOK], style="ieee").entries == [
        "[1] C. Knox and H. van der Berg, “Tumour growth in mice,” Journal of Cancer Research, vol. 12, "
        "no. 3, pp. 101–110, Mar. 2008, doi: 10.1000/jcr.2008.12.",
        "[2] R. A. Fisher, The design of experiments, 8th ed. New York: Hafner, 1971.",
    ]


def test_note_style_citation_is_a_full_note(engine: CiteprocEngine) -> None:
    assert engine.citation([CHAPTER], style="chicago-notes-bibliography") == (
        "Pierre Bourdieu, “The Forms of Capital,” in Handbook of Theory and Research for the "
        "Sociology of Education, ed. John G. Richardson and Anna Smith (Greenwood, 1986)."
    )


@pytest.mark.parametrize(
    "style",
    [
        "apa",
        "harvard-cite-them-right",
        "vancouver-nlm",
        "chicago-author-date",
        "chicago-notes-bibliography",
        "modern-language-association",
        "ieee",
        "nature",
        "american-medical-association",
    ],
)
def test_featured_styles_format(engine: CiteprocEngine, style: str) -> None:
    bib = engine.bibliography([ARTICLE, BOOK, CHAPTER, WHO, UNDATED], style=style)
    assert len(bib.entries) == 5
    assert any("Knox" in e for e in bib.entries)
    assert engine.citation([ARTICLE], style=style)


def test_locale_changes_terms(engine: CiteprocEngine) -> None:
    assert engine.citation([UNDATED], locale="de-DE") == "(Roe, o.\u00a0J.)"
    assert engine.citation([ARTICLE, LEE_ALPHA], locale="de-DE") == "(Knox & van der Berg, 2008; Lee, 2008)"


def test_locale_falls_back_to_a_dialect(engine: CiteprocEngine) -> None:
    assert engine.citation([UNDATED], locale="de-LU") == "(Roe, o.\u00a0J.)"
    assert engine.citation([UNDATED], locale="xx-YY") == "(Roe, n.d.)"


def test_engine_cache_is_bounded(citeproc_installed: None, styles: object) -> None:
    from bibliofile.citation.styles import StyleCatalogue

    assert isinstance(styles, StyleCatalogue)
    with CiteprocEngine(styles=styles, max_engines=2) as eng:
        for style in ("ieee", "nature", "modern-language-association"):
            eng.citation([BOOK], style=style)
        assert eng.cached_engines == 2
        assert eng.citation([BOOK], style="ieee") == "[1]"  # rebuilt after eviction


def test_broken_style_is_a_citation_error(engine: CiteprocEngine, tmp_path: Path) -> None:
    bad = tmp_path / "broken.csl"
    bad.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<style xmlns="http://purl.org/net/xbiblio/csl" '
        'class="in-text" version="1.0"><info><title>Broken</title><id>broken</id></info>'
        '<citation><layout><bogus/></layout></citation></style>',
        encoding="utf-8",
    )
    with pytest.raises(CitationError, match="bogus"):
        engine.citation([BOOK], style=str(bad))


# ---- installation --------------------------------------------------------------------------------
def test_missing_node_modules_says_run_make_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BIBLIOFILE_NODE_MODULES", raising=False)
    with pytest.raises(EngineUnavailable, match="make setup"):
        find_citeproc_js(tmp_path / "a" / "b")


def test_node_modules_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    js = tmp_path / "nm" / "citeproc" / "citeproc_commonjs.js"
    js.parent.mkdir(parents=True)
    js.write_text("// stub", encoding="utf-8")
    monkeypatch.setenv("BIBLIOFILE_NODE_MODULES", str(tmp_path / "nm"))
    assert find_citeproc_js(tmp_path / "elsewhere") == js


# ---- timings ---------------------------------------------------------------------------------------
def _fifty() -> list[Reference]:
    refs = []
    for i in range(50):
        refs.append(
            Reference(
                item_type=("article-journal", "book", "chapter")[i % 3],
                fields={
                    "title": f"Study number {i} of growth",
                    "date": str(1990 + i % 30),
                    "container_title": "Journal of Things" if i % 3 != 1 else "",
                    "volume": str(i),
                    "pages": f"{i}--{i + 9}",
                    "publisher": "Hafner",
                },
                creators=[Creator(family=f"Author{i % 17}", given="Ann"), Creator(family="Other", given="Bob")],
            )
        )
    return refs


def test_a_kept_engine_formats_again_in_another_output(citeproc_installed: None, styles: object) -> None:
    """One prepared engine serves a text bibliography, the same as HTML, and a citation
    (bench/bench_citations.py times these steps)."""
    from bibliofile.citation.styles import StyleCatalogue

    assert isinstance(styles, StyleCatalogue)
    refs = _fifty()
    with CiteprocEngine(styles=styles) as eng:
        eng.prepare("apa")
        bib: Bibliography = eng.bibliography(refs)
        html = eng.bibliography(refs, fmt="html")
        cite = eng.citation(refs[:3])
    assert len(bib.entries) == len(html.entries) == 50
    assert "<div" in html.entries[0] and "<div" not in bib.entries[0]
    assert cite


# ---- threads -----------------------------------------------------------------------------------
def test_engine_made_on_a_worker_thread_exits_cleanly(citeproc_installed: None) -> None:
    """The GUI makes the engine on a worker and closes it at exit on the main thread: mini-racer
    crashed the process (SIGSEGV) when a context was freed on another thread than its own."""
    import subprocess
    import sys

    script = (
        "import threading\n"
        "from bibliofile.citation.engine import get_engine\n"
        "from bibliofile.model import Creator, Reference\n"
        "r = Reference(item_type='book', fields={'title': 'X', 'date': '2001'}, creators=[Creator(family='Roe')])\n"
        "t = threading.Thread(target=lambda: print(get_engine().citation([r])))\n"
        "t.start(); t.join()\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "(Roe, 2001)"
