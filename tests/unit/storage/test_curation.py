"""Curation storage on real SQLite files: reading state, tags, notes, list order, saved searches."""

from __future__ import annotations

from datetime import date

import pytest

from bibliofile.model import Creator, Reference
from bibliofile.model.reading import ReadingState, next_status, page_count
from bibliofile.storage import curation
from bibliofile.storage.library import Library, Scope


def ref(title: str, year: str = "2008", family: str = "Knox", **fields: str) -> Reference:
    return Reference(fields={"title": title, "date": year, **fields}, creators=[Creator(family=family, given="C.")])


def test_reading_state_set_searched_and_put_back(library: Library) -> None:
    a, b, c = library.add_references([ref("Alpha"), ref("Beta"), ref("Gamma")])
    with library.write() as uow:
        before = curation.set_reading(uow, [a, b], status="read", priority=1)
    states = curation.reading_states(library, [a, b, c])
    assert states[a].status == "read" and states[a].priority == 1
    assert states[a].date_read == date.today().isoformat()  # marked read: dated today
    assert states[c] == ReadingState()
    assert set(library.search("status:read")) == {a, b}
    assert library.search("priority:1", sort="title") == [a, b]
    assert library.search("status:reading") == []
    assert set(library.search(f"read:{date.today().year}")) == {a, b}
    # reading is not editing: the entry still exports as imported
    assert not library.get(a).edited
    with library.write() as uow:
        curation.put_reading(uow, before)
    assert curation.reading_states(library, [a])[a] == ReadingState()


def test_reading_state_sorts_in_the_table(library: Library) -> None:
    ids = library.add_references([ref("A"), ref("B"), ref("C")])
    with library.write() as uow:
        for rid, p in zip(ids, (3, 1, 2), strict=True):
            curation.set_reading(uow, [rid], priority=p)
    assert library.search("", sort="priority") == [ids[1], ids[2], ids[0]]
    assert library.rows([ids[0]], ["priority", "read_status"])[ids[0]] == (3, "")


def test_invalid_reading_values_are_refused(library: Library) -> None:
    (a,) = library.add_references([ref("A")])
    with pytest.raises(ValueError), library.write() as uow:
        curation.set_reading(uow, [a], status="finished")
    with pytest.raises(ValueError), library.write() as uow:
        curation.set_reading(uow, [a], rating=9)


def test_bulk_status_and_tag_on_10000_references(library: Library) -> None:
    """One unit of work over 10k references (bench/bench_curation.py times it)."""
    ids = library.add_references([ref(f"Paper {i}") for i in range(10_000)])
    with library.write() as uow:
        before = curation.set_reading(uow, ids, status="toread")
        tid = curation.add_tag(uow, "thesis", "#cc3333")
        added = curation.tag(uow, tid, ids)
    assert len(before) == 10_000 and len(added) == 10_000
    assert len(library.search("tag:thesis")) == 10_000
    assert len(library.search("status:toread")) == 10_000
    with library.write() as uow:
        curation.untag(uow, tid, added)
        curation.put_reading(uow, before)
    assert library.search("tag:thesis") == [] and library.search("status:toread") == []


def test_ids_without_key_of_a_long_list_with_gaps(library: Library) -> None:
    """Past 900 ids the references are found with one range scan; ids not asked for stay out."""
    refs = [ref(f"Paper {i}") for i in range(2_000)]
    for i, r in enumerate(refs):
        r.citation_key = "" if i % 3 == 0 else f"k{i}"
    ids = library.add_references(refs)
    asked = [rid for n, rid in enumerate(ids) if n % 2 == 0]
    expected = [rid for n, rid in enumerate(ids) if n % 2 == 0 and n % 3 == 0]
    assert curation.ids_without_key(library, asked) == expected
    assert curation.ids_without_key(library, asked[:10]) == expected[:4]


def test_tags_are_case_insensitive_names_with_colours_and_counts(library: Library) -> None:
    a, b = library.add_references([ref("A"), ref("B")])
    with library.write() as uow:
        t1 = curation.add_tag(uow, "Method", "#00aa00")
        assert curation.add_tag(uow, "method") == t1
        assert curation.tag(uow, t1, [a, a, b]) == [a, b]
        assert curation.tag(uow, t1, [a]) == []
    [t] = curation.tags(library)
    assert (t.name, t.colour, t.count) == ("Method", "#00aa00", 2)
    assert curation.tags_of(library, [a]) == {a: ["Method"]}
    with library.write() as uow:
        uow.trash([b])
        curation.set_tag(uow, t1, name="Methods", colour="#0000ff")
    [t] = curation.tags(library)
    assert (t.name, t.colour, t.count) == ("Methods", "#0000ff", 1)
    with library.write() as uow:
        assert sorted(curation.delete_tag(uow, t1)) == [a, b]
    assert curation.tags(library) == []


def test_notes_are_searchable_and_survive_an_edit(library: Library) -> None:
    (a,) = library.add_references([ref("Alpha", note="field note")])
    with library.write() as uow:
        curation.set_note(uow, a, "<p><b>Zeitgeist</b> argument</p>", "Zeitgeist argument")
    assert library.search("zeitgeist") == [a]
    assert library.search("notes:field") == [a]
    assert "<b>Zeitgeist</b>" in curation.note(library, a)
    r = library.get(a)
    r.fields["title"] = "Alpha revised"
    library.update_reference(r)
    assert library.search("zeitgeist") == [a]
    with library.write() as uow:
        assert "Zeitgeist" in curation.set_note(uow, a, "", "")
    assert library.search("zeitgeist") == [] and curation.note(library, a) == ""


def test_reading_list_order_moves_and_progress(library: Library) -> None:
    ids = library.add_references(
        [ref("One", pages="1--10"), ref("Two", pages="5-24"), ref("Three"), ref("Four", number_of_pages="100")]
    )
    with library.write() as uow:
        cid = uow.add_collection("Reading list")
        uow.add_to_collection(cid, ids)
        uow.add_to_collection(cid, [ids[0]])  # already there: stays where it is
    assert curation.collection_order(library, cid) == ids
    scope = Scope(collection_id=cid)
    assert library.search("", sort="position", scope=scope) == ids
    with library.write() as uow:
        before = curation.move_to_top(uow, cid, [ids[2]])
    assert curation.collection_order(library, cid) == [ids[2], ids[0], ids[1], ids[3]]
    assert library.search("", sort="position", scope=scope) == [ids[2], ids[0], ids[1], ids[3]]
    with library.write() as uow:
        curation.move_in_collection(uow, cid, [ids[2], ids[0]], None)
    assert curation.collection_order(library, cid) == [ids[1], ids[3], ids[2], ids[0]]  # list order kept
    with library.write() as uow:
        curation.set_collection_order(uow, cid, before)
        curation.set_reading(uow, [ids[0]], status="read")
    assert curation.collection_order(library, cid) == ids
    p = curation.list_progress(library, cid)
    assert (p.total, p.read, p.pages_left, p.unknown_pages) == (4, 1, 120, 1)
    assert p.text().startswith("1 of 4 read · 120 pages left")


def test_saved_searches_and_not_duplicates(library: Library) -> None:
    a, b = library.add_references([ref("A"), ref("B")])
    with library.write() as uow:
        sid = curation.add_saved_search(uow, "Unread", "status:toread")
        curation.add_saved_search(uow, "Hood", "author:hood")
        curation.mark_not_duplicates(uow, b, a)
        curation.mark_not_duplicates(uow, a, b)
    assert [n for _, n, _ in curation.saved_searches(library)] == ["Unread", "Hood"]
    assert curation.not_duplicate_pairs(library) == {(a, b)}
    with library.write() as uow:
        curation.rename_saved_search(uow, sid, "To read")
        curation.delete_saved_search(uow, sid)
        curation.unmark_not_duplicates(uow, a, b)
    assert [n for _, n, _ in curation.saved_searches(library)] == ["Hood"]
    assert curation.not_duplicate_pairs(library) == set()


def test_overview_counts(library: Library) -> None:
    ids = library.add_references([ref("A", "2001"), ref("B", "2001"), ref("C", "2003")])
    with library.write() as uow:
        curation.set_reading(uow, ids[:2], status="read", date_read="2026-03-02")
    assert curation.per_year(library) == [(2001, 2), (2003, 1)]
    assert curation.per_type(library) == [("article-journal", 3)]
    assert curation.read_per_month(library) == [("2026-03", 2)]


def test_reading_helpers() -> None:
    assert [next_status(s) for s in ("", "toread", "reading", "read", "skimmed")] == [
        "toread", "reading", "read", "skimmed", ""
    ]
    assert page_count("477--496") == 20
    assert page_count("477-96") == 20
    assert page_count("e1234") is None
    assert page_count("", "312") == 312
