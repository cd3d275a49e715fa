"""Engines for library URLs, with SQLite set up the way a desktop library needs it.

WAL lets the window read while an import writes; foreign keys keep creators with their
reference; busy_timeout turns a brief lock by another process into a wait instead of an error.
Writers begin with BEGIN IMMEDIATE so two writers queue at the start of a unit of work instead of
failing half-way through it. Error translation lives here too: SQLite's messages become the
plain LibraryError kinds the GUI and CLI know how to show.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError

from bibliofile.storage.errors import (
    DiskFullError,
    LibraryCorruptError,
    LibraryError,
    LibraryLockedError,
    LibraryReadOnlyError,
)

BUSY_TIMEOUT_MS = 5000


def library_url(location: str | Path) -> str:
    """A SQLAlchemy URL for a path or URL: inside the app a library is a URL, not a file."""
    s = str(location)
    if "://" in s:
        return s
    return f"sqlite:///{Path(s).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory ones."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != prefix and ":memory:" not in url:
        return Path(url[len(prefix) :])
    return None


def read_ids(raw: sqlite3.Connection, select_sql: str, params: Sequence[Any]) -> list[int]:
    """The ``id`` column of a select, in its order, read as one JSON array.

    A row per id through the sqlite3 module cost more than SQLite's own work on the big lists
    a window reads: the library's 100k ids in order 99 against 59 ms, the 94k full-text hits of
    "p*" 73 against 40 ms. SQLite runs an ordered subquery under an aggregate as a co-routine,
    so the array keeps the ORDER BY (tests/unit/storage/test_library.py checks every sort).
    """
    try:
        (found,) = raw.execute(f"SELECT json_group_array(id) FROM ({select_sql})", params).fetchone()
    except sqlite3.OperationalError as exc:
        if "json_group_array" not in str(exc):
            raise
        # an SQLite built without JSON functions (they are built in since 3.38)
        return [i for (i,) in raw.execute(select_sql, params)]
    ids: list[int] = json.loads(found)
    return ids


PAGE_SIZE = 8192


def read_only_uri(path: Path, immutable: bool) -> str:
    """A ``file:`` URI that opens ``path`` without writing to it (or beside it, when immutable)."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    return uri + "&immutable=1" if immutable else uri


def connect_read_only(path: Path, check_same_thread: bool = True) -> sqlite3.Connection:
    """A connection that reads ``path`` and creates nothing beside it.

    Opening a WAL library even read-only makes SQLite create ``-wal`` and ``-shm`` files, and on
    read-only media or in a read-only folder it cannot, and the open fails. So when no ``-wal``
    file is there (nothing is waiting to be copied into the file: it is complete on its own) the
    file is opened ``immutable``, which touches nothing; with a ``-wal`` file beside it, the normal
    read-only mode reads it, falling back to immutable where the folder cannot take an ``-shm``.
    """
    wal = path.with_name(path.name + "-wal")
    timeout = BUSY_TIMEOUT_MS / 1000
    if not wal.exists():
        return sqlite3.connect(read_only_uri(path, True), uri=True, timeout=timeout, check_same_thread=check_same_thread)
    con = sqlite3.connect(read_only_uri(path, False), uri=True, timeout=timeout, check_same_thread=check_same_thread)
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        if not cannot_write(exc):
            con.close()
            raise
        con.close()
        return sqlite3.connect(read_only_uri(path, True), uri=True, timeout=timeout, check_same_thread=check_same_thread)
    return con


def cannot_write(exc: BaseException) -> bool:
    """SQLite's way of saying the file or its folder cannot be written (or created in)."""
    code = getattr(exc, "sqlite_errorcode", None)
    text = str(exc).lower()
    return (
        code is not None and code & 0xFF in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN)
    ) or "readonly" in text or "read-only" in text or "unable to open" in text


def make_engine(url: str, read_only: bool = False, **options: Any) -> Engine:
    """An engine for ``url``; ``read_only`` opens a SQLite file with ``connect_read_only``
    (no journal mode change, ``query_only``), for libraries on read-only media or folders.
    ``options`` go to ``create_engine`` (the storage tests run SQLite with ``paramstyle="named"``,
    the way PostgreSQL's drivers take parameters, to exercise the dialect-neutral paths)."""
    if not url.startswith("sqlite"):
        return create_engine(url, future=True, **options)
    path = sqlite_path(url)
    if read_only and path is not None:
        engine = create_engine(url, creator=lambda: connect_read_only(path, check_same_thread=False), **options)
    else:
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}, **options
        )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so BEGIN is ours (SQLAlchemy's
        # documented recipe for pysqlite); then set the per-connection pragmas.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if read_only:
            cur.execute("PRAGMA query_only=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.close()
            return
        # Takes effect only in a new, empty file (before WAL is on); an existing library keeps its
        # own. References rows are ~2.5 KB with their kept source text, so a 4 KiB page held one
        # and wasted the rest: with 8 KiB pages storing 100k references and their full-text rows
        # took ~12 % less time (bench/README.md, "Page size").
        cur.execute(f"PRAGMA page_size={PAGE_SIZE}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        # No mmap_size: it made the old ORDER BY search ~5 ms faster but counted the mapped file
        # in the app's resident memory (552 MB at 100k against 148 MB without), and searches
        # now go through the in-memory orders (storage/orders.py), where it gains nothing.
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def is_corruption(exc: BaseException) -> bool:
    """SQLITE_CORRUPT / SQLITE_NOTADB, by error code where the driver gives one."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return True
    text = str(orig).lower()
    return "not a database" in text or "malformed" in text or "corrupt" in text


CHECK_ADVICE = (
    "Tools > Verify Library File in the window (or `bibliofile check --recover`) can recover it "
    "into a new file from a backup."
)


def message_for(exc: BaseException, where: str) -> LibraryError | None:
    """The LibraryError a database exception means, or None when it is a bug."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    text = str(orig).lower()
    if is_corruption(exc):
        return LibraryCorruptError(
            f"{where} is not a Bibliofile library or is damaged ({orig}). Nothing was changed. "
            + CHECK_ADVICE
        )
    if "locked" in text or "busy" in text:
        return LibraryLockedError(
            f"The library {where} is locked by another program (another Bibliofile, or a sync "
            "tool). Nothing was changed. Close the other program and try again."
        )
    if "disk is full" in text or "disk or disk is full" in text or "database or disk is full" in text:
        return DiskFullError(
            f"The disk holding {where} is full. Nothing was changed; the library is as it was "
            "before this action. Free some space and try again."
        )
    if "readonly" in text or "read-only" in text:
        return LibraryReadOnlyError(f"{where} is read-only ({orig}). Nothing was changed.")
    if "unable to open" in text:
        return LibraryError(f"Cannot write to {where}: {orig}. Nothing was changed.")
    return None


@contextmanager
def translated_errors(where: str) -> Iterator[None]:
    """Re-raise known database failures as LibraryError; let bugs through untouched."""
    try:
        yield
    except (DBAPIError, sqlite3.Error) as exc:
        known = message_for(exc, where)
        if known is None:
            raise
        raise known from exc
