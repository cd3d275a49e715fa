"""Changed references marked for sync (issue 21, migration 0012): every kind of edit marks the
reference, a sync sends what is marked and clears the marks in its own transaction, an import
marks what it added without paying for the triggers, and an upgraded library that synced
before compares everything once.

Real SQLite files and a real PostgreSQL (``tests/pg_server.py``), as in test_sync_service.py.
The marks are read back with sqlite3 where it matters that no code of ours is in between.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import column, func, select, table
from tests.pg_server import PgServer

from bibliofile.model import Creator, Reference
from bibliofile.model.merge import Json
from bibliofile.services import sync
from bibliofile.services.importing import import_files
from bibliofile.storage import curation, migrate, server, sync_local, sync_replica, sync_triggers
from bibliofile.storage.library import Library
from bibliofile.storage.server_tables import change_log

_names = count()


@pytest.fixture
def url(pg: PgServer) -> str:
    return pg.create_database(f"dirty{next(_names)}")


@pytest.fixture
def libs(tmp_path: Path) -> Iterator[tuple[Library, Library]]:
    a = Library.open(tmp_path / "laptop.sqlite")
    b = Library.open(tmp_path / "office.sqlite")
    yield a, b
    a.close()
    b.close()


def state(lib: Library) -> dict[str, dict[str, Json]]:
    live = sync_replica.live_reference_gids(lib)
    snaps = sync_replica.reference_snapshots(lib, list(live.values()))
    return {g: snaps[i] for g, i in live.items()}


def marks(lib: Library) -> set[tuple[str, int, str]]:
    """(kind, reference id, gid) of every mark, read with sqlite3."""
    assert lib.path is not None
    con = sqlite3.connect(lib.path)
    try:
        return {(str(k), int(i), str(g)) for k, i, g in con.execute("SELECT kind, reference_id, gid FROM sync_dirty")}
    finally:
        con.close()


def rid(lib: Library, key: str) -> int:
    [found] = lib.by_citation_key([key])
    return found


def papers(n: int) -> list[Reference]:
    return [
        Reference(fields={"title": f"Paper {i}", "date": str(2000 + i)}, citation_key=f"p{i}",
                  creators=[Creator(family=f"Author{i}", given="Ann")])
        for i in range(n)
    ]


def synced_pair(a: Library, b: Library, url: str) -> None:
    """Four references; p0 tagged, in a collection and with a note; both libraries synced."""
    ids = a.add_references(papers(4))
    with a.write() as uow:
        curation.tag(uow, curation.add_tag(uow, "to-cite"), [ids[0]])
        group = uow.add_collection("Group")
        uow.add_to_collection(group, [ids[0]])
        curation.set_note(uow, ids[0], "<p>Seen</p>", "Seen")
    sync.sync(a, url)
    sync.sync(b, url)
    assert marks(a) == set() and state(a) == state(b)


def _edit_field(lib: Library) -> None:
    ref = lib.get(rid(lib, "p1"))
    ref.fields["title"] = "A better title"
    lib.update_reference(ref)


def _add_creator(lib: Library) -> None:
    ref = lib.get(rid(lib, "p1"))
    ref.creators.append(Creator(family="Okafor", given="Chidi"))
    lib.update_reference(ref)


def _tag(lib: Library) -> None:
    with lib.write() as uow:
        curation.tag(uow, curation.add_tag(uow, "method"), [rid(lib, "p1")])


def _untag(lib: Library) -> None:
    with lib.write() as uow:
        curation.untag(uow, curation.add_tag(uow, "to-cite"), [rid(lib, "p0")])


def _rename_tag(lib: Library) -> None:
    with lib.write() as uow:
        curation.set_tag(uow, curation.add_tag(uow, "to-cite"), name="cite-first")


def _delete_tag(lib: Library) -> None:
    with lib.write() as uow:
        curation.delete_tag(uow, curation.add_tag(uow, "to-cite"))


def _group(lib: Library) -> int:
    return next(i for i, _p, name in lib.collections() if name == "Group")


def _collect(lib: Library) -> None:
    with lib.write() as uow:
        uow.add_to_collection(_group(lib), [rid(lib, "p1")])


def _uncollect(lib: Library) -> None:
    with lib.write() as uow:
        uow.remove_from_collection(_group(lib), [rid(lib, "p0")])


def _delete_collection(lib: Library) -> None:
    with lib.write() as uow:
        uow.delete_collection(_group(lib))


def _note(lib: Library) -> None:
    with lib.write() as uow:
        curation.set_note(uow, rid(lib, "p1"), "<p>Method section</p>", "Method section")


def _clear_note(lib: Library) -> None:
    with lib.write() as uow:
        curation.set_note(uow, rid(lib, "p0"), "", "")


def _reading(lib: Library) -> None:
    with lib.write() as uow:
        curation.set_reading(uow, [rid(lib, "p1")], status="read", rating=4, date_read="2026-12-01")


def _key(lib: Library) -> None:
    with lib.write() as uow:
        curation.set_citation_keys(uow, {rid(lib, "p1"): "okafor2001"})


def _trash(lib: Library) -> None:
    with lib.write() as uow:
        uow.trash([rid(lib, "p1")])


def _purge(lib: Library) -> None:
    with lib.write() as uow:
        uow.purge([rid(lib, "p1")])


# edit -> the citation key of the reference it changes
EDITS: dict[str, tuple[Callable[[Library], None], str]] = {
    "field": (_edit_field, "p1"),
    "creator": (_add_creator, "p1"),
    "tag": (_tag, "p1"),
    "untag": (_untag, "p0"),
    "tag renamed": (_rename_tag, "p0"),
    "tag deleted": (_delete_tag, "p0"),
    "into a collection": (_collect, "p1"),
    "out of a collection": (_uncollect, "p0"),
    "collection deleted": (_delete_collection, "p0"),
    "note": (_note, "p1"),
    "note cleared": (_clear_note, "p0"),
    "reading status": (_reading, "p1"),
    "citation key": (_key, "p1"),
    "trash": (_trash, "p1"),
    "deleted for good": (_purge, "p1"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_every_kind_of_edit_marks_its_reference_and_is_pushed(libs: tuple[Library, Library], url: str, edit: str) -> None:
    a, b = libs
    synced_pair(a, b, url)
    change, key = EDITS[edit]
    local_id = rid(a, key)
    gid = sync_local.gids(a, "reference", [local_id])[local_id]
    before = state(a)
    change(a)
    assert state(a) != before  # the edit changed what syncs
    found = marks(a)
    assert ("reference", local_id, "") in found
    assert {i for k, i, _g in found if k == "reference"} == {local_id}  # and nothing else
    if edit == "deleted for good":
        assert ("deleted", 0, gid) in found
    report = sync.sync(a)
    assert report.pushed >= 1 and report.conflicts == []
    assert marks(a) == set()
    assert sync.sync(b).pulled >= 1
    assert state(b) == state(a)
    again = sync.sync(a)
    assert (again.pushed, again.pulled) == (0, 0)


def test_a_restore_from_the_trash_is_pushed(libs: tuple[Library, Library], url: str) -> None:
    a, b = libs
    synced_pair(a, b, url)
    p1 = rid(a, "p1")
    _trash(a)
    sync.sync(a)
    sync.sync(b)
    assert len(state(b)) == 3
    with a.write() as uow:
        uow.restore([p1])
    assert marks(a) == {("reference", p1, "")}
    assert sync.sync(a).pushed == 1
    sync.sync(b)
    assert state(b) == state(a) and len(state(b)) == 4


def _bypass_triggers(lib: Library, key: str, title: str) -> None:
    """Change a title in one transaction that drops the triggers and makes them again around the
    write: a change the marks miss."""
    assert lib.path is not None
    con = sqlite3.connect(lib.path, isolation_level=None)
    try:
        made = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sync_dirty_%'").fetchall()
        con.execute("BEGIN IMMEDIATE")
        for name, _sql in made:
            con.execute(f"DROP TRIGGER {name}")
        (fields,) = con.execute('SELECT fields_json FROM "references" WHERE citation_key = ?', (key,)).fetchone()
        con.execute('UPDATE "references" SET fields_json = ? WHERE citation_key = ?',
                    (json.dumps({**json.loads(fields), "title": title}), key))
        for _name, sql in made:
            con.execute(sql)
        con.execute("COMMIT")
    finally:
        con.close()


def test_a_sync_reads_only_what_is_marked_and_scans_when_told_the_marks_cannot_be_trusted(
    libs: tuple[Library, Library], url: str
) -> None:
    """A change the marks missed is not seen (so the sync did not look at the whole library);
    after ``distrust_marks`` the next sync compares every reference and sends it."""
    a, b = libs
    synced_pair(a, b, url)
    _bypass_triggers(a, "p2", "Changed behind the marks")
    assert marks(a) == set()
    assert a.get(rid(a, "p2")).fields["title"] == "Changed behind the marks"
    nothing = sync.sync(a)
    assert (nothing.pushed, nothing.pulled) == (0, 0)
    sync_local.distrust_marks(a)
    assert marks(a) == {("everything", 0, "")}
    assert sync.sync(a).pushed == 1
    assert marks(a) == set()
    sync.sync(b)
    assert state(b) == state(a)


def test_marks_are_kept_per_server(pg: PgServer, libs: tuple[Library, Library], url: str) -> None:
    """A change sent to one shared library is still waiting for the other one."""
    a, _b = libs
    other = pg.create_database(f"dirty{next(_names)}")
    a.add_references(papers(3))
    sync.sync(a, url)
    sync.sync(a, other)
    _edit_field(a)
    assert len(marks(a)) == 1  # one row per server; the same mark read back as a set
    assert sync.sync(a, url).pushed == 1
    assert sync.sync(a, other).pushed == 1
    assert sync.sync(a, url).pushed == 0
    sync.forget(a, other)
    assert sync_local.servers(a)[0].server_url == sync.address(url)


SYNC_IN_A_PROCESS = (
    "import sys; from bibliofile.storage.library import Library; from bibliofile.services import sync;"
    "lib = Library.open(sys.argv[1]);"
    "sync.sync(lib)\n"
)


def test_a_sync_killed_half_way_leaves_the_marks_and_the_next_one_sends_them(
    libs: tuple[Library, Library], url: str
) -> None:
    """The syncing process killed (SIGKILL) while its local transaction is open, waiting for a
    table the server has locked: the marks stay, the server has nothing of it, and the next sync
    sends every change once."""
    a, b = libs
    synced_pair(a, b, url)
    _edit_field(a)
    _note(a)
    _tag(a)
    _purge_p3 = rid(a, "p3")
    with a.write() as uow:
        uow.purge([_purge_p3])
    before = marks(a)
    assert {k for k, _i, _g in before} == {"reference", "deleted"}
    engine = server.connect(url)
    blocker = engine.connect()
    holding = blocker.begin()
    blocker.exec_driver_sql('LOCK TABLE "references" IN ACCESS EXCLUSIVE MODE')
    assert a.path is not None
    proc = subprocess.Popen([sys.executable, "-c", SYNC_IN_A_PROCESS, str(a.path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_lock_waiter(engine, url.rsplit("/", 1)[1], proc)
        with engine.connect() as probe:
            logged = probe.execute(select(func.count()).select_from(change_log)).scalar_one()
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        holding.rollback()
        blocker.close()
    with engine.connect() as probe:
        assert probe.execute(select(func.count()).select_from(change_log)).scalar_one() == logged
    engine.dispose()
    assert marks(a) == before
    report = sync.sync(a)
    assert report.pushed == 2  # p1 (title, note, tag) and p3's deletion
    assert marks(a) == set()
    sync.sync(b)
    assert state(b) == state(a) and len(state(a)) == 3


def _wait_for_lock_waiter(engine: server.ServerEngine, database: str, proc: subprocess.Popen[str]) -> int:
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


BIB = "\n".join(
    f"@article{{imported{i},\n  title = {{Imported {i}}},\n  author = {{Lee, Ann and Okafor, Chidi}},\n  year = {{2020}}\n}}\n"
    for i in range(40)
)


def _triggers(lib: Library) -> set[str]:
    assert lib.path is not None
    con = sqlite3.connect(lib.path)
    try:
        return {str(n) for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sync_dirty_%'")}
    finally:
        con.close()


def test_an_import_marks_what_it_added_with_the_triggers_off_and_back(
    libs: tuple[Library, Library], url: str, tmp_path: Path
) -> None:
    a, b = libs
    synced_pair(a, b, url)
    bib = tmp_path / "more.bib"
    bib.write_text(BIB, encoding="utf-8")
    report = import_files(a, [bib], workers=1)
    assert report.imported == 40
    assert _triggers(a) == set(sync_triggers.TRIGGERS)
    assert {i for _k, i, _g in marks(a)} == set(report.ids)
    _edit_field(a)  # the triggers work again after the import
    assert len(marks(a)) == 41
    assert sync.sync(a).pushed == 41
    sync.sync(b)
    assert state(b) == state(a) and len(state(b)) == 44


def test_a_bulk_load_that_fails_leaves_the_triggers_and_no_marks(libs: tuple[Library, Library], url: str) -> None:
    a, b = libs
    synced_pair(a, b, url)
    with pytest.raises(RuntimeError, match="cut"), a.write() as uow, uow.bulk_load():
        uow.add_items(papers(3))
        raise RuntimeError("cut")
    assert _triggers(a) == set(sync_triggers.TRIGGERS)
    assert marks(a) == set() and len(state(a)) == 4
    _edit_field(a)
    assert len(marks(a)) == 1


def test_no_server_no_marks(library: Library) -> None:
    """A library that syncs with nobody keeps no marks (its first sync reads everything)."""
    ids = library.add_references(papers(3))
    with library.write() as uow:
        curation.tag(uow, curation.add_tag(uow, "t"), ids)
        uow.purge(ids[:1])
    assert marks(library) == set()


def _synced_then_downgraded(path: Path, url: str) -> tuple[str, int]:
    """A library that synced, taken back to schema 0011 (as the version before the marks left
    it); then a title changed the way that version wrote it, with no mark. Its URL and that
    reference's id."""
    lib = Library.open(path)
    lib.add_references(papers(5))
    sync.sync(lib, url)
    changed = rid(lib, "p4")
    cfg = migrate.alembic_config()
    with lib.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0011")
    lib.close()
    con = sqlite3.connect(path)
    try:
        (fields,) = con.execute('SELECT fields_json FROM "references" WHERE id = ?', (changed,)).fetchone()
        con.execute('UPDATE "references" SET fields_json = ? WHERE id = ?',
                    (json.dumps({**json.loads(fields), "title": "Edited by the older version"}), changed))
        con.commit()
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    return sync.address(url), changed


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    con = sqlite3.connect(path)
    try:
        names = [n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%'")]
        return {n: sorted(con.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)
                for n in names if n not in ("alembic_version", "sync_dirty")}
    finally:
        con.close()


def test_upgrade_keeps_every_row_backs_up_and_the_next_sync_compares_everything(
    library_path: Path, url: str, pg: PgServer
) -> None:
    where, changed = _synced_then_downgraded(library_path, url)
    assert migrate.current_revisions(library_path) == {"0011"}
    before = _dump(library_path)
    lib = Library.open(library_path)
    try:
        assert list(library_path.parent.glob("library.sqlite.before-upgrade-*.bak"))
        after = _dump(library_path)
        # 0013 adds the sync scope: NULL, the whole library, as the library synced before.
        assert [r[5:] for r in after["sync_state"]] == [(None,)] * len(before["sync_state"])
        after["sync_state"] = [r[:5] for r in after["sync_state"]]
        assert after == before
        assert _triggers(lib) == set(sync_triggers.TRIGGERS)
        assert marks(lib) == {("everything", 0, "")}
        assert sync_local.server_state(lib, where) is not None
        report = sync.sync(lib)
        assert report.pushed == 1  # the change made before the marks existed
        assert marks(lib) == set()
        other = Library.open(library_path.parent / "other.sqlite")
        try:
            sync.sync(other, url)
            mine = sync_local.gids(lib, "reference", [changed])[changed]
            assert state(other)[mine]["fields.title"] == "Edited by the older version"
        finally:
            other.close()
    finally:
        lib.close()


def test_a_key_clash_skips_the_suffixes_already_taken_here(libs: tuple[Library, Library], url: str) -> None:
    """The clash check reads only the merged keys and, on a clash, the suffixed forms of that
    key: a pulled "knox2008" meets "knox2008" and "knox2008a" here and becomes "knox2008b"."""
    a, b = libs
    a.add_references([Reference(fields={"title": "From the laptop"}, citation_key="knox2008")])
    b.add_references([Reference(fields={"title": "Office"}, citation_key=k) for k in ("knox2008", "knox2008a", "knox20")])
    sync.sync(a, url)
    report = sync.sync(b, url)
    assert report.renamed == [{"key": "knox2008", "renamed_to": "knox2008b"}]
    assert b.get(rid(b, "knox2008b")).fields["title"] == "From the laptop"
    sync.sync(a)
    assert state(a) == state(b)
