"""The window's first screen read with sqlite3 gives the Library's own answers (issue 22).

Every answer is compared with the real ``Library`` on the same real SQLite file: the first
screen is only allowed to be faster, never different.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from bibliofile.model import Creator, Reference
from bibliofile.storage import migrate
from bibliofile.storage.first_screen import (
    COLUMN_SQL,
    SCHEMA_HEAD,
    SORT_SQL,
    DeferredLibrary,
    FirstScreen,
)
from bibliofile.storage.library import COLUMNS, LIBRARY, SORT_COLUMNS, TRASH, Library, Scope

FAMILIES = ["Knox", "Østergaard", "van Dijk", "Abe", "knox", "Zhang", ""]
TITLES = ["Urban Futures", "urban futures", "The State", "Éléments", "", "Zeta", "alpha", "Alpha"]


def _references(n: int) -> list[Reference]:
    refs = []
    for i in range(n):
        fields = {"title": f"{TITLES[i % len(TITLES)]} {i % 5}", "journal": f"J{i % 3}", "pages": f"{i}-{i + 9}"}
        if i % 4:
            fields["date"] = str(1990 + i % 7)  # a quarter undated: year sorts put them last
        if i % 6 == 0:
            fields["doi"] = f"10.1000/{i % 4}"
        family = FAMILIES[i % len(FAMILIES)]
        refs.append(
            Reference(
                item_type=["article", "book", "chapter"][i % 3],
                fields=fields,
                creators=[Creator(family=family, given="A")] if family else [],
                citation_key=f"k{i % 9}",
            )
        )
    return refs


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    path = tmp_path / "lib.sqlite"
    lib = Library.open(path)
    with lib.write() as uow:
        ids = uow.add_items(_references(90))
        uow.trash(ids[::7])
        top = uow.add_collection("Reading")
        uow.add_collection("Later", top)
        uow.add_collection("Archive")
        uow.add_collection("Early", top)
    with lib.engine.begin() as conn:  # reading state, so those sort keys have something to sort
        conn.exec_driver_sql('UPDATE "references" SET priority = id % 3, rating = id % 4, read_status = '
                             "CASE id % 3 WHEN 0 THEN 'read' WHEN 1 THEN '' ELSE 'reading' END")
        # Positions against the names' order, as after the user dragged collections around.
        conn.exec_driver_sql("UPDATE collections SET position = id")
    lib.close()
    return path


def test_the_first_screen_answers_as_the_library(filled: Path) -> None:
    first = FirstScreen.open(filled)
    assert first is not None
    lib = Library.open(filled)
    try:
        assert first.collections() == lib.collections()
        assert len(first.collections()) == 4
        assert first.count() == lib.count(LIBRARY) == 90 - len(range(0, 90, 7))
        for sort in [*SORT_SQL, "no such column"]:
            for descending in (False, True):
                for limit in (10, 200):
                    assert first.search_head(sort, descending, limit) == lib.search_head(sort, descending, LIBRARY, limit), (
                        sort,
                        descending,
                        limit,
                    )
        ids = lib.search_head("title", False, LIBRARY, 200)
        columns = list(COLUMN_SQL)
        assert first.rows(ids, columns) == lib.rows(ids, columns)
        assert first.rows(ids[:3], ["date_added", "title"]) == lib.rows(ids[:3], ["date_added", "title"])
    finally:
        first.close()
        lib.close()


def test_its_names_are_the_librarys() -> None:
    """The SQL names here are those of storage.library's COLUMNS and SORT_COLUMNS, and the
    schema head is Alembic's: a new column or migration cannot leave the first screen behind."""
    assert {k: getattr(c, "name", None) for k, c in COLUMNS.items()} == COLUMN_SQL
    assert {k: getattr(c, "name", None) for k, c in SORT_COLUMNS.items()} == SORT_SQL
    assert migrate.known_revisions()[1] == {SCHEMA_HEAD}


def test_files_it_leaves_to_the_full_open(tmp_path: Path, filled: Path) -> None:
    assert FirstScreen.open(tmp_path / "missing.sqlite") is None
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    assert FirstScreen.open(empty) is None
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    assert FirstScreen.open(other) is None
    # An older schema needs the upgrade (with its backup) that only the full open makes.
    con = sqlite3.connect(filled)
    con.execute("UPDATE alembic_version SET version_num = '0012'")
    con.commit()
    con.close()
    assert FirstScreen.open(filled) is None


def test_a_damaged_small_library_is_left_to_the_full_open(tmp_path: Path, filled: Path) -> None:
    """A small file is quick-checked as the Library checks it: damage takes the full open, which
    opens it read-only and says so in the window's title."""
    lib = Library.open(filled)
    lib.close()
    data = bytearray(filled.read_bytes())
    page = 8192
    for at in range(3 * page + 100, len(data) - page, 5 * page):  # scribble over a few pages
        data[at : at + 400] = b"\xa5" * 400
    filled.write_bytes(bytes(data))
    for side in ("-wal", "-shm"):
        filled.with_name(filled.name + side).unlink(missing_ok=True)
    assert FirstScreen.open(filled) is None


class _Opener:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.calls = 0
        self.threads: set[str] = set()

    def __call__(self) -> Library:
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        return Library.open(self.path)


def test_the_deferred_library_opens_the_real_one_once_when_first_needed(filled: Path) -> None:
    first = FirstScreen.open(filled)
    assert first is not None
    opener = _Opener(filled)
    lib = DeferredLibrary(first, opener)
    ids = lib.search_head("title", False, LIBRARY, 50)
    assert lib.count() > 0 and lib.collections() and lib.rows(ids[:5], ["title", "year"])
    assert (lib.read_only, lib.damage, lib.path, lib.display_name) == (False, None, filled, str(filled))
    assert opener.calls == 0, "the first screen's questions do not open the library"
    # What the first screen does not answer opens it: another scope, anything else.
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(lib.count(TRASH))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert opener.calls == 1 and lib.opened
    assert results == [len(range(0, 90, 7))] * 6
    assert lib.get_many(ids[:2])[0].id == ids[0]
    # Once open, every answer is the real library's.
    assert lib.search_head("title", False, Scope(unfiled=True), 50) == lib.real().search_head("title", False, Scope(unfiled=True), 50)
    assert opener.calls == 1
    lib.close()


def test_closing_a_library_never_opened_does_not_open_it(filled: Path) -> None:
    first = FirstScreen.open(filled)
    assert first is not None
    opener = _Opener(filled)
    lib = DeferredLibrary(first, opener)
    lib.count()
    lib.close()
    assert opener.calls == 0


def test_a_read_only_mount_is_left_to_the_full_open(filled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root, ``os.access`` may call a file on a read-only mount writable; the file system's
    own flag sends it to the full open, which opens it for reading and says so in the title.
    (A read-only mount cannot be made in a test: the flag is what statvfs would report.)"""
    import os
    import types

    from bibliofile.storage import first_screen

    assert FirstScreen.open(filled) is not None
    monkeypatch.setattr(first_screen.os, "statvfs", lambda _p: types.SimpleNamespace(f_flag=os.ST_RDONLY))
    assert FirstScreen.open(filled) is None
