"""Properties of LaTeX decoding over generated input (issue 14: hostile input; issue 15: no lost text).

Any value a file can hold must decode without raising; text with nothing LaTeX would read
specially must come back unchanged; and what the writer escapes must read back as written.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bibliofile.formats.latex_text import (
    _Decoder,
    latex_to_unicode,
    title_macro_problems,
    unicode_to_latex_safe,
    unknown_latex_macros,
)

_SETTINGS = settings(max_examples=150, deadline=None)

# Pieces that exercise every path of the decoder: commands known and unknown, accents with and
# without arguments, commands with argument specs (also cut short), verbatim delimiters, math,
# ligatures, escapes, unbalanced braces and a backslash at the very end.
_PIECES = st.sampled_from(
    [
        "\\", "{", "}", "$", "~", "-", "--", "---", "`", "``", "'", "''", "[", "]", "|", "%", "&", "#",
        "_", "^", " ", "\n", "\t", "\\\\", "\\&", "\\%", "\\{", "\\}", "\\ ", "\\,", '\\"', "\\'",
        "\\~", "\\^", "\\=", "\\.", "\\c", "\\v", "\\t", "\\i", "\\j", "\\ae", "\\TeX", "\\MF",
        "\\LuaTeX", "\\log", "\\alpha", "\\emph", "\\em", "\\frac", "\\sqrt", "\\url", "\\path",
        "\\verb", "\\verb*", "\\href", "\\cite", "\\noopsort", "\\hspace*", "\\eqn", "\\mkbibquote",
        "\\hat", "\\CYRA", "\\switchargs", "\\unknown", "\\zz", "\\(", "\\)", "\\[", "\\]", "\\-", "\\/", "\\\u00e9",
        "\\\u0000", "\u0000", "\u202e", "a", "Z", "9", "é", "ß", "Ω", "\U0001f600",
    ]
)
_LATEXISH = st.one_of(
    st.lists(_PIECES | st.text(max_size=4), max_size=40).map("".join),
    st.text(alphabet="\\{}$~-`'[]|a \n", max_size=60),
)
# Text LaTeX reads as itself: no command, group, math, tie, dash or quote ligature.
_PLAIN = st.text(st.characters(blacklist_characters="\\{}$~-`'", blacklist_categories=["Cs"]))


@_SETTINGS
@given(_LATEXISH)
def test_decoding_never_raises(latex: str) -> None:
    text = latex_to_unicode(latex)
    assert isinstance(text, str)
    assert isinstance(unknown_latex_macros(latex), list)
    for problem in title_macro_problems("k", [("title", latex)], "f.bib", 1):
        assert problem.line == 1


@_SETTINGS
@given(_LATEXISH)
def test_fast_pass_and_scanner_agree(latex: str) -> None:
    """Most values take a fast path (str.replace, or a regex pass for accents and symbols);
    it must read them exactly as the scanner does."""
    assert latex_to_unicode(latex) == _Decoder(latex).run()


@_SETTINGS
@given(_PLAIN)
def test_plain_text_comes_out_unchanged(text: str) -> None:
    assert latex_to_unicode(text) == text


@_SETTINGS
@given(_PLAIN, _PLAIN)
def test_unknown_command_never_takes_its_neighbours(before: str, after: str) -> None:
    decoded = latex_to_unicode(before + " \\zzunknown{} \\& " + after)
    assert decoded == before + " zzunknown & " + after


@_SETTINGS
@given(_PLAIN.filter(bool))
def test_unknown_command_keeps_its_argument(word: str) -> None:
    """(``\\foo{}`` with an empty group is a command without argument, and reads "foo".)"""
    assert latex_to_unicode("\\zzunknown{" + word + "}") == word


@_SETTINGS
@given(st.text(st.characters(blacklist_characters="\\{}", blacklist_categories=["Cs"])))
def test_written_text_reads_back(text: str) -> None:
    """The writer's escaping and the reader's decoding are a pair: written text reads back."""
    assert latex_to_unicode(unicode_to_latex_safe(text)) == text


@_SETTINGS
@given(_LATEXISH)
def test_a_title_is_flagged_exactly_when_it_has_unknown_commands(latex: str) -> None:
    flagged = title_macro_problems("k", [("title", "{" + latex + "}")], "f.bib", 1)
    assert bool(flagged) == bool(unknown_latex_macros(latex))
