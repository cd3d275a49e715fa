"""The crash dialog, and the excepthook that logs a bug and shows it.

Nothing is lost when a bug strikes: every change is its own transaction, so the library holds
everything up to the last finished action. The dialog says so and names the log file.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt, QThread
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bibliofile.services.locations import log_path

log = logging.getLogger("bibliofile")

# Tests set this to a list to collect crash reports instead of showing a modal dialog.
collected: list[str] | None = None
_showing = False


def write_log(details: str) -> Path:
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(details.rstrip() + "\n\n")
    except OSError:
        pass
    return path


class CrashDialog(QDialog):
    def __init__(self, details: str, where: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Something went wrong")  # Qt adds " — Bibliofile"
        layout = QVBoxLayout(self)
        self.message = QLabel(
            "Bibliofile hit a bug and stopped what it was doing.\n\n"
            "Nothing was lost: every change is saved as its own transaction, so your library holds "
            "everything up to the last finished action.\n\n"
            f"The details were written to:\n{where}\n\nPlease include that file when you report the problem.",
            self,
        )
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        self.details = QPlainTextEdit(self)
        self.details.setReadOnly(True)
        self.details.setPlainText(details)
        self.details.setVisible(False)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(self)
        show = QPushButton("Show details", self)
        show.setCheckable(True)
        show.toggled.connect(self.details.setVisible)
        copy = QPushButton("Copy details", self)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(details))
        buttons.addButton(show, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)


def report_crash(
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    parent: QWidget | None = None,
) -> None:
    """Log a bug and tell the user where the log is (on the GUI thread, once at a time)."""
    global _showing
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    log.error("unhandled error\n%s", details)
    where = write_log(details)
    if collected is not None:
        collected.append(details)
        return
    app = QApplication.instance()
    if app is None or QThread.currentThread() is not app.thread() or _showing:
        sys.__stderr__.write(details) if sys.__stderr__ else None
        return
    _showing = True
    try:
        CrashDialog(details, where, parent or QApplication.activeWindow()).exec()
    finally:
        _showing = False


def install_excepthook() -> Callable[..., None]:
    """Route uncaught exceptions (including those in Qt slots) to the crash dialog."""
    previous = sys.excepthook

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        from bibliofile.storage.errors import LibraryError

        if isinstance(exc, LibraryError):
            from bibliofile.gui import messages

            messages.show_error(None, exc)
            return
        report_crash(exc_type, exc, tb)

    sys.excepthook = hook
    return previous
