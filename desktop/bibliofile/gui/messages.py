"""Plain message boxes, and the one place that decides how an error reaches the user.

Known problems the user can act on (``LibraryError``) get a plain message that says what happened;
anything else is a bug and gets the crash dialog with the log path (docs/architecture.md; ADR 0013). Every box
uses plain text, so a file name or title holding ``<b>`` is shown as written. Tests replace
``ask``/``inform`` with monkeypatch so nothing blocks.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from bibliofile.storage.errors import LibraryError

log = logging.getLogger(__name__)


def _box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    return box


def inform(parent: QWidget | None, title: str, text: str) -> None:
    _box(parent, QMessageBox.Icon.Information, title, text).exec()


def warn(parent: QWidget | None, title: str, text: str) -> None:
    _box(parent, QMessageBox.Icon.Warning, title, text).exec()


def ask(parent: QWidget | None, title: str, text: str, yes: str = "OK", default_yes: bool = False) -> bool:
    """A yes/no question; returns True for yes."""
    box = _box(parent, QMessageBox.Icon.Question, title, text)
    yes_btn = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    no_btn = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(yes_btn if default_yes else no_btn)
    box.exec()
    return box.clickedButton() is yes_btn


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """A known problem as a plain message; a bug as the crash dialog (logged first)."""
    if isinstance(exc, LibraryError):
        log.warning("library problem: %s", exc)
        warn(parent, "Bibliofile", str(exc))
        return
    from bibliofile.gui.crash_dialog import report_crash

    report_crash(type(exc), exc, exc.__traceback__, parent)
