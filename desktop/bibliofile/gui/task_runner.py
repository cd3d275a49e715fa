"""Background work for the window: reads on a small pool, writes on one thread, results by signal.

Following Anki's ``taskman.py`` and Picard's save pool, every write goes through one single-thread
executor so two writes never race, while searches and exports run on a small read pool. A task's
callbacks always run on the GUI thread: the worker emits a signal of a QObject that lives on the
GUI thread, so Qt queues the call. ``SyncTaskRunner`` runs the same tasks at once in the calling
thread (JabRef's ``CurrentThreadTaskExecutor``); tests use it so they need no waiting.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class TaskContext:
    """What a running task may use: report progress and ask whether it was cancelled."""

    def __init__(self, task: Task, runner: TaskRunner) -> None:
        self._task = task
        self._runner = runner

    def progress(self, value: int) -> None:
        self._runner._progressed.emit(self._task, int(value))

    def cancelled(self) -> bool:
        return self._task.is_cancelled


class Task:
    """One piece of work, as plain Python: no QObject crosses threads, so none dies in a worker."""

    def __init__(
        self,
        fn: Callable[[TaskContext], Any],
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        on_progress: Callable[[int], None] | None,
        reads_only: bool = False,
    ) -> None:
        self.fn = fn
        # Run on a read lane (``read``, ``ahead``): it changed nothing, so watchers of changes
        # (the auto-export) need not look (the window's first search ends before its rows paint).
        self.reads_only = reads_only
        self.on_done = on_done
        self.on_error = on_error
        self.on_progress = on_progress
        self._cancel = threading.Event()
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the task to stop; it decides where (imports roll back through ``Cancelled``)."""
        self._cancel.set()


class _Runnable(QRunnable):
    def __init__(self, runner: TaskRunner, task: Task) -> None:
        super().__init__()
        self.runner = runner
        self.task = task
        self.setAutoDelete(True)

    def run(self) -> None:
        self.runner._execute(self.task)


class TaskRunner(QObject):
    """Runs tasks off the GUI thread: ``read`` on a pool, ``write`` one at a time.

    Signals:
        taskFinished(object): a Task ended (after its callbacks ran).
    """

    taskFinished = Signal(object)
    # Emitted from worker threads; the runner lives on the GUI thread, so delivery is queued.
    _succeeded = Signal(object, object)
    _failed = Signal(object, object)
    _progressed = Signal(object, int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._readers = QThreadPool(self)
        self._readers.setMaxThreadCount(2)
        self._writer = QThreadPool(self)
        self._writer.setMaxThreadCount(1)  # one writer at a time
        # Work done ahead of need (reading sort orders) has a thread of its own, so a search
        # typed meanwhile never waits in the read pool's queue behind it.
        self._ahead = QThreadPool(self)
        self._ahead.setMaxThreadCount(1)
        # Long work nobody waits for (reading attached files into the full-text index, issue
        # 19): one at a time, never counted as the window being busy. At the normal priority
        # (issue 18): a thread at idle priority (SCHED_IDLE on Linux) that holds the GIL is not
        # run while anything else wants the cores, and the GUI thread waits for the GIL with
        # it: 100-200 ms frozen under load, 1.5 s after every write. What is heavy runs in the
        # PDF worker process, niced, with no GIL to share.
        self._idle = QThreadPool(self)
        self._idle.setMaxThreadCount(1)
        self._live: set[Task] = set()
        self._background: set[Task] = set()  # idle tasks: the window is not "busy" for them
        self._succeeded.connect(self._deliver_result)
        self._failed.connect(self._deliver_error)
        self._progressed.connect(self._deliver_progress)

    @property
    def synchronous(self) -> bool:
        return False

    def read(
        self,
        fn: Callable[[TaskContext], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> Task:
        return self._submit(self._readers, fn, on_done, on_error, on_progress, reads_only=True)

    def ahead(
        self,
        fn: Callable[[TaskContext], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> Task:
        """A read done ahead of need, one at a time, beside the read pool (never in its way)."""
        return self._submit(self._ahead, fn, on_done, on_error, None, reads_only=True)

    def idle(
        self,
        fn: Callable[[TaskContext], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> Task:
        """Background work nobody waits for, one task at a time (it must stop when cancelled:
        the window cancels it before it closes)."""
        task = self._submit(self._idle, fn, on_done, on_error, on_progress)
        if not task.done:
            self._background.add(task)
        return task

    def write(
        self,
        fn: Callable[[TaskContext], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> Task:
        return self._submit(self._writer, fn, on_done, on_error, on_progress)

    def _submit(
        self, pool: QThreadPool | None, fn: Any, on_done: Any, on_error: Any, on_progress: Any, reads_only: bool = False
    ) -> Task:
        task = Task(fn, on_done, on_error, on_progress, reads_only)
        self._live.add(task)
        if pool is None:
            self._execute(task)
        else:
            pool.start(_Runnable(self, task))
        return task

    def _execute(self, task: Task) -> None:
        """Run a task's function in the current thread and emit the outcome."""
        try:
            value = task.fn(TaskContext(task, self))
        except BaseException as exc:
            outcome: tuple[Any, Any] = (self._failed, exc)
        else:
            outcome = (self._succeeded, value)
        try:
            outcome[0].emit(task, outcome[1])
        except RuntimeError:
            # The runner (and its window) was deleted while this worker ran, as when a window
            # closes mid-search: nobody is left to deliver to, so the result is dropped.
            log.debug("task finished after its runner was deleted; result dropped")

    @Slot(object, int)
    def _deliver_progress(self, task: Task, value: int) -> None:
        if task.on_progress is not None and not task.done:
            task.on_progress(value)

    @Slot(object, object)
    def _deliver_result(self, task: Task, value: Any) -> None:
        task.result = value
        task.done = True
        self._live.discard(task)
        self._background.discard(task)
        try:
            if task.on_done is not None:
                task.on_done(value)
        finally:
            self.taskFinished.emit(task)

    @Slot(object, object)
    def _deliver_error(self, task: Task, exc: BaseException) -> None:
        task.error = exc
        task.done = True
        self._live.discard(task)
        self._background.discard(task)
        try:
            if task.on_error is not None:
                task.on_error(exc)
            else:
                log.error("background task failed", exc_info=exc)
                raise exc
        finally:
            self.taskFinished.emit(task)

    def busy(self) -> bool:
        return bool(self._live - self._background)

    def wait(self, msecs: int = 30000) -> bool:
        """Block until running work ends (used when the window closes)."""
        ok = self._writer.waitForDone(msecs)
        ok = self._ahead.waitForDone(msecs) and ok
        ok = self._idle.waitForDone(msecs) and ok
        return self._readers.waitForDone(msecs) and ok


class SyncTaskRunner(TaskRunner):
    """Runs every task at once in the calling thread, callbacks included (for tests)."""

    @property
    def synchronous(self) -> bool:
        return True

    def read(self, fn: Any, on_done: Any = None, on_error: Any = None, on_progress: Any = None) -> Task:
        return self._submit(None, fn, on_done, on_error, on_progress, reads_only=True)

    def ahead(self, fn: Any, on_done: Any = None, on_error: Any = None) -> Task:
        return self._submit(None, fn, on_done, on_error, None, reads_only=True)

    def write(self, fn: Any, on_done: Any = None, on_error: Any = None, on_progress: Any = None) -> Task:
        return self._submit(None, fn, on_done, on_error, on_progress)

    def idle(self, fn: Any, on_done: Any = None, on_error: Any = None, on_progress: Any = None) -> Task:
        return self._submit(None, fn, on_done, on_error, on_progress)
