"""A cancellable background read for the Check Library and Find Duplicates dialogs.

Both dialogs run a scan that takes seconds on a large library. The scan runs on the window's
task runner with a cancel flag that the service asks between batches (``storage.errors.Cancelled``
ends it); the dialog shows a Cancel button while it runs and says so when it was cancelled.
The flag is the scan's own ``threading.Event`` as well as the task's: a synchronous runner (the
tests') runs the whole task before ``read`` returns, so a Cancel pressed from a progress report
must reach the service without the Task object.

Signals (BackgroundScan):
    progressed(int): percent done (0-100) as the service reports it.
    finished(object): the scan's result.
    cancelled(): the user cancelled; there is no result.
    failed(object): the exception that stopped the scan.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from bibliofile.gui.task_runner import Task, TaskContext, TaskRunner
from bibliofile.storage.errors import Cancelled

# fn(cancelled, progress) -> result; progress(done, total)
ScanFn = Callable[[Callable[[], bool], Callable[[int, int], None]], Any]


class BackgroundScan(QObject):
    """One scan at a time, on the runner's read pool, cancellable."""

    progressed = Signal(int)
    finished = Signal(object)
    cancelled = Signal()
    failed = Signal(object)

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.task: Task | None = None
        self.running = False
        self._stop = threading.Event()

    def start(self, fn: ScanFn) -> None:
        self._stop = threading.Event()
        stop = self._stop
        self.running = True

        def work(ctx: TaskContext) -> Any:
            def cancelled() -> bool:
                return stop.is_set() or ctx.cancelled()

            def progress(done: int, total: int) -> None:
                ctx.progress(100 * done // total if total else 100)

            return fn(cancelled, progress)

        task = self.runner.read(work, self._done, self._error, self._progress)
        self.task = None if task.done else task

    def cancel(self) -> None:
        """Ask the running scan to stop (it stops at its next batch)."""
        if not self.running:
            return
        self._stop.set()
        if self.task is not None:
            self.task.cancel()

    def _progress(self, percent: int) -> None:
        if self.running:
            self.progressed.emit(percent)

    def _done(self, result: Any) -> None:
        self.running = False
        self.task = None
        if self._stop.is_set():
            self.cancelled.emit()  # finished anyway just as Cancel was pressed: as asked
        else:
            self.finished.emit(result)

    def _error(self, exc: BaseException) -> None:
        self.running = False
        self.task = None
        if isinstance(exc, Cancelled):
            self.cancelled.emit()
        else:
            self.failed.emit(exc)
