"""What the window asks before its background features start by themselves (issue 22): one
cheap read each, in a module that imports none of the features' services, so that a library
with nothing to index or keep up to date leaves the process idle after its first screen."""

from __future__ import annotations

from bibliofile.storage import idle_work
from bibliofile.storage.library import Library

__all__ = ["files_to_index", "keeps_files", "shares"]


def keeps_files(library: Library) -> bool:
    """Whether the library keeps any file up to date (auto-export)."""
    return idle_work.has_autoexports(library)


def files_to_index(library: Library) -> bool:
    """Whether an attached file has not been read (fully) into the full-text index."""
    return idle_work.has_unindexed_attachments(library)


def shares(library: Library) -> bool:
    """Whether the library syncs with a shared library (it remembers a server, as
    ``services.sync.remembered_server`` reads it): only then is the automatic sync started with
    the window. Its modules (the sync services, SQLAlchemy's PostgreSQL dialect) cost 60-75 ms
    of CPU; a library that syncs with nothing gets File > Sync when the File menu first opens."""
    return idle_work.has_sync_server(library)
