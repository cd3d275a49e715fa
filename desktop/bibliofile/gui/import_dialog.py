"""Importing from the window: a background write with a late progress dialog and a summary, and
the preview that paste and drop show before anything is written (``ImportPreviewDialog``).

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

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressDialog,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bibliofile.gui.task_runner import Task, TaskContext, TaskRunner
from bibliofile.services.citation_keys import DEFAULT_PATTERN
from bibliofile.storage.errors import Cancelled

if TYPE_CHECKING:
    from bibliofile.storage.library import Library

SHOW_PROGRESS_AFTER_MS = 500
# Every format the importer reads; the content decides the format, the filter only helps to find
# the files (research-portal pages and MEDLINE often come as .txt).
IMPORT_SUFFIXES = {".bib", ".bibtex", ".ris", ".json", ".xml", ".nbib", ".txt", ".md", ".enw"}
BIB_FILTER = (
    "All supported files (*.bib *.bibtex *.ris *.json *.xml *.nbib *.txt *.md *.pdf);;"
    "BibTeX/BibLaTeX (*.bib *.bibtex);;RIS (*.ris *.txt);;CSL-JSON (*.json);;EndNote XML (*.xml);;"
    "MEDLINE/PubMed (*.nbib *.txt);;Research-portal page (*.txt *.md);;PDF papers (*.pdf);;All files (*)"
)


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"  # 100,000 as the detail pane writes it


def problem_text(problems: Sequence[Any]) -> str:
    """Problems (or skipped entries: anything with file, line and message) grouped by file, in
    line order: "<path>:" then "  line N: message" lines."""
    by_file: dict[str, list[Any]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(p)
    blocks = []
    for file, found in by_file.items():
        lines = [f"{file}:"]
        for p in sorted(found, key=lambda p: p.line):
            lines.append(f"  line {p.line}: {p.message}" if p.line else f"  {p.message}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _label(fmt: str) -> str:
    from bibliofile.services.importing import format_label

    return format_label(fmt)


class ImportSummaryDialog(QDialog):
    """What an import did: how many references, then each kind of problem under its own
    headline with file and line: the references skipped as already in the library (with an
    "Import anyway" button), the entries that could not be read, the entries read with remarks.

    Signals:
        import_anyway(object): the skipped entries (``SkippedEntry`` list) the user asked to
            import after all; the window stores them as one undo step.
    """

    import_anyway = Signal(object)

    def __init__(self, report: Any, parent: QWidget | None = None) -> None:
        from bibliofile.services.import_summary import imported_headline, sections

        super().__init__(parent)
        self.setWindowTitle("Import finished")
        self.skipped = list(getattr(report, "skipped", []))
        layout = QVBoxLayout(self)
        files = ", ".join(Path(f).name for f in report.formats) or "no readable file"
        self.headline = QLabel(f"{imported_headline(report.imported)} from {files}.", self)
        self.headline.setTextFormat(Qt.TextFormat.PlainText)
        self.headline.setWordWrap(True)
        layout.addWidget(self.headline)
        # Which format each file was read as (detected from its content, issue 5).
        used = sorted({_label(fmt) for fmt in report.formats.values()})
        self.formats_label = QLabel(f"Read as {', '.join(used)}." if used else "", self)
        self.formats_label.setTextFormat(Qt.TextFormat.PlainText)
        self.formats_label.setVisible(bool(used))
        layout.addWidget(self.formats_label)
        # One headline and one box per kind (issue 17): a remark is not an entry that was lost.
        self.section_labels: dict[str, QLabel] = {}
        self.views: dict[str, QPlainTextEdit] = {}
        parts = sections(report.problems, self.skipped, getattr(report, "unreadable", []))
        items = {"skipped": self.skipped, "not_read": report.not_read, "remarks": report.remarks}
        for part in parts:
            label = QLabel(part.headline + ":", self)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            font = label.font()
            font.setBold(True)
            label.setFont(font)
            layout.addWidget(label)
            view = QPlainTextEdit(self)
            view.setReadOnly(True)
            # Each file's full path once, then its lines, wrapped: with the path on every line,
            # the message itself was past the right edge of the box.
            view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
            view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            view.setPlainText(problem_text(items[part.kind]))
            layout.addWidget(view, min(len(part.lines) + 1, 6))  # room as the lines need it
            self.section_labels[part.kind] = label
            self.views[part.kind] = view
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setDefault(True)  # Return closes; storing duplicates takes a deliberate click
        self.import_anyway_button = buttons.addButton("Import Anyway", QDialogButtonBox.ButtonRole.ActionRole)
        self.import_anyway_button.setAutoDefault(False)
        self.import_anyway_button.setToolTip(
            f"Import the {plural(len(self.skipped), 'skipped reference')} as well (one step to undo)"
        )
        self.import_anyway_button.setVisible(bool(self.skipped))
        self.import_anyway_button.clicked.connect(self._import_anyway)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(620, 440 if parts else 120)

    def _import_anyway(self) -> None:
        """Asked once: the button then says what was done, so a second click cannot double them."""
        self.import_anyway_button.setEnabled(False)
        self.import_anyway_button.setText("Imported Anyway")
        label = self.section_labels.get("skipped")
        if label is not None:
            n = len(self.skipped)
            were = "was" if n == 1 else "were"
            label.setText(f"{plural(n, 'reference')} {were} already in the library and {were} imported anyway:")
        self.import_anyway_button.setToolTip("Edit › Undo takes them out again")
        self.import_anyway.emit(self.skipped)


def likely_duplicates_text(n: int) -> str:
    """ "1 reference looks like one already in the library." and the plural, for the preview."""
    if n == 1:
        return "1 reference looks like one already in the library."
    return f"{n:,} references look like ones already in the library."


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
        self._files: list[str] = []
        self._expected: int | None = None  # about how many entries the files hold (BibTeX)
        # The citation key pattern for entries without a key, asked for at each import (the
        # window's curation feature points it at Edit > Preferences).
        self.key_pattern: Callable[[], str] = lambda: DEFAULT_PATTERN

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
        pattern = self.key_pattern()
        self._count = 0
        self._files = files
        self._expected = None

        def work(ctx: TaskContext) -> Any:
            return import_files(library, files, progress=ctx.progress, cancelled=ctx.cancelled, key_pattern=pattern)

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
        from bibliofile.services.importing import estimate_entries

        # A bar that fills when the number of entries can be estimated; else one that turns.
        # Estimated here, not at the start: a quick import never shows the dialog.
        self._expected = estimate_entries(self._files)
        dlg = QProgressDialog("Importing…", "Cancel", 0, self._expected or 0, self._parent)
        dlg.setWindowTitle("Importing")
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setMinimumDuration(0)
        dlg.setAutoClose(False)
        dlg.setAutoReset(False)
        dlg.canceled.connect(self.cancel)
        dlg.setLabelText(self._label())
        self._show_value(dlg)
        dlg.show()
        self.progress_dialog = dlg

    def _label(self) -> str:
        if self._expected:
            about = round(self._expected, -max(0, len(str(self._expected)) - 2))  # 98,901: 99,000
            return f"Importing… {self._count:,} of about {about:,} references."
        return f"Importing… {plural(self._count, 'reference')} read so far."

    def _show_value(self, dlg: QProgressDialog) -> None:
        if self._expected:
            dlg.setValue(min(self._count, self._expected - 1))  # full only when it is done

    def _progress(self, n: int) -> None:
        self._count = n
        if self.progress_dialog is not None and not (self.task and self.task.is_cancelled):
            self.progress_dialog.setLabelText(self._label())
            self._show_value(self.progress_dialog)
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


class ImportPreviewDialog(QDialog):
    """The references found in pasted or dropped input, before anything is written.

    Each row has a check box (ticked: import it); likely duplicates of references already in the
    library (same DOI, or same normalised title and year) are flagged in their own column and can
    be unticked together. Accepting imports the ticked ones in one transaction (the caller's).
    """

    COLUMNS = ("Import", "Title", "Authors", "Year", "Type", "Read as", "Already in the library?")

    def __init__(self, preview: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from bibliofile.model.item_types import item_type

        self.preview = preview
        self.setWindowTitle("Import preview")
        layout = QVBoxLayout(self)
        n = len(preview.candidates)
        formats = sorted({_label(f) for f in preview.formats.values()})
        text = f"Found {plural(n, 'reference')}" + (f" ({', '.join(formats)})" if formats else "") + "."
        if preview.duplicates:
            text += " " + likely_duplicates_text(preview.duplicates)
        self.headline = QLabel(text, self)
        self.headline.setTextFormat(Qt.TextFormat.PlainText)
        self.headline.setWordWrap(True)
        layout.addWidget(self.headline)
        self.table = QTableWidget(n, len(self.COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        warn = QBrush(QColor(255, 236, 200))
        for row, cand in enumerate(preview.candidates):
            ref = cand.ref
            check = QTableWidgetItem()
            check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            check.setCheckState(Qt.CheckState.Checked)
            self.table.setItem(row, 0, check)
            dup = ""
            if cand.duplicate_of is not None:
                # By author, year and title: an id means nothing to the person choosing.
                dup = f"Likely duplicate ({cand.reason}) of {cand.existing or 'a reference in the library'}"
            values = (
                ref.title or "(no title)",
                ref.authors_display or "(no authors)",
                str(ref.year or ""),
                item_type(ref.item_type).label,
                _label(cand.format),
                dup,
            )
            for col, value in enumerate(values, 1):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                if dup:
                    item.setBackground(warn)
                self.table.setItem(row, col, item)
        header = self.table.horizontalHeader()
        # Title and the duplicate's description share the width: sized to its contents, the
        # description ("… of Knox, 2008, “A long title…”") squeezed the titles to a word.
        for col in (1, 6):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        for col in (0, 2, 3, 4, 5):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table)
        self.problems_view: QPlainTextEdit | None = None
        if preview.problems:
            # What could not be read first, then remarks on what was, each under its headline.
            from bibliofile.services.import_summary import sections

            parts = sections(preview.problems, (), preview.unreadable)
            self.problems_view = QPlainTextEdit(self)
            self.problems_view.setReadOnly(True)
            self.problems_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
            self.problems_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.problems_view.setPlainText(
                "\n\n".join(p.headline + ":\n" + "\n".join(f"  {line}" for line in p.lines) for p in parts)
            )
            self.problems_view.setMaximumHeight(130)
            layout.addWidget(self.problems_view)
        buttons = QDialogButtonBox(self)
        self.untick_button = buttons.addButton("Untick likely duplicates", QDialogButtonBox.ButtonRole.ActionRole)
        self.untick_button.setEnabled(preview.duplicates > 0)
        self.untick_button.clicked.connect(self.untick_duplicates)
        self.import_button = buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.table.itemChanged.connect(lambda _item: self._update_button())
        self._update_button()
        self.resize(860, 420)

    def untick_duplicates(self) -> None:
        for row, cand in enumerate(self.preview.candidates):
            if cand.duplicate_of is not None:
                self.set_checked(row, False)

    def set_checked(self, row: int, checked: bool) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def chosen(self) -> list[bool]:
        out = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            out.append(item is not None and item.checkState() == Qt.CheckState.Checked)
        return out

    def _update_button(self) -> None:
        n = sum(self.chosen())
        self.import_button.setText(f"Import {plural(n, 'reference')}")
        self.import_button.setEnabled(n > 0)
