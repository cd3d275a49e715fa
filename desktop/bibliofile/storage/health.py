"""Is the library file sound, and where is a good copy of it: SQLite's own integrity checks and
the backups beside the file.

A damaged page in the middle of a library is invisible until a statement reads it, and an
import once wrote into such a file and exited 0. So the file is checked where it is cheap
(``quick_check`` when a small library is opened, and after a statement failed with
SQLITE_CORRUPT), fully on request (Tools > Check Library, ``bibliofile check``), and a damaged
library is recovered into a new file from the newest backup that passes the full check; the
damaged file itself is never written to.

Backups are the copies ``migrate.backup`` makes with SQLite's online backup before each schema
upgrade (``NAME.before-upgrade-STAMP.bak``), and any other ``NAME.*.bak`` beside the library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bibliofile.storage.errors import LibraryError
from bibliofile.storage.first_screen import QUICK_CHECK_MAX_BYTES
from bibliofile.storage.sqlite_dialect import (
    DriverDatabaseError,
    DriverError,
    copy_online,
    integrity_findings,
)

MAX_LINES = 20  # of SQLite's findings, for a message


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What SQLite found: ``problems`` is empty when the file is sound."""

    path: Path
    full: bool  # integrity_check (every index against its table) or quick_check
    problems: list[str] = field(default_factory=list)
    backups: list[Path] = field(default_factory=list)  # newest first

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """A few lines for the user: the verdict, SQLite's first findings, the backups found."""
        kind = "full integrity check" if self.full else "quick check"
        if self.ok:
            return f"{self.path}: no damage found ({kind})."
        lines = [f"{self.path} is damaged ({kind}):"]
        lines += [f"  {p}" for p in self.problems[:5]]
        if len(self.problems) > 5:
            lines.append(f"  … and {len(self.problems) - 5} more")
        if self.backups:
            lines.append(f"Newest backup: {self.backups[0]} ({len(self.backups)} found).")
        else:
            lines.append(f"No backup found beside it ({self.path.name}.*.bak).")
        return "\n".join(lines)


def check_file(path: Path, full: bool = True) -> CheckResult:
    """SQLite's integrity_check (or quick_check) of ``path``, read-only. A file SQLite cannot
    even read counts as damaged, with SQLite's message as the finding."""
    problems: list[str]
    try:
        problems = integrity_findings(path, full, MAX_LINES)
    except DriverDatabaseError as exc:
        problems = [str(exc)]
    return CheckResult(path, full, problems, find_backups(path))


def damage_on_open(path: Path) -> str | None:
    """SQLite's first finding when a small library fails quick_check; None when it passes or is
    too large to check on every open (a full check is a menu command away)."""
    try:
        if path.stat().st_size >= QUICK_CHECK_MAX_BYTES:
            return None
    except OSError:
        return None
    result = check_file(path, full=False)
    return None if result.ok else "; ".join(result.problems[:3])


def find_backups(path: Path) -> list[Path]:
    """Backups of the library beside it (``NAME.*.bak``), newest first."""
    try:
        found = [p for p in path.parent.glob(f"{_glob_escape(path.name)}.*.bak") if p.is_file()]
    except OSError:
        return []
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


@dataclass(frozen=True, slots=True)
class Recovered:
    """A new library file made from a backup; the damaged one was left as it was."""

    target: Path
    backup: Path
    skipped: list[tuple[Path, str]]  # newer backups that failed their own check, and why


def recovered_name(path: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return path.with_name(f"{path.stem}.recovered-{stamp}{path.suffix or '.sqlite'}")


def copy_last_good_backup(path: Path, target: Path | None = None) -> Recovered:
    """Copy the newest backup that passes a full integrity check to ``target`` (a new file beside
    the library by default). The caller opens it as a Library, which upgrades it to this
    version's schema. Raises LibraryError with a plain message when no backup is good."""
    target = target or recovered_name(path)
    if target.exists():
        raise LibraryError(f"{target} already exists; nothing was recovered over it.")
    skipped: list[tuple[Path, str]] = []
    for backup in find_backups(path):
        result = check_file(backup, full=True)
        if not result.ok:
            skipped.append((backup, result.problems[0]))
            continue
        try:
            copy_online(backup, target)
        except (DriverError, OSError) as exc:
            target.unlink(missing_ok=True)
            raise LibraryError(f"Could not write the recovered library to {target}: {exc}") from exc
        return Recovered(target, backup, skipped)
    tried = "".join(f"\n  {b.name}: damaged too ({why})" for b, why in skipped)
    raise LibraryError(
        f"No good backup of {path} was found (backups are kept beside it as {path.name}.*.bak).{tried}\n"
        "The damaged library was left as it was. Export what can still be read "
        f"(`bibliofile --library {path} export -o FILE.bib`) and import it into a new library."
    )


# A library that was never upgraded had no backup at all, so "recover from the last good backup"
# had nothing to offer. The window keeps a few recent copies (as Zotero keeps zotero.sqlite.bak):
# one at most every ``ROLLING_EVERY``, the newest ``ROLLING_KEEP`` kept.
ROLLING_LABEL = "recent"
ROLLING_EVERY = timedelta(hours=20)
ROLLING_KEEP = 3


def rolling_backup(path: Path, now: datetime | None = None) -> Path | None:
    """Copy a sound library to ``NAME.recent-STAMP.bak`` when the newest such copy is older than
    ROLLING_EVERY, then drop all but the newest ROLLING_KEEP. A damaged library is never copied
    (it would push a good copy out). Returns the new backup, or None when none was due or the
    folder cannot be written (a backup must never stop the user from closing the window)."""
    from bibliofile.storage.migrate import backup

    if not path.is_file() or path.stat().st_size == 0:
        return None
    now = now or datetime.now()
    recent = [p for p in find_backups(path) if p.name.startswith(f"{path.name}.{ROLLING_LABEL}-")]
    if recent and now - datetime.fromtimestamp(recent[0].stat().st_mtime) < ROLLING_EVERY:
        return None
    if not check_file(path, full=False).ok:
        return None
    try:
        made = backup(path, ROLLING_LABEL)
    except (DriverError, OSError):
        return None
    if made is not None:
        recent.insert(0, made)
    for old in recent[ROLLING_KEEP:]:
        old.unlink(missing_ok=True)
    return made
