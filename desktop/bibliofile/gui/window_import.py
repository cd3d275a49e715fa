"""Importing into the window: File > Import and files or text dropped on the window.

A part of MainWindow (a mixin), split out so the window module stays a frame. A drop goes to the
paste importer (gui/paste_import.py), which previews before anything is stored; a large file goes
on to ``import_files``, the ordinary import with progress, cancel and a summary. The summary's
"Import Anyway" stores the exact duplicates the import skipped, as one step on the undo stack.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog

from bibliofile.gui import attachment_drops
from bibliofile.gui.import_dialog import BIB_FILTER, IMPORT_SUFFIXES, ImportSummaryDialog, plural
from bibliofile.gui.import_selection import release_on_next_search
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
        from bibliofile.gui.attachment_drops import new_references
        from bibliofile.services.pdf_import import is_pdf

        pdfs = [Path(p) for p in paths if is_pdf(p)]
        if pdfs:  # a reference from each PDF, the PDF attached (issue 19)
            new_references(self, pdfs)
            paths = [p for p in paths if Path(p) not in pdfs]
            if not paths:
                return
        if self.importer.running:
            self.show_status("An import is already running.", 4000)
            return
        self.show_status(f"Importing {', '.join(Path(p).name for p in paths)}…")
        self.importer.start(paths)

    def _import_finished(self, report: Any) -> None:
        from bibliofile.services.import_summary import skipped_headline

        status = f"Imported {plural(report.imported, 'reference')}."
        if report.skipped:
            status += f" {skipped_headline(len(report.skipped))}."
        self.show_status(status, 8000)
        if report.ids:
            self.show_in_library(list(report.ids))
            release_on_next_search(self, report.ids)  # not kept selected through later searches
        self.summary_dialog = ImportSummaryDialog(report, self)
        self.summary_dialog.import_anyway.connect(self.import_skipped)
        self.summary_dialog.open()

    def import_skipped(self, skipped: Sequence[Any]) -> None:
        """Store what an import skipped as already in the library: one transaction on the writer
        thread, one undo step (its undo deletes them again), then show them."""
        from bibliofile.gui.undo import change_command
        from bibliofile.services.importing import store_skipped

        operation = store_skipped(skipped, self.importer.key_pattern())
        stored: list[Any] = []

        def first_run(uow: Any) -> Any:
            change = operation(uow)
            stored.append(change)
            return change

        def done() -> None:
            if stored:  # first: showing them clears the status bar (the search's hint)
                self.show_in_library(list(stored.pop().ids))
            self.show_status(f"Imported {plural(len(skipped), 'duplicate reference')}; Edit › Undo takes them out again.", 8000)

        text = f"Import {plural(len(skipped), 'duplicate reference')}"
        self.undo_stack.push(change_command(self, text, first_run, after_redo=done))

    def _import_cancelled(self) -> None:
        self.show_status("Import cancelled; the library was left as it was.", 8000)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_files(event) or self._dropped_text(event) or attachment_drops.has_files(event):
            event.acceptProposedAction()  # any file: on a row it attaches (issue 19)
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:
        if self._dropped_files(event) or self._dropped_text(event) or attachment_drops.accepts(self, event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        if attachment_drops.drop(self, event):
            return  # attached to the row it fell on, or PDFs made references (issue 19)
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
