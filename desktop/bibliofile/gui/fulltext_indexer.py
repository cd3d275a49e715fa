"""The window's side of the full-text index (issue 19): attached files read in the background,
"Search Inside Files", and the pages a search found, said for the selected reference.

Reading starts once the window is idle after start-up (never before: start-up stays as light
as it was), then again a moment after each write (an attached file, an undo bringing one back),
on the task runner's background thread; PDFium itself runs in the PDF worker process
(pdf/worker.py), so neither a big nor a hostile PDF holds the window. A run is cancelled when
the window closes; what it committed stays, and the next session goes on from there
(services/fulltext.py). What could not be read ("scanned, no text (no OCR)", damaged,
encrypted) is said in the status bar, naming the file.

Signals:
    finished(object): a run ended, with its ``IndexReport`` (tests and the status bar).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

from bibliofile.gui.pane_attachments import locations
from bibliofile.gui.window_api import WindowApi
from bibliofile.model.query import parse_query

IDLE_DELAY_MS = 4000  # after the first rows are painted, before the first run
IDLE_RETRY_MS = 2000  # the window was busy: look again this much later
AFTER_WRITE_MS = 1500  # a write (attach, undo): read new files this much later, once per burst
INSIDE_FILES_KEY = "search/inside_files"


class FullTextIndexer(QObject):
    finished = Signal(object)

    def __init__(self, window: WindowApi) -> None:
        super().__init__(window.as_parent())
        self.window = window
        self.started = False
        self.task: Any = None
        self.again = False
        self.last_report: Any = None
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(AFTER_WRITE_MS)
        self._soon.timeout.connect(self.run)
        window.model.rowsStale.connect(self.request)
        window.as_parent().installEventFilter(self)
        self._pages_serial = 0
        window.table.selectionIdsChanged.connect(self._selection_changed)
        action = window.search_field.inside_files_action
        on = str(window.settings.value(INSIDE_FILES_KEY, "false")).lower() in ("true", "1")
        action.setChecked(on)
        window.model.set_inside_files(on)
        action.toggled.connect(self._inside_files_toggled)

    # ---- reading files ------------------------------------------------------------------------
    def start_when_idle(self) -> None:
        """The first run, once the window is idle after start-up. With a synchronous runner
        (tests) nothing starts by itself: the test calls ``run``."""
        if self.window.runner.synchronous:
            return
        if not self._files_to_index():  # one cheap query now, just after the first paint
            self.started = True  # a write (an attached file) still starts a run
            return
        QTimer.singleShot(IDLE_DELAY_MS, self._start_if_idle)

    def _files_to_index(self) -> bool:
        """Whether an attachment waits to be read (issue 22): a library with none imports
        neither the indexer's services nor the PDF worker at start-up."""
        from bibliofile.services.idle_work import files_to_index
        from bibliofile.storage.errors import LibraryError

        try:
            return files_to_index(self.window.library)
        except LibraryError:
            return False  # locked or damaged: the next write's run finds out

    def _start_if_idle(self) -> None:
        if self.started:
            return
        if self.window.runner.busy():
            QTimer.singleShot(IDLE_RETRY_MS, self._start_if_idle)
            return
        self.run()

    def request(self) -> None:
        """Something was written: read new or changed files a moment later (once per burst)."""
        if self.started and not self.window.runner.synchronous:
            self._soon.start()

    def run(self) -> None:
        """Read what is not in the index yet, on the idle thread (a run already going is
        followed by another, so nothing written meanwhile is missed)."""
        self.started = True
        if self.task is not None:
            self.again = True
            return
        library = self.window.library
        if library.refuse_writes_why() is not None:
            return  # a read-only or damaged library: the index cannot be written
        where = locations(library, self.window.settings)

        def work(ctx: Any) -> Any:
            # Imported here, on the worker (issue 18): the reader modules and the PDF worker's
            # client cost 30-90 ms, which froze the window 1.5 s after its first write (the
            # references just added by identifier) when imported on the GUI thread.
            from bibliofile.services.fulltext import index_files

            return index_files(library, where, cancelled=ctx.cancelled)

        self.task = self.window.runner.idle(work, self._done, self._failed)

    def stop(self) -> None:
        """Cancel a run (the window is closing); pages committed so far stay in the index."""
        self._soon.stop()
        if self.task is not None:
            self.task.cancel()

    def _done(self, report: Any) -> None:
        self.task = None
        self.last_report = report
        if report.read or report.scanned or report.failed:
            problems = report.messages()
            more = f" — {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "") if problems else ""
            self.window.show_status(report.summary() + more, 15000)
        self.finished.emit(report)
        if self.again and not report.cancelled:
            self.again = False
            self.run()

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        self.window.show_status(f"Full text: the attached files could not be read into the index ({exc})", 15000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close and watched is self.window.as_parent():
            self.stop()
        return False

    # ---- searching ----------------------------------------------------------------------------
    @property
    def inside_files(self) -> bool:
        return bool(self.window.search_field.inside_files_action.isChecked())

    def _inside_files_toggled(self, on: bool) -> None:
        self.window.settings.setValue(INSIDE_FILES_KEY, on)
        self.window.model.set_inside_files(on)
        self.window.show_status(
            "Plain words now also search the text of attached files" if on
            else "Plain words search the references only (fulltext:word still searches the files)", 5000)

    def _selection_changed(self, ids: list[int]) -> None:
        """One reference selected while the search looks inside files: say where."""
        query = self.window.model.query
        if len(ids) != 1 or not query.strip():
            return
        from bibliofile.services.fulltext import fulltext_terms, pages_found

        inside = self.inside_files
        q = parse_query(query)
        if not fulltext_terms(q, inside):
            return
        self._pages_serial += 1
        serial = self._pages_serial
        library = self.window.library
        rid = ids[0]

        def work(_ctx: Any) -> Any:
            return pages_found(library, q, [rid], inside).get(rid, [])

        def done(found: Any) -> None:
            if serial == self._pages_serial and found:
                self.window.show_status("Found in " + "; ".join(f.describe() for f in found), 10000)

        self.window.runner.read(work, done, lambda _e: None)


def install(window: WindowApi) -> FullTextIndexer:
    indexer = FullTextIndexer(window)
    indexer.start_when_idle()
    return indexer
