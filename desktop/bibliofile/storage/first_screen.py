"""The window's first screen read with the standard library's sqlite3, before SQLAlchemy loads.

Why (issue 22: the first rows within 0.5 s of launch at 100k): importing SQLAlchemy and our
storage layer was ~160 ms of the ~440 ms of CPU before the first rows were painted, and the
first screen needs almost nothing of them: the library's collections (the sidebar), the count,
the first ids in the restored sort order and those rows' columns. ``FirstScreen`` answers exactly
these for a library that needs no upgrade and that this process can write, and
``DeferredLibrary`` stands in for the ``Library`` until anything else is asked of it: then (on
whichever thread asks, once) it opens the real one, which checks and sets up everything as ever.

The answers must be the Library's own, row for row: the SQL here is the SQL ``Library.count``,
``search_head``, ``rows`` and ``collections`` send for these cases, and
``tests/unit/storage/test_first_screen.py`` compares the two on real libraries. Anything this
module does not know (another scope, a sort it does not read, an SQLite error) is handed to the
real library, so the worst case is the old launch, never a different answer.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bibliofile.storage.scope import LIBRARY, Scope

if TYPE_CHECKING:
    from bibliofile.storage.library import Library

# The Alembic head this version writes (storage/migrations/versions): a file at another revision
# (older: it needs an upgrade; newer: refused) takes the full open. A test keeps it in step.
SCHEMA_HEAD = "0013"
# quick_check reads every page (~0.1 s for 50 MB on a laptop): done on every open below this.
QUICK_CHECK_MAX_BYTES = 50 * 1024 * 1024
BUSY_TIMEOUT_S = 5.0

# The table's columns by name, as ``storage.library.COLUMNS`` reads them; ``date_added`` is an
# SQLAlchemy DateTime, which SQLite keeps as ISO text and SQLAlchemy gives back as a datetime.
COLUMN_SQL: dict[str, str] = {
    "id": "id",
    "authors": "authors_display",
    "year": "year",
    "title": "title",
    "container": "container_title",
    "type": "item_type",
    "date_added": "date_added",
    "citation_key": "citation_key",
    "doi": "doi",
    "pages": "pages",
    "status": "status",
    "date": "date",
    "read_status": "read_status",
    "priority": "priority",
    "rating": "rating",
    "date_read": "date_read",
}
_DATETIME_COLUMNS = frozenset({"date_added"})
# ``storage.library.SORT_COLUMNS``: what each sort key orders by (the column itself, but for the
# three whose display text sorts by a key made for sorting).
SORT_SQL: dict[str, str] = {
    **{k: c for k, c in COLUMN_SQL.items() if k != "id"},
    "authors": "sort_authors",
    "title": "sort_title",
    "container": "sort_container",
}
_CHUNK = 900  # ids per IN (...), as the Library reads them
T = TypeVar("T")


def can_write(path: Path) -> bool:
    """Whether a library at ``path`` can be written: the file, and its folder for the WAL's
    ``-wal``/``-shm`` files (unless both are there already and writable)."""
    if not os.access(path, os.W_OK):
        return False
    if os.access(path.parent, os.W_OK | os.X_OK):
        return True
    beside = [path.with_name(path.name + s) for s in ("-wal", "-shm")]
    return all(p.exists() and os.access(p, os.W_OK) for p in beside)


def _read_only_mount(path: Path) -> bool:
    """A file system mounted read-only, which ``os.access`` may not report (root): the full
    open finds it out too, and says "(read-only)" in the title from the start."""
    flag = getattr(os, "ST_RDONLY", 0)
    try:
        return bool(flag and os.statvfs(path).f_flag & flag)
    except (OSError, AttributeError):  # no statvfs (Windows): can_write decides
        return False


class FirstScreen:
    """What the window's first screen reads, from one read-only sqlite3 connection."""

    def __init__(self, path: Path, con: sqlite3.Connection, checked: bool) -> None:
        self.path = path
        self.checked = checked  # quick_check ran here and passed (a small library)
        self._con: sqlite3.Connection | None = con
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path) -> FirstScreen | None:
        """The first screen of the library at ``path``, or None when the full open must decide:
        no file yet, an empty file, a file this process cannot write, another schema revision,
        a small file that fails quick_check, or anything SQLite does not like."""
        try:
            size = path.stat().st_size
            if size == 0 or not can_write(path) or _read_only_mount(path):
                return None
            con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None)
        except (OSError, sqlite3.Error):
            return None
        checked = size < QUICK_CHECK_MAX_BYTES
        try:
            con.execute("PRAGMA query_only=ON")
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            accepted = (
                {"alembic_version", "references"} <= tables
                and {r[0] for r in con.execute("SELECT version_num FROM alembic_version")} == {SCHEMA_HEAD}
                and (not checked or con.execute("PRAGMA quick_check(1)").fetchone() == ("ok",))
            )
        except sqlite3.Error:
            accepted = False
        if not accepted:
            con.close()
            return None
        return cls(path, con, checked)

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            if self._con is None:
                raise sqlite3.ProgrammingError("the first screen is closed")
            return self._con.execute(sql, params).fetchall()

    def collections(self) -> list[tuple[int, int | None, str]]:
        """``Library.collections``: (id, parent id, name), parents' order then position, name."""
        rows = self._query(
            "SELECT id, parent_id, name FROM collections ORDER BY parent_id, position, name"
        )
        return [(int(r[0]), None if r[1] is None else int(r[1]), str(r[2])) for r in rows]

    def count(self) -> int:
        """``Library.count(LIBRARY)``: references not in the trash."""
        return int(self._query('SELECT count(*) FROM "references" WHERE deleted IS 0')[0][0])

    def search_head(self, sort: str, descending: bool, limit: int) -> list[int]:
        """``Library.search_head`` of the whole library with no order cached yet."""
        col = SORT_SQL.get(sort, "sort_title")
        primary = f"{col} {'DESC' if descending else 'ASC'}" + (" NULLS LAST" if sort == "year" else "")
        rows = self._query(
            f'SELECT id FROM "references" WHERE deleted IS 0 ORDER BY {primary}, sort_authors, year, id LIMIT ?',
            (limit,),
        )
        return [int(r[0]) for r in rows]

    def rows(self, ids: Sequence[int], columns: Sequence[str]) -> dict[int, tuple[Any, ...]]:
        """``Library.rows``: the named columns of ``ids`` (KeyError for a name it does not know)."""
        cols = ", ".join(COLUMN_SQL[c] for c in columns)
        dates = [i for i, c in enumerate(columns) if c in _DATETIME_COLUMNS]
        out: dict[int, tuple[Any, ...]] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            for row in self._query(f'SELECT id, {cols} FROM "references" WHERE id IN ({marks})', chunk):
                values = list(row[1:])
                for i in dates:
                    values[i] = _datetime(values[i])
                out[int(row[0])] = tuple(values)
        return out


def _datetime(value: Any) -> Any:
    """SQLAlchemy's reading of an SQLite DateTime ("YYYY-MM-DD HH:MM:SS[.ffffff]")."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


class DeferredLibrary:
    """A ``Library`` that answers the first screen from a ``FirstScreen`` and opens the real one
    (``open_real``) the first time anything else is asked of it, from any thread, once.

    ``path``, ``display_name``, ``read_only`` and ``damage`` are the first screen's findings
    until the real library is open (a library FirstScreen accepted is writable and passed its
    checks), then the real one's."""

    def __init__(self, first: FirstScreen, open_real: Callable[[], Library]) -> None:
        self._first: FirstScreen | None = first
        self._open_real = open_real
        self._real: Library | None = None
        self._opening = threading.Lock()
        self.path = first.path

    # ---- the real library ----------------------------------------------------------------
    @property
    def opened(self) -> bool:
        return self._real is not None

    def real(self) -> Library:
        """The real library, opened now if it was not (the first caller opens it, others wait)."""
        real = self._real
        if real is not None:
            return real
        with self._opening:
            if self._real is None:
                self._real = self._open_real()
                first, self._first = self._first, None
                if first is not None:
                    first.close()
            return self._real

    def __getattr__(self, name: str) -> Any:
        # Only names this class does not define come here: everything beyond the first screen.
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.real(), name)

    def close(self) -> None:
        """Closes what is open; a library never opened is not opened to be closed."""
        with self._opening:
            if self._real is not None:
                self._real.close()
            elif self._first is not None:
                self._first.close()
                self._first = None

    # ---- what the first screen asks --------------------------------------------------------
    @property
    def display_name(self) -> str:
        return str(self.path)

    @property
    def read_only(self) -> bool:
        return self._real.read_only if self._real is not None else False

    @property
    def damage(self) -> str | None:
        return self._real.damage if self._real is not None else None

    def _answer(self, first_asked: Callable[[FirstScreen], T], real_asked: Callable[[Library], T], known: bool = True) -> T:
        """The first screen's answer while the real library is not open and ``known`` says the
        first screen can answer this question; otherwise (or on any SQLite error, a first screen
        closed meanwhile among them) the real library's."""
        first = self._first if self._real is None else None
        if first is not None and known:
            try:
                return first_asked(first)
            except sqlite3.Error:
                pass
        return real_asked(self.real())

    def collections(self) -> list[tuple[int, int | None, str]]:
        return self._answer(lambda f: f.collections(), lambda lib: lib.collections())

    def count(self, scope: Scope = LIBRARY) -> int:
        return self._answer(lambda f: f.count(), lambda lib: lib.count(scope), scope == LIBRARY)

    def search_head(self, sort: str = "title", descending: bool = False, scope: Scope = LIBRARY, limit: int = 200) -> list[int]:
        return self._answer(
            lambda f: f.search_head(sort, descending, limit),
            lambda lib: lib.search_head(sort, descending, scope, limit),
            scope == LIBRARY,
        )

    def rows(self, ids: Sequence[int], columns: Sequence[str]) -> dict[int, tuple[Any, ...]]:
        return self._answer(
            lambda f: f.rows(ids, columns), lambda lib: lib.rows(ids, columns), all(c in COLUMN_SQL for c in columns)
        )
