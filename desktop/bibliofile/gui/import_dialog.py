"""Importing files from the window: a background write with a late progress dialog and a summary.

The import runs on the writer thread (``TaskRunner.write``). The progress dialog only appears
when the work lasts longer than about half a second; its Cancel button makes ``import_files``
raise ``Cancelled`` inside the transaction, so the library is left exactly as it was. At the end a
summary lists the problems with file and line, as plain text.

Signals (ImportController):
    imported(object): the ImportReport of a finished import.
    cancelled(): the user cancelled; nothing was imported.
    failed(object): the exception of a failed import (already shown to the user).
    progressed(int): references stored so far.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QProgressDialog,
    QVBoxLayout,
    QWidget,
)

from bibliofile.gui.task_runner import Task, TaskContext, TaskRunner
from bibliofile.storage.errors import Cancelled
from bibliofile.storage.library import Library

SHOW_PROGRESS_AFTER_MS = 500
BIB_FILTER = "BibTeX/BibLaTeX files (*.bib *.bibtex *.txt);;All files (*)"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class ImportSummaryDialog(QDialog):
    """What an import did: how many references, and each problem as file:line: message."""

    def __init__(self, report: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import finished")
        layout = QVBoxLayout(self)
        files = ", ".join(Path(f).name for f in report.formats) or "no readable file"
        self.headline = QLabel(f"Imported {plural(report.imported, 'reference')} from {files}.", self)
        self.headline.setTextFormat(Qt.TextFormat.PlainText)
        self.headline.setWordWrap(True)
        layout.addWidget(self.headline)
        self.problems_view: QPlainTextEdit | None = None
        if report.problems:
            note = QLabel(
                f"{plural(len(report.problems), 'problem')} (entries that could not be read are kept "
                "as text and written back on export):",
                self,
            )
            note.setTextFormat(Qt.TextFormat.PlainText)
            note.setWordWrap(True)
            layout.addWidget(note)
            self.problems_view = QPlainTextEdit(self)
            self.problems_view.setReadOnly(True)
            self.problems_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            self.problems_view.setPlainText("\n".join(f"{p.file}:{p.line}: {p.message}" for p in report.problems))
            layout.addWidget(self.problems_view)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(560, 360 if report.problems else 120)


class ImportController(QObject):
    imported = Signal(object)
    cancelled = Signal()
    failed = Signal(object)
    progressed = Signal(int)

    def __init__(self, library: Library, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.runner = runner
        self._parent = parent
        self.task: Task | None = None
        self.progress_dialog: QProgressDialog | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SHOW_PROGRESS_AFTER_MS)
        self._timer.timeout.connect(self._show_progress)
        self._count = 0

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done

    def start(self, paths: Sequence[str | Path]) -> Task | None:
        """Import the files in the background; returns the task (None if one is running)."""
        if self.running:
            return None
        from bibliofile.services.importing import import_files

        files = [str(p) for p in paths]
        library = self.library
        self._count = 0

        def work(ctx: TaskContext) -> Any:
            return import_files(library, files, progress=ctx.progress, cancelled=ctx.cancelled)

        self._timer.start()
        task = self.runner.write(work, self._done, self._error, self._progress)
        if not task.done:
            self.task = task
        return task

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.progress_dialog is not None:
            self.progress_dialog.setLabelText("Cancelling…")

    def _show_progress(self) -> None:
        if not self.running:
            return
        dlg = QProgressDialog("Importing…", "Cancel", 0, 0, self._parent)
        dlg.setWindowTitle("Importing")
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setMinimumDuration(0)
        dlg.setAutoClose(False)
        dlg.setAutoReset(False)
        dlg.canceled.connect(self.cancel)
        dlg.setLabelText(self._label())
        dlg.show()
        self.progress_dialog = dlg

    def _label(self) -> str:
        return f"Importing… {plural(self._count, 'reference')} read so far."

    def _progress(self, n: int) -> None:
        self._count = n
        if self.progress_dialog is not None and not (self.task and self.task.is_cancelled):
            self.progress_dialog.setLabelText(self._label())
        self.progressed.emit(n)

    def _finish(self) -> None:
        self._timer.stop()
        self.task = None
        if self.progress_dialog is not None:
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None

    def _done(self, report: Any) -> None:
        self._finish()
        self.imported.emit(report)

    def _error(self, exc: BaseException) -> None:
        self._finish()
        if isinstance(exc, Cancelled):
            self.cancelled.emit()
            return
        self.failed.emit(exc)
