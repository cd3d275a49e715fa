"""Names that split differently from BibTeX before issue 15, each with BibTeX's own answer.

Expected values follow BibTeX 0.99d's rules (bibtex.web; "Tame the BeaST" section 11) and were
checked with real `bibtex` and a format.name$ style (test_bibtex_names_oracle.py does that on
every run where bibtex is installed). The last group is where we differ from BibTeX on purpose.
"""

from __future__ import annotations

import pytest

from bibliofile.formats.bibtex_names import format_name, parse_name, parse_names, split_name_parts
from bibliofile.model.creators import Creator

# (name, (given, particle, family, suffix)) as BibTeX's {ff} {vv} {ll} {jj} give them.
BIBTEX_SPLITS = [
    # Hyphens separate tokens, and each token's first letter decides von: "luc" is lower case.
    ("Jean-luc Doumont", ("Jean", "luc", "Doumont", "")),
    ("deDoncker-Kapenga, E.", ("E.", "deDoncker", "Kapenga", "")),
    ("author-1", ("", "author", "1", "")),
    ("Smith-jones-Brown, Ann", ("Ann", "Smith-jones", "Brown", "")),
    # A trailing comma is dropped (BibTeX warns): one comma, so "V." is First, not Jr.
    ("Klema, V.,", ("V.", "", "Klema", "")),
    ("Ford, Jr.,", ("Jr.", "", "Ford", "")),
    ("Ford, Jr., Henry,", ("Henry", "", "Ford", "Jr.")),
    # A lone leading comma: no Last at all.
    (", John", ("John", "", "", "")),
    # A special character's case is its command's: {\oe} lower, {\AE} upper; others the letter after.
    ("Jean {\\oe}uvre Smith", ("Jean", "œuvre", "Smith", "")),
    ("{\\AE}sop Fabulist", ("Æsop", "", "Fabulist", "")),
    ("Karl {\\ss}chulz Meier", ("Karl", "ßchulz", "Meier", "")),
    ("Anna {\\v{s}}ka Novak", ("Anna", "ška", "Novak", "")),
    # A plain brace group is skipped: the case comes from the letter after it.
    ("Jan {X}yz Berg", ("Jan", "Xyz", "Berg", "")),
    ("Jan {x}Yz Berg", ("Jan xYz", "", "Berg", "")),
]


@pytest.mark.parametrize(("name", "expected"), BIBTEX_SPLITS)
def test_split_as_bibtex(name: str, expected: tuple[str, str, str, str]) -> None:
    c = parse_name(name)
    assert (c.given, c.particle, c.family, c.suffix) == expected


@pytest.mark.parametrize(
    ("name", "words"),
    [
        # Words joined by a hyphen within one part stay one word; across parts they separate.
        ("Jean-Luc Picard", (["Jean-Luc"], [], ["Picard"], [])),
        ("Andreas Geyer-Schulz", (["Andreas"], [], ["Geyer-Schulz"], [])),
        ("Jean-luc Doumont", (["Jean"], ["luc"], ["Doumont"], [])),
        ("Klema, V.,", (["V."], [], ["Klema"], [])),
        ("{\\relax x}y Doe", ([], ["{\\relax x}y"], ["Doe"], [])),
    ],
)
def test_latex_words_of_each_part(name: str, words: tuple[list[str], ...]) -> None:
    assert split_name_parts(name) == words


def test_others_with_a_trailing_comma_is_still_et_al() -> None:
    assert parse_names("Knuth, Donald and others,")[-1] == Creator.et_al()


@pytest.mark.parametrize(
    ("creator", "written"),
    [
        # BibTeX drops a trailing comma, so "Garcia Marquez," would be First Garcia, Last Marquez.
        (Creator(family="Garcia Marquez"), "Garcia Marquez, {}"),
        (Creator(family="Ford", suffix="Jr."), "Ford, Jr., {}"),
        # A hyphen-joined lower-case token would read as von: the family is protected.
        (Creator(family="de-Smith", given="Ann"), "{de-Smith}, Ann"),
    ],
)
def test_written_names_mean_the_same_to_bibtex(creator: Creator, written: str) -> None:
    assert format_name(creator) == written
    assert parse_name(written) == creator


# Where 8-bit BibTeX misreads what LaTeX prints as a letter, we read the letter (documented in
# bibtex_names' docstring; bench/names_vs_bibtex.py names each such difference by its cause).
DELIBERATE_DIFFERENCES = [
    # BibTeX skips the bytes of "É" and reads "l": von "Élise de la".
    ("Élise de la Tour", ("Élise", "de la", "Tour", "")),
    ("Łukasz Kowalski", ("Łukasz", "", "Kowalski", "")),
    # A no-break space separates words as ~ does; BibTeX reads one token "Jean Dupont".
    ("Jean\u00a0Dupont", ("Jean", "", "Dupont", "")),
    # BibTeX takes the case of the command: \v is lower case, so von.
    ("\\v{Z}ubrinic Smith", ("Žubrinic", "", "Smith", "")),
]


@pytest.mark.parametrize(("name", "expected"), DELIBERATE_DIFFERENCES)
def test_unicode_letters_keep_their_case(name: str, expected: tuple[str, str, str, str]) -> None:
    c = parse_name(name)
    assert (c.given, c.particle, c.family, c.suffix) == expected
