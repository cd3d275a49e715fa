"""Reading state as an operation: status, priority, rating and date read of many references at
once, as one Change the window's triage keys and ``bibliofile status`` share.

Reading is not editing: the entries' ``edited`` flag stays as it was, so an unedited BibTeX
entry still exports byte for byte after being marked read.
"""

from __future__ import annotations

from collections.abc import Sequence

from bibliofile.model.reading import STATUS_LABELS, STATUSES, ReadingState
from bibliofile.services.changes import Change, plural, unchanged
from bibliofile.storage import curation
from bibliofile.storage.library import Library, UnitOfWork

__all__ = ["STATUSES", "set_reading", "states"]


def states(library: Library, ids: Sequence[int]) -> dict[int, ReadingState]:
    """The reading state of these references (a read, for the CLI's report and the window)."""
    return curation.reading_states(library, ids)


def describe(n: int, status: str | None, priority: int | None, rating: int | None) -> str:
    what = plural(n, "reference")
    if status is not None:
        label = STATUS_LABELS.get(status, status)
        return f"Mark {what} {label.lower()}" if label else f"Clear the reading status of {what}"
    if priority is not None:
        return f"Priority {priority} for {what}" if priority else f"Clear priority of {what}"
    if rating is not None:
        return f"Rate {what} {rating}" if rating else f"Clear rating of {what}"
    return f"Reading state of {what}"


def set_reading(
    uow: UnitOfWork,
    ids: Sequence[int],
    *,
    status: str | None = None,
    priority: int | None = None,
    rating: int | None = None,
    date_read: str | None = None,
    description: str | None = None,
) -> Change:
    """Set some of the reading state of many references (``None`` leaves a part alone).

    Marking read gives today's date read to a reference that had none. ``ValueError`` for a
    status, priority or rating out of range (nothing is written then)."""
    wanted = list(dict.fromkeys(ids))
    text = description or describe(len(wanted), status, priority, rating)
    before = curation.set_reading(
        uow, wanted, status=status, priority=priority, rating=rating, date_read=date_read
    )
    after = curation.reading_states(uow, wanted)
    changed = [row for row in before if _state(row) != after.get(row[0])]
    if not changed:
        return unchanged(text)

    def undo(u: UnitOfWork) -> Change:
        curation.put_reading(u, changed)
        return Change(text, redo, tuple(r[0] for r in changed))

    def redo(u: UnitOfWork) -> Change:
        return set_reading(
            u, wanted, status=status, priority=priority, rating=rating, date_read=date_read, description=text
        )

    return Change(text, undo, tuple(r[0] for r in changed))


def _state(row: curation.ReadingRow) -> ReadingState:
    _rid, status, priority, rating, date_read = row
    return ReadingState(status, priority, rating, date_read)


def list_progress(library: Library, cid: int) -> curation.ListProgress:
    """How far a reading list has been read (the window's status line under a list). A
    reference read in the built-in reader counts the pages it has left (its file's page count
    less the pages shown), not its whole page range (issue 19)."""
    from bibliofile.services.reading_progress import progress_of

    found = progress_of(library, curation.collection_order(library, cid))
    return curation.list_progress(library, cid, {rid: p.left for rid, p in found.items() if p.count})
