"""Stored files' names from a pattern (issue 19): any title, any authors give a name every file
system takes, never empty, unique among the names already there (without regard to case)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bibliofile.services.attachment_names import (
    DEFAULT_NAME_PATTERN,
    check_name_pattern,
    file_name,
    pattern_stem,
    safe_stem,
)
from bibliofile.services.citation_keys import KeySource, PatternError

FORBIDDEN = set('/\\:*?"<>|') | {chr(c) for c in range(32)} | {"\x7f"}
RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def _safe(name: str) -> None:
    assert name and name.strip()
    assert not FORBIDDEN & set(name), name
    assert not name.startswith(".") and not name.endswith((".", " "))
    assert name.split(".")[0].strip().lower() not in RESERVED
    assert len(name.encode("utf-8")) <= 255
    assert unicodedata.normalize("NFC", name) == name


@given(
    title=st.text(max_size=400),
    authors=st.lists(st.text(max_size=60), max_size=4),
    year=st.one_of(st.none(), st.integers(-9999, 99999)),
    suffix=st.sampled_from([".pdf", ".PDF", ".epub", "", ".tar.gz", ". bad", ".../x"]),
    taken=st.lists(st.text(min_size=1, max_size=40), max_size=5),
)
@settings(max_examples=300, deadline=None)
def test_any_reference_gives_a_safe_unique_non_empty_name(
    title: str, authors: list[str], year: int | None, suffix: str, taken: list[str]
) -> None:
    src = KeySource(title, year, tuple(authors))
    first = file_name(src, suffix, taken)
    _safe(first)
    assert first.casefold() not in {t.casefold() for t in taken}
    second = file_name(src, suffix, [*taken, first.upper()])  # the folder may ignore case
    _safe(second)
    assert second.casefold() != first.casefold()


@pytest.mark.parametrize(
    ("title", "year", "authors", "expected"),
    [
        ("Deep Residual Learning for Image Recognition", 2016, ("He", "Zhang"), "He 2016 - Deep Residual Learning"),
        ("Attention Is All You Need", None, ("Vaswani",), "Vaswani - Attention Is All"),
        ("", 2020, (), "2020"),
        ("", None, (), "Attachment"),
        ("What? A/B: tests*", 2001, ("O'Neil",), "ONeil 2001 - What B Tests"),
        ("Über Flüsse", 1900, ("Müller",), "Müller 1900 - Über Flüsse"),
        ("CON", None, (), "Attachment CON"),
    ],
)
def test_the_default_pattern(title: str, year: int | None, authors: tuple[str, ...], expected: str) -> None:
    assert pattern_stem(KeySource(title, year, authors), DEFAULT_NAME_PATTERN) == expected


def test_dots_and_separators_left_by_empty_parts_go() -> None:
    assert safe_stem("...hidden. ") == "hidden"
    assert safe_stem(" - x - ") == "x"


def test_unknown_fields_are_named() -> None:
    with pytest.raises(PatternError, match=r"\[journal\]"):
        check_name_pattern("[auth] [journal]")
