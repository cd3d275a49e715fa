"""LaTeX decoding for display and the minimal escaping the writer needs."""

from __future__ import annotations

import pytest

from bibliofile.formats.latex_text import balance_braces, latex_to_unicode, unicode_to_latex_safe


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        ("plain text", "plain text"),
        (r"M{\"u}ller", "Müller"),
        (r"\"o \"{o} {\"o}", "ö ö ö"),
        (r"\'e \`a \^o \~n", "é à ô ñ"),
        (r"\c{c} \v{s} \u{g} \H{o} \k{a} \=a \.z \r{a}", "ç š ğ ő ą ā ż å"),
        (r"\aa \AA \o \O \ss \ae \oe \l \L", "åÅøØßæœłŁ"),
        (r"\i{} \'{\i} D{\'{\i}}az", "ı í Díaz"),
        (r"R\&D 50\% \$5 \#1 a\_b \{x\}", "R&D 50% $5 #1 a_b {x}"),
        ("a~b", "a\u00a0b"),
        ("1--10", "1–10"),
        ("yes---no", "yes—no"),
        ("``quoted''", "“quoted”"),
        (r"\textit{x} \emph{y} \textbf{z}", "x y z"),
        ("{M}odern {DNA}", "Modern DNA"),
        (r"{\em emphasised} text", "emphasised text"),
        (r"$\alpha$-helix", "α-helix"),
        (r"\~{}user", "~user"),
        ("-{}-", "--"),
    ],
)
def test_latex_to_unicode(latex: str, text: str) -> None:
    assert latex_to_unicode(latex) == text


def test_unknown_macro_falls_back_to_pylatexenc() -> None:
    assert latex_to_unicode(r"\unknownmacro{Word} 50% of") == "Word 50% of"


def test_plain_text_is_returned_unchanged() -> None:
    s = "An ordinary title: with punctuation, and-hyphens"
    assert latex_to_unicode(s) is s


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("plain", "plain"),
        ("R&D 50% $5 #1 a_b", r"R\&D 50\% \$5 \#1 a\_b"),
        (r"R\&D", r"R\&D"),
        ("a~b", r"a\~{}b"),
        ("x--y", "x-{}-y"),
        ("{DNA}", "{DNA}"),
        ("a}b{c", r"a\}b\{c"),
        ("Müller ünïcödé", "Müller ünïcödé"),
    ],
)
def test_unicode_to_latex_safe(text: str, latex: str) -> None:
    assert unicode_to_latex_safe(text) == latex


@pytest.mark.parametrize("text", ["R&D 50% $5 #1 a_b", "a~b", "x--y---z", "a}b{c", "it''s ``q", "Ünïcode"])
def test_escaping_round_trips(text: str) -> None:
    assert latex_to_unicode(unicode_to_latex_safe(text)) == text


def test_balance_braces_keeps_balanced_groups() -> None:
    assert balance_braces("{a} {b{c}}") == "{a} {b{c}}"
    assert balance_braces("}{") == r"\}\{"
