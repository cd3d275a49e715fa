"""Tools > Verify Library File: SQLite's integrity check of the open library, run in the background,
and recovery of a damaged library into a new file from its last good backup.

The check reads the file through its own read-only connection (services/library_check.py), so
it works while the window reads and writes, and on a library that opened damaged or read-only.
Recovery writes only the new file; the damaged one is left as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout

from bibliofile.gui import messages
from bibliofile.services.library_check import RecoveryReport, check_library, recover_library
from bibliofile.storage.health import CheckResult

if TYPE_CHECKING:
    from bibliofile.gui.window_api import WindowApi


class CheckLibraryFileDialog(QDialog):
    """Tools > Verify Library File. No signals; ``check_result`` and ``recovered`` hold what was found
    and made, for the window and tests."""

    def __init__(self, window: WindowApi) -> None:
        super().__init__(window.as_parent())
        self.window_ = window
        self.setWindowTitle("Verify Library File")
        self.check_result: CheckResult | None = None
        self.recovered: RecoveryReport | None = None
        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.details = QPlainTextEdit(self)
        self.details.setObjectName("checkDetails")
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.recover_button = QPushButton("Recover into a New File", self)
        self.recover_button.setToolTip("Copy the newest backup that passes the check into a new file beside the library")
        self.recover_button.clicked.connect(self.recover)
        self.again_button = QPushButton("Check Again", self)
        self.again_button.clicked.connect(self.start)
        self.close_button = QPushButton("Close", self)
        self.close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.recover_button)
        buttons.addStretch(1)
        buttons.addWidget(self.again_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.details, 1)
        layout.addLayout(buttons)
        self.resize(640, 320)
        self.start()

    @property
    def path(self) -> Path | None:
        return self.window_.library.path

    def start(self) -> None:
        """Run the full integrity check on the task runner's read pool (seconds for a large file)."""
        path = self.path
        self.recover_button.setEnabled(False)
        self.recover_button.setVisible(False)
        if path is None:
            self.status.setText("This library is not a file (a shared database): its server checks it.")
            self.again_button.setEnabled(False)
            return
        self.again_button.setEnabled(False)
        self.status.setText(f"Checking {path}…")
        self.details.setPlainText("")
        self.window_.runner.read(lambda _ctx: check_library(path), self._checked, self._failed)

    def _checked(self, result: Any) -> None:
        assert isinstance(result, CheckResult)
        self.check_result = result
        self.again_button.setEnabled(True)
        if result.ok:
            self.status.setText("No damage found: SQLite's full integrity check passed.")
        else:
            self.status.setText(
                "The library file is damaged. Changes to it are refused so nothing more is lost."
                + (" It can be recovered into a new file from its last good backup." if result.backups else "")
            )
            self.recover_button.setVisible(True)
            self.recover_button.setEnabled(bool(result.backups))
        self.details.setPlainText(result.summary())

    def _failed(self, exc: BaseException) -> None:
        self.again_button.setEnabled(True)
        self.status.setText("The check could not run.")
        messages.show_error(self, exc)

    def recover(self) -> None:
        path = self.path
        if path is None:
            return
        self.recover_button.setEnabled(False)
        self.status.setText("Recovering from the last good backup…")
        self.window_.runner.read(lambda _ctx: recover_library(path), self._recovered, self._recover_failed)

    def _recovered(self, report: Any) -> None:
        assert isinstance(report, RecoveryReport)
        self.recovered = report
        self.status.setText(f"Recovered into {report.target.name}.")
        self.details.setPlainText(report.summary())
        messages.inform(
            self,
            "Library Recovered",
            f"{report.summary()}\n\nTo work in it, quit Bibliofile and open {report.target} "
            "(or rename it to the library's name after moving the damaged file away).",
        )

    def _recover_failed(self, exc: BaseException) -> None:
        self.recover_button.setEnabled(True)
        self.status.setText("Nothing was recovered.")
        messages.show_error(self, exc)
