"""File > Sync with Shared Library (issue 21): the ``bibliofile sync`` command from the window.

A first sync asks for the server's address (postgresql://USER@HOST:PORT/DATABASE; the password
comes from PGPASSWORD or ~/.pgpass, never from the library) and what syncs with it: the whole
library, or only chosen collections, a group library beside the private references
(``sync_setup_dialog``); later ones use the remembered address and scope. File > Leave Shared
Library stops syncing with it, the user choosing whether a group's references stay here as
private copies or go to the Trash; nothing changes on the server.
The sync runs on the writer thread (one writer at a time), so the window stays usable; the
outcome is said in the status bar, conflicts and kept deletions in a message that names them,
and a server that cannot be reached or refuses the write is a plain message: the local changes
stay for the next sync. The automatic sync, the status-bar indicator, the conflicts and live
updates through LISTEN/NOTIFY are ``sync_status.AutoSync``, which runs this sync too, so two
never run at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QMessageBox

from bibliofile.gui import messages, sync_status
from bibliofile.gui.sync_setup_dialog import SyncSetupDialog
from bibliofile.services import sync
from bibliofile.storage.errors import LibraryError

if TYPE_CHECKING:
    from bibliofile.gui.window_api import WindowApi

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
        self.leave_action = QAction("Leave Shared Library…", window.as_parent())
        self.leave_action.setStatusTip("Stop syncing with the shared library; you choose whether its references stay here")
        self.leave_action.triggered.connect(self.ask_leave)
        self.scope_action = QAction("Choose What Syncs…", window.as_parent())
        self.scope_action.setStatusTip("Sync the whole library, or only chosen collections (a group library)")
        self.scope_action.triggered.connect(self.choose_scope)
        window.menu_file.insertAction(window.file_quit_separator, self.scope_action)
        window.menu_file.insertAction(window.file_quit_separator, self.leave_action)
        self.auto.changedState.connect(self._update_leave)
        self._update_leave()
        self.dialog: SyncSetupDialog | None = None
        self.last_report: sync.SyncReport | None = None
        self.leave_box: QMessageBox | None = None
        self.leave_keep: QAbstractButton | None = None
        self.leave_remove: QAbstractButton | None = None
        self.last_left: sync.LeaveReport | None = None

    def start(self) -> None:
        """Sync with the remembered server, or ask for one first."""
        if sync.remembered_server(self.window.library) is not None:
            self.run(None)
            return
        dialog = SyncSetupDialog(self.window.library.collections(), self.window.as_parent())
        dialog.chosen.connect(lambda url, scope: self.run(url or None, scope))
        self.dialog = dialog
        dialog.open()  # not exec(): the window keeps running, tests answer it

    def run(self, url: str | None, scope: Any = None) -> None:
        """Sync (``scope``: what syncs from now on, as ``services.sync.sync`` takes it)."""
        self.action.setEnabled(False)
        self.window.show_status("Syncing with the shared library…")
        self.auto.request(url, scope=scope, on_done=self._done, on_error=self._failed)

    def _done(self, report: Any) -> None:
        assert isinstance(report, sync.SyncReport)
        self.last_report = report
        self.action.setEnabled(True)
        only = ""
        if report.scope is not None:
            only = f" (only {', '.join(c['name'] for c in report.scope) or 'what the group holds'})"
        text = f"Synced with {report.server}{only}: {report.pushed} sent, {report.pulled} received"
        if report.conflicts:
            n = len(report.conflicts)
            text += f"; {n} conflict{'s' if n != 1 else ''} (your value{'s' if n != 1 else ''} kept)"
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


    # ---- leaving ----------------------------------------------------------------------------------
    def _update_leave(self) -> None:
        self.leave_action.setEnabled(self.auto.url is not None)
        self.scope_action.setEnabled(self.auto.url is not None)

    def choose_scope(self) -> None:
        """The setup dialog for the server synced with: the scope chosen is sent with a sync now."""
        url = self.auto.url
        if url is None:
            return
        dialog = SyncSetupDialog(self.window.library.collections(), self.window.as_parent(),
                                 address=sync.address(url), scope=sync.scope_paths(self.window.library))
        dialog.chosen.connect(lambda _url, scope: self.run(None, scope))
        self.dialog = dialog
        dialog.open()

    def ask_leave(self) -> None:
        """Ask how to leave: a group library's references kept or removed; the whole library's
        stay (leaving it removes nothing)."""
        if self.auto.url is None:
            return
        group = self.auto.group
        box = QMessageBox(self.window.as_parent())
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Leave Shared Library")
        box.setTextFormat(Qt.TextFormat.PlainText)
        text = (f"Stop syncing this library with {sync.address(self.auto.url)}?\n"
                "Nothing changes in the shared library; you can join again later.")
        if group:
            box.setText(f"{text}\n\nThe references of the group ({group}) can stay here as your own "
                        "copies, or be moved to the Trash (those also in one of your own collections stay).")
            self.leave_keep = box.addButton("Keep Them", QMessageBox.ButtonRole.AcceptRole)
            self.leave_remove = box.addButton("Remove Them", QMessageBox.ButtonRole.DestructiveRole)
        else:
            box.setText(f"{text}\n\nEvery reference stays in this library.")
            self.leave_keep = box.addButton("Leave", QMessageBox.ButtonRole.AcceptRole)
            self.leave_remove = None
        box.setDefaultButton(box.addButton(QMessageBox.StandardButton.Cancel))
        box.buttonClicked.connect(self._leave_answered)
        self.leave_box = box
        box.open()  # not exec(): tests answer it

    def _leave_answered(self, button: QAbstractButton) -> None:
        if button is self.leave_keep:
            self.leave(remove=False)
        elif button is not None and button is self.leave_remove:
            self.leave(remove=True)

    def leave(self, *, remove: bool) -> None:
        """Leave on the writer (after a sync running now); the automatic sync stops first, so
        none queued behind the leave joins again."""
        url = self.auto.url
        if url is None:
            return
        library = self.window.library
        self.auto.left()
        self.action.setEnabled(False)
        self.window.show_status("Leaving the shared library…")
        self.window.runner.write(lambda _ctx: sync.leave(library, url, remove=remove), self._left, self._leave_failed)

    def _left(self, report: Any) -> None:
        assert isinstance(report, sync.LeaveReport)
        self.last_left = report
        self.action.setEnabled(True)
        if report.removed or report.collections_removed:
            self.window.sidebar.set_collections(self.window.library.collections())
            self.window.reload()
            text = (f"Left {report.server}: {report.removed} of its references moved to the Trash, "
                    f"{report.kept} kept (also in your own collections)")
        else:
            text = f"Left {report.server}: its {report.kept} references stay here as your own"
        self.window.show_status(text, 15000)

    def _leave_failed(self, exc: BaseException) -> None:
        self.action.setEnabled(True)
        self.auto.rejoined()
        if isinstance(exc, LibraryError | sync.SyncUsageError):
            messages.warn(self.window.as_parent(), "Leave Shared Library", str(exc))
            return
        raise exc


def install(window: WindowApi, **auto_options: Any) -> SyncAction:
    """File > Sync and the automatic sync (``auto_options``: ``sync_status.AutoSync``'s timings)."""
    return SyncAction(window, **auto_options)
