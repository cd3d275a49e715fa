"""Whether the window's background features have anything to do (issue 22), each asked in one
cheap query, so a library without auto-exports or unread attachments costs its start-up
nothing more: the feature's services (formatters, the PDF worker) are imported only when the
answer is yes. All SQL Core, every dialect."""

from __future__ import annotations

from sqlalchemy import exists, select

from bibliofile.storage.fulltext import FINISHED
from bibliofile.storage.library import Source, connection
from bibliofile.storage.tables import attachments_t, autoexports_t, fulltext_files_t, sync_state_t

__all__ = ["has_autoexports", "has_sync_server", "has_unindexed_attachments"]

A = attachments_t.c
F = fulltext_files_t.c


def has_autoexports(src: Source) -> bool:
    """The library keeps at least one file up to date (File > Keep a .bib Updated…)."""
    with connection(src) as conn:
        return conn.execute(select(autoexports_t.c.id).limit(1)).first() is not None


def has_sync_server(src: Source) -> bool:
    """The library remembers a shared library it syncs with (File > Sync with Shared Library)."""
    with connection(src) as conn:
        return conn.execute(select(sync_state_t.c.id).limit(1)).first() is not None


def has_unindexed_attachments(src: Source) -> bool:
    """An attachment has no finished full-text row: never read, or read in part (a run that
    stopped when the window closed). One probe per attachment's primary key, stopping at the
    first; files changed on disk since are found by the next run after a write."""
    finished = exists(select(F.attachment_id).where(F.attachment_id == A.id, F.status.in_(sorted(FINISHED))))
    with connection(src) as conn:
        return conn.execute(select(A.id).where(~finished).limit(1)).first() is not None
