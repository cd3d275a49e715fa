"""Citation keys: JabRef-like patterns, a/b/c suffixes, and a user's keys left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from bibliofile.model import Creator, Reference
from bibliofile.services import citation_keys as ck
from bibliofile.services.importing import import_files
from bibliofile.storage.library import Library

HOOD = ck.KeySource("A Public Management for All Seasons?", 1991, ("Hood",))


def test_default_pattern() -> None:
    assert ck.make_key(HOOD) == "hood1991publicmanagementall"


@pytest.mark.parametrize(
    ("pattern", "authors", "expected"),
    [
        ("[auth][year]", ("Hood",), "Hood1991"),
        ("[authEtAl]", ("Dunleavy", "Hood"), "DunleavyHood"),
        ("[authEtAl]", ("Dunleavy", "Hood", "Margetts"), "DunleavyEtAl"),
        ("[authors]", ("A", "B", "C", "D"), "ABCEtAl"),
        ("[veryshorttitle]", ("Hood",), "Public"),
        ("[shorttitle:abbr]", ("Hood",), "PMA"),
        ("[auth:upper]-[year]", ("van der Berg",), "VANDERBERG-1991"),
        ("[auth:lower][year]", ("Ångström",), "angstrom1991"),
        ("key_[title:lower]", ("Hood",), "key_apublicmanagementforallseasons"),
    ],
)
def test_patterns(pattern: str, authors: tuple[str, ...], expected: str) -> None:
    src = ck.KeySource(HOOD.title, HOOD.year, authors)
    assert ck.make_key(src, pattern) == expected


def test_bad_patterns_are_named() -> None:
    with pytest.raises(ck.PatternError, match=r"\[journal\]"):
        ck.make_key(HOOD, "[journal]")
    with pytest.raises(ck.PatternError, match=":shout"):
        ck.make_key(HOOD, "[auth:shout]")
    with pytest.raises(ck.PatternError):
        ck.check_pattern("plain")


def test_unique_suffixes() -> None:
    taken = {"hood1991", "hood1991a"}
    assert ck.unique_key("hood1991", taken) == "hood1991b"
    assert ck.unique_key("new", taken) == "new"
    many = {"x"} | {"x" + chr(c) for c in range(ord("a"), ord("z") + 1)}
    assert ck.unique_key("x", many) == "xaa"


def _ref(title: str, family: str, year: str = "2008", key: str = "") -> Reference:
    return Reference(fields={"title": title, "date": year}, creators=[Creator(family=family)], citation_key=key)


def test_fill_missing_keeps_existing_keys_and_makes_unique_ones(library: Library) -> None:
    ids = library.add_references(
        [
            _ref("Governance reform", "Knox", key="knox2008governancereform"),
            _ref("Governance reform", "Knox"),
            _ref("Governance reform", "Knox"),
            _ref("Mine", "Knox", key="MyOwnKey"),
            Reference(fields={}),  # nothing to make a key from
        ]
    )
    with library.write() as uow:
        given = ck.fill_missing(uow)
    assert given == {ids[1]: "knox2008governancereforma", ids[2]: "knox2008governancereformb"}
    refs = library.get_many(ids)
    assert [r.citation_key for r in refs] == [
        "knox2008governancereform", "knox2008governancereforma", "knox2008governancereformb", "MyOwnKey", ""
    ]
    with library.write() as uow:
        before = ck.regenerate(uow, [ids[3]], "[auth][year]")
    assert before == {ids[3]: "MyOwnKey"}
    assert library.get(ids[3]).citation_key == "Knox2008"


def test_import_gives_keys_only_to_entries_without_one(tmp_path: Path, library: Library) -> None:
    bib = tmp_path / "in.bib"
    bib.write_text(
        "@article{kept,\n  author = {Hood, Christopher},\n  title = {A Public Management for All Seasons?},\n"
        "  year = {1991}\n}\n\n@article{,\n  author = {Hood, Christopher},\n"
        "  title = {A Public Management for All Seasons?},\n  year = {1991}\n}\n",
        encoding="utf-8",
    )
    report = import_files(library, [bib], workers=1)
    keys = sorted(r.citation_key for r in library.get_many(report.ids))
    assert keys == ["hood1991publicmanagementall", "kept"]


def test_editing_a_new_reference_gives_it_a_key(library: Library) -> None:
    from bibliofile.services.editing import apply_edits

    (rid,) = library.add_references([Reference(fields={})])
    before = library.get(rid)
    after = library.get(rid)
    after.fields["title"] = "Trust in networks"
    after.fields["date"] = "2020"
    after.creators = [Creator(family="Ostrom")]
    apply_edits(library, [(before, after)])
    assert library.get(rid).citation_key == "ostrom2020trustnetworks"
