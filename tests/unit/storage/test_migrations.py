"""Start-up safety: newer libraries refused untouched, backups before upgrades, crash = no change."""

from __future__ import annotations

import hashlib
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from alembic import command

from bibliofile.model import Reference
from bibliofile.storage import migrate
from bibliofile.storage.errors import LibraryCorruptError, LibraryError, LibraryTooNewError
from bibliofile.storage.library import Library


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _closed_library(path: Path, titles: list[str]) -> None:
    lib = Library.open(path)
    lib.add_references([Reference(fields={"title": t}) for t in titles])
    lib.close()
    # fold the WAL back so the file alone is the library
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()


def _downgrade(path: Path, revision: str) -> None:
    """Take a closed library back to an older schema revision, as an older version left it."""
    cfg = migrate.alembic_config()
    lib = Library.open(path)
    with lib.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    lib.close()


def test_library_from_newer_version_is_refused_and_untouched(library_path: Path) -> None:
    _closed_library(library_path, ["A"])
    con = sqlite3.connect(library_path)
    con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    con.commit()
    con.close()
    before = _digest(library_path)
    mtime = library_path.stat().st_mtime_ns
    with pytest.raises(LibraryTooNewError, match="newer version of Bibliofile"):
        Library.open(library_path)
    assert _digest(library_path) == before
    assert library_path.stat().st_mtime_ns == mtime
    assert not Path(f"{library_path}-wal").exists()
    assert not list(library_path.parent.glob("*.bak"))


def test_older_library_is_backed_up_then_upgraded(library_path: Path) -> None:
    _closed_library(library_path, ["A"])
    # Take the file back to an empty, pre-first-migration state that still has its version table.
    _downgrade(library_path, "base")
    assert migrate.check_version(library_path) is True
    lib = Library.open(library_path)
    backups = list(library_path.parent.glob("library.sqlite.before-upgrade-*.bak"))
    assert len(backups) == 1
    assert lib.count() == 0 and lib.search("anything") == []
    lib.close()
    assert migrate.check_version(library_path) is False


def test_up_to_date_library_is_not_backed_up_again(library_path: Path) -> None:
    _closed_library(library_path, ["A"])
    Library.open(library_path).close()
    assert not list(library_path.parent.glob("*.bak"))


def test_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    p = tmp_path / "notes.sqlite"
    p.write_bytes(b"this is a text file, not SQLite" * 100)
    before = _digest(p)
    with pytest.raises(LibraryCorruptError, match="not a Bibliofile library"):
        Library.open(p)
    assert _digest(p) == before


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "other.sqlite"
    con = sqlite3.connect(p)
    con.execute("CREATE TABLE moz_places (id INTEGER)")
    con.commit()
    con.close()
    with pytest.raises(LibraryError, match="not a Bibliofile library"):
        Library.open(p)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_import_leaves_library_as_before(library_path: Path) -> None:
    _closed_library(library_path, ["Before 1", "Before 2"])
    script = textwrap.dedent(
        f"""
        import sys, time
        from bibliofile.model import Reference
        from bibliofile.storage.library import Library
        lib = Library.open({str(library_path)!r})
        with lib.write() as uow:
            for n in range(20):
                uow.add_items([Reference(fields={{"title": f"half {{n}}-{{i}}"}}) for i in range(500)])
            print("WRITING", flush=True)
            time.sleep(60)
        """
    )
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "WRITING"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    lib = Library.open(library_path)
    assert sorted(lib.get(i).title for i in lib.search("")) == ["Before 1", "Before 2"]
    assert lib.index_count() == 2
    lib.close()


def test_revision_scan_agrees_with_alembic() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    known, heads = migrate.known_revisions()
    assert known == {r.revision for r in script.walk_revisions()}
    assert heads == set(script.get_heads())


def test_opening_an_up_to_date_library_does_not_load_alembic(library_path: Path) -> None:
    Library.open(library_path).close()
    code = (
        "import sys; from bibliofile.storage.library import Library;"
        f"Library.open({str(library_path)!r}).close(); print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_schema_at_head_matches_the_models(library_path: Path) -> None:
    """Every schema change goes through a migration: the upgraded file and the models agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bibliofile.storage.schema import Base

    lib = Library.open(library_path)
    try:
        with lib.engine.connect() as conn:
            ctx = MigrationContext.configure(conn)
            diff = [d for d in compare_metadata(ctx, Base.metadata) if "fts" not in repr(d)]
    finally:
        lib.close()
    assert diff == []


def test_library_at_first_schema_keeps_its_references_through_upgrade(library_path: Path) -> None:
    _closed_library(library_path, ["Kept through the upgrade", "And this one"])
    _downgrade(library_path, "0001")
    assert migrate.current_revisions(library_path) == {"0001"}
    lib = Library.open(library_path)
    try:
        assert lib.count() == 2
        assert len(lib.search("upgrade")) == 1
        with lib.engine.connect() as conn:
            names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='index'")}
        assert "ix_references_title_order" in names and "ix_references_deleted" not in names
    finally:
        lib.close()
    _, heads = migrate.known_revisions()
    assert migrate.current_revisions(library_path) == set(heads)


def test_failed_upgrade_leaves_the_library_as_it_was(
    library_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgrade that fails half-way (here: after every step has run) rolls back as one
    transaction: the old schema and the data stay, and the message names the backup."""
    from bibliofile.storage.errors import LibraryUpgradeError

    _closed_library(library_path, ["Survives a failed upgrade"])
    _downgrade(library_path, "0001")

    real_upgrade = command.upgrade

    def upgrade_then_fail(config, revision, **kw):  # type: ignore[no-untyped-def]
        real_upgrade(config, revision, **kw)
        config.attributes["connection"].exec_driver_sql("SELECT * FROM no_such_table")

    monkeypatch.setattr(command, "upgrade", upgrade_then_fail)
    with pytest.raises(LibraryUpgradeError, match="left as it was") as err:
        Library.open(library_path)
    assert "before-upgrade" in str(err.value)
    assert migrate.current_revisions(library_path) == {"0001"}
    con = sqlite3.connect(library_path)
    indexes = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    con.close()
    assert "ix_references_sort_title" in indexes and "ix_references_title_order" not in indexes

    monkeypatch.setattr(command, "upgrade", real_upgrade)
    lib = Library.open(library_path)
    assert [lib.get(i).fields["title"] for i in lib.search("survives")] == ["Survives a failed upgrade"]
    lib.close()


def _fts_sql(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return str(con.execute("SELECT sql FROM sqlite_master WHERE name = 'reference_fts'").fetchone()[0])
    finally:
        con.close()


def test_fts_prefix_index_comes_with_0003_and_keeps_every_row(library_path: Path) -> None:
    _closed_library(library_path, ["Polycentric governance", "Political inertia", "Markets"])
    _downgrade(library_path, "0002")
    assert "prefix" not in _fts_sql(library_path)
    lib = Library.open(library_path)
    try:
        assert "prefix = '1 2'" in _fts_sql(library_path)
        assert lib.index_count() == 3
        assert len(lib.search("p")) == 2 and len(lib.search("po")) == 2 and lib.search("pol inert")
        assert len(lib.search("m")) == 1
    finally:
        lib.close()
