"""The sync's open conflicts, side by side (issue 21): each field changed both here and in the
shared library, with your value (kept in the library) and theirs, and Keep Mine / Take Theirs.

A choice is one step on the window's undo stack (``services.sync.resolve_conflict``): Take
Theirs writes their value into the reference and the next sync sends it; Keep Mine only closes
the conflict (the sync had kept and sent your value). Edit > Undo puts the value and the open
conflict back. Not modal: the window stays usable while it is open.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bibliofile.gui.undo import change_command
from bibliofile.services import sync
from bibliofile.services.changes import Change, NotDone, unchanged

if TYPE_CHECKING:
    from bibliofile.gui.sync_status import AutoSync
    from bibliofile.gui.window_api import WindowApi
    from bibliofile.storage.library import UnitOfWork

COLUMNS = ("Reference", "Field", "Yours (kept)", "Theirs", "")


def shown(value: Any) -> str:
    """A conflict's value in words: text as it is, authors as names, nothing as "(empty)"."""
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(p, dict) for p in value):
        return "; ".join(
            str(p.get("literal") or ", ".join(x for x in (p.get("family"), p.get("given")) if x)) for p in value
        )
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict) and "text" in value:
        return str(value.get("text") or "")
    return json.dumps(value, ensure_ascii=False)


class SyncConflictsDialog(QDialog):
    """Lists ``AutoSync.conflicts``; each row's buttons settle that conflict."""

    def __init__(self, window: WindowApi, auto: AutoSync) -> None:
        super().__init__(window.as_parent())
        self.main = window  # (QDialog.window() is Qt's)
        self.auto = auto
        self.setWindowTitle("Sync Conflicts")
        self.resize(820, 320)
        layout = QVBoxLayout(self)
        self.intro = QLabel(
            "These fields were changed both here and in the shared library. Your library keeps "
            "your value until you choose; nothing is lost either way (Edit > Undo takes a choice back)."
        )
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        self.empty = QLabel("No conflicts: every change merged.")
        layout.addWidget(self.empty)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.rows: list[sync.OpenConflict] = []
        self.buttons: list[tuple[QPushButton, QPushButton]] = []

    def reload(self) -> None:
        self.rows = list(self.auto.conflicts)
        self.buttons = []
        self.table.setRowCount(len(self.rows))
        for row, c in enumerate(self.rows):
            for column, text in enumerate((c.key, sync.field_label(c.field), shown(c.local), shown(c.remote))):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
            cell = QWidget(self.table)
            box = QHBoxLayout(cell)
            box.setContentsMargins(2, 0, 2, 0)
            mine, theirs = QPushButton("Keep Mine", cell), QPushButton("Take Theirs", cell)
            mine.clicked.connect(lambda _c=False, c=c: self.choose(c, "mine"))
            theirs.clicked.connect(lambda _c=False, c=c: self.choose(c, "theirs"))
            box.addWidget(mine)
            box.addWidget(theirs)
            self.table.setCellWidget(row, 4, cell)
            self.buttons.append((mine, theirs))
        self.table.resizeRowsToContents()
        self.table.setVisible(bool(self.rows))
        self.empty.setVisible(not self.rows)

    def choose(self, conflict: sync.OpenConflict, choice: sync.Choice) -> None:
        """One undo step: the value chosen written (Take Theirs), the conflict closed."""
        label = sync.field_label(conflict.field)
        text = f"Take their {label} of {conflict.key}" if choice == "theirs" else f"Keep my {label} of {conflict.key}"
        settle = sync.resolve_conflict(conflict.gid, conflict.field, choice)

        def operation(uow: UnitOfWork) -> Change:
            try:
                return settle(uow)
            except NotDone:  # settled meanwhile (another window, a sync): nothing to do
                return unchanged(text)

        for pair in self.buttons:
            for button in pair:
                button.setEnabled(False)  # until the list is read again
        self.main.undo_stack.push(change_command(self.main, text, operation, after=self.auto.refresh_conflicts))
