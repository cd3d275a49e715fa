"""Year ranges written with a shortened end year ("1968–90", as xampl.bib's
``\\switchargs{--90}{1968}`` reads) are the years 1968 to 1990, not 1968 to the year 90."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bibliofile.formats.bibtex_reader import read_bibtex
from bibliofile.model.csl import csl_date
from bibliofile.model.dates import PartialDate
from bibliofile.model.reference import Reference


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("1968–90", 1968, 1990),  # en dash, as LaTeX's -- reads
        ("1968--90", 1968, 1990),
        ("1968/90", 1968, 1990),
        ("1968 – 90", 1968, 1990),
        ("1999–03", 1999, 2003),  # across a century
        ("1968–9", 1968, 1969),
        ("1968–1990", 1968, 1990),  # written in full: as it was
        ("1968/0090", 1968, 90),  # four digits: taken as written (our own stored form)
    ],
)
def test_a_shortened_end_year_is_read_in_the_start_years_century(text: str, start: int, end: int) -> None:
    d = PartialDate.parse(text)
    assert (d.year, d.end_year, d.literal) == (start, end, "")


def test_a_year_and_month_is_not_a_range() -> None:
    assert PartialDate.parse("1968-09") == PartialDate(1968, 9)


def test_the_range_goes_to_csl_as_two_years() -> None:
    assert csl_date(PartialDate.parse("1968–90")) == {"date-parts": [[1968], [1990]]}


def test_xampl_switchargs_year_is_1968_to_1990() -> None:
    text = (
        '@preamble{ "\\newcommand{\\noopsort}[1]{} "\n'
        '        # "\\newcommand{\\switchargs}[2]{#2#1} " }\n\n'
        "@book{whole-set,\n"
        "   title = {The Art of Computer Programming},\n"
        '   year = "{\\noopsort{1973a}}{\\switchargs{--90}{1968}}",\n'
        "}\n"
    )
    (ref,) = [i for i in read_bibtex(text, "x.bib").items if isinstance(i, Reference)]
    assert ref.date.year == 1968 and ref.date.end_year == 1990


@settings(max_examples=150, deadline=None)
@given(start=st.integers(1000, 2999), span=st.integers(0, 999), digits=st.integers(1, 3))
def test_any_shortened_range_reads_back_as_the_years_written(start: int, span: int, digits: int) -> None:
    """Within 10^digits years of its start, the last ``digits`` digits say which year ends it."""
    end = start + span % 10**digits
    d = PartialDate.parse(f"{start}–{str(end)[-digits:]}")
    assert (d.year, d.end_year) == (start, end)
    assert PartialDate.parse(d.iso()) == d  # the stored form reads back as itself
