"""The reader caches the date made of an entry's year and month (issue 22): the cache is keyed on
the values after macros, so a file that redefines a month macro reads its own value, and the
entries read before and after it are not changed by it."""

from __future__ import annotations

from tests.read_results import refs

from bibliofile.formats.bibtex_reader import read_bibtex

PLAIN = "@article{a, year = {1990}, month = dec}\n@article{b, year = 1990, month = {December}}\n"
REDEFINED = '@string{dec = "Dezember"}\n@article{c, year = {1990}, month = dec}\n'


def test_a_redefined_month_macro_is_read_with_its_own_value_between_plain_reads() -> None:
    first = refs(read_bibtex(PLAIN))
    redefined = refs(read_bibtex(REDEFINED))[0]
    again = refs(read_bibtex(PLAIN))
    for ref in (*first, *again):
        assert ref.fields["date"] == "1990-12"
        assert "month" not in ref.extra
    # "Dezember" is no month BibTeX knows: the year is the date and the month is kept as written.
    assert redefined.fields["date"] == "1990"
    assert redefined.extra["month"] == "dec"


def test_the_same_year_and_month_in_many_entries_give_equal_dates() -> None:
    text = "".join(f"@misc{{k{i}, year = {{{1990 + i % 3}}}, month = {'jan' if i % 2 else 'feb'}}}\n" for i in range(12))
    dates = [r.fields["date"] for r in refs(read_bibtex(text))]
    assert dates == [f"{1990 + i % 3}-{'01' if i % 2 else '02'}" for i in range(12)]
