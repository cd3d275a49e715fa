"""Sync between local libraries through a real PostgreSQL (issue 21): what merges, what
conflicts, deletions against edits, many offline edits, and a sync cut off half-way.

One private server per module (``tests/pg_server.py``), a fresh database per test; the local
libraries are real SQLite files. Replicas are compared by what sync exchanges (each reference's
snapshot by global id), read back from each file after the syncs.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import column, func, select, table
from tests.pg_server import PgServer

from bibliofile.model import Creator, Reference
from bibliofile.model.merge import Json
from bibliofile.services import sync
from bibliofile.storage import curation, server, sync_local, sync_replica
from bibliofile.storage.library import Library
from bibliofile.storage.server_tables import change_log, s_collections, s_references

_names = count()


@pytest.fixture
def url(pg: PgServer) -> str:
    return pg.create_database(f"lab{next(_names)}")


@pytest.fixture
def libs(tmp_path: Path) -> Iterator[tuple[Library, Library]]:
    a = Library.open(tmp_path / "laptop.sqlite")
    b = Library.open(tmp_path / "office.sqlite")
    yield a, b
    a.close()
    b.close()


def state(lib: Library) -> dict[str, dict[str, Json]]:
    """gid -> snapshot of every live reference: what two converged replicas must share."""
    live = sync_replica.live_reference_gids(lib)
    snaps = sync_replica.reference_snapshots(lib, list(live.values()))
    return {g: snaps[i] for g, i in live.items()}


def one(lib: Library, key: str) -> Reference:
    ids = lib.by_citation_key([key])
    assert len(ids) == 1, (key, ids)
    return lib.get(ids[0])


def edit(lib: Library, key: str, **fields: str) -> None:
    ref = one(lib, key)
    ref.fields.update(fields)
    lib.update_reference(ref)


def papers(n: int, prefix: str = "p") -> list[Reference]:
    return [
        Reference(fields={"title": f"Paper {i}", "date": str(1990 + i % 30)}, citation_key=f"{prefix}{i}",
                  creators=[Creator(family=f"Author{i}", given="Ann")])
        for i in range(n)
    ]


def test_a_second_library_gets_everything_the_first_holds(libs: tuple[Library, Library], url: str) -> None:
    a, b = libs
    ids = a.add_references(papers(5))
    with a.write() as uow:
        tag = curation.add_tag(uow, "to-cite")
        curation.tag(uow, tag, ids[:2])
        thesis = uow.add_collection("Thesis")
        chapter = uow.add_collection("Chapter 1", parent_id=thesis)
        uow.add_to_collection(chapter, ids[1:4])
        curation.set_note(uow, ids[0], "<p>Read <b>twice</b></p>", "Read twice")
        curation.set_reading(uow, ids[2:4], status="read", rating=4, date_read="2026-01-02")
    first = sync.sync(a, url)
    assert (first.pushed, first.pulled, first.conflicts) == (7, 0, [])  # 5 references, 2 collections
    second = sync.sync(b, url)
    assert (second.pushed, second.pulled) == (0, 7)
    assert state(b) == state(a) and len(state(a)) == 5
    assert {name for _i, _p, name in b.collections()} == {"Thesis", "Chapter 1"}
    chapter_b = next(i for i, p, name in b.collections() if name == "Chapter 1")
    assert next(p for i, p, name in b.collections() if i == chapter_b) is not None  # still under Thesis
    p0, p1 = one(b, "p0").id or 0, one(b, "p1").id or 0
    assert curation.tags_of(b, [p0, p1]) == {p0: ["to-cite"], p1: ["to-cite"]}
    assert curation.note(b, one(b, "p0").id or 0) == "<p>Read <b>twice</b></p>"
    assert curation.reading_states(b, [one(b, "p2").id or 0])[one(b, "p2").id or 0].rating == 4
    again = sync.sync(a)  # the address was remembered
    assert (again.pushed, again.pulled) == (0, 0)


def test_edits_of_different_fields_merge_without_conflict(libs: tuple[Library, Library], url: str) -> None:
    a, b = libs
    a.add_references(papers(3))
    sync.sync(a, url)
    sync.sync(b, url)
    edit(a, "p0", title="A better title")
    edit(b, "p0", date="2001", volume="12")
    with a.write() as uow:
        curation.tag(uow, curation.add_tag(uow, "from-a"), [one(a, "p0").id or 0])
    with b.write() as uow:
        curation.tag(uow, curation.add_tag(uow, "from-b"), [one(b, "p0").id or 0])
    assert sync.sync(a).conflicts == []
    assert sync.sync(b).conflicts == []
    sync.sync(a)
    for lib in (a, b):
        ref = one(lib, "p0")
        assert (ref.fields["title"], ref.fields["date"], ref.fields["volume"]) == ("A better title", "2001", "12")
        assert curation.tags_of(lib, [ref.id or 0])[ref.id or 0] == ["from-a", "from-b"]
    assert state(a) == state(b)


def test_the_same_field_changed_on_both_sides_is_a_conflict_with_both_values(libs: tuple[Library, Library], url: str) -> None:
    a, b = libs
    a.add_references(papers(2))
    sync.sync(a, url)
    sync.sync(b, url)
    edit(a, "p1", title="Laptop's title")
    edit(b, "p1", title="Office's title")
    assert sync.sync(a).conflicts == []  # first to sync: nothing to disagree with yet
    report = sync.sync(b)
    assert [(c.key, c.field, c.local, c.remote) for c in report.conflicts] == [
        ("p1", "fields.title", "Office's title", "Laptop's title")
    ]
    assert one(b, "p1").fields["title"] == "Office's title"  # the local value is kept
    kept = sync_local.open_conflicts(b, sync_local.servers(b)[0].id)
    assert list(kept.values()) == [[{"key": "p1", "field": "fields.title", "local": "Office's title", "remote": "Laptop's title"}]]
    sync.sync(a)
    assert state(a) == state(b)


def test_a_deletion_against_an_edit_keeps_the_edited_reference(libs: tuple[Library, Library], url: str) -> None:
    a, b = libs
    a.add_references(papers(3))
    sync.sync(a, url)
    sync.sync(b, url)
    with a.write() as uow:
        uow.trash([one(a, "p2").id or 0])
    edit(b, "p2", title="Still needed")
    assert sync.sync(a).pushed == 1  # the deletion
    report = sync.sync(b)
    assert report.kept_edited == [{"key": "p2", "deleted_on": "remote"}]
    assert one(b, "p2").fields["title"] == "Still needed"
    sync.sync(a)
    assert one(a, "p2").fields["title"] == "Still needed"  # back from the trash
    assert state(a) == state(b) and len(state(a)) == 3


def test_a_deletion_of_an_untouched_reference_reaches_the_other_library(libs: tuple[Library, Library], url: str) -> None:
    a, b = libs
    a.add_references(papers(3))
    sync.sync(a, url)
    sync.sync(b, url)
    with a.write() as uow:
        uow.trash([one(a, "p0").id or 0])
    sync.sync(a)
    assert sync.sync(b).pulled == 1
    assert b.by_citation_key(["p0"]) == []  # in the trash, not gone for good
    assert state(a) == state(b) and len(state(b)) == 2


def test_a_thousand_edits_offline_then_one_sync(libs: tuple[Library, Library], url: str) -> None:
    a, b = libs
    ids = a.add_references(papers(1000))
    sync.sync(a, url)
    sync.sync(b, url)
    refs = a.get_many(ids)
    for r in refs:
        r.fields["title"] += " (revised)"
    with a.write() as uow:
        uow.update_many([(r, True) for r in refs])
    report = sync.sync(a)
    assert (report.pushed, report.pulled) == (1000, 0)
    assert sync.sync(b).pulled == 1000
    assert state(a) == state(b)
    assert all(r.fields["title"].endswith("(revised)") for r in b.get_many(list(sync_replica.live_reference_gids(b).values())))


def test_a_pulled_key_that_is_already_used_here_gets_a_suffix(libs: tuple[Library, Library], url: str) -> None:
    a, b = libs
    a.add_references([Reference(fields={"title": "From the laptop"}, citation_key="knox2008")])
    b.add_references([Reference(fields={"title": "From the office"}, citation_key="knox2008")])
    sync.sync(a, url)
    report = sync.sync(b, url)
    assert report.renamed == [{"key": "knox2008", "renamed_to": "knox2008a"}]
    assert one(b, "knox2008").fields["title"] == "From the office"
    assert one(b, "knox2008a").fields["title"] == "From the laptop"
    sync.sync(a)
    assert state(a) == state(b)
    assert one(a, "knox2008a").fields["title"] == "From the laptop"


def test_a_sync_whose_local_commit_was_lost_is_redone_without_duplicates(libs: tuple[Library, Library], url: str,
                                                                         tmp_path: Path) -> None:
    """The process killed after the server committed and before the library did: modelled by
    putting back a copy of the library file from before that sync."""
    a, b = libs
    a.add_references(papers(20))
    sync.sync(a, url)
    edit(a, "p3", title="Edited before the lost sync")
    before = tmp_path / "before.sqlite"
    _copy(a, before)
    assert sync.sync(a).pushed == 1
    a.close()
    path = a.path
    assert path is not None
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    before.replace(path)
    again = Library.open(path)
    try:
        redo = sync.sync(again)
        assert (redo.pushed, redo.conflicts) == (0, [])
        sync.sync(b, url)
        assert state(b) == state(again)
        assert _server_count(url) == 20
    finally:
        again.close()


def _copy(lib: Library, to: Path) -> None:
    assert lib.path is not None
    src, dst = sqlite3.connect(lib.path), sqlite3.connect(to)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _server_count(url: str) -> int:
    engine = server.connect(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(s_references).where(s_references.c.deleted.is_(False))).scalar_one())
    finally:
        engine.dispose()


SYNC_IN_A_PROCESS = (
    "import sys; from bibliofile.storage.library import Library; from bibliofile.services import sync;"
    "lib = Library.open(sys.argv[1]);"
    "r = sync.sync(lib)\n"
)


@pytest.mark.parametrize("how", ["backend killed", "server stopped"])
def test_a_sync_cut_off_half_way_leaves_nothing_and_the_next_one_completes(
    pg: PgServer, libs: tuple[Library, Library], url: str, how: str
) -> None:
    """The sync writes the new collection, then waits for a table another session has locked;
    there its backend is killed (or the whole server stopped): nothing of it may remain."""
    a, b = libs
    a.add_references(papers(10))
    sync.sync(a, url)
    with a.write() as uow:
        uow.add_collection("Written before the cut")
    refs = a.get_many(a.by_citation_key([f"p{i}" for i in range(10)]))
    for r in refs:
        r.fields["title"] += " (cut)"
    with a.write() as uow:
        uow.update_many([(r, True) for r in refs])
    engine = server.connect(url)
    blocker = engine.connect()
    holding = blocker.begin()
    blocker.exec_driver_sql('LOCK TABLE "references" IN ACCESS EXCLUSIVE MODE')
    assert a.path is not None
    proc = subprocess.Popen([sys.executable, "-c", SYNC_IN_A_PROCESS, str(a.path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        victim = _wait_for_lock_waiter(engine, url.rsplit("/", 1)[1], proc)
        with engine.connect() as probe:
            logged = probe.execute(select(func.count()).select_from(change_log)).scalar_one()
        if how == "backend killed":
            with engine.connect() as killer:
                assert killer.execute(select(func.pg_terminate_backend(victim))).scalar_one() is True
        else:
            pg.stop()
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode != 0
        assert "Could not sync" in err or "ServerUnreachableError" in err, err
    finally:
        if proc.poll() is None:
            proc.kill()
        if not pg.running:
            pg.restart()
        try:
            holding.rollback()
            blocker.close()
        except Exception:  # its server was stopped under it
            pass
        engine.dispose()
    engine = server.connect(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(change_log)).scalar_one() == logged
            assert conn.execute(select(func.count()).select_from(s_collections)).scalar_one() == 0
            titles = conn.execute(select(s_references.c.fields["title"].astext)).scalars().all()
            assert not any("(cut)" in t for t in titles)
    finally:
        engine.dispose()
    sid = sync_local.servers(a)[0].id
    assert all("(cut)" not in str(snap) for _v, snap in sync_local.load_bases(a, sid).values())
    report = sync.sync(a)
    assert report.pushed == 11  # the ten edits and the collection, once
    sync.sync(b, url)
    assert state(a) == state(b)
    assert _server_count(url) == 10
    assert [name for _i, _p, name in b.collections()] == ["Written before the cut"]


def _wait_for_lock_waiter(engine: server.ServerEngine, database: str, proc: subprocess.Popen[str]) -> int:
    """The pid of the session of ``database`` waiting on a lock (the sync), polled; fails if the
    sync process ends first."""
    activity = table("pg_stat_activity", column("pid"), column("wait_event_type"), column("datname"))
    with engine.connect() as probe:
        for _ in range(6000):
            assert proc.poll() is None, proc.communicate()
            pid = probe.execute(
                select(activity.c.pid).where(activity.c.wait_event_type == "Lock", activity.c.datname == database)
            ).scalar()
            probe.rollback()
            if pid is not None:
                return int(pid)
            time.sleep(0.02)
    raise AssertionError("the sync never waited for the locked table")


def test_changes_that_leave_the_reference_row_alone_are_sent_too(libs: tuple[Library, Library], url: str) -> None:
    """Reading state, notes, tags and collection membership change other rows (or columns no
    edit date covers): each reaches the other library."""
    a, b = libs
    a.add_references(papers(4))
    with a.write() as uow:
        uow.add_collection("Reading group")
    sync.sync(a, url)
    sync.sync(b, url)
    p0, p1, p2, p3 = (one(a, f"p{i}").id or 0 for i in range(4))
    group = next(i for i, _p, name in a.collections() if name == "Reading group")
    with a.write() as uow:
        curation.set_reading(uow, [p0], status="reading", priority=1)
        curation.set_note(uow, p1, "<p>Method section</p>", "Method section")
        curation.tag(uow, curation.add_tag(uow, "cite-me"), [p2])
        uow.add_to_collection(group, [p3])
    assert sync.sync(a).pushed == 4
    assert sync.sync(b).pulled == 4
    assert state(a) == state(b)
    with a.write() as uow:
        uow.remove_from_collection(group, [p3])
    assert sync.sync(a).pushed == 1
    sync.sync(b)
    assert state(a) == state(b)
