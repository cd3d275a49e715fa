"""Shortcuts of the BibTeX reader's per-entry work that must give what the long way gives
(issue 22): where an entry's text is in the file, and the LaTeX decoder's stand-in check."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bibliofile.formats.bibtex_fast import ScannedEntry
from bibliofile.formats.bibtex_reader import _block_position, read_bibtex
from bibliofile.formats.latex_text import _PLACEHOLDER_RE, latex_to_unicode
from bibliofile.model.reference import Reference


@settings(max_examples=600, deadline=None)
@given(
    st.text(alphabet="@a{}\n ,=x", max_size=40),
    st.integers(0, 40),
    st.integers(1, 12),
    st.integers(-2, 42),
    st.integers(0, 40),
)
def test_position_is_the_search_answer(text: str, a: int, length: int, start: int, cursor: int) -> None:
    """Whatever start the entry claims (right, wrong, before the cursor, past the end), the
    answer is ``text.find(raw, cursor)``."""
    raw = text[a : a + length] or "@"
    block = ScannedEntry(0, "article", "k", raw, [], start)
    assert _block_position(text, block, raw, cursor) == text.find(raw, cursor)


def test_an_entry_copied_into_the_comment_before_it() -> None:
    """The same entry text twice: the reader finds the first, as before."""
    entry = "@misc{k, title = {T}}"
    text = f"{entry}\n\n{entry}\n"
    result = read_bibtex(text, "x.bib")
    lines = [i.source.line for i in result.items if isinstance(i, Reference) and i.source is not None]
    assert lines == [1, 3]
    assert result == read_bibtex(text, "x.bib", fast=False)


def test_no_ascii_character_is_a_stand_in() -> None:
    """``latex_to_unicode`` skips the stand-in search on ASCII text: none can be there."""
    assert all(_PLACEHOLDER_RE.search(chr(c)) is None for c in range(128))
    assert _PLACEHOLDER_RE.search("\ue000") is not None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="\\\"'`^~{}-$aAoOcvHu \ue000\ue003", max_size=24))
def test_decoding_ascii_and_not(s: str) -> None:
    """Text with and without stand-ins decodes without error and the same twice; an ASCII
    text's decoding never contains a stand-in left over."""
    out = latex_to_unicode(s)
    assert out == latex_to_unicode(s)
    if s.isascii():
        assert _PLACEHOLDER_RE.search(out) is None
