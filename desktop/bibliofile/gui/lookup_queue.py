"""The lookup queue in the window: references waiting for an online lookup ("to look up"), shown
as "N to look up" in the status bar, listed with their reasons, and retried by themselves.

Placeholders wait here when an identifier could not be looked up (no network, a service down or
rate-limited), as do references whose completion failed that way. The queue is retried:

* once after start, when the window is idle (never before: start-up stays as light as it was),
  every row that retries by itself;
* when a queued row falls due (the service's back-off: 1 min, 5 min, 25 min, …), by a timer
  that itself backs off (1 min doubling to 30 min) while the network stays away;
* when the system says the network is back (Qt's ``QNetworkInformation``, where it has a
  backend), at once;
* on Retry Now (the queue view's button, References > Retry Lookups Now).

A retry that finds a record fills the placeholder as one undo step ("Complete 2 references from
the web"); one that fails leaves the placeholder as it was, with the new reason. The selection's
reason is shown in the status bar when a queued reference is selected.

Signals (LookupQueue):
    changed(): the queue was read again (``rows`` holds it).
    retried(object): a retry ended; the argument is its status line.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bibliofile.gui.add_identifier import without_label
from bibliofile.gui.undo import change_command

if TYPE_CHECKING:
    from bibliofile.gui.lookup_progress import Job, NetworkJobs
    from bibliofile.gui.window_api import WindowApi

log = logging.getLogger(__name__)

IDLE_DELAY_MS = 3000  # after the first rows are painted, before the queue is first read
IDLE_RETRY_MS = 2000  # the window was busy: look again this much later
BACKOFF_MS = (60_000, 120_000, 240_000, 480_000, 960_000, 1_800_000)  # while the network is away
MIN_TIMER_MS = 30_000
MAX_TIMER_MS = 3_600_000


def _utc_now() -> datetime:
    """The queue's clock: UTC, naive, as storage writes ``next_try``."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def local_time(when: datetime | None) -> str:
    """A stored (naive UTC) time in the user's own clock, as "18:45" today or "4 Dec 18:45"."""
    if when is None:
        return "not by itself"
    local = when.replace(tzinfo=UTC).astimezone()
    today = datetime.now().astimezone().date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%-d %b %H:%M")


def identifier_text(key: str) -> str:
    """"doi:10.1/x" as "DOI 10.1/x" (what the user typed it as), "" for a title search."""
    kind, _, value = key.partition(":")
    names = {"doi": "DOI", "isbn": "ISBN", "arxiv": "arXiv", "pmid": "PMID", "pmcid": "PMCID"}
    return f"{names.get(kind, kind)} {value}".strip() if value else "by title"


class QueueButton(QToolButton):
    """The status bar's "N to look up" (hidden when nothing waits); a click shows the queue."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lookupQueueButton")
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setVisible(False)

    def show_rows(self, rows: Sequence[Any]) -> None:
        n = len(rows)
        self.setVisible(n > 0)
        self.setText(f"{n:,} to look up")
        reasons = list(dict.fromkeys(r.reason for r in rows if r.reason))
        lines = "".join(f"<br>• {html.escape(r)}" for r in reasons[:4])
        self.setToolTip(f"<p>{n:,} waiting for an online lookup{lines}</p><p><i>Click to see them.</i></p>")


class LookupQueue(QObject):
    """Keeps the queue's rows, the status-bar button and the retries.

    Signals:
        changed(): ``rows`` was read again.
        retried(object): a retry ended, with its status line (str).
    """

    changed = Signal()
    retried = Signal(object)

    def __init__(self, window: WindowApi, jobs: NetworkJobs) -> None:
        super().__init__(window.as_parent())
        self.window = window
        self.jobs = jobs
        self.rows: list[Any] = []  # PendingLookup rows (services.lookup.pending_lookups)
        self.titles: dict[int, str] = {}
        self.retrying = False
        self.started = False
        self._failures = 0  # retries in a row that met a passing failure (the timer backs off)
        self.button = QueueButton(window.as_parent())
        self.button.clicked.connect(self.show_view)
        self.view: LookupQueueView | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(lambda: self.retry(due_only=True))
        self.act_retry = QAction("Retry &Lookups Now", self)
        self.act_retry.setStatusTip("Look up again every reference waiting in the “to look up” queue")
        self.act_retry.triggered.connect(lambda _c=False: self.retry(due_only=False, everything=True))
        self.act_show = QAction("Show “To Look Up” &Queue…", self)
        self.act_show.setStatusTip("The references waiting for an online lookup, with the reason each waits")
        self.act_show.triggered.connect(lambda _c=False: self.show_view())
        self._network: Any = None
        self._selected: list[int] = []
        window.table.selectionIdsChanged.connect(self._selection_changed)
        # Every write (an undo, a placeholder trashed, a lookup) ends in a search of the table
        # that reads rows again (rowsStale; a keystroke's search does not, issue 22): the queue
        # is read again a moment after, once for a burst of them.
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(400)
        self._soon.timeout.connect(self.refresh)
        window.model.rowsStale.connect(self.refresh_soon)

    def refresh_soon(self) -> None:
        if self.started:
            self._soon.start()

    # ---- start and the network ----------------------------------------------------------------
    def start_when_idle(self) -> None:
        """Look whether anything waits, once the first rows are painted (called then): one
        count of the queue and one index probe for placeholders not queued yet, nothing
        imported (issue 22: idle within 1.0 s). Only when something waits is the queue read and
        retried, and only once the window is idle (IDLE_DELAY_MS later). With a synchronous
        runner (tests) a lookup would hold the GUI thread on the network, so nothing starts by
        itself: the test that wants the queue calls ``start``."""
        if self.window.runner.synchronous:
            return
        if not self._anything_waits():
            self.started = True  # a write that queues something (a paste) reads the queue again
            return
        QTimer.singleShot(IDLE_DELAY_MS, self._start_if_idle)

    def _anything_waits(self) -> bool:
        from bibliofile.services.lookup_placeholders import waiting
        from bibliofile.storage.errors import LibraryError

        try:
            return waiting(self.window.library) > 0
        except LibraryError as exc:  # locked or damaged: the queue is read when the user asks
            log.warning("lookup queue not read: %s", exc)
            return False

    def _start_if_idle(self) -> None:
        if self.started:
            return
        if self.window.runner.busy() or self.jobs.busy:
            QTimer.singleShot(IDLE_RETRY_MS, self._start_if_idle)
            return
        self.start()

    def start(self) -> None:
        """The first look at the queue: adopt placeholders made before there was a queue and
        retry every row that retries by itself, due or not (the back-off spaced tries within a
        session; a new session is a new chance, once). Rows whose identifier was not found wait
        for Retry Now."""
        self.started = True
        self._watch_network()
        self.retry(due_only=False)

    def _watch_network(self) -> None:
        """Hear when the system's network comes back (where Qt has a backend for it)."""
        if self._network is not None:
            return
        try:
            from PySide6.QtNetwork import QNetworkInformation

            if QNetworkInformation.instance() is None and not QNetworkInformation.loadDefaultBackend():
                return
            info = QNetworkInformation.instance()
        except (ImportError, RuntimeError):  # no QtNetwork plugin: the timer alone retries
            return
        if info is None:
            return
        self._network = info
        info.reachabilityChanged.connect(self._reachability_changed)

    def _reachability_changed(self, reachability: Any) -> None:
        from PySide6.QtNetwork import QNetworkInformation

        if reachability == QNetworkInformation.Reachability.Online:
            self.network_back()

    def network_back(self) -> None:
        """The network is back: retry every row that retries by itself, due or not."""
        self._failures = 0
        self.retry(due_only=False)

    # ---- reading the queue ------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the queue again (off the GUI thread); an empty queue that was empty costs one
        count here and imports nothing."""
        library = self.window.library
        if not self.rows and not self._anything_waits():
            if self.view is not None:
                self.view.fill([], {})
            return

        def work(_ctx: Any) -> tuple[list[Any], dict[int, str]]:
            from bibliofile.services.lookup import pending_lookups, references_to_complete

            rows = pending_lookups(library)
            refs = references_to_complete(library, [r.reference_id for r in rows])
            return rows, {r.id: r.title for r in refs if r.id is not None}

        self.window.runner.read(work, self._read, self._quiet_error)

    def _read(self, got: tuple[list[Any], dict[int, str]]) -> None:
        self.rows, self.titles = got
        if self.rows and self.started:
            self._watch_network()  # rows queued since start (a paste): retry when the network is back
        self.button.show_rows(self.rows)
        self._schedule()
        if self.view is not None:
            self.view.fill(self.rows, self.titles)
        self.changed.emit()

    def _quiet_error(self, exc: BaseException) -> None:
        from bibliofile.storage.errors import LibraryError

        if isinstance(exc, LibraryError):  # the library is locked or damaged: the next try tells
            log.warning("lookup queue not read: %s", exc)
            return
        self.window.show_error(exc)

    def _schedule(self) -> None:
        """Arm the timer for the earliest row due, not sooner than the timer's own back-off."""
        self.timer.stop()
        timed = [r.next_try for r in self.rows if r.next_try is not None]
        if not timed or not self.started:
            return
        wait_ms = int((min(timed) - _utc_now()).total_seconds() * 1000)
        floor = BACKOFF_MS[min(self._failures, len(BACKOFF_MS)) - 1] if self._failures else MIN_TIMER_MS
        self.timer.start(max(floor, min(wait_ms, MAX_TIMER_MS)))

    # ---- retrying -----------------------------------------------------------------------------
    def retry(self, due_only: bool, everything: bool = False) -> None:
        """Look the queue up again: rows due (``due_only``), every row that retries by itself,
        or ``everything`` (Retry Now: rows whose identifier was not found too)."""
        if self.retrying:
            return
        self.retrying = True
        library = self.window.library
        when = _utc_now()

        def work(_ctx: Any) -> tuple[list[Any], list[Any]]:
            from bibliofile.services.lookup import (
                adopt_placeholders,
                pending_lookups,
                references_to_complete,
            )

            if library.refuse_writes_why() is None:
                adopt_placeholders(library, when)  # placeholders a paste made before the queue
            rows = pending_lookups(library)
            if due_only:
                rows = [r for r in rows if r.next_try is not None and r.next_try <= when]
            elif not everything:
                rows = [r for r in rows if r.next_try is not None]
            return rows, references_to_complete(library, [r.reference_id for r in rows])

        self.window.runner.write(work, self._fetch, self._retry_failed)

    def _retry_failed(self, exc: BaseException) -> None:
        self.retrying = False
        self._quiet_error(exc)
        self.refresh()

    def _fetch(self, got: tuple[list[Any], list[Any]]) -> None:
        _rows, refs = got
        if not refs:
            self.retrying = False
            self.refresh()
            return
        from bibliofile.services.lookup import fetch_completions

        n = len(refs)
        self.jobs.start(
            f"Looking up {n:,} queued", n,
            lambda client, progress: fetch_completions(client, refs, progress),
            self._fetched, self._retry_failed,
        )

    def _fetched(self, job: Job, completions: Sequence[Any]) -> None:
        if job.cancelled:
            self.retrying = False
            self.window.show_status("Lookup cancelled: the queue was left as it was.", 8000)
            self.refresh()
            return
        from bibliofile.gui.preferences_dialog import citation_key_pattern
        from bibliofile.services.lookup import complete_operation

        resolved = [c for c in completions if c.plan is not None]
        waiting = [c for c in completions if c.plan is None]
        transient = [c for c in waiting if c.transient]
        self._failures = self._failures + 1 if transient and not resolved else 0
        message = retry_message(resolved, waiting)
        operation = complete_operation(completions, key_pattern=citation_key_pattern(self.window.settings))

        def after() -> None:
            self.retrying = False
            self.window.show_status(message, 15000)
            self.refresh()
            self.retried.emit(message)

        # Undoing the step puts the queue rows back: the table's search after it re-reads the
        # queue (``refresh_soon``).

        if resolved:
            text = f"Complete {len(resolved):,} Queued Reference{'s' if len(resolved) != 1 else ''} from the Web"
            self.window.undo_stack.push(change_command(self.window, text, operation, after_redo=after))
        else:  # only the queue's bookkeeping (new reasons, next tries): no undo step
            self.window.run_write(operation, lambda _r: after())

    # ---- the selection's reason and the view --------------------------------------------------
    def reason_for(self, reference_id: int) -> str:
        for r in self.rows:
            if r.reference_id == reference_id:
                return str(r.reason)
        return ""

    def _selection_changed(self, ids: list[int]) -> None:
        # Only a selection the user moved to: the same one brought back after a write (a
        # search keeps it by id) would hide the write's own status line.
        moved, self._selected = ids != self._selected, list(ids)
        if len(ids) != 1 or not self.rows or not moved:
            return
        row = next((r for r in self.rows if r.reference_id == ids[0]), None)
        if row is not None:
            self.window.show_status(
                f"To look up: {row.reason or 'not looked up yet'} (next try: {local_time(row.next_try)}; "
                "References > Retry Lookups Now tries at once)"
            )

    def show_view(self) -> None:
        if self.view is None:
            self.view = LookupQueueView(self, self.window.as_parent())
        self.view.fill(self.rows, self.titles)
        if self.view.isVisible():  # already open, perhaps behind the window: bring it forward
            self.view.raise_()
            self.view.activateWindow()
        self.view.show()
        self.refresh()


def retry_message(resolved: Sequence[Any], waiting: Sequence[Any]) -> str:
    """The status line of a retry: how many were found, and why the rest still wait."""
    parts: list[str] = []
    if resolved:
        parts.append(f"Looked up {len(resolved):,} queued reference{'s' if len(resolved) != 1 else ''}")
    if waiting:
        why = waiting[0].message or "not found"
        parts.append(f"{len(waiting):,} still to look up ({why})")
    return "; ".join(parts) + "." if parts else "Nothing waits to be looked up."


class LookupQueueView(QDialog):
    """The queue, listed: each reference waiting, its identifier, why it waits, how often it was
    tried and when it is tried next; Retry Now and Show in Table (selects them in My Library)."""

    COLUMNS = ("Reference", "Identifier", "Why it waits", "Tries", "Next try")

    def __init__(self, queue: LookupQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lookupQueueView")
        self.setWindowTitle("To Look Up")
        self.queue = queue
        self.resize(820, 360)
        lay = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.tree = QTreeWidget(self)
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setHeaderLabels(list(self.COLUMNS))
        self.tree.setSelectionMode(QTreeWidget.SelectionMode.ExtendedSelection)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.tree.itemDoubleClicked.connect(lambda _i, _c: self.show_in_table())
        lay.addWidget(self.tree)
        box = QDialogButtonBox(self)
        self.retry_button = QPushButton("Retry Now", self)
        self.retry_button.setToolTip("Look every reference here up again now")
        self.retry_button.clicked.connect(lambda: queue.retry(due_only=False, everything=True))
        self.show_button = QPushButton("Show in Table", self)
        self.show_button.setToolTip("Select these references (or the ones chosen here) in My Library")
        self.show_button.clicked.connect(self.show_in_table)
        box.addButton(self.retry_button, QDialogButtonBox.ButtonRole.ActionRole)
        box.addButton(self.show_button, QDialogButtonBox.ButtonRole.ActionRole)
        box.addButton(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        lay.addWidget(box)
        queue.jobs.changed.connect(self._busy_changed)

    def _busy_changed(self) -> None:
        self.retry_button.setEnabled(not self.queue.retrying)

    def fill(self, rows: Sequence[Any], titles: dict[int, str]) -> None:
        self.tree.clear()
        for r in rows:
            title = titles.get(r.reference_id, f"#{r.reference_id}")
            ident = identifier_text(r.identifier)
            item = QTreeWidgetItem([
                title, ident, without_label(r.reason, ident) or "not looked up yet",
                str(r.attempts), local_time(r.next_try),
            ])
            item.setData(0, Qt.ItemDataRole.UserRole, r.reference_id)
            item.setToolTip(2, r.reason)
            item.setToolTip(0, title)
            self.tree.addTopLevelItem(item)
        for col in (1, 3, 4):
            self.tree.resizeColumnToContents(col)
        n = len(rows)
        self.summary.setText(
            f"{n:,} reference{'s' if n != 1 else ''} waiting for an online lookup. They are tried again "
            "by themselves when the network is back; a placeholder keeps what it holds until then."
            if n else "Nothing waits to be looked up."
        )
        self.show_button.setEnabled(n > 0)
        self.retry_button.setEnabled(n > 0 and not self.queue.retrying)

    def show_in_table(self) -> None:
        chosen = [int(i.data(0, Qt.ItemDataRole.UserRole)) for i in self.tree.selectedItems()]
        items = [self.tree.topLevelItem(n) for n in range(self.tree.topLevelItemCount())]
        ids = chosen or [int(i.data(0, Qt.ItemDataRole.UserRole)) for i in items if i is not None]
        if ids:
            self.queue.window.show_in_library(ids)
