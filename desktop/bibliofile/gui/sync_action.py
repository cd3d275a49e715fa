"""File > Sync with Shared Library (issue 21): the ``bibliofile sync`` command from the window.

A first sync asks for the server's address (postgresql://USER@HOST:PORT/DATABASE; the password
comes from PGPASSWORD or ~/.pgpass, never from the library); later ones use the remembered one.
The sync runs on the writer thread (one writer at a time), so the window stays usable; the
outcome is said in the status bar, conflicts and kept deletions in a message that names them,
and a server that cannot be reached or refuses the write is a plain message: the local changes
stay for the next sync. The automatic sync, the status-bar indicator, the conflicts and live
updates through LISTEN/NOTIFY are ``sync_status.AutoSync``, which runs this sync too, so two
never run at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLineEdit

from bibliofile.gui import messages, sync_status
from bibliofile.services import sync
from bibliofile.storage.errors import LibraryError

if TYPE_CHECKING:
    from bibliofile.gui.window_api import WindowApi

PROMPT = (
    "Address of the shared library (PostgreSQL):\n"
    "postgresql://USER@HOST:5432/DATABASE\n\n"
    "The password is read from PGPASSWORD or ~/.pgpass; it is never stored in the library."
)


class SyncAction(QObject):
    """The File menu's sync action and what it runs."""

    def __init__(self, window: WindowApi, **auto_options: Any) -> None:
        super().__init__(window.as_parent())
        self.window = window
        self.auto = sync_status.install(window, **auto_options)
        self.action = QAction("Sync with Shared Library…", window.as_parent())
        self.action.setStatusTip("Send this library's changes to the shared library and receive the others'")
        self.action.triggered.connect(self.start)
        # Added once the window is idle: before Quit's separator, not after Quit.
        window.menu_file.insertAction(window.file_quit_separator, self.action)
        self.dialog: QInputDialog | None = None
        self.last_report: sync.SyncReport | None = None

    def start(self) -> None:
        """Sync with the remembered server, or ask for one first."""
        if sync.remembered_server(self.window.library) is not None:
            self.run(None)
            return
        dialog = QInputDialog(self.window.as_parent())
        dialog.setWindowTitle("Sync with Shared Library")
        dialog.setLabelText(PROMPT)
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setTextValue("postgresql://")
        dialog.textValueSelected.connect(lambda text: self.run(text.strip() or None))
        self.dialog = dialog
        dialog.open()  # not exec(): the window keeps running, tests answer it

    def run(self, url: str | None) -> None:
        self.action.setEnabled(False)
        self.window.show_status("Syncing with the shared library…")
        self.auto.request(url, on_done=self._done, on_error=self._failed)

    def _done(self, report: Any) -> None:
        assert isinstance(report, sync.SyncReport)
        self.last_report = report
        self.action.setEnabled(True)
        text = f"Synced with {report.server}: {report.pushed} sent, {report.pulled} received"
        if report.conflicts:
            text += f"; {len(report.conflicts)} conflicts (your values kept)"
        self.window.show_status(text, 15000)
        lines = [f"{c.key}: {c.field}: yours {c.local!r} kept, theirs {c.remote!r}" for c in report.conflicts]
        lines += [f"{k['key']}: deleted on one side and edited on the other: the edited reference was kept"
                  for k in report.kept_edited]
        lines += [f"{r['key']}: already used here; the reference received is now {r['renamed_to']}" for r in report.renamed]
        if lines:
            messages.inform(self.window.as_parent(), "Sync", "\n".join(lines[:30]))

    def _failed(self, exc: BaseException) -> None:
        self.action.setEnabled(True)
        if isinstance(exc, LibraryError | sync.SyncUsageError):
            self.window.show_status("Not synced: your changes are kept for the next sync", 15000)
            messages.warn(self.window.as_parent(), "Sync", str(exc))
            return
        raise exc


def install(window: WindowApi, **auto_options: Any) -> SyncAction:
    """File > Sync and the automatic sync (``auto_options``: ``sync_status.AutoSync``'s timings)."""
    return SyncAction(window, **auto_options)
