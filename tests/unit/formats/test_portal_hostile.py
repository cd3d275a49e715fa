"""Hostile research-portal pages (issue 14): the reader must be linear in the page size and turn
any junk into one reference plus problems, never an exception.

A 120 KB page of ``" *a"`` took 33 s, pages full of ``<!--``, ``[``, ``<sup>`` or ``<`` 30-60+ s,
and a heading line of spaces grew with the cube of its length. Each shape below is 1 MB; the
reader now reads each in well under a second (bench/bench_hostile_portal.py has the figures).
The deadline is no performance target: it only turns a hang into a failure that names the shape.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.deadline import DeadlinePassed, deadline

from bibliofile.formats.portal import read_portal
from bibliofile.model.problems import Problem
from bibliofile.model.reference import Reference

MB = 1_000_000
HEAD = "T\nResearch output: x\n"
HANG = 30  # seconds; the old reader needed minutes to hours for each of these at 1 MB

SHAPES: dict[str, Callable[[int], str]] = {
    "emphasis ' *a'": lambda n: HEAD + " *a" * (n // 3),
    "bold '**a'": lambda n: HEAD + "**a" * (n // 3),
    "underscores '__a'": lambda n: HEAD + "__a" * (n // 3),
    "unclosed comments '<!--'": lambda n: HEAD + "<!--" * (n // 4),
    "brackets '['": lambda n: HEAD + "[" * n,
    "links never closed '[a]('": lambda n: HEAD + "[a](" * (n // 4),
    "superscripts '<sup>'": lambda n: HEAD + "<sup>" * (n // 5),
    "angle brackets '<'": lambda n: HEAD + "<" * n,
    "heading of spaces": lambda n: "# T" + " " * n + "x\n" + HEAD,
    "table row of spaces": lambda n: HEAD + "| Publication status | Published" + " " * n + "x |\n",
    "pages row of spaces": lambda n: HEAD + "| Pages | 1" + " " * n + "x |\n",
    "comment lines": lambda n: HEAD + "<!--\n" * (n // 5),
    "Cite this braces": lambda n: HEAD + "Cite this\n@article{k, title={" + "{" * n,
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_hostile_page_of_one_megabyte_is_read(shape: str) -> None:
    text = SHAPES[shape](MB)
    try:
        with deadline(HANG):
            result = read_portal(text, "hostile.txt")
    except DeadlinePassed:
        pytest.fail(f"{shape}: not read within {HANG} s; a pattern or loop grows faster than the page")
    assert len(result.items) == 1 and isinstance(result.items[0], Reference)
    assert result.items[0].source is not None and result.items[0].source.text == text  # nothing lost


def test_unclosed_comment_and_tags_keep_their_text() -> None:
    """What cannot be markup stays text: an unclosed ``<!--`` and a lone ``<`` are not eaten."""
    result = read_portal("Title\nResearch output: x\n\n" + "a <!-- b " * 20 + "and 3 < 4 " * 10)
    ref = result.items[0]
    assert isinstance(ref, Reference)
    assert ref.fields["abstract"].count("<!--") == 20
    assert ref.fields["abstract"].count("3 < 4") == 10


TOKENS = [
    "<!--", "-->", "[", "]", "(", ")", "](", "<sup>", "</sup>", "<sub>", "<", ">", "*", "**", "_",
    "__", "|", "| Volume |", "#", "## ", "\n", "\n\n", " ", "  ", "\t", "•", "- ", "\\", "&amp;",
    "&#", "Research output: ", "Contribution to journal › Article", "Cite this", "@article{k,",
    "{", "}", "title = \"", "\"", "TY  - JOUR\n", "AU  - ", "PY  - 2025/10/17\n", "ER  - \n",
    "10.1145/", "10.", "Licence:", "DOIs", "Publication status", "Published - ", "Pages (from-to)",
    "Original language", "Volume", "Journal", "Abstract", "Keywords", "Publication series",
    "[TABLE]", "https://x.org/a?rft.aulast=Chen&rft.aufirst=Feng&rft.date=2007-10",
    "/en/publications/x/", "Citations (Scopus)", "12", "Ωμέγα", "\u00a0", "\r", "\x00", "a", "Chen",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=120))
def test_junk_pages_give_one_reference_and_problems_never_an_exception(parts: list[str]) -> None:
    text = "".join(parts)
    result = read_portal(text, "junk.txt", today="2026-12-04")
    assert len(result.items) == 1
    ref = result.items[0]
    assert isinstance(ref, Reference)
    assert ref.source is not None and ref.source.text == text
    lines = text.count("\n") + text.count("\r") + 1
    for p in result.problems:
        assert isinstance(p, Problem) and p.file == "junk.txt" and p.message
        assert 0 <= p.line <= lines
    if not ref.fields.get("title"):
        assert any("no title" in p.message for p in result.problems)  # said, not silent
