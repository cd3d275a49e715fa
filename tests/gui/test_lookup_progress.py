"""The status bar's lookup progress (issue 18, Speed): 100 answers arriving quickly repaint the
label a few times a second, not once per answer, and the count it ends on is the real one."""

from __future__ import annotations

import threading
import time
from typing import Any

from PySide6.QtWidgets import QWidget

from bibliofile.gui.lookup_progress import LookupProgress, NetworkJobs

AT_MOST_EVERY_MS = 100  # ten repaints a second at most: what the eye can follow of a count


class _Client:
    def __init__(self) -> None:
        self.cancelled = threading.Event()

    def close(self) -> None:
        pass


def test_a_hundred_quick_answers_repaint_the_progress_a_few_times_a_second(qtbot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    jobs = NetworkJobs(synchronous=False, parent=host)
    jobs.client_factory = _Client
    progress = LookupProgress(jobs, host)
    texts: list[str] = []
    original = progress.label.setText
    progress.label.setText = lambda text: (texts.append(text), original(text))  # type: ignore[method-assign]
    halfway = threading.Event()
    resume = threading.Event()
    done: list[Any] = []

    def fetch(_client: Any, report: Any) -> int:
        for n in range(1, 101):
            time.sleep(0.004)  # ~250 answers a second, as from a quick local server
            report(n, 100)
            if n == 50:
                halfway.set()
                resume.wait(10)
        return 100

    started = time.perf_counter()
    jobs.start("Looking up 100 identifiers", 100, fetch, lambda job, result: done.append(result), done.append)
    qtbot.waitUntil(halfway.is_set, timeout=10000)
    # The count reported so far reaches the label within an interval, though no answer follows.
    qtbot.waitUntil(lambda: progress.label.text() == "Looking up 100 identifiers: 50 of 100…", timeout=2000)
    resume.set()
    qtbot.waitUntil(lambda: done == [100], timeout=10000)
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert not progress.isVisible() and not jobs.busy
    counts = [t for t in texts if t.startswith("Looking up")]
    assert counts[0] == "Looking up 100 identifiers: 0 of 100…", "the job shows at once when it starts"
    # One repaint at the start, then at most one per interval (+1 for timer slack), never 100.
    assert len(counts) <= 2 + elapsed_ms / AT_MOST_EVERY_MS, (len(counts), elapsed_ms)
    assert len(counts) < 30, counts


def test_a_progress_update_leaves_the_table_to_the_next_paint(window, qtbot) -> None:
    """QProgressBar.setValue repaints at once, and a synchronous repaint flushes all the window
    waits to paint: the table, after a selection, painted inside each progress update."""
    from PySide6.QtCore import QEvent, QObject

    from bibliofile.gui.lookup_progress import Job

    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    painted: list[int] = []

    class Paints(QObject):
        def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                painted.append(1)
            return False

    watch = Paints(window)
    window.table.viewport().installEventFilter(watch)
    job = Job("Looking up 100 identifiers", 100)
    window.network_jobs.jobs.append(job)
    window.network_jobs.changed.emit()
    qtbot.waitUntil(window.lookup_progress.isVisible, timeout=2000)
    qtbot.wait(50)
    painted.clear()
    window.table.viewport().update()  # the table waits to be painted, as after a selection
    job.done = 50
    window.lookup_progress._update()
    assert painted == [], "the table was painted inside the progress update"
    assert window.lookup_progress.bar.value() == 50
    qtbot.waitUntil(lambda: bool(painted), timeout=2000)  # and at the next turn of the loop
    window.network_jobs.jobs.remove(job)
    window.network_jobs.changed.emit()
