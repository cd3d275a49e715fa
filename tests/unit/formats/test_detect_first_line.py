"""Format detection's first line: the same line as before, without copying a large file's text
(the copy was a 100k-entry import's peak memory, issue 22)."""

from __future__ import annotations

import tracemalloc

from hypothesis import given, settings
from hypothesis import strategies as st

from bibliofile.formats.detect import _first_line, detect_format


def _first_line_by_split(text: str) -> str:
    """The definition it replaces: the first non-blank of the first 200 split lines."""
    for line in text.lstrip("\ufeff").split("\n", 200)[:200]:
        if line.strip():
            return line.rstrip()
    return ""


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["", " ", "\t", "\r", "\ufeff", "  \r", "\u3000", "x"]),
            st.text(alphabet=" \t\r\ufeffab@%-", max_size=6),
        ),
        max_size=230,
    ),
    st.booleans(),
)
def test_first_line_is_the_split_definitions(lines: list[str], bom: bool) -> None:
    text = ("\ufeff" if bom else "") + "\n".join(lines)
    assert _first_line(text) == _first_line_by_split(text)


def test_the_201st_line_is_not_looked_at() -> None:
    assert _first_line("\n" * 199 + "TY  - JOUR\n") == "TY  - JOUR"
    assert _first_line("\n" * 200 + "TY  - JOUR\n") == ""
    assert _first_line("   \n\t\n") == ""


def test_a_large_text_is_not_copied() -> None:
    entry = "@article{k%d,\n  title = {Łódź and Zürich},\n  year = 2001,\n}\n\n"
    text = "% header\n" + "".join(entry % i for i in range(50_000))  # ~2.5 M characters, 2 bytes each
    tracemalloc.start()
    try:
        assert detect_format(text) == "bibtex"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < len(text) // 10  # the split copied the rest: ~2 bytes a character
