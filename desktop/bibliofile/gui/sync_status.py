"""The window's automatic sync with a shared library (issue 21): the status-bar indicator, syncs
after changes and every few minutes, and live updates from the others through LISTEN/NOTIFY.

Once the library syncs with a server (it has synced once: File > Sync with Shared Library), the
window syncs on its own:

- a few seconds after a change made in the window (an undo step, or a finished task of the
  writer that wrote to the library file), once for a burst of changes (while offline, a change
  only updates the count of changes waiting: the retry sends them);
- every few minutes, and soon after the window opens;
- at once when the server says another replica pushed (a thread of its own LISTENs on a
  connection of its own, ``services.sync.listen``), so their change shows here within a second
  or two.

One sync at a time: a request while one runs is kept and run after it. Each sync is two tasks:
reaching the server (``sync.reach``) on the read pool, so a server that does not answer keeps
the library's writer free, then the sync itself on the writer (one transaction each side). A
failed automatic sync says nothing but the indicator ("Offline — 3 changes waiting") and tries
again later, waiting longer each time (5 s, 10 s, … 5 min); only File > Sync (the user asking)
shows a message. Conflicts (the same field changed on both sides) show as "2 conflicts": a
click lists them with Keep Mine / Take Theirs (``sync_conflicts_dialog``).

Signals (AutoSync):
    finished(object): a sync ended, with its SyncReport or the exception.
    changedState(): the indicator's state changed (text, conflicts, offline).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QMainWindow, QToolButton, QWidget

from bibliofile.services import sync
from bibliofile.storage.errors import LibraryError

if TYPE_CHECKING:
    from bibliofile.gui.task_runner import Task
    from bibliofile.gui.window_api import WindowApi

log = logging.getLogger(__name__)

DEBOUNCE_MS = 3000  # from the first change to the sync: a burst of edits shares one
PERIOD_MS = 5 * 60_000  # a sync every few minutes, for changes nobody was told of
RETRY_MS = (5_000, 300_000)  # after a failure: first wait, longest wait (doubling between)
TICK_MS = 30_000  # "Synced 2 min ago" read again


def ago(when: datetime | None, now: datetime | None = None) -> str:
    """"just now", "2 min ago", "3 h ago", or the date: how long since ``when`` (UTC, naive)."""
    if when is None:
        return "never"
    now = now or datetime.now(UTC).replace(tzinfo=None)
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"on {when:%Y-%m-%d}"


class SyncIndicator(QToolButton):
    """The status bar's "Synced 2 min ago" / "Offline — 3 changes waiting" / "2 conflicts"
    (hidden while the library syncs with no shared library)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncIndicator")
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setVisible(False)


class _Listener:
    """LISTEN on a thread of its own until stopped; reconnects after a lost connection, waiting
    longer each time (1 s … 1 min). ``on_change``/``on_ready`` are called on that thread."""

    def __init__(self, url: str, on_change: Callable[[int], None], on_ready: Callable[[], None]) -> None:
        self.url = url
        self.stop_event = threading.Event()
        self._on_change = on_change
        self._on_ready = on_ready
        self.thread = threading.Thread(target=self._run, name="bibliofile-sync-listen", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        delay = 1.0
        while not self.stop_event.is_set():
            try:
                sync.listen(self.url, self.stop_event, self._on_change, on_ready=self._ready)
            except LibraryError as exc:  # unreachable, refused: try again later
                log.debug("sync listener: %s", exc)
            except Exception:  # a bug: logged, and the periodic sync still runs
                log.exception("sync listener failed")
                return
            if self.stop_event.wait(delay):
                return
            delay = min(delay * 2, 60.0)

    def _ready(self) -> None:
        self._on_ready()

    def stop(self) -> None:
        self.stop_event.set()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(2.0)


class AutoSync(QObject):
    """Runs every sync of the window, File > Sync's included (see the module doc)."""

    finished = Signal(object)
    changedState = Signal()
    # From the listener's thread: queued to this object's (the GUI) thread.
    _notified = Signal(int)
    _listening = Signal()

    def __init__(self, window: WindowApi, *, debounce_ms: int = DEBOUNCE_MS, period_ms: int = PERIOD_MS,
                 retry_ms: tuple[int, int] = RETRY_MS, live: bool = True) -> None:
        super().__init__(window.as_parent())
        self.window = window
        self.url: str | None = sync.remembered_server(window.library)
        self.engine: Any = None
        self.live = live
        self.running = False
        self._again = False  # a request came while a sync ran
        self._manual: list[tuple[Callable[[Any], None], Callable[[BaseException], None]]] = []
        self.known_version = 0  # the server's change log as far as this library has it
        self._heard_version = 0  # the newest version a notification announced
        self._heard_while_running = 0  # announced while a sync ran: pulled by it, or not
        self.last_synced: datetime | None = sync.last_synced(window.library) if self.url else None
        self.offline: str | None = None  # why the last sync failed (None: it did not)
        self.waiting = 0  # changes here not yet sent (known after a failed sync)
        self.conflicts: list[sync.OpenConflict] = sync.open_conflicts(window.library) if self.url else []
        self.group: str | None = sync.group_name(window.library) if self.url else None  # a group library's name
        self._scope: Any = None  # what File > Sync chose to sync: kept until a sync has stored it
        self.failures = 0
        self.syncs = 0  # completed syncs (tests and the bench wait on it)
        self._retry_ms = retry_ms
        self._own: set[Task] = set()
        self._submitting = False
        self._stamp = self._file_stamp()
        self._look_after = False  # a task ended during our sync: compare the file after it
        self._listener: _Listener | None = None
        self._listens_once = False
        self._closed = False
        self._closing = threading.Event()  # seen by the workers: the window went, close the engine
        self._left = False  # File > Leave Shared Library: not synced again until a server is named

        self.indicator = SyncIndicator(window.as_parent())
        self.indicator.clicked.connect(self._clicked)
        parent = window.as_parent()
        if isinstance(parent, QMainWindow):
            parent.statusBar().insertPermanentWidget(0, self.indicator)
        self.conflicts_dialog: Any = None

        self._debounce = self._timer(debounce_ms, single=True)
        self._periodic = self._timer(period_ms, single=False)
        self._retry = self._timer(retry_ms[0], single=True)
        self._recount = QTimer(self)  # offline: "N changes waiting" read again after changes
        self._recount.setSingleShot(True)
        self._recount.setInterval(debounce_ms)
        self._recount.timeout.connect(self._count_waiting)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self.render)
        self._notified.connect(self._heard)
        self._listening.connect(self._listener_ready)
        window.runner.taskFinished.connect(self._task_finished)
        window.undo_stack.indexChanged.connect(lambda _i: self.changed())
        parent.installEventFilter(self)
        self.render()
        if self.url is not None:
            self._connected()
            self._debounce.start()  # soon after the window opens: what the others did meanwhile

    def _timer(self, ms: int, *, single: bool) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(single)
        timer.setInterval(ms)
        timer.timeout.connect(lambda: self.request())
        return timer

    # ---- what starts a sync --------------------------------------------------------------------
    def changed(self) -> None:
        """The library may have changed here: sync in a few seconds (once for a burst)."""
        if self.url is None or self._closed:
            return
        if self.offline is not None and self._retry.isActive():  # the retry sends it: count it
            if not self._recount.isActive():
                self._recount.start()
            return
        if not self._debounce.isActive():
            self._debounce.start()

    def _task_finished(self, task: Task) -> None:
        """A task of the window ended: a change if it wrote to the library file. Searches and
        other reads end as tasks too, and the auto-export's rewrite after our own sync would
        otherwise start another sync, and so on; the file's size and time tell them apart."""
        if self._submitting or task in self._own:
            self._own.discard(task)
            return
        if self.url is None:  # a library that syncs with nothing: not even a stat
            return
        if self.running:  # our own sync may be writing the file: looked at when it ends
            self._look_after = True
            return
        stamp = self._file_stamp()
        if stamp is not None and stamp == self._stamp:
            return
        self._stamp = stamp
        self.changed()

    def _file_stamp(self) -> tuple[int, ...] | None:
        """(size, mtime) of the library file and its write-ahead log: any commit moves them.
        None for a library without a file (every task counts as a change)."""
        path = getattr(self.window.library, "path", None)
        if path is None:
            return None
        out: list[int] = []
        for name in (str(path), f"{path}-wal"):
            try:
                st = os.stat(name)
            except OSError:
                out.extend((0, 0))
            else:
                out.extend((st.st_size, st.st_mtime_ns))
        return tuple(out)

    def _heard(self, version: int) -> None:
        """Another replica pushed (or we did: the version says so)."""
        self._heard_version = max(self._heard_version, version)
        if self.running and version:  # our own push's, as often as not: decided when it ends
            self._heard_while_running = max(self._heard_while_running, version)
            return
        if version == 0 or version > self.known_version:
            self.request()

    def _listener_ready(self) -> None:
        if self._listens_once:  # listening again after a lost connection: catch up
            self.request()
        self._listens_once = True

    def _clicked(self) -> None:
        if self.conflicts:
            self.show_conflicts()
        else:
            self.request()

    # ---- running one -------------------------------------------------------------------------
    def request(self, url: str | None = None, *, scope: Any = None, on_done: Callable[[Any], None] | None = None,
                on_error: Callable[[BaseException], None] | None = None) -> None:
        """Sync now (after the one running, if any). ``url`` names the server (File > Sync's
        first time) and ``scope`` what syncs with it (``services.sync.sync``'s; kept for the
        retries until a sync has stored it, so a failed first sync never falls back to the whole
        library); ``on_done``/``on_error`` make it the user's: they hear the outcome."""
        if url is not None and url != self.url:
            self._forget_server()
            self.url = url
        if url is not None:
            self._left = False
        if scope is not None:
            self._scope = scope
        if on_done is not None or on_error is not None:
            self._manual.append((on_done or (lambda _r: None), on_error or (lambda _e: None)))
        if self.url is None and not self._closed and not self._left:  # synced from the command line meanwhile?
            self.url = sync.remembered_server(self.window.library)
        if self.url is None or self._closed:
            manual, self._manual = self._manual, []
            for _on_done, fail in manual:
                fail(sync.SyncUsageError(f"{self.window.library.display_name} does not sync with a shared library."))
            return
        self._debounce.stop()
        if self.running:
            self._again = True
            return
        self._start()

    def _start(self) -> None:
        self.running = True
        self._again = False
        self._retry.stop()
        manual, self._manual = self._manual, []
        url, engine, closing, scope = self.url, self.engine, self._closing, self._scope
        assert url is not None

        def reach(_ctx: Any) -> Any:
            reached = sync.reach(url, engine)
            if closing.is_set():  # the window closed meanwhile: nothing will use it
                reached.dispose()
            return reached

        self._submit(self.window.runner.read, reach, lambda e: self._reached(e, url, manual, scope),
                     lambda exc: self._failed(exc, manual))

    def _reached(self, engine: Any, url: str, manual: list[Any], scope: Any = None) -> None:
        if self._closed:
            self.running = False
            engine.dispose()
            return
        if url != self.url:  # the library left the server meanwhile: a sync now would join it again
            self.running = False
            engine.dispose()
            for _on_done, fail in manual:
                fail(sync.SyncUsageError(f"{self.window.library.display_name} no longer syncs with {sync.address(url)}."))
            return
        self.engine = engine
        library = self.window.library
        stamp, closing = self._file_stamp, self._closing

        def work(_ctx: Any) -> tuple[sync.SyncReport, list[sync.OpenConflict], Any, str | None]:
            try:
                report = sync.sync(library, url, engine=engine, scope=scope)
                return report, sync.open_conflicts(library), stamp(), sync.group_name(library)
            finally:
                if closing.is_set():  # its connection is back in the pool now: close it
                    engine.dispose()

        self._submit(self.window.runner.write, work, lambda r: self._done(r, manual, scope), lambda exc: self._failed(exc, manual))

    def _submit(self, how: Callable[..., Task], fn: Any, on_done: Any, on_error: Any) -> None:
        self._submitting = True
        try:
            task = how(fn, on_done, on_error)
        finally:
            self._submitting = False
        if not task.done:
            self._own.add(task)

    def _done(self, result: tuple[sync.SyncReport, list[sync.OpenConflict], Any, str | None], manual: list[Any],
              scope: Any = None) -> None:
        report, conflicts, stamp, group = result
        self.running = False
        if self._closed:
            return
        if scope is not None and self._scope is scope:  # stored by this sync
            self._scope = None
        self.group = group
        self.syncs += 1
        self._stamp = stamp  # as our sync left the file
        if self._look_after and self._file_stamp() != stamp:  # written since, by another task
            self._stamp = self._file_stamp()
            self._debounce.start()
        self._look_after = False
        self.known_version = max(self.known_version, report.version)
        if self._heard_while_running > self.known_version:  # another's push after our read
            self._again = True
        self._heard_while_running = 0
        self.last_synced = datetime.now(UTC).replace(tzinfo=None)
        self.offline = None
        self.waiting = 0
        self.failures = 0
        self.conflicts = conflicts
        if report.pulled:
            self.window.sidebar.set_collections(self.window.library.collections())
            self.window.reload()
            if not manual:
                self.window.show_status(f"Received {report.pulled} change{'s' if report.pulled != 1 else ''} "
                                        "from the shared library", 5000)
        if self.url is not None:  # (not left meanwhile)
            self._connected()  # the next periodic sync counts from now
        self.render()
        if self.conflicts_dialog is not None and self.conflicts_dialog.isVisible():
            self.conflicts_dialog.reload()
        for on_done, _on_error in manual:
            on_done(report)
        self.finished.emit(report)
        self._after()

    def _failed(self, exc: BaseException, manual: list[Any]) -> None:
        self.running = False
        if self._closed:
            return
        self._heard_while_running = 0  # the retry pulls it
        self._look_after = False  # the retry sends it
        known = isinstance(exc, LibraryError | sync.SyncUsageError)
        if known:
            self.offline = str(exc)
            self.failures += 1
            delay = min(self._retry_ms[0] * 2 ** (self.failures - 1), self._retry_ms[1])
            self._retry.start(delay)
            self._count_waiting()
        self.render()
        for _on_done, on_error in manual:
            on_error(exc)
        self.finished.emit(exc)
        if not known and not manual:
            self.window.show_error(exc)  # a bug: the crash dialog, once; no retry
        self._after()

    def _after(self) -> None:
        if self._again and not self._closed:
            self._again = False
            self._start()

    def _count_waiting(self) -> None:
        """How many changes the next sync will send (after a failed one), on the writer."""
        library = self.window.library

        def done(n: Any) -> None:
            self.waiting = int(n)
            self._stamp = self._file_stamp()  # (gids given to new references are no change)
            self.render()

        self._submit(self.window.runner.write, lambda _ctx: sync.pending_changes(library), done,
                     lambda exc: log.debug("changes waiting not counted: %s", exc))

    # ---- live updates ------------------------------------------------------------------------
    def _connected(self) -> None:
        """The library syncs with a server: start the periodic sync and the listener."""
        if self._closed:
            return
        self._periodic.start()
        self._tick.start()
        if self.live and self._listener is None and self.url is not None:
            self._listener = _Listener(self.url, self._emit_notified, self._emit_listening)
            self._listener.start()

    def _emit_notified(self, version: int) -> None:
        with contextlib.suppress(RuntimeError):  # the window went while the listener stopped
            self._notified.emit(version)

    def _emit_listening(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._listening.emit()

    def _forget_server(self) -> None:
        """Another server named (File > Sync with a new address): its own engine and listener."""
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
            self._listens_once = False
        if self.engine is not None and not self.running:
            self.engine.dispose()
        self.engine = None
        self.known_version = self._heard_version = 0

    def left(self) -> None:
        """The library leaves its shared library (File > Leave Shared Library; called before the
        leave runs, so no sync queued behind it joins again): no more syncs, listening or
        indicator until a server is named again (``rejoined`` if the leave failed)."""
        self._forget_server()
        for timer in (self._debounce, self._periodic, self._retry, self._recount, self._tick):
            timer.stop()
        self.url = None
        self._left = True
        self._scope = None
        self.group = None
        self.conflicts = []
        self.offline = None
        self.waiting = 0
        self.last_synced = None
        self.render()
        if self.conflicts_dialog is not None:
            self.conflicts_dialog.hide()

    def rejoined(self) -> None:
        """A leave that failed: sync with the remembered server as before."""
        self._left = False
        self.url = sync.remembered_server(self.window.library)
        if self.url is not None:
            self.group = sync.group_name(self.window.library)
            self.conflicts = sync.open_conflicts(self.window.library)
            self.last_synced = sync.last_synced(self.window.library)
            self._connected()
        self.render()

    @property
    def listening(self) -> bool:
        return self._listens_once

    def stop(self) -> None:
        """The window closes: no more syncs or listening (the changes wait in the library)."""
        self._closed = True
        self._closing.set()
        for timer in (self._debounce, self._periodic, self._retry, self._recount, self._tick):
            timer.stop()
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        if self.engine is not None and not self.running:  # (a running sync's worker closes it)
            self.engine.dispose()
        self.engine = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close and watched is self.window.as_parent():
            self.stop()
        return False

    # ---- the indicator -----------------------------------------------------------------------
    def text(self) -> str:
        n = len(self.conflicts)
        conflicts = f"{n} conflict{'s' if n != 1 else ''}"
        if self.offline is not None:
            waiting = f"Offline — {self.waiting} change{'s' if self.waiting != 1 else ''} waiting" if self.waiting else "Offline"
            return self._named(f"{waiting} · {conflicts}" if n else waiting)
        if n:
            return self._named(conflicts)
        if self.last_synced is None:
            return self._named("Not synced yet")
        return self._named(f"Synced {ago(self.last_synced)}")

    def _named(self, text: str) -> str:
        """A group library's state says which group: "Lab reading: Synced just now"."""
        return f"{self.group}: {text}" if self.group else text

    def render(self) -> None:
        button = self.indicator
        button.setVisible(self.url is not None)
        button.setText(self.text())
        lines = [f"Shared library: {sync.address(self.url)}" if self.url else ""]
        if self.group:
            lines.append(f"Group library: only {self.group} syncs; your other references stay private.")
        if self.last_synced is not None:
            local = self.last_synced.replace(tzinfo=UTC).astimezone()
            lines.append(f"Last synced {local:%Y-%m-%d %H:%M}")
        if self.offline is not None:
            lines.append(f"Not synced: {self.offline}")
            lines.append("Your changes stay in this library and are sent at the next sync.")
        lines.append("Click to see the conflicts." if self.conflicts else "Click to sync now.")
        button.setToolTip("\n".join(line for line in lines if line))
        self.changedState.emit()

    def show_conflicts(self) -> None:
        from bibliofile.gui.sync_conflicts_dialog import SyncConflictsDialog

        if self.conflicts_dialog is None:
            self.conflicts_dialog = SyncConflictsDialog(self.window, self)
        dialog = self.conflicts_dialog
        dialog.reload()
        if dialog.isVisible():
            dialog.raise_()  # (already open, behind the window)
        dialog.show()
        dialog.activateWindow()

    def refresh_conflicts(self) -> None:
        """Read the open conflicts again (after one was settled, or undone)."""
        library = self.window.library

        def done(found: Any) -> None:
            self.conflicts = list(found)
            self.render()
            if self.conflicts_dialog is not None:
                self.conflicts_dialog.reload()

        self._submit(self.window.runner.read, lambda _ctx: sync.open_conflicts(library), done, self.window.show_error)


def install(window: WindowApi, **options: Any) -> AutoSync:
    return AutoSync(window, **options)
