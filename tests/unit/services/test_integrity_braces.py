"""The brace check of ``services.integrity`` visits only braces and escapes (issue 22: it was
most of a reference's check); it must still agree with the plain character-by-character rule."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bibliofile.services.integrity import _balanced


def balanced_by_characters(value: str) -> bool:
    """The rule, read one character at a time: a backslash escapes the next character; every
    ``}`` must close an open ``{`` and none may stay open."""
    depth = 0
    escaped = False
    for c in value:
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


@given(st.text(alphabet="{}\\ab\n", max_size=40))
def test_agrees_with_the_character_rule(value: str) -> None:
    assert _balanced(value) == balanced_by_characters(value)


def test_examples() -> None:
    assert _balanced("The {NMR} spectrum")
    assert _balanced("no braces at all")
    assert _balanced("an escaped \\{ brace")
    assert _balanced("\\\\{x}")  # an escaped backslash, then a group
    assert not _balanced("}{")
    assert not _balanced("{open")
    assert not _balanced("\\\\{")
    assert _balanced("trailing backslash \\")
