"""Importing into the window: File > Import and files or text dropped on the window.

A part of MainWindow (a mixin), split out so the window module stays a frame. A drop goes to the
paste importer (gui/paste_import.py), which previews before anything is stored; a large file goes
on to ``import_files``, the ordinary import with progress, cancel and a summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog

from bibliofile.gui.import_dialog import BIB_FILTER, IMPORT_SUFFIXES, ImportSummaryDialog, plural
from bibliofile.gui.window_api import WindowMixin

if TYPE_CHECKING:
    from bibliofile.gui.paste_import import PasteImporter


class WindowImport(WindowMixin):
    """File > Import, the import's end, and drops of files or text on the window."""

    if TYPE_CHECKING:
        paste_importer: PasteImporter

    def ask_import(self) -> None:
        start = str(self.settings.value("paths/import", str(Path.home())))
        files, _f = QFileDialog.getOpenFileNames(self, "Import", start, BIB_FILTER)
        if files:
            self.settings.setValue("paths/import", str(Path(files[0]).parent))
            self.import_files(files)

    def import_files(self, paths: Sequence[str | Path]) -> None:
        if self.importer.running:
            self.show_status("An import is already running.", 4000)
            return
        self.show_status(f"Importing {', '.join(Path(p).name for p in paths)}…")
        self.importer.start(paths)

    def _import_finished(self, report: Any) -> None:
        self.show_status(f"Imported {plural(report.imported, 'reference')}.", 6000)
        if report.ids:
            self.show_in_library(list(report.ids))
        self.summary_dialog = ImportSummaryDialog(report, self)
        self.summary_dialog.open()

    def _import_cancelled(self) -> None:
        self.show_status("Import cancelled; the library was left as it was.", 8000)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_files(event) or self._dropped_text(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:
        if self._dropped_files(event) or self._dropped_text(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = self._dropped_files(event)
        text = "" if files else self._dropped_text(event)
        if files or text:
            event.acceptProposedAction()
            self.paste_importer.drop(files, text)  # a preview first, as for a paste

    @staticmethod
    def _dropped_text(event: Any) -> str:
        """Text dragged in from another application (our own drags carry citations, not input)."""
        mime = event.mimeData()
        if event.source() is not None or mime.hasUrls() or not mime.hasText():
            return ""
        return str(mime.text()) if mime.text().strip() else ""

    @staticmethod
    def _dropped_files(event: Any) -> list[str]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [
            u.toLocalFile() for u in mime.urls()
            if u.isLocalFile() and Path(u.toLocalFile()).suffix.lower() in IMPORT_SUFFIXES
        ]
