"""Checking the library file for damage and recovering it from a backup: Tools > Check Library in
the window and ``bibliofile check [--recover]`` on the command line share these two calls.

Recovery never writes to the damaged file: the newest backup that passes SQLite's full
integrity check is copied into a new file beside it and opened once as a Library, which
upgrades it to this version's schema (a before-upgrade backup holds the older one).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bibliofile.services.integrity import Finding
from bibliofile.storage import health
from bibliofile.storage.errors import LibraryMissingError
from bibliofile.storage.health import CheckResult
from bibliofile.storage.library import Library


def check_library(path: Path, full: bool = True) -> CheckResult:
    """SQLite's integrity check of the library at ``path``, read-only: it works on a library
    that cannot even be opened, and on one open in the window (it reads a snapshot)."""
    if not path.is_file() or path.stat().st_size == 0:
        raise LibraryMissingError(f"{path}: no library there. Nothing was checked.")
    return health.check_file(path, full=full)


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    damaged: Path
    target: Path
    backup: Path
    references: int
    skipped: list[tuple[Path, str]]

    def summary(self) -> str:
        lines = [
            f"Recovered into {self.target}: {self.references} references, as they were in the "
            f"backup {self.backup.name}.",
            f"Changes made after that backup are not in it. {self.damaged} was left as it was.",
            f"To use the recovered library: bibliofile --library {self.target} (or rename it).",
        ]
        lines += [f"Skipped {b.name}: damaged too ({why})." for b, why in self.skipped]
        return "\n".join(lines)


def recover_library(path: Path, target: Path | None = None) -> RecoveryReport:
    """Copy the last good backup of ``path`` into ``target`` (a new file beside it by default)
    and bring it to this version's schema. LibraryError (plain message) when no backup is good."""
    copied = health.copy_last_good_backup(path, target)
    library = Library.open(copied.target)
    try:
        count = library.count()
    finally:
        library.close()
    return RecoveryReport(path, copied.target, copied.backup, count, copied.skipped)


def missing_attachments(library: Library, base_folder: str | Path | None = None) -> list[Finding]:
    """Check Library's findings for attachments whose file is not where the library says (a
    linked file moved or deleted, a stored file gone from ``<library>.files``): kind
    ``missing-file``, no fix (the detail pane's Locate… and ``bibliofile files --missing
    --locate`` find them again)."""
    from bibliofile.services import attachments

    where = attachments.FileLocations.of(library, base_folder)
    missing = attachments.missing_files(library, where)
    rows = library.rows(list({m.attachment.reference_id for m in missing}), ["citation_key", "title"])
    out = []
    for m in missing:
        key, title = rows.get(m.attachment.reference_id, ("", ""))
        kind = "stored file" if m.stored else "linked file"
        out.append(Finding(m.attachment.reference_id, key or "", title or "", "missing-file", "file",
                           f"The {kind} “{m.name}” is missing: it is not at {m.file}."))
    return out
