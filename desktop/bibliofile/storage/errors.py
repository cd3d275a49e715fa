"""Library problems a user can act on, each with a plain message (docs/architecture.md; ADR 0013)."""

from __future__ import annotations


class LibraryError(Exception):
    """A known problem with the library file; ``str()`` is the message shown to the user."""


class LibraryTooNewError(LibraryError):
    """The file was written by a newer Bibliofile: refuse it and leave it untouched."""


class LibraryLockedError(LibraryError):
    """Another program holds the write lock for longer than busy_timeout."""


class LibraryCorruptError(LibraryError):
    """The file is not an SQLite database or is damaged."""


class LibraryReadOnlyError(LibraryError):
    """The library sits on read-only media or in a read-only folder: it was opened for reading,
    and a write is refused with this message instead of failing half-way."""


class LibraryMissingError(LibraryError):
    """No library at the path (or an empty file there), and the action may not create one."""


class LibraryUpgradeError(LibraryError):
    """A schema upgrade failed; it ran in one transaction, so the file is as it was."""


class DiskFullError(LibraryError):
    """The disk (or the quota) is full; the transaction was rolled back."""


class Cancelled(Exception):
    """Raised inside a unit of work to abandon it; the library is left as it was."""
