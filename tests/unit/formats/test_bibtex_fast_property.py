"""Property: on generated entries, well-formed and near misses, the fast scanner gives exactly
bibtexparser's blocks and ``read_bibtex`` the same result with and without it (issue 22)."""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from tests.bibtex_blocks import fast_split, mismatch

from bibliofile.formats.bibtex_fast import MAX_DEPTH

# Characters that mean something to BibTeX or to bibtexparser's splitter, and some that do not.
SPECIAL = '{}",=@\\#%()\n\r\t '
words = st.text(alphabet=st.sampled_from([*"abcXY19_-:.é", "\u00a0", "ß"]), max_size=6)
loose = st.text(alphabet=st.sampled_from([*"ab ,=@\\#%()\n\"é", "\u2003"]), max_size=8)
space = st.sampled_from(["", " ", "  ", "\n", "\t", "\r\n", "\n\n", " \n  ", "\u00a0"])


def braced(depth: int) -> st.SearchStrategy[str]:
    """A balanced {...} group nesting at most ``depth`` deep (its text may hold backslashes,
    quotes and commas, which make some of them near misses for the splitter)."""
    leaf = st.text(alphabet=st.sampled_from(list('ab ,="@\\#\n()é')), max_size=6)
    if depth <= 1:
        return leaf.map(lambda t: "{" + t + "}")
    inner = st.lists(st.one_of(leaf, braced(depth - 1)), max_size=3).map("".join)
    return inner.map(lambda t: "{" + t + "}")


quoted = st.lists(st.sampled_from([*'ab {},=@#\né', '\\"', '{\\"o}']), max_size=8).map(
    lambda t: '"' + "".join(t) + '"'
)
part = st.one_of(
    braced(2), braced(3), braced(MAX_DEPTH + 2), quoted, st.integers(0, 3000).map(str), st.sampled_from(["jan", "jn", "m_x", "ab-c"])
)
value = st.lists(part, min_size=1, max_size=3).map(" # ".join)
name = st.one_of(st.sampled_from(["author", "title", "year", "Title", "journal", "x-custom", "date-added"]), words)
entry_type = st.sampled_from(
    ["article", "ARTICLE", "misc", "inProceedings", "", "string", "comment", "preamble", "commentary", "Book \t"]
)


@st.composite
def entry(draw: st.DrawFn) -> str:
    fields = draw(st.lists(st.tuples(name, value, space, space), max_size=5))
    body = ",".join(f"{draw(space)}{n}{s1}={s2}{v}" for n, v, s1, s2 in fields)
    trailing = draw(st.sampled_from(["", ",", ",\n", "\n"]))
    opening, closing = draw(st.sampled_from([("{", "}"), ("{", "}"), ("{", "}"), ("(", ")")]))
    key = draw(st.one_of(words, words, loose))
    return f"@{draw(entry_type)}{opening}{key},{body}{trailing}{closing}"


@st.composite
def near_miss(draw: st.DrawFn) -> str:
    """A well-formed entry with one character put in or taken out somewhere."""
    text = draw(entry())
    at = draw(st.integers(0, len(text)))
    if draw(st.booleans()) and text:
        at = min(at, len(text) - 1)
        return text[:at] + text[at + 1 :]
    return text[:at] + draw(st.sampled_from(list(SPECIAL))) + text[at:]


gap = st.one_of(space, st.sampled_from(["\n% a comment\n", "\nwords, = } { \" here\n", "\n  @ not a block\n", "x@y"]))


@st.composite
def bib_text(draw: st.DrawFn) -> str:
    blocks = draw(st.lists(st.one_of(entry(), entry(), near_miss()), min_size=1, max_size=4))
    return draw(gap) + "".join(b + draw(gap) for b in blocks)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bib_text())
def test_fast_path_agrees_with_bibtexparser(text: str) -> None:
    event(f"entries taken by the fast path: {fast_split(text).fast}")
    assert mismatch(text) == ""


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(name, value), min_size=1, max_size=6), words)
def test_plain_entries_take_the_fast_path(fields: list[tuple[str, str]], key: str) -> None:
    """Well-formed entries of distinct plain names and values nesting within the limit are
    read by the scanner itself, not handed on."""
    names = {n.strip().lower() for n, _ in fields}
    simple = all("\\" not in v and "@" not in v and '"' not in v for _, v in fields)
    depth = max(_depth(v) for _, v in fields)
    text = "@article{" + key + ",\n" + ",\n".join(f"  {n} = {v}" for n, v in fields) + "\n}\n"
    assert mismatch(text) == ""
    if len(names) == len(fields) and simple and depth <= MAX_DEPTH:
        assert fast_split(text).fast == 1


def _depth(text: str) -> int:
    depth = deepest = 0
    for c in text:
        depth += (c == "{") - (c == "}")
        deepest = max(deepest, depth)
    return deepest
