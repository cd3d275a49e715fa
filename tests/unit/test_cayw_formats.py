"""The CAYW answers, each written by hand from Better BibTeX's documentation and formatter
(retorquere/zotero-better-bibtex: site/content/citing/cayw.md, content/cayw/formatter.ts)."""

from __future__ import annotations

import json

import pytest

from bibliofile.services.cayw_formats import (
    FORMATS,
    CaywFormatError,
    PickedCite,
    check_format,
    format_cites,
    pandoc_citation,
)

KNOX = {"id": "knox2008", "type": "book", "title": "Trust in Networks",
        "author": [{"family": "Knox", "given": "Colin"}], "issued": {"date-parts": [[2008]]}}
OSTROM = {"id": "ostrom1990", "type": "book", "title": "Governing the Commons",
          "author": [{"family": "Ostrom", "given": "Elinor"}], "issued": {"date-parts": [[1990]]}}


def knox(**kw: object) -> PickedCite:
    return PickedCite(1, "knox2008", KNOX, **kw)  # type: ignore[arg-type]


def ostrom(**kw: object) -> PickedCite:
    return PickedCite(2, "ostrom1990", OSTROM, **kw)  # type: ignore[arg-type]


def test_mmd_matches_the_documented_example() -> None:
    # cayw.md: picking adams2001 and brigge2002 answers [#adams2001][][#brigge2002][]
    cites = [PickedCite(1, "adams2001"), PickedCite(2, "brigge2002")]
    assert format_cites(cites, "mmd") == "[#adams2001][][#brigge2002][]"
    assert format_cites([knox(prefix="see")], "mmd") == "[see][#knox2008]"


def test_pandoc_brackets_only_when_asked_like_better_bibtex() -> None:
    cites = [knox(prefix="see", locator="12"), ostrom(suppress_author=True, suffix="and elsewhere")]
    assert format_cites(cites, "pandoc") == "see @knox2008, p. 12; -@ostrom1990 and elsewhere"
    assert format_cites(cites, "pandoc", {"brackets": "1"}) == "[see @knox2008, p. 12; -@ostrom1990 and elsewhere]"
    assert pandoc_citation([knox(), ostrom(locator="3", label="chapter")]) == "[@knox2008; @ostrom1990, ch. 3]"
    # A label given as an option replaces its short form (an empty one leaves no double space).
    assert format_cites([knox(locator="12")], "pandoc", {"page": ""}) == "@knox2008, 12"


def test_natbib_keeps_plain_picks_in_one_command() -> None:
    assert format_cites([knox(), ostrom()], "latex") == r"\cite{knox2008,ostrom1990}"
    assert format_cites([knox(), ostrom()], "citep") == r"\citep{knox2008,ostrom1990}"
    assert format_cites([knox(), ostrom()], "latex", {"command": "citealp"}) == r"\citealp{knox2008,ostrom1990}"
    both = [knox(suppress_author=True), ostrom(suppress_author=True)]
    assert format_cites(both, "latex") == r"\citeyear{knox2008,ostrom1990}"


def test_natbib_writes_one_command_per_cite_with_notes() -> None:
    # cayw.md: "\cite[p. 1]{author1}\citeyear{author2}" — a page needs no "p." (natbib adds it).
    cites = [knox(locator="1"), ostrom(suppress_author=True)]
    assert format_cites(cites, "latex") == r"\cite[1]{knox2008}\citeyear{ostrom1990}"
    assert format_cites([knox(prefix="see")], "cite") == r"\cite[see][]{knox2008}"
    assert format_cites([knox(locator="3", label="chapter", suffix="n. 2")], "citet") == r"\citet[ch. 3, n. 2]{knox2008}"


def test_latex_notes_are_escaped() -> None:
    out = format_cites([knox(prefix="50% & more", suffix="a_b]")], "latex")
    assert out == r"\cite[50\% \& more][a\_b{]}]{knox2008}"


def test_biblatex() -> None:
    assert format_cites([knox(locator="12")], "biblatex") == r"\autocite[12]{knox2008}"
    assert format_cites([knox(suppress_author=True)], "biblatex") == r"\autocite*{knox2008}"
    # Only \cite, \autocite and \parencite have a starred form that hides the author.
    assert format_cites([knox(suppress_author=True)], "biblatex", {"command": "textcite"}) == r"\textcite{knox2008}"
    assert format_cites([knox(), ostrom()], "biblatex") == r"\autocite{knox2008,ostrom1990}"
    assert format_cites([knox(locator="12"), ostrom()], "biblatex") == r"\autocites[12]{knox2008}{ostrom1990}"


def test_small_formats() -> None:
    assert format_cites([knox(), ostrom()], "jekyll") == "{% cite knox2008 %}{% cite ostrom1990 %}"
    assert format_cites([knox(locator="12"), ostrom(locator="2", label="section")], "asciidoctor-bibtex") == (
        "cite:[knox2008(12), ostrom1990(sec. 2)]"
    )
    assert format_cites([knox(prefix="see", locator="12", suppress_author=True)], "scannable-cite") == (
        "{ see | -Knox, 2008 | p. 12 | | bibliofile:knox2008 }"
    )


def test_json_uses_better_bibtex_names_and_carries_the_item() -> None:
    [got] = json.loads(format_cites([knox(locator="12", prefix="see")], "json"))
    assert got["citationKey"] == "knox2008"
    assert (got["locator"], got["label"], got["prefix"], got["suppressAuthor"]) == ("12", "page", "see", False)
    assert got["item"]["title"] == "Trust in Networks"


def test_csl_cite_item() -> None:
    cite = knox(locator="12", suppress_author=True).as_csl_cite()
    assert cite["id"] == "knox2008" and cite["locator"] == "12" and cite["label"] == "page"
    assert cite["suppress-author"] is True and cite["itemData"]["title"] == "Trust in Networks"
    assert "prefix" not in cite


def test_nothing_picked_is_empty_in_every_format() -> None:
    for fmt in FORMATS:
        assert format_cites([], fmt) == ""


def test_unknown_format_is_refused_with_the_list() -> None:
    with pytest.raises(CaywFormatError, match="pandoc"):
        check_format("docx")
    assert check_format(None) == "latex"  # Better BibTeX's default


def test_chip_text() -> None:
    assert knox(locator="12").short_text() == "Knox 2008, p. 12"
    assert PickedCite(3, "anon").short_text() == "anon"


def test_formatted_citation_goes_through_the_engine() -> None:
    out = format_cites([knox(locator="12")], "formatted-citation", {"style": "apa"})
    assert out == "(Knox, 2008, p. 12)"
    bib = format_cites([knox(locator="12"), knox()], "formatted-bibliography", {"style": "apa"})
    assert bib.count("Trust in networks") + bib.count("Trust in Networks") == 1
