"""Hostile values in a RIS export (issue 14): no value can forge a record, and re-importing the
export gives back exactly the references exported, except what RIS cannot carry, which the writer
reports and these tests list: NUL characters (dropped) and line breaks other than LF (written as
LF). Every check of "no forged record" is also made with readers we did not write (rispy, and
Python's own ``splitlines``, which splits at CR, U+2028 and the other breaks Zotero splits at).
"""

from __future__ import annotations

import re

import rispy  # type: ignore[import-untyped]
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bibliofile.formats import ris
from bibliofile.formats.ris import read_ris, write_ris
from bibliofile.model.creators import Creator
from bibliofile.model.reference import Reference

# The documented contract (formats/ris.py, encode_value), restated here on purpose.
OTHER_BREAKS = re.compile("\r\n|[\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
NUL_NOTE = "NUL characters dropped"
BREAK_NOTE = "line breaks other than LF (CR, CRLF, U+2028, ...) written as LF"
ANY_TAG = re.compile(r"^([A-Z][A-Z0-9]) {0,3}-")

FORGERY = "First paragraph.\nER  - \n\nTY  - JOUR\nTI  - Forged record\nAU  - Evil, Eve\nER  - \nTY  - BOOK"


def read_back(text: str) -> list[Reference]:
    result = read_ris(text, "x.ris")
    assert result.problems == [], result.problems
    return [r for r in result.items if isinstance(r, Reference)]


def tags_seen_by_splitlines(text: str, tag: str) -> int:
    """How many lines a reader that splits at every Unicode line break would take for ``tag``."""
    return sum(1 for line in text.splitlines() if (m := ANY_TAG.match(line)) and m.group(1) == tag)


def test_an_abstract_with_er_and_ty_lines_stays_one_record() -> None:
    ref = Reference(fields={"title": "Real", "abstract": FORGERY}, creators=[Creator(family="Knox", given="Colin")])
    written = write_ris([ref])
    (back,) = read_back(written)
    assert back.fields["abstract"] == FORGERY
    assert back.creators == ref.creators
    assert tags_seen_by_splitlines(written, "ER") == 1
    assert tags_seen_by_splitlines(written, "TY") == 1
    (theirs,) = rispy.loads(written)  # an independent reader sees one record with one author
    assert theirs["authors"] == ["Knox, Colin"]
    assert "Forged record" in theirs["abstract"] and "title" in theirs and theirs["title"] == "Real"


def test_a_crlf_or_lone_cr_in_a_note_cannot_forge_a_record_either() -> None:
    for note in ("A note.\r\nER  - \r\nTY  - JOUR\r\nTI  - Forged", "A note.\rER  - \rTY  - JOUR\rTI  - Forged",
                 "x\u2028ER  - \u2028TY  - JOUR", "x\x85ER  - \x85TY  - JOUR"):
        ref = Reference(fields={"title": "Real", "note": note})
        written = write_ris([ref])
        assert tags_seen_by_splitlines(written, "ER") == 1, written
        assert tags_seen_by_splitlines(written, "TY") == 1, written
        (back,) = read_back(written)
        assert back.fields == {"title": "Real", "note": OTHER_BREAKS.sub("\n", note)}
        exported = ris.export_ris([ref])
        assert exported.text == written
        assert [(loss.field, loss.message) for loss in exported.losses] == [("note", BREAK_NOTE)]


def test_line_structure_comes_back_exactly() -> None:
    """Blank lines, indentation, trailing spaces, a leading line break: all verbatim."""
    values = {
        "abstract": "\n  indented first\n\n\n\tTabbed, trailing   \nER  - \n",
        "note": "  leading space",
        "title": "Title with\ttab and trailing space ",
        "publisher": "Multi\nline\npublisher",
    }
    ref = Reference(fields=dict(values), citation_key="k\nER  - ")
    exported = ris.export_ris([ref])
    assert exported.losses == []
    (back,) = read_back(exported.text)
    assert back.fields == values
    assert back.citation_key == "k\nER  - "


def test_nul_is_dropped_and_reported() -> None:
    ref = Reference(fields={"title": "A\0B", "abstract": "x\0\r\ny"})
    exported = ris.export_ris([ref])
    (back,) = read_back(exported.text)
    assert back.fields == {"title": "AB", "abstract": "x\ny"}
    assert [(loss.field, loss.message) for loss in exported.losses] == [
        ("title", NUL_NOTE), ("abstract", NUL_NOTE), ("abstract", BREAK_NOTE),
    ]
    assert "\0" not in exported.text


def test_an_extra_key_cannot_end_or_start_a_record() -> None:
    """``ris:ER``/``ris:TY`` or a key with a line break would write a structural line."""
    ref = Reference(fields={"title": "T"}, extra={"ris:ER": "x", "ris:TY": "JOUR", "ris:\nE": "y", "ris:AN": "kept"})
    exported = ris.export_ris([ref])
    (back,) = read_back(exported.text)
    assert back.extra == {"ris:AN": "kept"}
    assert sorted(loss.field for loss in exported.losses) == ["extra:ris:\nE", "extra:ris:ER", "extra:ris:TY"]


def test_repeated_unknown_tags_with_hostile_pieces_come_back() -> None:
    value = "one\nER  - \n two \n\nthree\r"
    ref = Reference(fields={"title": "T"}, extra={"ris:AN": value, "ris:U2": "a\nb"})
    written = write_ris([ref])
    assert "U2  - a\nU2  - b\n" in written  # safe pieces stay repeated tags, as they were read
    (back,) = read_back(written)
    assert back.extra == {"ris:AN": "one\nER  - \n two \n\nthree\n", "ris:U2": "a\nb"}


def test_our_continuation_lines_survive_crlf_files() -> None:
    written = write_ris([Reference(fields={"title": "T", "abstract": "a \n\n b"})])
    (back,) = read_back(written.replace("\n", "\r\n"))
    assert back.fields["abstract"] == "a \n\n b"


def test_text_between_ty_and_the_first_tag_is_reported() -> None:
    result = read_ris("TY  - JOUR\n\tstray\nTI  - T\nER  - \n", "s.ris")
    assert [str(p) for p in result.problems] == ["s.ris:2: text between TY and the first tag; ignored"]


# ---- property: any hostile value ------------------------------------------------------------

FRAGMENTS = [
    "\n", "\r", "\r\n", "\n\n", "@", "{", "}", "\\", "\\}", "ER  - ", "ER  -", "TY  - JOUR", "%", "\0",
    "\u200f", "\u202e", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\t", " ", "  ", "\xa0",
    "AU  - Evil, Eve", "}\n@misc{evil, title={Evil}}", "\ufeff", "😀", "Ωμέγα",
]
hostile = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), min_size=1, max_size=12).map("".join)
# Name parts: no whitespace, comma or semicolon (RIS names are one line, split at commas).
name_part = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters=",;"),
    min_size=1, max_size=8,
)
keyword = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters=";"),
    min_size=1, max_size=10,
)
TEXT_FIELDS = ("title", "short_title", "container_title", "collection_title", "volume", "publisher",
               "publisher_place", "edition", "genre", "language", "article_number", "url",
               "abstract", "note", "annote", "pages")
EXTRA_KEYS = ("ris:AN", "ris:U2", "ris:DB", "ris:C1", "ris:L1")


@st.composite
def hostile_references(draw: st.DrawFn) -> Reference:
    fields = {k: draw(hostile) for k in draw(st.lists(st.sampled_from(TEXT_FIELDS), unique=True, max_size=8))}
    if fields.get("note", "").startswith("Annotation: "):
        fields["note"] = "." + fields["note"]
    if draw(st.booleans()):
        fields["keywords"] = "; ".join(draw(st.lists(keyword.map(str.strip).filter(bool), min_size=1, max_size=4, unique=True)))
    people = draw(st.lists(st.builds(lambda f, g: Creator(family="X" + f, given=g), name_part, name_part), max_size=3))
    extra = {k: draw(hostile) for k in draw(st.lists(st.sampled_from(EXTRA_KEYS), unique=True, max_size=3))}
    return Reference(item_type=draw(st.sampled_from(["article-journal", "chapter", "report"])), fields=fields,
                     creators=people, citation_key=draw(st.one_of(st.just(""), hostile)), extra=extra)


def carried(value: str) -> str:
    return OTHER_BREAKS.sub("\n", value.replace("\0", ""))


def expected_losses(field: str, value: str) -> list[tuple[str, str]]:
    out = []
    if "\0" in value:
        out.append((field, NUL_NOTE))
    if OTHER_BREAKS.search(value.replace("\0", "")):
        out.append((field, BREAK_NOTE))
    return out


HUGE = Reference(
    fields={"title": "Huge", "abstract": "".join(FRAGMENTS) * (1_000_000 // len("".join(FRAGMENTS)))},
    creators=[Creator(family="Knox", given="Colin")],
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(hostile_references(), min_size=1, max_size=3))
@example([HUGE, Reference(fields={"title": "after the huge one"})])
def test_hostile_values_export_and_import_as_the_same_references(refs: list[Reference]) -> None:
    exported = ris.export_ris(refs)
    text = exported.text
    # Nothing forged, as we and as other readers see it.
    assert tags_seen_by_splitlines(text, "ER") == len(refs)
    assert tags_seen_by_splitlines(text, "TY") == len(refs)
    assert len(rispy.loads(text)) == len(refs)
    back = read_back(text)
    assert len(back) == len(refs)
    want_losses: list[tuple[int, str, str]] = []
    for i, (got, ref) in enumerate(zip(back, refs, strict=True)):
        want = {k: carried(v) for k, v in ref.fields.items() if carried(v)}
        assert got.fields == want
        assert got.extra == {k: carried(v) for k, v in ref.extra.items() if carried(v)}
        assert got.citation_key == carried(ref.citation_key)
        assert got.creators == ref.creators
        assert got.item_type == ref.item_type
        # The writer reports exactly what it could not carry, field by field.
        for key, value in [("citation_key", ref.citation_key), *ref.fields.items()]:
            want_losses.extend((i, key, m) for _, m in expected_losses(key, value))
        for key, value in ref.extra.items():
            if not all(p and p == p.strip() and "\0" not in p and not OTHER_BREAKS.search(p) for p in value.split("\n")):
                want_losses.extend((i, f"extra:{key}", m) for _, m in expected_losses(key, value))
    got_losses = [(loss.index, loss.field, loss.message) for loss in exported.losses]
    assert sorted(got_losses) == sorted(want_losses)
