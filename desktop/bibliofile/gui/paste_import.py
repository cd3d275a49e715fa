"""Paste and drop anything: Ctrl+V (when no text field has focus) and drops on the window import
what they carry — BibTeX, RIS, CSL-JSON, EndNote XML, MEDLINE, a research-portal page's text,
DOIs (placeholders marked "to look up") or ISBNs, or files of any of these formats.

Nothing is written before the user has seen the import preview (``ImportPreviewDialog``): the
references found, likely duplicates flagged (naming the library's reference by author, year and
title), each with a check box; accepting stores the ticked
ones in one transaction, as one undoable-by-trash action like any import.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
)

from bibliofile.gui.import_dialog import (
    IMPORT_SUFFIXES,
    ImportPreviewDialog,
    ImportSummaryDialog,
    plural,
)

if TYPE_CHECKING:
    from bibliofile.gui.window_api import WindowApi

PREVIEW_MAX_BYTES = 5_000_000  # about 5,000 references
_TEXT_WIDGETS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)


def text_field_has_focus() -> bool:
    """True when Ctrl+V belongs to a text field (search, detail pane, a dialog's box)."""
    w = QApplication.focusWidget()
    if isinstance(w, QComboBox):
        return w.isEditable()
    if isinstance(w, (QTextEdit, QPlainTextEdit)):
        return not w.isReadOnly()
    return isinstance(w, _TEXT_WIDGETS)


class PasteImporter(QObject):
    """Reads pasted/dropped input in the background, shows the preview, stores the choice.

    Adds Edit > Paste References (Ctrl+V, ``action``); the window hands it its drops (``drop``).
    """

    def __init__(self, window: WindowApi) -> None:
        super().__init__(window.as_parent())
        self.window = window
        self.preview_dialog: ImportPreviewDialog | None = None
        self.summary_dialog: ImportSummaryDialog | None = None
        act = self.action = QAction("&Paste References", self)
        act.setShortcut(QKeySequence(QKeySequence.StandardKey.Paste))
        # Window-wide, but a focused text field takes Ctrl+V first (its ShortcutOverride).
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        act.setStatusTip("Import BibTeX, RIS, CSL-JSON, a research-portal page, DOIs or ISBNs from the clipboard")
        act.triggered.connect(lambda _checked=False: self.paste())
        window.add_window_action(act)
        window.menu_edit.insertAction(window.act_new, act)

    # ---- entry points ----------------------------------------------------------------------
    def paste(self) -> None:
        """Ctrl+V: a text field with focus gets its own paste; otherwise import the clipboard."""
        if text_field_has_focus():
            w = QApplication.focusWidget()
            paste = getattr(w, "paste", None)
            if callable(paste):
                paste()
            return
        mime = QGuiApplication.clipboard().mimeData()
        files = _local_files(mime)
        if files:
            self.import_paths(files)
        elif mime is not None and mime.hasText() and mime.text().strip():
            self.import_text(mime.text(), "clipboard")
        else:
            self.window.show_status("The clipboard holds nothing to import.", 5000)

    def drop(self, files: Sequence[str], text: str) -> None:
        """A drop on the window: files if there are any, else the dropped text."""
        if files:
            self.import_paths(files)
        elif text.strip():
            self.import_text(text, "dropped text")

    def import_text(self, text: str, label: str) -> None:
        library = self.window.library

        def work(_ctx: Any) -> Any:
            from bibliofile.services.importing import preview_text

            return preview_text(library, text, label)

        self.window.runner.read(work, self._show_preview, self.window.show_error)

    def import_paths(self, paths: Sequence[str]) -> None:
        library = self.window.library
        files = list(paths)
        if _total_size(files) > PREVIEW_MAX_BYTES:
            # A whole library file: a preview of tens of thousands of rows helps nobody; the
            # ordinary import (progress, cancel, summary) takes it.
            self.window.import_files(files)
            return

        def work(_ctx: Any) -> Any:
            from bibliofile.services.importing import preview_files

            return preview_files(library, files)

        self.window.runner.read(work, self._show_preview, self.window.show_error)

    # ---- preview and import ------------------------------------------------------------------
    def _show_preview(self, preview: Any) -> None:
        if not preview.candidates:
            why = "; ".join(p.message for p in preview.problems[:3]) or "no references found"
            self.window.show_status(f"Nothing to import: {why}", 10000)
            if preview.problems:
                self.summary_dialog = ImportSummaryDialog(_empty_report(preview), self.window.as_parent())
                self.summary_dialog.open()
            return
        dlg = ImportPreviewDialog(preview, self.window.as_parent())
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.accepted.connect(lambda: self._import(preview, dlg.chosen()))
        dlg.finished.connect(lambda _r: setattr(self, "preview_dialog", None))
        self.preview_dialog = dlg
        dlg.open()

    def _import(self, preview: Any, chosen: list[bool]) -> None:
        from bibliofile.gui.preferences_dialog import citation_key_pattern

        library = self.window.library
        pattern = citation_key_pattern(self.window.settings)

        def work(_ctx: Any) -> Any:
            from bibliofile.services.importing import import_chosen

            return import_chosen(library, preview, chosen, key_pattern=pattern)

        self.window.runner.write(work, self._imported, self.window.show_error)

    def _imported(self, report: Any) -> None:
        self.window.show_status(f"Imported {plural(report.imported, 'reference')}.", 6000)
        if report.ids:
            self.window.show_in_library(list(report.ids))


def _empty_report(preview: Any) -> Any:
    from bibliofile.services.importing import ImportReport

    return ImportReport(problems=list(preview.problems), formats=dict(preview.formats), unreadable=list(preview.unreadable))


def _total_size(files: Sequence[str]) -> int:
    import contextlib
    import os

    total = 0
    for f in files:
        with contextlib.suppress(OSError):  # a missing file is reported by the preview
            total += os.path.getsize(f)
    return total


def _local_files(mime: Any) -> list[str]:
    from pathlib import Path

    if mime is None or not mime.hasUrls():
        return []
    return [
        u.toLocalFile() for u in mime.urls()
        if u.isLocalFile() and Path(u.toLocalFile()).suffix.lower() in IMPORT_SUFFIXES
    ]

