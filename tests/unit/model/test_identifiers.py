"""Identifier recognition: every spelling a researcher pastes, bad checksums told apart from
random text, and property tests (normalisation round-trips; random text never crashes)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bibliofile.model.identifiers import Identifier, Unrecognised, parse_identifier, recognise


@pytest.mark.parametrize(
    ("text", "kind", "value", "version"),
    [
        ("10.1177/0020852308095314", "doi", "10.1177/0020852308095314", ""),
        ("doi:10.1177/0020852308095314", "doi", "10.1177/0020852308095314", ""),
        ("DOI: 10.1126/science.169.3946.635.", "doi", "10.1126/science.169.3946.635", ""),
        ("https://doi.org/10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0", "doi",
         "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0", ""),
        ("http://dx.doi.org/10.1140/epjc/s2003-01326-x", "doi", "10.1140/epjc/s2003-01326-x", ""),
        ("http://doi.acm.org/10.1145/1073001.1073004", "doi", "10.1145/1073001.1073004", ""),  # corpus .bib files
        ("https://www.doi.org/10.1145/1073001.1073004", "doi", "10.1145/1073001.1073004", ""),
        ("978-0-9802004-4-7", "isbn", "9780980200447", ""),
        ("ISBN 9780980200447", "isbn", "9780980200447", ""),
        ("ISBN-10: 0-306-40615-2", "isbn", "0306406152", ""),
        ("080442957X", "isbn", "080442957X", ""),
        ("2301.12345", "arxiv", "2301.12345", ""),
        ("arXiv:1706.03762v7", "arxiv", "1706.03762", "v7"),
        ("https://arxiv.org/abs/hep-ex/0307015v1", "arxiv", "hep-ex/0307015", "v1"),
        ("https://arxiv.org/pdf/1706.03762v7.pdf", "arxiv", "1706.03762", "v7"),
        ("math.GT/0309136", "arxiv", "math/0309136", ""),
        ("PMID: 11850928", "pmid", "11850928", ""),
        ("11850928", "pmid", "11850928", ""),
        ("https://pubmed.ncbi.nlm.nih.gov/30791436/", "pmid", "30791436", ""),
        ("PMC6412329", "pmcid", "PMC6412329", ""),
        ("pmcid: pmc6412329", "pmcid", "PMC6412329", ""),
    ],
)
def test_spellings(text: str, kind: str, value: str, version: str) -> None:
    got = parse_identifier(text)
    assert isinstance(got, Identifier), got
    assert (got.kind, got.value, got.version) == (kind, value, version)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("9780980200448", "check digit of 9780980200448 is wrong"),
        ("ISBN 0-306-40615-3", "check digit"),
        ("doi:11.1000/x", "not a DOI"),
        ("2313.12345", "13 is not a month"),
        ("hello", "not a DOI, ISBN, arXiv ID, PMID or PMCID"),
    ],
)
def test_bad_identifiers_say_why(text: str, reason: str) -> None:
    got = parse_identifier(text)
    assert isinstance(got, Unrecognised) and reason in got.reason


def test_several_at_once_one_per_line_or_spaced() -> None:
    found, bad = recognise(
        "10.1177/0020852308095314 https://doi.org/10.1177/0020852308095314\n"
        "ISBN 978 0 9802004 4 7\narXiv:2301.12345, PMID: 11850928; PMC6412329\nnonsense"
    )
    assert [(i.kind, i.value) for i in found] == [
        ("doi", "10.1177/0020852308095314"), ("isbn", "9780980200447"), ("arxiv", "2301.12345"),
        ("pmid", "11850928"), ("pmcid", "PMC6412329"),
    ]
    assert [b.text for b in bad] == ["nonsense"]


def test_isbn10_and_13_are_the_same_book() -> None:
    a, b = parse_identifier("0-306-40615-2"), parse_identifier("978-0-306-40615-7")
    assert isinstance(a, Identifier) and isinstance(b, Identifier) and a.key == b.key


def _isbn13(body: str) -> str:
    total = sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(body))
    return body + str((10 - total % 10) % 10)


@given(st.from_regex(r"97[89][0-9]{9}", fullmatch=True), st.sampled_from(["", "-", " "]))
def test_valid_isbn13_round_trips_through_any_hyphenation(body: str, sep: str) -> None:
    isbn = _isbn13(body)
    spaced = sep.join([isbn[:3], isbn[3:4], isbn[4:9], isbn[9:12], isbn[12]]) if sep else isbn
    got = parse_identifier(spaced)
    assert isinstance(got, Identifier) and got.kind == "isbn" and got.value == isbn


@given(
    st.from_regex(r"10\.[0-9]{4,9}/[A-Za-z0-9._;()/:-]{1,40}[A-Za-z0-9]", fullmatch=True),
    st.sampled_from(["", "doi:", "https://doi.org/", "http://dx.doi.org/"]),
)
def test_valid_doi_round_trips_through_any_prefix(doi: str, prefix: str) -> None:
    got = parse_identifier(prefix + doi)
    assert isinstance(got, Identifier) and got.kind == "doi" and got.value == doi
    again = parse_identifier(got.value)
    assert isinstance(again, Identifier) and again.key == got.key


@given(
    st.integers(7, 30), st.integers(1, 12), st.integers(1, 99999), st.integers(0, 9),
    st.sampled_from(["", "arXiv:", "https://arxiv.org/abs/"]),
)
def test_valid_arxiv_round_trips(year: int, month: int, number: int, version: int, prefix: str) -> None:
    ident = f"{year:02d}{month:02d}.{number:05d}" if year >= 15 else f"{year:02d}{month:02d}.{number % 10000:04d}"
    v = f"v{version}" if version else ""
    got = parse_identifier(prefix + ident + v)
    assert isinstance(got, Identifier) and (got.kind, got.value, got.version) == ("arxiv", ident, v)


@given(st.text(max_size=300))
def test_random_text_never_crashes(text: str) -> None:
    found, bad = recognise(text)
    assert all(isinstance(i, Identifier) for i in found)
    assert all(isinstance(b, Unrecognised) and b.reason for b in bad)
