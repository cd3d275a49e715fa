"""Start-up schema handling: refuse newer libraries untouched, back up, then upgrade to head.

The version check reads the file read-only (``sqlite_dialect.schema_state``) before any engine exists,
because merely connecting through our engine would switch the file to WAL, and a library from a
newer Bibliofile must be left exactly as it was.

Alembic itself (about 200 ms to import) is loaded only when an upgrade runs: the everyday check
reads the revision ids from the migration scripts' own ``revision``/``down_revision`` lines,
and a unit test holds that reading equal to Alembic's.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

if TYPE_CHECKING:
    from alembic.config import Config

from bibliofile.storage.engine import CHECK_ADVICE
from bibliofile.storage.errors import LibraryCorruptError, LibraryError, LibraryTooNewError
from bibliofile.storage.sqlite_dialect import DriverDatabaseError, copy_online, schema_state

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


_REVISION_RE = re.compile(r"^revision(?::\s*str)?\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN_RE = re.compile(r"^down_revision(?::[^=]*)?=\s*(.+)$", re.M)


@cache
def known_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """(every revision this version knows, the head revisions), read from the scripts."""
    known: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = script.read_text(encoding="utf-8")
        rev = _REVISION_RE.search(text)
        if rev is None:
            continue
        known.add(rev.group(1))
        down = _DOWN_RE.search(text)
        if down is not None:
            parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    return frozenset(known), frozenset(known - parents)


def current_revisions(path: Path) -> set[str] | None:
    """The file's Alembic revisions; None for a new/empty file. Never writes to the file, and
    creates no ``-wal``/``-shm`` beside it (``engine.connect_read_only``)."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        tables, revisions = schema_state(path)
    except DriverDatabaseError as exc:
        raise LibraryCorruptError(
            f"{path} is not a Bibliofile library or is damaged ({exc}). It was not changed. {CHECK_ADVICE}"
        ) from exc
    if not tables:
        return None
    if "alembic_version" not in tables:
        raise LibraryError(f"{path} is an SQLite database but not a Bibliofile library. It was not changed.")
    return revisions


def check_version(path: Path) -> bool:
    """Raise LibraryTooNewError for an unknown revision; True when an upgrade is needed."""
    return needs_upgrade(path, current_revisions(path))


def needs_upgrade(path: Path, current: set[str] | None) -> bool:
    """``check_version`` for revisions already read (``current_revisions``), so opening a
    library reads the file's schema once."""
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
    copy_online(path, target)
    return target


def upgrade(engine: Engine) -> None:
    """Run every pending migration in one transaction on the engine's own connection."""
    from alembic import command

    cfg = alembic_config()
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
