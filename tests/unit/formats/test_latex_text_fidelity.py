"""What a title says in LaTeX is what the library shows (issue 15, "LaTeX to text").

Each case here lost words before: a command the decoder did not know took its argument, the
words around it, or a ``\\&`` with it; logos read as nothing; ``\\noopsort`` made the year
"1973b1973". The fixtures are written for these tests (titles in the style of TUGboat's and
BibTeX's own example files).
"""

from __future__ import annotations

import pytest

from bibliofile.formats.bibtex_reader import read_bibtex
from bibliofile.formats.latex_text import (
    latex_to_unicode,
    title_macro_problems,
    unknown_latex_macros,
)
from bibliofile.model.reference import Reference


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"{Update on Pascal \MF}", "Update on Pascal METAFONT"),
        (r"{\LuaTeX}", "LuaTeX"),
        (r"{PC\thinspace\TeX}", "PC\u2009TeX"),
        (r"\LaTeX\ and \LaTeXe", "LaTeX and LaTeX2ε"),
        (r"\MP{} graphics", "METAPOST graphics"),
        (r"{\XeTeX} and {\BibTeX}", "XeTeX and BibTeX"),
        (r"The {\AmS} fonts, \AMS\ style", "The AMS fonts, AMS style"),
        (r"input\slash output", "input/output"),
        (r"{\ConTeXt} meets {\METAFONT} and {\METAPOST}", "ConTeXt meets METAFONT and METAPOST"),
        (r"{\PiCTeX}, {\SliTeX}, {\eTeX}, {\pdfTeX}", "PiCTeX, SliTeX, ε-TeX, pdfTeX"),
        (r"The \TeX book", "The TeXbook"),  # TeX swallows the space after a command word
        (r"Stra\ss e", "Straße"),
    ],
)
def test_logos_and_symbols_read_as_their_text(latex: str, text: str) -> None:
    assert latex_to_unicode(latex) == text


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"Computers \& Typesetting \unknownthing", "Computers & Typesetting unknownthing"),
        (r"\foo{} 50\% \& 3", "foo 50% & 3"),
        (r"\mymacro{Word} and \other{two words}", "Word and two words"),
        (r"A \weird{\emph{nested} text} here", "A nested text here"),
        (r"\ifx{} R\&D \$5 \#1", "ifx R&D $5 #1"),
    ],
)
def test_unknown_commands_keep_their_text_and_neighbours(latex: str, text: str) -> None:
    assert latex_to_unicode(latex) == text


def test_unknown_commands_are_named_once_each_in_order() -> None:
    assert unknown_latex_macros(r"\zeta \b{x} \zz{a} \yy \zz{b} \TeX \emph{c}") == ["zz", "yy"]
    assert unknown_latex_macros("no commands {at} all") == []


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"\t{oo} \'{\ae}", "o\u0361o \u01fd"),
        (r"W$\frac{o}{a}$nder", "Wo/ander"),
        (r"Spearman's \eqn{\rho}{rho}", "Spearman's ρ"),
        (r"\mkbibquote{Intention} und", "“Intention” und"),
        (r"\url{http://x.org/a~b%c} \path|x_y|", "http://x.org/a~b%c x_y"),
        (r"\href{http://x.org}{the site}", "the site"),
        (r"$O(n \log n / \! \log\log n)$", "O(n log n /  log log n)"),
        (r"\CYRA\cyrb", "Аб"),
    ],
)
def test_commands_with_arguments(latex: str, text: str) -> None:
    assert latex_to_unicode(latex) == text


def test_noopsort_is_a_sort_key_not_text() -> None:
    assert latex_to_unicode(r"{\noopsort{1973b}}1973") == "1973"
    assert latex_to_unicode(r"\noopsort{a}Zeta") == "Zeta"


def test_switchargs_prints_its_arguments_swapped() -> None:
    """xampl.bib's whole-set year: its @preamble defines \\switchargs[2]{#2#1}."""
    assert latex_to_unicode(r"{\noopsort{1973a}}{\switchargs{--90}{1968}}") == "1968–90"
    assert latex_to_unicode(r"\switchargs{\'e}{caf}") == "café"


BIB = r"""@preamble{ "\newcommand{\noopsort}[1]{} \newcommand{\Pascalx}{Pascal-X}" }

@book{knuth-a,
  title = {Update on Pascal \MF},
  year = "{\noopsort{1973b}}1973",
}

@book{knuth-b,
  title = {Computers \& Typesetting with \Pascalx},
  booktitle = "{\LuaTeX} in \mybook{Practice}",
  year = 1973,
}
"""


def _refs() -> tuple[list[Reference], list[str]]:
    result = read_bibtex(BIB, "logos.bib")
    refs = [i for i in result.items if isinstance(i, Reference)]
    return refs, [str(p) for p in result.problems]


def test_reader_shows_logos_and_the_year_without_the_sort_key() -> None:
    refs, _ = _refs()
    assert refs[0].fields["title"] == "Update on Pascal METAFONT"
    assert refs[0].fields["date"] == "1973"
    assert refs[1].fields["title"] == "Computers & Typesetting with Pascalx"


def test_reader_flags_titles_with_unknown_commands() -> None:
    _, problems = _refs()
    flagged = [p for p in problems if "does not know" in p]
    assert len(flagged) == 2
    assert flagged[0].startswith("logos.bib:8:")
    assert "'knuth-b'" in flagged[0] and "\\Pascalx" in flagged[0] and "'title'" in flagged[0]
    assert "\\mybook" in flagged[1] and "'booktitle'" in flagged[1] and "LuaTeX in Practice" in flagged[1]
    assert not any("knuth-a" in p for p in problems)


def test_problem_quotes_a_long_title_shortened() -> None:
    problems = title_macro_problems("k", [("title", "{" + "word " * 500 + r"\zz}")], "f.bib", 1)
    assert len(problems) == 1
    assert len(problems[0].message) < 400
