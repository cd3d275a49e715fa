"""Reading progress from the built-in reader (issue 19): the pages shown feed the reading list.

Two kinds of write, on purpose:

* The pages shown (``record_pages``) are kept as a small write of their own, like the reader's
  place (``attachments.remember_reading_place``), and are not an undo step: looking at a page
  is not an edit to take back, and an undo stack filling up with page turns would bury the
  user's real edits.
* The reading *status* is the user's data, so changing it is a ``Change`` (``start_reading``,
  ``finish_reading``) the window pushes on its undo stack: turning past the first page marks the
  reference "reading" (said in the status bar, Edit > Undo takes it back), and "Mark as Read" at
  the end is one undo step that also gives the date read. A status already "read" or "skimmed"
  is never put back to "reading" by opening the paper again.

A reference's progress is that of its attachment with the most pages shown (the paper, not the
supplement one glanced at).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bibliofile.model.page_progress import PageProgress, decode_pages, encode_pages
from bibliofile.services import reading
from bibliofile.services.changes import Change, unchanged
from bibliofile.storage import attachments as attachment_rows
from bibliofile.storage import curation
from bibliofile.storage import reading_progress as rows
from bibliofile.storage.library import Library, Source, UnitOfWork

__all__ = [
    "PageProgress",
    "finish_reading",
    "progress_of",
    "progress_text",
    "record_pages",
    "reference_of",
    "start_reading",
]

# Statuses that turning a page moves to "reading"; the others say the user decided already.
STARTS_READING = ("", "toread")


def reference_of(src: Source, attachment_id: int) -> int | None:
    """The reference an attachment belongs to (None: no such attachment)."""
    found = attachment_rows.get(src, [attachment_id])
    return found[0].reference_id if found else None


def record_pages(library: Library, attachment_id: int, pages: Iterable[int], page_count: int) -> PageProgress:
    """Add ``pages`` (1-based) to the pages shown of an attachment and keep its page count, as a
    small write of its own (not an undo step, see the module doc). Pages beyond the count are
    left out. Returns the progress now stored."""
    wanted = {p for p in pages if p >= 1 and (page_count <= 0 or p <= page_count)}
    with library.write() as uow:
        if reference_of(uow, attachment_id) is None:
            return PageProgress(0, max(0, page_count))
        seen = rows.pages_of(uow, attachment_id) | wanted
        if page_count > 0:
            seen = {p for p in seen if p <= page_count}
        rows.put(uow, attachment_id, encode_pages(seen), max(0, page_count))
    return PageProgress(len(seen), max(0, page_count))


def progress_of(src: Source, reference_ids: Sequence[int] | None) -> dict[int, PageProgress]:
    """Each reference's progress (references never opened in the reader are left out);
    ``None`` reads every reference that has any."""
    out: dict[int, PageProgress] = {}
    for rid, found in rows.for_references(src, reference_ids).items():
        best: PageProgress | None = None
        for _aid, seen, count in found:
            p = PageProgress(len(decode_pages(seen)), count)
            if best is None or p.seen > best.seen:
                best = p
        if best is not None and best.seen:
            out[rid] = best
    return out


def progress_text(src: Source, reference_id: int) -> str:
    """'12 of 20 pages' for one reference, or '' when it was never read in the reader."""
    found = progress_of(src, [reference_id]).get(reference_id)
    return found.text() if found else ""


def pages_seen(src: Source, attachment_id: int) -> set[int]:
    """The pages (1-based) of an attachment shown so far, in every session."""
    return rows.pages_of(src, attachment_id)


def would_start(src: Source, reference_id: int) -> bool:
    """Whether ``start_reading`` would change the reference (so the window pushes no empty
    undo step)."""
    state = curation.reading_states(src, [reference_id]).get(reference_id)
    return state is not None and state.status in STARTS_READING


def start_reading(uow: UnitOfWork, reference_id: int) -> Change:
    """Mark a reference "reading" because its paper was read past page 1, when its status was
    none or "to read"; otherwise nothing (an empty Change)."""
    text = "Mark reading"
    state = curation.reading_states(uow, [reference_id]).get(reference_id)
    if state is None or state.status not in STARTS_READING:
        return unchanged(text)
    return reading.set_reading(uow, [reference_id], status="reading", description=text)


def finish_reading(uow: UnitOfWork, reference_id: int) -> Change:
    """"Mark as Read" at the end of the paper: status read, and today as the date read when it
    had none (``services.reading.set_reading``'s rule). One undo step."""
    return reading.set_reading(uow, [reference_id], status="read", description="Mark as read")


def is_read(src: Source, reference_id: int) -> bool:
    """Whether the reference is read or skimmed already (the reader then offers nothing)."""
    state = curation.reading_states(src, [reference_id]).get(reference_id)
    return state is not None and state.status in ("read", "skimmed")

