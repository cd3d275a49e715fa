"""What the window's sync needs of the service (issue 21), against a real PostgreSQL: settling an
open conflict as one undoable change (Keep Mine / Take Theirs), counting the changes waiting
for the next sync, and the NOTIFY a push sends when it commits (and only then).

One private server for the module (``tests/pg_server.py``), a database per test; the libraries
are real SQLite files.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from tests.pg_server import PgServer

from bibliofile.model import Creator, Reference
from bibliofile.services import changes, sync
from bibliofile.storage import server
from bibliofile.storage.library import Library

_names = count()


@pytest.fixture
def url(pg: PgServer) -> str:
    return pg.create_database(f"window{next(_names)}")


@pytest.fixture
def libs(tmp_path: Path) -> Iterator[tuple[Library, Library]]:
    a = Library.open(tmp_path / "laptop.sqlite")
    b = Library.open(tmp_path / "office.sqlite")
    yield a, b
    a.close()
    b.close()


def one(lib: Library, key: str) -> Reference:
    ids = lib.by_citation_key([key])
    assert len(ids) == 1, (key, ids)
    return lib.get(ids[0])


def edit(lib: Library, key: str, **fields: str) -> None:
    ref = one(lib, key)
    ref.fields.update(fields)
    lib.update_reference(ref)


def papers(n: int) -> list[Reference]:
    return [Reference(fields={"title": f"Paper {i}", "date": "2001"}, citation_key=f"p{i}",
                      creators=[Creator(family=f"Author{i}", given="Ann")]) for i in range(n)]


def conflicted(libs: tuple[Library, Library], url: str) -> tuple[Library, Library]:
    """p1's title changed on both sides; b synced second, so b holds the conflict."""
    a, b = libs
    a.add_references(papers(2))
    sync.sync(a, url)
    sync.sync(b, url)
    edit(a, "p1", title="Laptop's title")
    edit(b, "p1", title="Office's title")
    sync.sync(a)
    assert len(sync.sync(b).conflicts) == 1
    return a, b


def test_open_conflicts_name_the_key_field_and_both_values(libs: tuple[Library, Library], url: str) -> None:
    _a, b = conflicted(libs, url)
    [c] = sync.open_conflicts(b)
    assert (c.key, c.field, c.local, c.remote) == ("p1", "fields.title", "Office's title", "Laptop's title")
    assert sync.field_label(c.field) == "title"
    assert sync.open_conflicts(libs[0]) == []


def test_take_theirs_writes_the_other_value_as_one_undoable_change_and_the_next_sync_agrees(
    libs: tuple[Library, Library], url: str
) -> None:
    a, b = conflicted(libs, url)
    [c] = sync.open_conflicts(b)
    done = changes.perform(b, sync.resolve_conflict(c.gid, c.field, "theirs"))
    assert done.description == "Take their title of p1"
    assert done.ids == (one(b, "p1").id,)
    assert one(b, "p1").fields["title"] == "Laptop's title"
    assert one(b, "p1").creators == [Creator(family="Author1", given="Ann")]  # the rest untouched
    assert sync.open_conflicts(b) == []
    undone = changes.undo(b, done)
    assert one(b, "p1").fields["title"] == "Office's title"
    assert [(x.field, x.local, x.remote) for x in sync.open_conflicts(b)] == [("fields.title", "Office's title", "Laptop's title")]
    changes.undo(b, undone)  # redo
    assert one(b, "p1").fields["title"] == "Laptop's title"
    assert sync.open_conflicts(b) == []
    assert sync.pending_changes(b) == 1
    assert sync.sync(b).pushed == 1  # the server had kept the office's value; now it has theirs
    sync.sync(a)
    assert one(a, "p1").fields["title"] == one(b, "p1").fields["title"] == "Laptop's title"
    assert sync.open_conflicts(a) == sync.open_conflicts(b) == []


def test_keep_mine_only_closes_the_conflict(libs: tuple[Library, Library], url: str) -> None:
    _a, b = conflicted(libs, url)
    [c] = sync.open_conflicts(b)
    done = changes.perform(b, sync.resolve_conflict(c.gid, c.field, "mine"))
    assert one(b, "p1").fields["title"] == "Office's title"
    assert sync.open_conflicts(b) == []
    assert sync.pending_changes(b) == 0  # the sync had already sent the office's value
    changes.undo(b, done)
    assert len(sync.open_conflicts(b)) == 1
    with pytest.raises(changes.NotDone):  # settled twice: said, nothing written
        changes.perform(b, sync.resolve_conflict(c.gid, "fields.date", "theirs"))


def test_pending_changes_counts_what_the_next_sync_sends(libs: tuple[Library, Library], url: str) -> None:
    a, _b = libs
    a.add_references(papers(4))
    assert sync.pending_changes(a) == 4  # never synced
    sync.sync(a, url)
    assert sync.pending_changes(a) == 0
    edit(a, "p0", title="Changed")
    edit(a, "p1", date="2020")
    a.add_references([Reference(fields={"title": "New"}, citation_key="new")])
    assert sync.pending_changes(a) == 3
    with a.write() as uow:
        uow.trash([one(a, "p2").id or 0])
        uow.add_collection("Reading")
    assert sync.pending_changes(a) == 5
    report = sync.sync(a)
    assert report.pushed == 5
    assert sync.pending_changes(a) == 0


def test_a_push_notifies_listeners_when_it_commits_and_a_rolled_back_one_does_not(
    libs: tuple[Library, Library], url: str
) -> None:
    a, b = libs
    a.add_references(papers(1))
    sync.sync(a, url)
    heard: list[int] = []
    ready, stop = threading.Event(), threading.Event()
    where = server.display_url(server.server_url(url))
    listener = threading.Thread(target=sync.listen, args=(where, stop, heard.append), kwargs={"on_ready": ready.set})
    listener.start()
    try:
        assert ready.wait(10)
        assert sync.sync(b, url).pushed == 0  # pulls only: nothing to tell the others
        edit(a, "p0", title="Heard")
        report = sync.sync(a)
        assert report.pushed == 1
        engine = server.connect(url)
        try:
            with pytest.raises(RuntimeError), server.writing(engine) as conn:
                server.put_reference(conn, "00000000-0000-4000-8000-000000000001", {"fields.title": "Never"}, "test")
                raise RuntimeError("rolled back")
        finally:
            engine.dispose()
        edit(b, "p0", date="1999")
        second = sync.sync(b)
        for _ in range(100):
            if len(heard) >= 2:
                break
            stop.wait(0.05)
        assert heard == [report.version, second.version]
        assert report.version < second.version
    finally:
        stop.set()
        listener.join(10)
    assert not listener.is_alive()


def test_listening_to_a_server_that_cannot_be_reached_is_a_server_error(pg: PgServer) -> None:
    stop = threading.Event()
    with pytest.raises(server.ServerUnreachableError):
        sync.listen(f"postgresql://nobody@127.0.0.1:{pg.port + 1 if pg.port < 65535 else 1}/none", stop, lambda _v: None)
