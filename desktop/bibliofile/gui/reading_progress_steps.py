"""What the reader does with the pages it shows (issue 19's reading progress), kept out of the
reader's own module: record the pages shown, mark the reference "reading" once the user turns
past page 1, and offer "Mark as Read" at the last page.

The pages are a plain write (services.reading_progress.record_pages, called with the reader's
place); the two status changes are undo steps on the library window's stack when the reader
was opened from a window (its parent has ``undo_stack`` and ``run_write``), and a plain write
through the same operation otherwise. Why: services/reading_progress.py's module doc.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtWidgets import QWidget

from bibliofile.gui.undo import change_command
from bibliofile.model.page_progress import PageProgress
from bibliofile.services import reading_progress
from bibliofile.services.changes import Change, perform
from bibliofile.storage.errors import LibraryError

if TYPE_CHECKING:
    from bibliofile.gui.pdf_end_bar import EndBar
    from bibliofile.storage.library import Library, UnitOfWork

log = logging.getLogger(__name__)

STARTED_STATUS = "Marked “{name}” as reading (page {page} of {count}); Edit > Undo takes it back."
READ_STATUS = "Marked “{name}” as read."


class ReadingSteps:
    """The reading progress of one reader window (a plain object: its ``record`` runs on the
    writer thread and touches no widget)."""

    def __init__(self, reader: QWidget, library: Library | None, attachment_id: int | None) -> None:
        self.reader = reader
        self.library = library
        self.attachment_id = attachment_id
        self.reference_id: int | None = None
        seen: set[int] = set()
        if library is not None and attachment_id is not None:
            try:
                self.reference_id = reading_progress.reference_of(library, attachment_id)
                seen = reading_progress.pages_seen(library, attachment_id)
            except LibraryError as exc:  # a locked library: the reader still reads
                log.warning("reading progress not read: %s", exc)
        self.seen = set(seen)
        self._recorded = set(seen)
        self._start_asked = False
        self._end_offered = False

    @property
    def active(self) -> bool:
        return self.library is not None and self.reference_id is not None and not self.library.read_only

    def progress(self, count: int) -> PageProgress:
        return PageProgress(len({p for p in self.seen if p <= count}), count)

    # ---- pages ----------------------------------------------------------------------------------
    def page_shown(self, page: int, count: int) -> None:
        """The reader shows ``page`` of ``count``: remember it; past page 1 start reading; at
        the last page (of more than one) offer Mark as Read."""
        self.seen.add(page)
        if not self.active:
            return
        if page > 1 and not self._start_asked:
            self._start_asked = True
            self._start(page, count)
        if count > 1 and page == count and not self._end_offered:
            self._end_offered = True
            self._offer_end(count)

    def unrecorded(self) -> set[int]:
        """Pages shown and not yet handed to ``record`` (they count as handed from now on)."""
        new = self.seen - self._recorded
        self._recorded |= new
        return new

    def record(self, pages: Iterable[int], count: int) -> None:
        """Keep pages shown (any thread; the reader's place is written beside it)."""
        if self.library is not None and self.attachment_id is not None and self.reference_id is not None:
            reading_progress.record_pages(self.library, self.attachment_id, pages, count)

    # ---- status steps --------------------------------------------------------------------------
    def _start(self, page: int, count: int) -> None:
        assert self.library is not None and self.reference_id is not None
        rid = self.reference_id
        if not reading_progress.would_start(self.library, rid):
            return
        said = STARTED_STATUS.format(name=self._name(), page=page, count=count)
        self._step("Mark reading", lambda u: reading_progress.start_reading(u, rid), said)

    def _offer_end(self, count: int) -> None:
        assert self.library is not None and self.reference_id is not None
        if reading_progress.is_read(self.library, self.reference_id):
            return
        self._end_bar().offer(self.progress(count).text())

    def mark_read(self) -> None:
        """Mark as Read in the end bar: one undo step, the date read today when it had none."""
        if not self.active:
            return
        rid = self.reference_id
        assert rid is not None
        self._step("Mark as read", lambda u: reading_progress.finish_reading(u, rid),
                   READ_STATUS.format(name=self._name()), self._end_bar().done)

    def _end_bar(self) -> EndBar:
        bar = getattr(self.reader, "end_bar", None)
        assert bar is not None
        return bar  # type: ignore[no-any-return]

    def _name(self) -> str:
        path = getattr(self.reader, "path", None)
        return str(getattr(path, "name", "")) or "the reference"

    def _window(self) -> Any:
        """The library window the reader was opened from, when it has an undo stack."""
        top = self.reader.parentWidget()
        ok = top is not None and all(hasattr(top, a) for a in ("undo_stack", "run_write", "show_status"))
        return top if ok else None

    def _step(self, text: str, op: Callable[[UnitOfWork], Change], said: str,
              then: Callable[[], None] | None = None) -> None:
        window = self._window()
        if window is not None:
            def after() -> None:
                window.show_status(said, 8000)
                if then is not None and shiboken6.isValid(self.reader):
                    then()

            window.undo_stack.push(change_command(window, text, op, after_redo=after))
            return
        assert self.library is not None
        try:
            perform(self.library, op)
        except LibraryError as exc:  # not worth a dialog over a reader
            log.warning("%s not stored: %s", text, exc)
            return
        if then is not None:
            then()
