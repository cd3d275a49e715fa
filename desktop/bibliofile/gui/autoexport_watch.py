"""The window's side of auto-export (issue 20): File > Keep a .bib Updated…, and each kept file
rewritten within about a second of a change, on the writer thread, never on the GUI thread.

Every write of the window is a task of the window's ``TaskRunner`` (imports, pastes, lookups,
curation) or an undo step (the detail pane's field edits, undo and redo), so a finished task or
a move of the undo stack is the change signal: the first one starts a short
timer (not restarted by the next, so typing in the search field cannot postpone the rewrite), and
the timer queues one rewrite of every auto-export behind whatever the writer is doing. A rewrite
after a task that changed nothing reads ids and stamps and writes nothing. The formatted entries
stay in memory here between rewrites (``EntryCache`` per auto-export), so after a one-reference
edit only that entry is formatted again.

Outcomes go to the status bar: a file kept aside because another program had changed it
(``FILE.bak-<date>``), or a file that could not be written (it stays set up and the next change
retries it). Closing the window with a rewrite still pending does it before the window goes.

Signals:
    rewritten(object): the list of ``services.autoexport.Outcome`` of a rewrite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QAction

if TYPE_CHECKING:
    from bibliofile.gui.task_runner import Task, TaskContext
    from bibliofile.gui.window_api import WindowApi
    from bibliofile.services.autoexport import EntryCache, Outcome

# Milliseconds from the first change to the rewrite: edits in a burst (a paste, an undo run)
# share one rewrite, and the file is current well within the 2 s the issue allows.
DELAY_MS = 700


class AutoExportWatch(QObject):
    """Rewrites the library's auto-exports after changes made in the window (see module doc)."""

    rewritten = Signal(object)

    def __init__(self, window: WindowApi, delay_ms: int = DELAY_MS) -> None:
        super().__init__(window.as_parent())
        self.window = window
        self.caches: dict[int, EntryCache] = {}
        self._own: set[Task] = set()
        self._running = False
        self._again = False
        self._submitting = False
        # Whether the library keeps any file up to date: unknown until the first change asks.
        self.active: bool | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.rewrite_now)
        window.runner.taskFinished.connect(self._task_finished)
        # Field edits of the detail pane are undo commands written on this thread, not tasks.
        window.undo_stack.indexChanged.connect(lambda _i: self.changed())
        self.action = QAction("Keep a .bib &Updated…", self)
        self.action.setStatusTip("Keep a BibTeX, BibLaTeX or CSL-JSON file up to date with the library, "
                                 "a collection or a search (for LaTeX and pandoc)")
        self.action.triggered.connect(lambda _checked=False: self.open_dialog())
        window.menu_file.addAction(self.action)
        window.as_parent().installEventFilter(self)
        self.dialog: Any = None

    # ---- the change signal -----------------------------------------------------------------
    def _task_finished(self, task: Task) -> None:
        if self._submitting or task in self._own:  # our own rewrite (a synchronous runner's too)
            self._own.discard(task)
            return
        if task.reads_only:
            # A search or a pre-render changed nothing. The window's first search ends before
            # its rows are painted, and asking then would load SQLAlchemy before them (issue 22).
            return
        self.changed()

    def changed(self) -> None:
        """Something may have changed: rewrite soon (once, however many changes come first).
        A library found to keep no file up to date costs nothing more (set up in the dialog)."""
        if self.active is None:
            self.active = self._keeps_files()
        if self.active is False:
            return
        if self._running:
            self._again = True
        elif not self._timer.isActive():
            self._timer.start()

    def _keeps_files(self) -> bool | None:
        """One cheap query the first time something may have changed (the first search after
        start-up is a task too): a library that keeps no file up to date never imports the
        export services or wakes the writer (issue 22: idle within 1.0 s). None: not known
        (the library is locked), the rewrite finds out."""
        from bibliofile.services.idle_work import keeps_files
        from bibliofile.storage.errors import LibraryError

        try:
            return keeps_files(self.window.library)
        except LibraryError:
            return None

    @property
    def pending(self) -> bool:
        return self._timer.isActive() or self._running

    def rewrite_now(self, force: bool = False) -> None:
        """Queue one rewrite of every auto-export on the writer thread."""
        self._timer.stop()
        if self._running:
            self._again = True
            return
        self._running = True
        library = self.window.library
        caches = self.caches

        def work(_ctx: TaskContext) -> list[Outcome]:
            from bibliofile.services.autoexport import refresh_all

            return refresh_all(library, caches, force=force)

        self.run(work, self._done, self._failed)

    def run(self, work: Any, on_done: Any, on_error: Any) -> None:
        """A task of ours on the writer thread (rewrites, the dialog's changes): its end is not
        taken for a change of the library."""
        self._submitting = True
        try:
            task = self.window.runner.write(work, on_done, on_error)
        finally:
            self._submitting = False
        if not task.done:
            self._own.add(task)

    def _done(self, outcomes: list[Outcome]) -> None:
        self._running = False
        self.active = bool(outcomes)
        for o in outcomes:
            if o.message:
                self.window.show_status(o.message, 15000 if o.error else 10000)
        self.rewritten.emit(outcomes)
        if self._again:
            self._again = False
            self._timer.start()

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        from bibliofile.storage.errors import LibraryError

        if isinstance(exc, LibraryError):  # the library locked or read-only: said, retried later
            self.window.show_status(f"The auto-exports were not rewritten: {exc}", 15000)
            return
        self.window.show_error(exc)

    # ---- closing ---------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close and watched is self.window.as_parent() and self.pending:
            self.flush()
        return False

    def flush(self) -> None:
        """The pending rewrite, now, in this thread (the window is closing)."""
        from bibliofile.services.autoexport import refresh_all

        self._timer.stop()
        self.window.runner.wait()
        self._running = False
        self._again = False
        try:
            refresh_all(self.window.library, self.caches)
        except Exception:  # closing goes on; the next change (or `bibliofile` command) retries
            import logging

            logging.getLogger(__name__).exception("auto-export at close failed")

    # ---- the dialog ------------------------------------------------------------------------
    def open_dialog(self) -> None:
        from bibliofile.gui.autoexport_dialog import AutoExportDialog

        if self.dialog is None:
            self.dialog = AutoExportDialog(self.window, self)
        self.dialog.reload()
        if self.dialog.isVisible():
            self.dialog.raise_()  # (already open, behind the window)
        self.dialog.show()
        self.dialog.activateWindow()
