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
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

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


class ScanControls(QObject):
    """What a dialog shows around its BackgroundScan: a status line, Cancel while the scan runs,
    and "<again>" once it ended. Check Library and Find Duplicates share it; each passes its
    words (``noun`` "check"/"scan", the status while working, the again button's text).

    ``on_result`` gets the scan's result; the dialog calls ``start(fn)`` and, when it closes,
    ``scan.cancel()``.
    """

    def __init__(
        self,
        dialog: QWidget,
        runner: TaskRunner,
        status: QLabel,
        noun: str,
        working: str,
        again: str,
        on_result: Callable[[Any], None],
    ) -> None:
        super().__init__(dialog)
        self.status = status
        self.noun = noun
        self.working = working
        self.again = again
        self.cancel_button = QPushButton("Cancel", dialog)
        self.cancel_button.setToolTip(f"Stop the {noun}; nothing is changed")
        self.cancel_button.clicked.connect(self.cancel)
        self.again_button = QPushButton(again, dialog)
        self.scan = BackgroundScan(runner, self)
        self.scan.progressed.connect(self._progressed)
        self.scan.finished.connect(on_result)
        self.scan.cancelled.connect(self._cancelled)
        self.scan.failed.connect(self._failed)

    def start(self, fn: ScanFn) -> None:
        self.status.setText(self.working)
        self.show_running(True)
        self.scan.start(fn)

    def cancel(self) -> None:
        if self.scan.running:
            self.status.setText("Cancelling…")
            self.cancel_button.setEnabled(False)
            self.scan.cancel()

    def show_running(self, running: bool) -> None:
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.again_button.setVisible(not running)

    def _progressed(self, percent: int) -> None:
        if self.cancel_button.isEnabled():
            self.status.setText(f"{self.working} {percent}%")

    def _cancelled(self) -> None:
        self.show_running(False)
        self.status.setText(f"The {self.noun} was cancelled before the end; press {self.again} to run it.")

    def _failed(self, exc: BaseException) -> None:
        self.show_running(False)
        self.status.setText(f"The {self.noun} stopped: {exc}")
