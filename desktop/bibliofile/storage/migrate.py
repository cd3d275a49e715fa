"""Start-up schema handling: refuse newer libraries untouched, back up, then upgrade to head.

The version check opens the file read-only with the sqlite3 module before any engine exists,
because merely connecting through our engine would switch the file to WAL, and a library from a
newer Bibliofile must be left exactly as it was.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from bibliofile.storage.errors import LibraryCorruptError, LibraryError, LibraryTooNewError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def known_revisions() -> tuple[set[str], set[str]]:
    """(every revision this version knows, the head revisions)."""
    script = ScriptDirectory.from_config(alembic_config())
    return {r.revision for r in script.walk_revisions()}, set(script.get_heads())


def current_revisions(path: Path) -> set[str] | None:
    """The file's Alembic revisions; None for a new/empty file. Never writes to the file."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not tables:
                return None
            if "alembic_version" not in tables:
                raise LibraryError(
                    f"{path} is an SQLite database but not a Bibliofile library. It was not changed."
                )
            return {r[0] for r in con.execute("SELECT version_num FROM alembic_version")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise LibraryCorruptError(
            f"{path} is not a Bibliofile library or is damaged ({exc}). It was not changed."
        ) from exc


def check_version(path: Path) -> bool:
    """Raise LibraryTooNewError for an unknown revision; True when an upgrade is needed."""
    current = current_revisions(path)
    known, heads = known_revisions()
    if current is None:
        return True
    unknown = current - known
    if unknown:
        raise LibraryTooNewError(
            f"{path} was written by a newer version of Bibliofile (schema {', '.join(sorted(unknown))}). "
            "This version cannot open it and has not touched it. Please update Bibliofile."
        )
    return current != heads


def backup(path: Path, label: str) -> Path | None:
    """Copy the library with SQLite's online backup (consistent even with a WAL file beside it)."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{label}-{stamp}.bak")
    src = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


def upgrade(engine: Engine) -> None:
    """Run every pending migration in one transaction on the engine's own connection."""
    cfg = alembic_config()
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
