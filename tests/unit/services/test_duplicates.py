"""Duplicates: why each pair matched and how sure, merging that keeps both sides' curation."""

from __future__ import annotations

from bibliofile.model import Creator, Reference
from bibliofile.services import duplicates as dup
from bibliofile.storage import curation
from bibliofile.storage.curation import ScanRow
from bibliofile.storage.library import TRASH, Library


def row(i: int, title: str, year: int | None = 2008, author: str = "Knox", doi: str = "", isbn: str = "",
        item_type: str = "article-journal") -> ScanRow:
    return ScanRow(i, item_type, title, year, doi, isbn, author)


def pairs(rows: list[ScanRow], skip: set[tuple[int, int]] | None = None) -> dict[tuple[int, int], dup.DuplicatePair]:
    return {(p.first, p.second): p for p in dup.find_duplicates(rows, skip)}


def test_doi_and_isbn_matches() -> None:
    found = pairs([
        row(1, "Alpha", doi="10.1000/ABC"), row(2, "Completely different", doi="https://doi.org/10.1000/abc"),
        row(3, "Book", isbn="0-306-40615-2", item_type="book"), row(4, "Book 2e", isbn="978-0-306-40615-7", item_type="book"),
        row(5, "Chapter", isbn="978-0-306-40615-7", item_type="chapter"),
    ])
    assert set(found) == {(1, 2), (3, 4)}
    assert found[(1, 2)].score == 1.0 and "DOI" in found[(1, 2)].reason
    assert "ISBN" in found[(3, 4)].reason


def test_title_author_year_within_one() -> None:
    found = pairs([
        row(1, "Kazakhstan: Modernizing government in the context of political inertia", 2008),
        row(2, "KAZAKHSTAN — modernizing government in the context of political inertia.", 2009),
        row(3, "Kazakhstan: modernizing government in the context of political inertia", 2011),  # too late
        row(4, "Kazakhstan: modernizing government in the context of political inertia", 2008, author="Other"),
        row(5, "Kazakhstan: modernising government in the context of political inertia", 2008, author="Knöx"),
    ])
    assert (1, 2) in found and found[(1, 2)].score == 0.92
    assert "years 2008 and 2009" in found[(1, 2)].reason
    assert (1, 3) not in found and (1, 4) not in found and (3, 4) not in found
    fuzzy = found[(1, 5)]  # modernising/modernizing, Knöx == Knox
    assert 0.8 < fuzzy.score < 0.9 and "alike" in fuzzy.reason
    assert [p.score for p in dup.find_duplicates([row(1, "A title here"), row(2, "A title here")])] == [0.97]


def test_different_dois_are_different_works_and_not_duplicates_are_remembered() -> None:
    rows = [row(1, "Editorial note on things", doi="10.1/a"), row(2, "Editorial note on things", doi="10.1/b"),
            row(3, "Same title again here"), row(4, "Same title again here")]
    assert set(pairs(rows)) == {(3, 4)}
    assert pairs(rows, {(3, 4)}) == {}


def test_scan_and_merge_keep_both_sides(library: Library) -> None:
    a, b, c = library.add_references([
        Reference(fields={"title": "Trust in networks", "date": "2010", "volume": "3"},
                  creators=[Creator(family="Ostrom", given="Elinor")], citation_key="ostrom2010"),
        Reference(fields={"title": "Trust in Networks.", "date": "2010", "pages": "1--20", "volume": "4"},
                  creators=[Creator(family="Ostrom", given="E."), Creator(family="Walker", given="James")]),
        Reference(fields={"title": "Unrelated", "date": "2010"}, creators=[Creator(family="Ostrom")]),
    ])
    with library.write() as uow:
        cid = uow.add_collection("List")
        uow.add_to_collection(cid, [b])
        t = curation.add_tag(uow, "cited")
        curation.tag(uow, t, [b])
        curation.set_note(uow, b, "<p>from b</p>", "from b")
        curation.set_note(uow, a, "<p>from a</p>", "from a")
        curation.set_reading(uow, [b], status="read", priority=2)
    [pair] = dup.scan(library)
    assert (pair.first, pair.second) == (a, b)
    record = dup.merge(library, a, b, {"volume": dup.OTHER})
    kept = library.get(a)
    assert kept.get("pages") == "1--20" and kept.get("volume") == "4" and kept.citation_key == "ostrom2010"
    assert [x.family for x in kept.creators] == ["Ostrom", "Walker"]  # E. Ostrom is Elinor Ostrom
    assert curation.tags_of(library, [a]) == {a: ["cited"]}
    assert a in curation.collection_order(library, cid)
    assert library.search("from b") == [a]
    assert curation.reading_states(library, [a])[a].status == "read"
    assert library.search("trust") == [a] and b in library.search("", scope=TRASH)
    dup.undo_merge(library, record)
    assert library.get(a).get("volume") == "3" and len(library.get(a).creators) == 1
    assert curation.tags_of(library, [a]) == {} and a not in curation.collection_order(library, cid)
    assert curation.reading_states(library, [a])[a].status == ""
    assert library.search("from b") == [b] and sorted(library.search("trust")) == [a, b]
    dup.mark_not_duplicates(library, a, b)
    assert dup.scan(library) == []
    # The third reference, by the same author in the same year but with another title, was never
    # part of a pair: neither the merge nor its undo touched it.
    unrelated = library.get(c)
    assert unrelated.fields == {"title": "Unrelated", "date": "2010"}
    assert [x.family for x in unrelated.creators] == ["Ostrom"]
    assert library.search("unrelated") == [c] and c not in library.search("", scope=TRASH)
