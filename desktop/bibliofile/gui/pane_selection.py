"""The top of the detail pane when several references are selected: their count, whether the
pane edits them, and the explicit "Edit all N…" that unlocks editing after a confirmation.

Why a lock: after an import every new reference stayed selected, and one stray keystroke in a
field changed dozens of them (issue 17). Several selected references are shown read-only, with
what they share; editing them all is a decision the user confirms with the count in front of
them, and it lasts until the selection changes or "Done" is pressed.

Signals (SelectionBanner):
    unlocked(): the user confirmed "Edit all N"; the pane rebuilds its fields editable.
    locked(): "Done": the pane goes back to read-only.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget


def _label(text: str, parent: QWidget, quiet: bool = False) -> QLabel:
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(True)
    if quiet:
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


# "Edit All N…" is offered up to this many: an edit of more is a long write with a long undo.
EDIT_ALL_LIMIT = 1000


def pending_note() -> str:
    """Shown under the count while a worker reads what many selected references share."""
    return "Reading what they share…"


def read_only_note() -> str:
    return "Read-only: these are the values they share; (various) marks fields that differ."


def editing_note(n: int) -> str:
    return f"A change here applies to all {n:,} of them, as one step of Edit > Undo."


class SelectionBanner(QWidget):
    """The count of selected references and the button that unlocks (or locks) editing them."""

    unlocked = Signal()
    locked = Signal()

    def __init__(
        self, n: int, editable: bool, parent: QWidget | None = None, edit_limit: int | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("selectionBanner")
        self.n = n
        self.editable = editable
        self.edit_limit = edit_limit  # beyond it the button says why it is off
        self.confirm: QMessageBox | None = None
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 4)
        col.setSpacing(2)
        self.header = _label("", self)
        self.header.setObjectName("detailHeader")
        f = QFont(self.header.font())
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() * 1.15)
        self.header.setFont(f)
        col.addWidget(self.header)
        self.note = _label("", self, quiet=True)
        self.note.setObjectName("selectionNote")
        col.addWidget(self.note)
        row = QHBoxLayout()
        row.setContentsMargins(0, 2, 0, 0)
        self.button = QPushButton(self)
        self.button.setObjectName("editAllButton")
        self.button.clicked.connect(self._clicked)
        row.addWidget(self.button)
        row.addStretch(1)
        col.addLayout(row)
        self.set_count(n)

    def set_count(self, n: int) -> None:
        """Another selection with the same rows: the form is kept, the count changes."""
        self.n = n
        self.header.setText(f"Editing {n:,} references" if self.editable else f"{n:,} references selected")
        self.note.setText(editing_note(n) if self.editable else read_only_note())
        self.button.setText("Done Editing" if self.editable else f"Edit All {n:,}…")
        too_many = not self.editable and self.edit_limit is not None and n > self.edit_limit
        self.button.setEnabled(not too_many)
        self.button.setToolTip(
            "Go back to showing them read-only" if self.editable
            else f"Select at most {self.edit_limit:,} references to edit them together" if too_many
            else f"Unlock the fields to change all {n:,} selected references at once"
        )
        self.button.setAccessibleName(self.button.text())

    def _clicked(self) -> None:
        if self.editable:
            self.locked.emit()
        else:
            self.ask()

    def ask(self) -> QMessageBox:
        """The confirmation, window-modal and not blocking (tests answer it like a user)."""
        n = self.n
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Edit All Selected References",
            f"Edit all {n:,} selected references?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("confirmEditAll")
        box.setInformativeText(
            f"Every change you make in the detail pane will be made in all {n:,} references. "
            "Each change is one step of Edit > Undo."
        )
        yes = box.addButton(f"Edit All {n:,}", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)  # Return alone must not unlock
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)

        def answered(_result: int) -> None:
            if box.clickedButton() is yes:
                self.unlocked.emit()

        box.finished.connect(answered)
        self.confirm = box
        box.open()
        return box


def batch_status(what: str, n: int, undone: bool) -> str:
    """The status line after a change of several references: how many it changed, each way
    ("Changed the journal of 48 references"), so a mass change is never silent."""
    refs = "reference" if n == 1 else "references"
    if undone:
        return f"Put back {what} of {n:,} {refs}"
    return f"Changed {what} of {n:,} {refs}" if n else f"Nothing changed: {what} was already so"
