"""Group libraries (issue 21): a library syncs only chosen collections with a server, keeping its
private references beside the group's, and can leave the group.

Through a real PostgreSQL (``tests/pg_server.py``), a fresh database per test, real SQLite
files. What the server holds is read from its own tables, so "never sent" means not in any of
them (references, collections, membership, the change log).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.pg_server import PgServer

from bibliofile.model import Creator, Reference
from bibliofile.services import sync
from bibliofile.storage import curation, server, sync_local, sync_replica
from bibliofile.storage.library import Library
from bibliofile.storage.server_tables import (
    change_log,
    s_collection_items,
    s_collections,
    s_notes,
    s_references,
)

_names = count()


@pytest.fixture
def url(pg: PgServer) -> str:
    return pg.create_database(f"group{next(_names)}")


@pytest.fixture
def libs(tmp_path: Path) -> Iterator[tuple[Library, Library]]:
    a = Library.open(tmp_path / "mine.sqlite")
    b = Library.open(tmp_path / "colleague.sqlite")
    yield a, b
    a.close()
    b.close()


def refs(*keys: str) -> list[Reference]:
    return [Reference(fields={"title": f"About {k}", "date": "2020"}, citation_key=k,
                      creators=[Creator(family=k.capitalize(), given="Ann")]) for k in keys]


def ids_of(lib: Library, *keys: str) -> list[int]:
    out = []
    for k in keys:
        found = lib.by_citation_key([k])
        assert len(found) == 1, (k, found)
        out.append(found[0])
    return out


def keys_of(lib: Library) -> set[str]:
    """Citation keys of the references not in the trash."""
    return {r.citation_key for r in lib.get_many(list(sync_replica.live_reference_gids(lib).values()))}


def collection(lib: Library, name: str) -> int:
    found = [i for i, _p, n in lib.collections() if n == name]
    assert len(found) == 1, (name, lib.collections())
    return found[0]


def in_collection(lib: Library, name: str) -> set[str]:
    cid = collection(lib, name)
    assert lib.path is not None
    con = sqlite3.connect(lib.path)
    try:
        ids = [i for (i,) in con.execute(
            "SELECT i.reference_id FROM collection_items AS i JOIN \"references\" AS r ON r.id = i.reference_id"
            " WHERE i.collection_id = ? AND NOT r.deleted", (cid,))]
    finally:
        con.close()
    return {r.citation_key for r in lib.get_many(sorted(ids))}


def gid(lib: Library, key: str) -> uuid.UUID:
    sync_local.ensure_gids(lib)
    return uuid.UUID(sync_local.gids(lib, "reference", ids_of(lib, key))[ids_of(lib, key)[0]])


def on_server(url: str) -> dict[str, object]:
    """What the server holds: live references and collections, membership, every logged object."""
    engine = server.connect(url)
    try:
        with engine.connect() as conn:
            R, C, CI = s_references.c, s_collections.c, s_collection_items.c
            return {
                "references": set(conn.execute(select(R.gid).where(R.deleted.is_(False))).scalars()),
                "collections": set(conn.execute(select(C.name).where(C.deleted.is_(False))).scalars()),
                "members": {(str(r), n) for r, n in conn.execute(
                    select(CI.reference_gid, C.name).join(s_collections, C.gid == CI.collection_gid))},
                "logged": set(conn.execute(select(change_log.c.object_gid)).scalars()),
                "notes": {str(g): t for g, t in conn.execute(select(s_notes.c.reference_gid, s_notes.c.text))},
                "count": int(conn.execute(select(func.count()).select_from(change_log)).scalar_one()),
            }
    finally:
        engine.dispose()


def my_library(a: Library) -> None:
    """Private references (one in a private collection), and a group's: the "Lab" collection with
    a sub-collection; "shared" is in both Lab and the private "Thesis"."""
    a.add_references(refs("private1", "private2", "lab1", "lab2", "lab3", "shared"))
    with a.write() as uow:
        thesis = uow.add_collection("Thesis")
        lab = uow.add_collection("Lab")
        methods = uow.add_collection("Methods", parent_id=lab)
        uow.add_to_collection(thesis, ids_of(a, "private2", "shared"))
        uow.add_to_collection(lab, ids_of(a, "lab1", "lab2", "shared"))
        uow.add_to_collection(methods, ids_of(a, "lab3"))
        curation.set_note(uow, ids_of(a, "private1")[0], "<p>my secret idea</p>", "my secret idea")


def test_only_the_chosen_collections_and_their_references_reach_the_server(libs: tuple[Library, Library], url: str) -> None:
    a, _b = libs
    my_library(a)
    report = sync.sync(a, url, scope=["Lab"])
    assert [s["name"] for s in report.scope or []] == ["Lab"]
    assert report.as_json()["scope"] == {"whole_library": False, "collections": report.scope}  # type: ignore[comparison-overlap]
    held = on_server(url)
    group = {gid(a, k) for k in ("lab1", "lab2", "lab3", "shared")}
    private = {gid(a, k) for k in ("private1", "private2")}
    assert held["references"] == group
    assert held["collections"] == {"Lab", "Methods"}
    # "shared" is a member of Lab on the server, not of the private Thesis (never sent).
    assert {n for r, n in held["members"] if r == str(gid(a, "shared"))} == {"Lab"}  # type: ignore[attr-defined]
    assert not private & held["logged"]  # type: ignore[operator]
    assert "my secret idea" not in held["notes"].values()  # type: ignore[attr-defined]
    # The scope is remembered: later syncs, after edits of private references, send none of them.
    with a.write() as uow:
        curation.set_note(uow, ids_of(a, "private2")[0], "<p>draft</p>", "draft")
    r = a.get(ids_of(a, "private1")[0])
    r.fields["title"] = "Still mine"
    a.update_reference(r)
    assert sync.sync(a).pushed == 0
    assert not private & on_server(url)["logged"]  # type: ignore[operator]
    assert sync.pending_changes(a) == 0


def test_a_colleague_receives_only_the_group_and_edits_round_trip(libs: tuple[Library, Library], url: str) -> None:
    a, b = libs
    my_library(a)
    sync.sync(a, url, scope=["Lab"])
    b.add_references(refs("theirs"))
    with b.write() as uow:
        uow.add_to_collection(uow.add_collection("Their own"), ids_of(b, "theirs"))
    joined = sync.sync(b, url, scope=["Lab"])  # named as the server holds it: b has no Lab yet
    assert [s["name"] for s in joined.scope or []] == ["Lab"]
    assert keys_of(b) == {"theirs", "lab1", "lab2", "lab3", "shared"}
    assert in_collection(b, "Lab") == {"lab1", "lab2", "shared"}
    assert in_collection(b, "Methods") == {"lab3"}
    assert gid(b, "theirs") not in on_server(url)["references"]  # type: ignore[operator]
    assert on_server(url)["collections"] == {"Lab", "Methods"}
    # An edit in the group goes both ways; "shared" keeps its private Thesis membership in a.
    r = b.get(ids_of(b, "shared")[0])
    r.fields["title"] = "Edited by the colleague"
    b.update_reference(r)
    with b.write() as uow:
        uow.add_to_collection(collection(b, "Methods"), ids_of(b, "lab1"))
    assert sync.sync(b).pushed == 2
    got = sync.sync(a)
    assert got.pulled == 2 and got.conflicts == []
    assert a.get(ids_of(a, "shared")[0]).fields["title"] == "Edited by the colleague"
    assert "shared" in in_collection(a, "Thesis")
    assert in_collection(a, "Methods") == {"lab3", "lab1"}
    # A reference of mine filed into the group's collection joins the group.
    with a.write() as uow:
        uow.add_to_collection(collection(a, "Lab"), ids_of(a, "private1"))
    sync.sync(a)
    sync.sync(b)
    assert "private1" in in_collection(b, "Lab")
    assert curation.note(b, ids_of(b, "private1")[0]) == "<p>my secret idea</p>"  # what joins is all of it


def test_a_reference_taken_out_of_the_group_collections_stays_in_the_group(libs: tuple[Library, Library], url: str) -> None:
    """The rule (ADR 17): leaving a collection is a membership change, sent like any other; the
    reference stays in the group (on the server, in the others' libraries) until deleted."""
    a, b = libs
    my_library(a)
    sync.sync(a, url, scope=["Lab"])
    sync.sync(b, url, scope=[])  # joins sharing nothing of its own
    with a.write() as uow:
        uow.remove_from_collection(collection(a, "Lab"), ids_of(a, "lab2"))
    assert sync.sync(a).pushed == 1
    sync.sync(b)
    assert "lab2" in keys_of(b) and "lab2" not in in_collection(b, "Lab")
    held = on_server(url)
    assert gid(a, "lab2") in held["references"]  # type: ignore[operator]
    assert not {n for r, n in held["members"] if r == str(gid(a, "lab2"))}  # type: ignore[attr-defined]
    # Still synced: the colleague's edit reaches it.
    r = b.get(ids_of(b, "lab2")[0])
    r.fields["title"] = "Renamed in the group"
    b.update_reference(r)
    sync.sync(b)
    sync.sync(a)
    assert a.get(ids_of(a, "lab2")[0]).fields["title"] == "Renamed in the group"


def test_changing_the_scope_sends_what_it_adds(libs: tuple[Library, Library], url: str) -> None:
    a, _b = libs
    my_library(a)
    sync.sync(a, url, scope=["Methods"])  # a sub-collection alone: sent without its parent
    assert on_server(url)["collections"] == {"Methods"}
    assert collection(a, "Methods") in {i for i, p, _n in a.collections() if p == collection(a, "Lab")}
    sync.sync(a, scope=["Lab", "Thesis"])
    assert on_server(url)["collections"] == {"Lab", "Methods", "Thesis"}
    assert on_server(url)["references"] == {gid(a, k) for k in ("lab1", "lab2", "lab3", "shared", "private2")}
    sync.sync(a, scope=sync.WHOLE_LIBRARY)
    assert len(on_server(url)["references"]) == 6  # type: ignore[arg-type]
    assert sync.scope(a) is None


def test_naming_a_collection_that_is_nowhere_or_twice_is_a_usage_error(libs: tuple[Library, Library], url: str) -> None:
    a, _b = libs
    my_library(a)
    with a.write() as uow:
        uow.add_collection("Methods", parent_id=collection(a, "Thesis"))
    with pytest.raises(sync.SyncUsageError, match="no collection 'Nope'"):
        sync.sync(a, url, scope=["Nope"])
    with pytest.raises(sync.SyncUsageError, match=r"'Lab/Methods', 'Thesis/Methods'"):
        sync.sync(a, url, scope=["Methods"])
    assert sync_local.servers(a) == []  # nothing remembered
    sync.sync(a, url, scope=["Thesis/Methods"])
    assert on_server(url)["collections"] == {"Methods"} and on_server(url)["references"] == set()


def test_leaving_keeps_the_group_references_or_removes_them(libs: tuple[Library, Library], url: str) -> None:
    a, b = libs
    my_library(a)
    sync.sync(a, url, scope=["Lab"])
    b.add_references(refs("theirs"))
    sync.sync(b, url, scope=[])
    with b.write() as uow:  # b files one group reference in a collection of its own
        uow.add_to_collection(uow.add_collection("Keep these"), ids_of(b, "lab1"))
    before = on_server(url)
    left = sync.leave(b, remove=True)
    assert (left.removed, left.kept, left.collections_removed) == (3, 1, 1)  # lab2, lab3, shared to the Trash
    assert keys_of(b) == {"theirs", "lab1"}
    assert {n for _i, _p, n in b.collections()} == {"Keep these", "Lab"}  # Methods emptied and gone
    assert in_collection(b, "Lab") == {"lab1"}
    assert sync_local.servers(b) == [] and sync.remembered_server(b) is None
    assert on_server(url) == before  # nothing of the server changed
    kept = sync.leave(a)  # keep: every reference stays, as private copies
    assert (kept.removed, kept.kept) == (0, 4)
    assert keys_of(a) == {"private1", "private2", "lab1", "lab2", "lab3", "shared"}
    assert sync_local.servers(a) == []
    assert on_server(url) == before


def test_remove_is_refused_for_a_library_that_shares_everything(libs: tuple[Library, Library], url: str) -> None:
    a, _b = libs
    a.add_references(refs("x", "y"))
    sync.sync(a, url)
    assert sync.scope(a) is None
    with pytest.raises(sync.SyncUsageError, match="whole library"):
        sync.leave(a, remove=True)
    assert keys_of(a) == {"x", "y"} and sync.remembered_server(a) is not None


def test_the_changes_waiting_count_only_what_the_group_will_receive(libs: tuple[Library, Library], url: str) -> None:
    """The window's "Offline — N changes waiting": a private edit is no change for the group."""
    a, _b = libs
    my_library(a)
    sync.sync(a, url, scope=["Lab"])
    for key in ("private1", "lab1"):
        r = a.get(ids_of(a, key)[0])
        r.fields["title"] = "Edited"
        a.update_reference(r)
    with a.write() as uow:
        uow.add_collection("Private notes")  # a new private collection
        uow.add_collection("Week 3", parent_id=collection(a, "Lab"))  # a new one in the group
        uow.add_to_collection(collection(a, "Thesis"), ids_of(a, "lab2"))  # private membership only
    assert sync.pending_changes(a) == 2  # lab1 and Week 3
    assert sync.sync(a).pushed == 2
    assert on_server(url)["collections"] == {"Lab", "Methods", "Week 3"}
