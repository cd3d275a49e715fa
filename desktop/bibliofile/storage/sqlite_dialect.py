"""What a library file needs that only SQLite has: WAL checkpoints, integrity checks, the online
backup API, the schema read without an engine, and the data version that tells the order cache
a commit happened.

Everything else in storage is SQLAlchemy Core and runs on PostgreSQL as well; the engine module
(``engine.py``) sets up SQLite connections and translates SQLite's errors, ``search_fts5.py``
holds the full-text search behind the ``SearchIndex`` interface, and this module the rest, so a
reader finds every piece of SQLite-only SQL in three named places
(tests/unit/storage/test_dialect_neutral.py holds the line).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Connection

from bibliofile.storage import engine

# The sqlite3 module's errors, for code that calls the functions below (SQLAlchemy wraps the
# errors of statements it runs in DBAPIError; these come from the driver directly).
DriverError = sqlite3.Error
DriverDatabaseError = sqlite3.DatabaseError


def set_autocheckpoint(conn: Connection, pages: int) -> None:
    """How many WAL pages a COMMIT lets pile up before it copies them into the file (0: never)."""
    conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={int(pages)}")


def checkpoint(path: Path) -> bool:
    """Copy the WAL into the library file without blocking readers or writers (PASSIVE), on a
    connection of its own (for a thread beside the window); False when SQLite could not."""
    try:
        conn = sqlite3.connect(str(path), timeout=engine.BUSY_TIMEOUT_MS / 1000)
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return True


def integrity_findings(path: Path, full: bool, limit: int) -> list[str]:
    """SQLite's integrity_check (``full``) or quick_check findings for ``path``, read-only, at
    most ``limit``; empty when the file is sound. Raises DriverDatabaseError for a file SQLite
    cannot read at all."""
    pragma = "integrity_check" if full else "quick_check"
    con = engine.connect_read_only(path)
    try:
        rows = con.execute(f"PRAGMA {pragma}({int(limit)})").fetchall()
    finally:
        con.close()
    return [str(r[0]) for r in rows if str(r[0]).lower() != "ok"]


def copy_online(source: Path, target: Path) -> None:
    """Copy a library file with SQLite's online backup: consistent even while another connection
    writes, and with a WAL beside the source. The source is only read."""
    src = engine.connect_read_only(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def schema_state(path: Path) -> tuple[set[str], set[str]]:
    """(the file's table names, its Alembic revisions: empty without an alembic_version table),
    read-only and without an engine (an engine's connection would switch the file to WAL).
    Raises DriverDatabaseError for a file that is not an SQLite database or is damaged."""
    con = engine.connect_read_only(path)
    try:
        tables = {str(r[0]) for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables:
            return tables, set()
        return tables, {str(r[0]) for r in con.execute("SELECT version_num FROM alembic_version")}
    finally:
        con.close()


class DataVersionProbe:
    """A connection that never writes, kept open to read ``PRAGMA data_version``: it changes
    whenever any other connection (this process's writers, the CLI, another program) commits."""

    def __init__(self, path: Path) -> None:
        self._con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)

    def version(self) -> int:
        return int(self._con.execute("PRAGMA data_version").fetchone()[0])

    def largest_id(self) -> int:
        """The largest reference id, 0 in an empty library."""
        return int(self._con.execute('SELECT max(id) FROM "references"').fetchone()[0] or 0)

    def close(self) -> None:
        self._con.close()
