"""The Library on real SQLite files: writes are units of work, reads are plain data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bibliofile.model import Creator, CreatorRole, Reference
from bibliofile.model.blocks import BlockKind, PassthroughBlock
from bibliofile.model.reference import SourceRecord
from bibliofile.storage.errors import Cancelled
from bibliofile.storage.library import TRASH, Library, Scope


def ref(title: str, year: str = "2008", family: str = "Knox", **fields: str) -> Reference:
    return Reference(
        fields={"title": title, "date": year, **fields},
        creators=[Creator(family=family, given="Colin")],
    )


def test_new_library_uses_wal_foreign_keys(library: Library, library_path: Path) -> None:
    with library.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 8192
    assert library_path.exists()


def test_an_existing_library_keeps_its_page_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page size is chosen when a library is created; opening an older file never rewrites it."""
    from bibliofile.storage import engine

    path = tmp_path / "old.sqlite"
    monkeypatch.setattr(engine, "PAGE_SIZE", 4096)  # as libraries made before 8 KiB pages
    Library.open(path).close()
    monkeypatch.undo()
    lib = Library.open(path)
    with lib.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 4096
    lib.close()


def test_add_and_get_round_trip(library: Library) -> None:
    r = Reference(
        item_type="chapter",
        fields={"title": "The Forms of Capital", "date": "1986", "pages": "241–258"},
        creators=[
            Creator(family="Bourdieu", given="Pierre"),
            Creator(role=CreatorRole.EDITOR, family="Richardson", given="John G."),
            Creator.institution("World Health Organization"),
            Creator(family="Berg", given="Hans", particle="van der", suffix="Jr"),
            Creator.et_al(),
        ],
        citation_key="bourdieu1986",
        extra={"x-custom": "{kept as it was}"},
    )
    [rid] = library.add_references([r])
    back = library.get(rid)
    assert back.fields == r.fields
    assert back.creators == r.creators
    assert back.extra == r.extra
    assert back.citation_key == "bourdieu1986"
    assert back.item_type == "chapter"


def test_rows_are_plain_tuples_for_the_table(library: Library) -> None:
    ids = library.add_references([ref("One"), ref("Two", family="Smith")])
    rows = library.rows(ids, ["authors", "year", "title"])
    assert rows[ids[0]] == ("Knox", 2008, "One")
    assert rows[ids[1]] == ("Smith", 2008, "Two")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("muller", ["Über Müller"]),
        ("MÜLLER", ["Über Müller"]),
        ("polit iner", ["Political inertia in Kazakhstan"]),
        ("author:knox", ["Political inertia in Kazakhstan", "Über Müller"]),
        ("author:smith", ["Zebra studies"]),
        ("year:2008", ["Political inertia in Kazakhstan"]),
        ("year:2000..2010", ["Political inertia in Kazakhstan", "Zebra studies"]),
        ('title:"political inertia"', ["Political inertia in Kazakhstan"]),
        ('title:"inertia political"', []),
        ("-muller", ["Political inertia in Kazakhstan", "Zebra studies"]),
        ("type:book", ["Zebra studies"]),
        ("kazakh -zebra", ["Political inertia in Kazakhstan"]),
        ("", ["Political inertia in Kazakhstan", "Über Müller", "Zebra studies"]),
    ],
)
def test_search_language(library: Library, query: str, expected: list[str]) -> None:
    library.add_references(
        [
            ref("Über Müller", "1999"),
            ref("Political inertia in Kazakhstan", "2008"),
            Reference(
                item_type="book",
                fields={"title": "Zebra studies", "date": "2005"},
                creators=[Creator(family="Smith")],
            ),
        ]
    )
    ids = library.search(query, sort="title")
    assert [library.get(i).title for i in ids] == expected


def test_search_text_never_becomes_fts_syntax(library: Library) -> None:
    library.add_references([ref('A "quoted" AND title')])
    for nasty in ['"', "AND", "OR NOT", "title:(", "*", "NEAR(a b)", "a:b:c", "{x}", "-"]:
        library.search(nasty)  # must not raise


def test_sorting_in_sql(library: Library) -> None:
    library.add_references([ref("b", "2001", "Zed"), ref("A", "1999", "Ärni"), ref("c", "", "Bee")])
    titles = lambda ids: [library.get(i).title for i in ids]  # noqa: E731
    assert titles(library.search("", sort="title")) == ["A", "b", "c"]
    assert titles(library.search("", sort="title", descending=True)) == ["c", "b", "A"]
    assert titles(library.search("", sort="authors")) == ["A", "c", "b"]
    assert titles(library.search("", sort="year")) == ["A", "b", "c"]  # n.d. last


def test_index_kept_in_step_with_update_and_purge(library: Library) -> None:
    [rid] = library.add_references([ref("Original title")])
    r = library.get(rid)
    r.fields["title"] = "Renamed entirely"
    library.update_reference(r)
    assert library.search("original") == []
    assert library.search("renamed") == [rid]
    assert library.get(rid).edited
    with library.write() as uow:
        uow.trash([rid])
    assert library.search("renamed") == []
    assert library.search("renamed", scope=TRASH) == [rid]
    with library.write() as uow:
        uow.purge([rid])
    assert library.index_count() == 0
    assert library.count() == 0 and library.count(TRASH) == 0


def test_failed_unit_of_work_leaves_library_as_it_was(library: Library) -> None:
    library.add_references([ref("Kept")])
    with pytest.raises(Cancelled), library.write() as uow:
        uow.add_items([ref("Half"), ref("Way")])
        raise Cancelled()
    assert library.count() == 1
    assert library.index_count() == 1
    with pytest.raises(RuntimeError), library.write() as uow:
        uow.add_items([ref("Boom")])
        raise RuntimeError("bug in the middle of an import")
    assert [library.get(i).title for i in library.search("")] == ["Kept"]


def test_collections_scope(library: Library) -> None:
    a, b = library.add_references([ref("In collection"), ref("Loose")])
    with library.write() as uow:
        cid = uow.add_collection("Reading list")
        uow.add_to_collection(cid, [a, a])
    assert library.search("", scope=Scope(collection_id=cid)) == [a]
    assert library.search("", scope=Scope(unfiled=True)) == [b]
    assert library.collections() == [(cid, None, "Reading list")]


def test_export_items_keep_file_order_and_blocks(library: Library) -> None:
    items: list[Reference | PassthroughBlock] = [
        PassthroughBlock(BlockKind.STRING, '@string{j = "J"}', "", 1),
        Reference(fields={"title": "Z"}, source=SourceRecord("bibtex", "@misc{z, title={Z}}", prefix="\n\n")),
        PassthroughBlock(BlockKind.COMMENT, "@comment{between}", "\n", 5),
        Reference(fields={"title": "A"}, source=SourceRecord("bibtex", "@misc{a, title={A}}", prefix="\n")),
    ]
    with library.write() as uow:
        imp = uow.add_import("x.bib", "bibtex", "utf-8")
        uow.add_items(items, imp)
    library.add_references([ref("Made in the app")])
    out = list(library.export_items(batch=1))
    kinds = [x.kind if isinstance(x, PassthroughBlock) else x.title for x in out]
    assert kinds == [BlockKind.STRING, "Z", BlockKind.COMMENT, "A", "Made in the app"]
    assert out[1].source is not None and out[1].source.prefix == "\n\n"  # type: ignore[union-attr]


def test_writer_waits_for_a_lock_then_reports_it_plainly(library: Library, library_path: Path) -> None:
    from bibliofile.storage import engine as engine_mod
    from bibliofile.storage.errors import LibraryLockedError

    other = sqlite3.connect(library_path, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    old = engine_mod.BUSY_TIMEOUT_MS
    try:
        engine_mod.BUSY_TIMEOUT_MS = 100
        lib2 = Library.open(library_path)
        with pytest.raises(LibraryLockedError, match="locked by another program"), lib2.write() as uow:
            uow.add_items([ref("x")])
        lib2.close()
    finally:
        engine_mod.BUSY_TIMEOUT_MS = old
        other.rollback()
        other.close()
    assert library.count() == 0


def test_id_lists_read_as_json_keep_the_sql_order(library) -> None:
    """_fetch_ids reads ids as one json_group_array over the ordered select; the order must be
    exactly the one a plain cursor returns, for every sort."""
    from bibliofile.model.query import parse_query
    from bibliofile.storage.library import LIBRARY, _fetch_ids, _order

    refs = [
        Reference(
            fields={"title": f"{w} {i}", "date": str(1950 + (i * 37) % 70)},
            creators=[Creator(family=f"{chr(65 + (i * 11) % 26)}son", given="A")],
        )
        for i, w in enumerate(["Zeta", "alpha", "Émile", "beta", "{DNA}", "omega"] * 50)
    ]
    library.add_references(refs)
    for sort in ("title", "authors", "year", "date_added", "type"):
        for desc in (False, True):
            stmt = library._search_select(parse_query(""), LIBRARY).order_by(*_order(sort, desc))
            with library.engine.connect() as conn:
                plain = [row[0] for row in conn.execute(stmt)]
                assert _fetch_ids(conn, stmt) == plain, (sort, desc)
                assert len(plain) == 300


def test_a_deleted_collection_tree_comes_back_with_its_items(library) -> None:
    ids = library.add_references([Reference(fields={"title": t}) for t in ("A", "B", "C")])
    with library.write() as uow:
        top = uow.add_collection("Thesis")
        sub = uow.add_collection("Chapter 1", top)
        subsub = uow.add_collection("Notes", sub)
        other = uow.add_collection("Other")
        uow.add_to_collection(top, ids[:2])
        uow.add_to_collection(subsub, [ids[2], ids[0]])
        uow.add_to_collection(other, [ids[1]])
    with library.write() as uow:
        snap = uow.delete_collection(top)
    assert [c[0] for c in snap.collections] == [top, sub, subsub]  # parents first
    assert [c[0] for c in library.collections()] == [other]
    with library.write() as uow:
        uow.purge([ids[2]])  # deleted for good meanwhile: its place is not restored
        uow.restore_collections(snap)
    assert sorted(c[0] for c in library.collections()) == sorted([top, sub, subsub, other])
    assert library.search("", "position", scope=Scope(collection_id=top)) == ids[:2]
    assert library.search("", "position", scope=Scope(collection_id=subsub)) == [ids[0]]
    with library.write() as uow:
        assert uow.add_to_collection(top, [ids[1], ids[0]]) == []  # already there: nothing added
        removed = uow.remove_from_collection(top, [ids[0]])
        uow.put_back_in_collection(top, removed)
    assert library.search("", "position", scope=Scope(collection_id=top)) == ids[:2]


def _stored(library: Library, ids: list[int]) -> tuple[object, ...]:
    """What an edit leaves behind: the references as read back, and the creators' rows."""
    with sqlite3.connect(library.path) as db:
        creators = db.execute("SELECT * FROM creators ORDER BY reference_id, position").fetchall()
    return library.get_many(ids), creators


def test_update_many_stores_what_one_update_at_a_time_stores(tmp_path: Path) -> None:
    """The window's edit of a selection goes through ``update_many``; it must leave the same rows,
    creators and full-text index as ``update`` per reference, notes still searchable."""
    from bibliofile.storage import curation

    libraries = [Library.open(tmp_path / f"{name}.sqlite") for name in ("one", "many")]
    try:
        edited_ids = []
        for lib in libraries:
            ids = lib.add_references([ref(f"Title {i}", family=f"Family{i}") for i in range(1200)])
            with lib.write() as uow:
                curation.set_note(uow, ids[7], "<p>marginalia</p>", "marginalia")
            refs = lib.get_many(ids[:1000])
            for i, r in enumerate(refs):
                r.fields["title"] = f"Retitled {i}"
                r.creators = [Creator(family=f"Other{i}", given="A"), Creator(family="Second", given="B")]
            edits = [(r, i % 3 != 0) for i, r in enumerate(refs)]
            with lib.write() as uow:
                if lib is libraries[0]:
                    for r, edited in edits:
                        uow.update(r, edited=edited)
                else:
                    uow.update_many(edits)
            edited_ids.append(ids)
        one, many = libraries
        assert _stored(one, edited_ids[0]) == _stored(many, edited_ids[1])
        for query in ("retitled", "other5", "second", "title", "marginalia", "family3"):
            assert one.search(query) == many.search(query), query
        assert len(many.search("retitled")) == 1000 and many.search("marginalia") == [edited_ids[1][7]]
        assert many.search("family1005") == [edited_ids[1][1005]] and many.search("family5") == []  # old creators gone
        assert one.index_count() == many.index_count() == 1200
    finally:
        for lib in libraries:
            lib.close()


def test_update_many_keeps_the_last_edit_of_a_reference_and_refuses_unknown_ids(library: Library) -> None:
    [rid, other] = library.add_references([ref("First"), ref("Other")])
    a, b = library.get(rid), library.get(rid)
    a.fields["title"] = "Earlier"
    b.fields["title"] = "Later"
    with library.write() as uow:
        uow.update_many([(a, True), (b, True)])
    assert library.get(rid).title == "Later" and len(library.get(rid).creators) == 1
    ghost = library.get(other)
    ghost.id = 999_999
    kept = library.get(other)
    kept.fields["title"] = "Not written"
    with pytest.raises(KeyError), library.write() as uow:
        uow.update_many([(kept, True), (ghost, True)])
    assert library.get(other).title == "Other"  # the whole unit of work was rolled back
