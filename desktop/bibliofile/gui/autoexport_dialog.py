"""File > Keep a .bib Updated… (issue 20): set up a file that Bibliofile keeps equal to the
library, a collection or a search, and see, write now or remove the ones set up.

A file is written as soon as it is added, then after every change (gui/autoexport_watch.py).
Adding, removing and writing run on the writer thread through the watch, so a first write of a
big library never freezes the window; the list says when each file was last written, or why not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from bibliofile.gui.autoexport_watch import AutoExportWatch
    from bibliofile.gui.task_runner import TaskContext
    from bibliofile.gui.window_api import WindowApi
    from bibliofile.services.autoexport import AutoExport, Outcome

FORMATS = (("BibTeX", "bibtex", ".bib"), ("BibLaTeX", "biblatex", ".bib"), ("CSL-JSON (pandoc)", "csl-json", ".json"))


class AutoExportDialog(QDialog):
    """The auto-exports of the library: a form to add one and the list of those set up."""

    def __init__(self, window: WindowApi, watch: AutoExportWatch) -> None:
        super().__init__(window.as_parent())
        self.api = window
        self.watch = watch
        self.setWindowTitle("Keep a .bib Updated")
        self.resize(760, 460)
        layout = QVBoxLayout(self)

        intro = QLabel(
            "Bibliofile rewrites these files within a second or two of any change, for LaTeX "
            "(\\bibliography, biber) and pandoc. Entries you have not edited keep the text they "
            "were imported with, and citation keys stay as they are."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        box = QGroupBox("Add a file")
        form = QFormLayout(box)
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("e.g. ~/thesis/references.bib")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form.addRow("File:", _wrap(row))
        self.format_combo = QComboBox()
        for label, value, _ext in FORMATS:
            self.format_combo.addItem(label, value)
        form.addRow("Format:", self.format_combo)
        self.whole = QRadioButton("Whole library")
        self.in_collection = QRadioButton("Collection:")
        self.in_search = QRadioButton("Search:")
        self.whole.setChecked(True)
        self.collection_combo = QComboBox()
        self.query_edit = QLineEdit()
        self.query_edit.setPlaceholderText("as in the search field, e.g. tag:thesis year:2020..")
        self.collection_combo.currentIndexChanged.connect(lambda _i: self.in_collection.setChecked(True))
        self.query_edit.textEdited.connect(lambda _t: self.in_search.setChecked(True))
        what = QVBoxLayout()
        what.addWidget(self.whole)
        for radio, field in ((self.in_collection, self.collection_combo), (self.in_search, self.query_edit)):
            line = QHBoxLayout()
            line.addWidget(radio)
            line.addWidget(field, 1)
            what.addLayout(line)
        form.addRow("What:", _wrap(what))
        self.add_button = QPushButton("Add and Write")
        self.add_button.setDefault(True)
        self.add_button.clicked.connect(self._add)
        form.addRow("", self.add_button)
        layout.addWidget(box)

        layout.addWidget(QLabel("Files kept up to date:"))
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["File", "Format", "What", "Last written"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.remove_button = buttons.addButton("Remove", QDialogButtonBox.ButtonRole.ActionRole)
        self.remove_button.setToolTip("Stop keeping the file up to date (the file itself stays)")
        self.write_button = buttons.addButton("Write Now", QDialogButtonBox.ButtonRole.ActionRole)
        self.write_button.setToolTip("Write every file again now")
        self.remove_button.clicked.connect(self._remove)
        self.write_button.clicked.connect(self._write_now)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.exports: list[AutoExport] = []
        watch.rewritten.connect(self._rewritten)
        self._update_buttons()

    # ---- reading ---------------------------------------------------------------------------
    def reload(self) -> None:
        """The list and the collections, read again (small queries, on this thread)."""
        from bibliofile.services.autoexport import autoexports
        from bibliofile.services.collections import collections

        current = self.collection_combo.currentText()
        self.collection_combo.blockSignals(True)
        self.collection_combo.clear()
        for c in collections(self.api.library):
            self.collection_combo.addItem(c.path)
        if current:
            self.collection_combo.setCurrentText(current)
        self.collection_combo.blockSignals(False)
        self.in_collection.setEnabled(self.collection_combo.count() > 0)
        self.exports = autoexports(self.api.library)
        labels = {value: label for label, value, _ext in FORMATS}
        self.table.setRowCount(len(self.exports))
        for n, a in enumerate(self.exports):
            last = "failed (see below)" if a.last_error else a.written_at or "not yet"
            for col, text in enumerate((a.path, labels.get(a.format, a.format), a.description, last)):
                item = QTableWidgetItem(text)
                item.setToolTip(a.last_error if col == 3 and a.last_error else text)
                if col == 3 and a.last_error:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(n, col, item)
        failed = [a.last_error for a in self.exports if a.last_error]
        if failed:
            said = " ".join(f"{e.rstrip('.')}." for e in failed)
            self._say(f"Not written: {said} It is retried after the next change, or with Write Now.")
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.table.selectionModel().selectedRows()))
        self.write_button.setEnabled(bool(self.exports))

    def _browse(self) -> None:
        ext = FORMATS[self.format_combo.currentIndex()][2]
        name, _filter = QFileDialog.getSaveFileName(
            self, "Keep Which File Updated", self.path_edit.text() or f"references{ext}",
            "BibTeX (*.bib);;CSL-JSON (*.json);;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if name:
            self.path_edit.setText(name)

    # ---- changing --------------------------------------------------------------------------
    def _add(self) -> None:
        path = self.path_edit.text().strip()
        if not path:
            self._say("Give the file to keep up to date.")
            return
        fmt = self.format_combo.currentData()
        collection = self.collection_combo.currentText() if self.in_collection.isChecked() else None
        query = self.query_edit.text().strip() if self.in_search.isChecked() else None
        if self.in_search.isChecked() and not query:
            self._say("Type the search whose references the file should hold.")
            return
        library, caches = self.api.library, self.watch.caches

        def work(_ctx: TaskContext) -> Outcome:
            from bibliofile.services.autoexport import add

            return add(library, path, fmt, collection=collection, query=query, caches=caches)

        self.add_button.setEnabled(False)
        self._say(f"Writing {path}…")
        self.watch.run(work, self._added, self._failed)

    def _added(self, outcome: Outcome) -> None:
        self.add_button.setEnabled(True)
        self.watch.active = True
        if outcome.error:
            self._say(outcome.message)
        else:
            kept = f" {outcome.message}." if outcome.message else ""
            self._say(f"{outcome.path} written ({outcome.entries} references); it is kept up to date from now on.{kept}")
            self.path_edit.clear()
        self.reload()

    def _failed(self, exc: BaseException) -> None:
        self.add_button.setEnabled(True)
        from bibliofile.storage.errors import LibraryError

        if not isinstance(exc, LibraryError):
            self.api.show_error(exc)
            return
        self._say(str(exc))
        self.reload()

    def _remove(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        paths = [self.exports[r].path for r in rows if r < len(self.exports)]
        library = self.api.library

        def work(_ctx: TaskContext) -> list[str]:
            from bibliofile.services.autoexport import remove

            for p in paths:
                remove(library, p)
            return paths

        def done(removed: list[str]) -> None:
            self._say("No longer kept up to date (the files stay): " + ", ".join(removed))
            self.reload()

        self.watch.run(work, done, self._failed)

    def _rewritten(self, outcomes: list[Outcome]) -> None:
        if not self.isVisible():
            return
        said = [o.message for o in outcomes if o.message]
        written = sum(o.written for o in outcomes)
        if said or self.status.text() == "Writing…":
            self._say(" ".join(said) or f"Up to date ({written} written, {len(outcomes) - written} unchanged).")
        self.reload()

    def _write_now(self) -> None:
        self._say("Writing…")
        self.watch.rewrite_now(force=True)

    def _say(self, text: str) -> None:
        self.status.setText(text)


def _wrap(layout: Any) -> QWidget:
    w = QWidget()
    layout.setContentsMargins(0, 0, 0, 0)
    w.setLayout(layout)
    return w
