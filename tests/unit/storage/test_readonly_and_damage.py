"""Libraries that cannot be written, that are too new, empty, or damaged (issue 14).

Damaged files are made the way a failing disk makes them: a real library, closed, with one page in
the middle of its references table overwritten.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from tests.damaged_library import damage_middle_page, fold_wal

from bibliofile.model import Creator, Reference
from bibliofile.services.library_check import check_library, recover_library
from bibliofile.storage import health, migrate
from bibliofile.storage.errors import (
    LibraryCorruptError,
    LibraryError,
    LibraryMissingError,
    LibraryReadOnlyError,
    LibraryTooNewError,
)
from bibliofile.storage.library import Library

N = 1500


def make_library(path: Path, n: int = N) -> None:
    lib = Library.open(path)
    lib.add_references(
        [
            Reference(
                fields={"title": f"On the damage of page {i}", "date": str(1950 + i % 70), "abstract": "x" * 300},
                creators=[Creator(family=f"Author{i}", given="Ann")],
                citation_key=f"k{i}",
            )
            for i in range(n)
        ]
    )
    lib.close()
    fold_wal(path)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def beside(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    path = tmp_path / "lib.sqlite"
    make_library(path)
    damage_middle_page(path)
    return path


# ---- damage ------------------------------------------------------------------------------------


def test_a_damaged_small_library_is_noticed_on_open_and_refuses_writes(damaged: Path) -> None:
    before = digest(damaged)
    lib = Library.open(damaged)
    try:
        assert lib.damage  # quick_check found it
        with pytest.raises(LibraryCorruptError, match="damaged") as err:
            lib.add_references([Reference(fields={"title": "written into a damaged file"})])
        assert "check --recover" in str(err.value)
    finally:
        lib.close()
    assert digest(damaged) == before


def test_a_statement_that_meets_a_damaged_page_marks_the_library(damaged: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large library is not checked on open; the first statement that reads the bad page fails
    with a plain message, and from then on writes are refused."""
    monkeypatch.setattr(health, "QUICK_CHECK_MAX_BYTES", 1)  # as if it were too large to check
    lib = Library.open(damaged)
    try:
        assert lib.damage is None
        with pytest.raises(LibraryCorruptError, match="damaged"):
            list(lib.export_items())
        assert lib.damage
        with pytest.raises(LibraryCorruptError):
            lib.add_references([Reference(fields={"title": "x"})])
    finally:
        lib.close()


def test_check_finds_the_damage_and_recovery_uses_the_last_good_backup(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite"
    make_library(path, 400)
    good = migrate.backup(path, "before-upgrade")  # the backups storage makes before upgrades
    assert good is not None
    lib = Library.open(path)
    lib.add_references([Reference(fields={"title": "added after the backup"})])
    lib.close()
    # a newer backup that is itself damaged is passed over
    newer = path.with_name(f"{path.name}.manual.bak")
    newer.write_bytes(path.read_bytes())
    damage_middle_page(newer)
    damage_middle_page(path)
    damaged_bytes = digest(path)

    result = check_library(path)
    assert not result.ok and result.full
    assert newer in result.backups and good in result.backups

    report = recover_library(path)
    assert report.backup == good
    assert [b for b, _ in report.skipped] == [newer]
    assert report.target.parent == tmp_path and report.target != path
    assert report.references == 400
    assert check_library(report.target).ok
    recovered = Library.open(report.target)
    try:
        assert recovered.damage is None
        recovered.add_references([Reference(fields={"title": "a recovered library takes writes"})])
        assert recovered.count() == 401
    finally:
        recovered.close()
    assert digest(path) == damaged_bytes  # the damaged file was only read


def test_recovery_without_a_good_backup_says_so(damaged: Path) -> None:
    with pytest.raises(LibraryError, match="No good backup"):
        recover_library(damaged)


def test_a_sound_library_passes_the_check(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite"
    make_library(path, 50)
    assert check_library(path).ok
    assert check_library(path, full=False).ok


# ---- too new, empty -----------------------------------------------------------------------------


def test_a_newer_library_is_refused_without_wal_or_shm_files(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite"
    make_library(path, 5)
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num='from-the-future'")
    con.commit()
    con.close()
    assert beside(path) == ["lib.sqlite"]
    before = digest(path)
    with pytest.raises(LibraryTooNewError):
        Library.open(path)
    assert beside(path) == ["lib.sqlite"]
    assert digest(path) == before


@pytest.mark.parametrize("empty", [True, False])
def test_only_create_makes_a_library_of_an_empty_or_missing_file(tmp_path: Path, empty: bool) -> None:
    path = tmp_path / "lib.sqlite"
    if empty:
        path.write_bytes(b"")
    with pytest.raises(LibraryMissingError, match="only an import starts a library"):
        Library.open(path, create=False)
    assert path.exists() == empty and (not empty or path.stat().st_size == 0)
    assert beside(path) == (["lib.sqlite"] if empty else [])
    Library.open(path).close()  # an import (create=True) may
    assert path.stat().st_size > 0


# ---- read-only ----------------------------------------------------------------------------------


def test_a_read_only_library_reads_and_refuses_writes(tmp_path: Path) -> None:
    """What a library on read-only media or in a read-only folder becomes (the folder case with
    real permissions is tests/unit/test_cli_errors.py, as another user)."""
    path = tmp_path / "lib.sqlite"
    make_library(path, 30)
    before = digest(path)
    lib = Library.open(path, read_only=True)
    try:
        assert lib.read_only
        assert len(lib.search("damage")) == 30
        assert len(list(lib.export_items())) == 30
        with pytest.raises(LibraryReadOnlyError, match="read-only"):
            lib.add_references([Reference(fields={"title": "x"})])
    finally:
        lib.close()
    assert digest(path) == before
    assert beside(path) == ["lib.sqlite"]  # opened immutable: no -wal, no -shm
