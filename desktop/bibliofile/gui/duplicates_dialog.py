"""Tools > Find Duplicates: pairs with why they matched and how sure, merged field by field.

The scan runs on the task runner, with its progress shown and a Cancel button that stops it
(gui/background_scan.py). Choosing a pair shows both references side by side, one row
per field with the value to keep chosen per row (creators can keep both lists); Merge is one
undoable step that keeps the tags, collections, notes and reading state of both, and moves the
other to the trash. "Not Duplicates" is remembered, so the pair is not proposed again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from bibliofile.gui.background_scan import ScanControls
from bibliofile.model.fields import FIELD_BY_KEY
from bibliofile.model.reference import Reference
from bibliofile.services import duplicates as dup
from bibliofile.services.duplicates import DuplicatePair

if TYPE_CHECKING:
    from bibliofile.gui.window_api import WindowApi


class MergeCommand(QUndoCommand):
    def __init__(self, window: WindowApi, keep: int, other: int, choices: dict[str, str]) -> None:
        super().__init__("Merge Duplicates")
        self.window = window
        self.keep, self.other, self.choices = keep, other, choices
        self.record: dup.MergeRecord | None = None

    def redo(self) -> None:
        lib = self.window.library
        if self.record is None:
            self.record = dup.merge(lib, self.keep, self.other, self.choices)
        else:
            dup.redo_merge(lib, self.record)
        self.window.reload([self.keep])

    def undo(self) -> None:
        if self.record is not None:
            dup.undo_merge(self.window.library, self.record)
        self.window.reload([self.keep, self.other])


def _authors(ref: Reference) -> str:
    return "; ".join(c.literal or ", ".join(x for x in (c.family, c.given) if x) for c in ref.creators)


class DuplicatesDialog(QDialog):
    """Tools > Find Duplicates."""

    def __init__(self, window: WindowApi) -> None:
        super().__init__(window.as_parent())
        self.window_ = window
        self.setWindowTitle("Find Duplicates")
        self.pairs: list[DuplicatePair] = []
        self.status = QLabel("Looking for duplicates…", self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.list = QTreeWidget(self)
        self.list.setObjectName("pairs")
        self.list.setHeaderLabels(["Sure", "Why", "First", "Second"])
        self.list.setRootIsDecorated(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.currentItemChanged.connect(lambda *_a: self.show_pair())
        self.fields = QTableWidget(0, 3, self)
        self.fields.setObjectName("mergeFields")
        self.fields.setHorizontalHeaderLabels(["Keep", "Other", "Use"])
        self.fields.horizontalHeader().setStretchLastSection(False)
        self.fields.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.swap_button = QPushButton("Swap", self)
        self.swap_button.setToolTip("Keep the other reference and merge this one into it")
        self.swap_button.clicked.connect(self.swap)
        self.merge_button = QPushButton("Merge", self)
        self.merge_button.clicked.connect(self.merge_current)
        self.not_dup_button = QPushButton("Not Duplicates", self)
        self.not_dup_button.clicked.connect(self.not_duplicates)
        self.controls = ScanControls(
            self, window.runner, self.status, "scan", "Looking for duplicates…", "Scan Again", self.set_pairs
        )
        self.cancel_button = self.controls.cancel_button
        self.again_button = self.controls.again_button
        self.again_button.clicked.connect(self.start)
        self.scan = self.controls.scan
        close = QPushButton("Close", self)
        close.clicked.connect(self.accept)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.list)
        split.addWidget(self.fields)
        row = QHBoxLayout()
        for b in (self.swap_button, self.merge_button, self.not_dup_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.again_button)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(split)
        layout.addLayout(row)
        self.resize(900, 600)
        self._keep: Reference | None = None
        self._other: Reference | None = None
        self._update_buttons()

    def start(self) -> None:
        lib = self.window_.library
        self.controls.start(lambda cancelled, progress: dup.scan(lib, cancelled, progress))

    def cancel(self) -> None:
        self.controls.cancel()

    def done(self, result: int) -> None:
        """Closing the dialog stops a scan still running."""
        self.scan.cancel()
        super().done(result)

    def set_pairs(self, pairs: list[DuplicatePair]) -> None:
        self.controls.show_running(False)
        self.pairs = pairs
        self.list.clear()
        refs = {r.id: r for r in self.window_.library.get_many(
            list(dict.fromkeys(i for p in pairs[:2000] for i in (p.first, p.second))))}
        for p in pairs[:2000]:
            a, b = refs.get(p.first), refs.get(p.second)
            item = QTreeWidgetItem([f"{p.score * 100:.0f}%", p.reason, a.title if a else "", b.title if b else ""])
            item.setData(0, Qt.ItemDataRole.UserRole, p)
            self.list.addTopLevelItem(item)
        for col, width in ((0, 50), (1, 300), (2, 250)):
            self.list.setColumnWidth(col, width)
        more = " (the first 2000 shown)" if len(pairs) > 2000 else ""
        self.status.setText(f"{len(pairs)} possible duplicate pair{'s' if len(pairs) != 1 else ''}{more}."
                            if pairs else "No duplicates found.")
        first = self.list.topLevelItem(0)
        if first is not None:
            self.list.setCurrentItem(first)
        self._update_buttons()

    def current_pair(self) -> DuplicatePair | None:
        item = self.list.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def show_pair(self, swap: bool = False) -> None:
        p = self.current_pair()
        self.fields.setRowCount(0)
        if p is None:
            self._keep = self._other = None
            self._update_buttons()
            return
        lib = self.window_.library
        keep_id, other_id = (p.second, p.first) if swap else (p.first, p.second)
        self._keep, self._other = lib.get(keep_id), lib.get(other_id)
        keep, other = self._keep, self._other
        defaults = dup.default_choices(keep, other)
        rows: list[tuple[str, str, str, str]] = [
            ("creators", "Creators", _authors(keep), _authors(other)),
            ("citation_key", "Citation key", keep.citation_key, other.citation_key),
        ]
        for f in dup.merge_fields(keep, other):
            label = FIELD_BY_KEY[f].label if f in FIELD_BY_KEY else f
            rows.append((f, label, keep.get(f), other.get(f)))
        self.fields.setRowCount(len(rows))
        self.fields.setVerticalHeaderLabels([r[1] for r in rows])
        for n, (key, _label, a, b) in enumerate(rows):
            for col, text in ((0, a), (1, b)):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.fields.setItem(n, col, cell)
            combo = QComboBox(self.fields)
            combo.addItem("Keep", dup.KEEP)
            combo.addItem("Other", dup.OTHER)
            if key == "creators":
                combo.addItem("Both", dup.BOTH)
            combo.setCurrentIndex(max(0, combo.findData(defaults.get(key, dup.KEEP))))
            combo.setProperty("field", key)
            combo.setEnabled(a != b)
            self.fields.setCellWidget(n, 2, combo)
        self.fields.setColumnWidth(0, 360)
        self.fields.setColumnWidth(1, 360)
        self._update_buttons()

    def swap(self) -> None:
        if self._keep is not None and self.current_pair() is not None:
            self.show_pair(swap=self._keep.id == self.current_pair().first)  # type: ignore[union-attr]

    def choices(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for n in range(self.fields.rowCount()):
            combo: Any = self.fields.cellWidget(n, 2)
            out[str(combo.property("field"))] = str(combo.currentData())
        return out

    def merge_current(self) -> None:
        if self._keep is None or self._other is None:
            return
        assert self._keep.id is not None and self._other.id is not None
        other = self._other.id
        self.window_.undo_stack.push(MergeCommand(self.window_, self._keep.id, other, self.choices()))
        self._drop_current(merged_away=other)

    def not_duplicates(self) -> None:
        p = self.current_pair()
        if p is None:
            return
        dup.mark_not_duplicates(self.window_.library, p.first, p.second)
        self._drop_current()

    def _drop_current(self, merged_away: int | None = None) -> None:
        """Take the handled pair off the list, and with a merge every pair of the reference
        that went to the trash."""
        item = self.list.currentItem()
        if item is None:
            return
        p = item.data(0, Qt.ItemDataRole.UserRole)
        index = self.list.indexOfTopLevelItem(item)
        self.list.takeTopLevelItem(index)
        for i in reversed(range(self.list.topLevelItemCount())):
            row: Any = self.list.topLevelItem(i)
            q = row.data(0, Qt.ItemDataRole.UserRole)
            if merged_away is not None and merged_away in (q.first, q.second):
                self.list.takeTopLevelItem(i)
        self.pairs = [x for x in self.pairs if x != p]
        left = self.list.topLevelItemCount()
        self.status.setText(f"{left} pair{'s' if left != 1 else ''} left.")
        nxt = self.list.topLevelItem(min(index, left - 1)) if left else None
        if nxt is not None:
            self.list.setCurrentItem(nxt)
        else:
            self.show_pair()

    def _update_buttons(self) -> None:
        has = self._keep is not None
        for b in (self.swap_button, self.merge_button, self.not_dup_button):
            b.setEnabled(has)
