"""Online lookups in the background: each runs on a thread of its own pool with its own HTTP
client, and the status bar shows how far they are, with a Cancel button.

Why a pool apart from the window's task runner: a lookup waits on the network for seconds, and
in the runner's read pool (two threads) it would hold back every search typed meanwhile. The
writes a lookup leads to still go through the window's single writer (``run_write`` and the
undo stack). Progress comes back as queued signals, so the GUI thread only repaints a bar.

Why progress is throttled: 100 DOIs against a quick server answer ~100 times a second, and each
repaint of the label and bar (a status-bar relayout when the text widens) cost the GUI thread
5-50 ms under load, enough to stall the window for 50-150 ms at a time (issue 18: no frame
over 50 ms). A job's count is kept as it comes; ``changed`` for progress fires at most every
``PROGRESS_INTERVAL_MS``, while a job starting or ending still says so at once. The label also
reserves the width of its widest text when a job starts, so a new count never re-lays the bar out.

Signals (NetworkJobs):
    changed(): a job started, progressed or ended (the status widget repaints).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from bibliofile.gui.task_runner import SyncTaskRunner, TaskRunner

if TYPE_CHECKING:
    from bibliofile.gui.task_runner import TaskContext

log = logging.getLogger(__name__)

Fetch = Callable[[Any, Callable[[int, int], None]], Any]  # (client, progress(done, total)) -> result
PROGRESS_INTERVAL_MS = 100  # at most ten progress repaints a second


@dataclass(eq=False)
class Job:
    """One lookup: ``total`` items, ``done`` so far; ``client`` once the worker made it."""

    label: str
    total: int
    done: int = 0
    cancelled: bool = False
    client: Any = None

    def cancel(self) -> None:
        self.cancelled = True
        if self.client is not None:
            self.client.cancelled.set()


def default_client() -> Any:
    """The HTTP client with the user's settings (endpoints, contact, offline) and the day-long
    cache: the services decide them (``services.lookup.make_client``)."""
    from bibliofile.services.lookup import make_client

    return make_client()


class NetworkJobs(QObject):
    """Runs fetches off the GUI thread, one client per job, and keeps what the status bar shows.

    ``synchronous`` (tests with ``SyncTaskRunner``) runs each job at once on the calling thread.
    ``client_factory`` makes the client of a job (on the worker thread).

    Signals:
        changed(): the jobs or their progress changed.
    """

    changed = Signal()

    def __init__(self, synchronous: bool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner: TaskRunner = SyncTaskRunner(self) if synchronous else TaskRunner(self)
        self.jobs: list[Job] = []
        self.client_factory: Callable[[], Any] = default_client
        self._progress_timer = QTimer(self)  # progress is told at most every interval
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(PROGRESS_INTERVAL_MS)
        self._progress_timer.timeout.connect(self.changed)

    @property
    def busy(self) -> bool:
        return bool(self.jobs)

    def start(
        self,
        label: str,
        total: int,
        fetch: Fetch,
        on_done: Callable[[Job, Any], None],
        on_error: Callable[[BaseException], None],
    ) -> Job:
        """Run ``fetch(client, progress)`` in the background; ``on_done(job, result)`` on the
        GUI thread afterwards (also when cancelled: the caller looks at ``job.cancelled``)."""
        job = Job(label, total)
        factory = self.client_factory

        def work(ctx: TaskContext) -> Any:
            client = factory()
            job.client = client
            if job.cancelled:
                client.cancelled.set()
            try:
                return fetch(client, lambda done, _total: ctx.progress(done))
            finally:
                client.close()

        def progressed(value: int) -> None:
            job.done = max(job.done, value)
            if not self._progress_timer.isActive():
                self._progress_timer.start()  # told with whatever else arrives meanwhile

        def finished(result: Any) -> None:
            self._end(job)
            on_done(job, result)

        def failed(exc: BaseException) -> None:
            self._end(job)
            on_error(exc)

        self.jobs.append(job)
        self.changed.emit()
        self.runner.read(work, finished, failed, progressed)
        return job

    def _end(self, job: Job) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
        self.changed.emit()

    def cancel_all(self) -> None:
        for job in self.jobs:
            job.cancel()
        self.changed.emit()

    def progress(self) -> tuple[int, int, str]:
        """(done, total, label) over the running jobs, for the status bar."""
        done = sum(j.done for j in self.jobs)
        total = sum(j.total for j in self.jobs)
        label = self.jobs[-1].label if self.jobs else ""
        return done, total, label

    def wait(self, msecs: int = 30000) -> bool:
        """Block until the running lookups end (the window closes): cancelled first, so the
        wait is at most one request's timeout."""
        self.cancel_all()
        return self.runner.wait(msecs)


class LookupProgress(QWidget):
    """The status bar's "Looking up 3 of 20… [Cancel]", shown only while lookups run."""

    def __init__(self, jobs: NetworkJobs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lookupProgress")
        self.jobs = jobs
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.bar = QProgressBar(self)
        self.bar.setMaximumWidth(140)
        self.bar.setTextVisible(False)
        self.cancel_button = QToolButton(self)
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop the online lookups; nothing is added for them")
        self.cancel_button.clicked.connect(jobs.cancel_all)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel_button)
        jobs.changed.connect(self._update)
        self.setVisible(False)

    def _update(self) -> None:
        done, total, label = self.jobs.progress()
        running = self.jobs.busy
        self.setVisible(running)
        if not running:
            self.label.setMinimumWidth(0)
            return
        cancelling = all(j.cancelled for j in self.jobs.jobs)
        # The widest count this label will show, reserved: a growing count re-lays nothing out.
        widest = self.label.fontMetrics().horizontalAdvance(f"{label}: {total:,} of {total:,}…")
        if widest > self.label.minimumWidth():
            self.label.setMinimumWidth(widest)
        self.label.setText("Cancelling…" if cancelling else f"{label}: {done:,} of {total:,}…")
        # QProgressBar.setValue repaints at once (repaint(), not update()), and a synchronous
        # repaint flushes every region of the window waiting to be painted (the table after a
        # selection: 20-150 ms) in the middle of this slot. With updates off while the value
        # changes, the bar is painted with the rest at the next turn of the event loop.
        self.bar.setUpdatesEnabled(False)
        if self.bar.maximum() != max(total, 1):
            self.bar.setRange(0, max(total, 1))
        self.bar.setValue(min(done, total))
        self.bar.setUpdatesEnabled(True)  # schedules the bar's repaint (update())
        self.cancel_button.setEnabled(not cancelling)
