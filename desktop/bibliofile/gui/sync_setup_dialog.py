"""The first File > Sync with Shared Library (issue 21): the server's address and what syncs with
it, the whole library or only chosen collections (a group library beside the private ones).

Collections are offered as the sidebar shows them, by path ("Projects/Lab reading"), and sent to
``services.sync`` as paths: the sync finds each and remembers its global id, so a later rename
changes nothing. Choosing no collection joins a group without sharing any of one's own: the
sync brings in what the group holds and sends only changes to it.

Signals:
    chosen(str, object): the address, and the scope (``sync.WHOLE_LIBRARY`` or a list of paths).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from bibliofile.services import sync

ADDRESS_HINT = (
    "Address of the shared library (PostgreSQL): postgresql://USER@HOST:5432/DATABASE\n"
    "The password is read from PGPASSWORD or ~/.pgpass; it is never stored in the library."
)
ONLY_HINT = (
    "Only the checked collections, what is under them and their references are sent; your other "
    "references stay private. The group's own collections come in beside yours. Check none to "
    "join a group without sharing any of your collections."
)


def collection_paths(rows: list[tuple[int, int | None, str]]) -> list[str]:
    """"Parent/Child" of each collection of (id, parent id, name) rows, parents first, by name."""
    by_id = {i: (p, n) for i, p, n in rows}
    out = [sync.tree_path(cid, by_id, lambda at: (by_id[at][1], by_id[at][0])) for cid in by_id]
    return sorted(out, key=lambda p: [part.casefold() for part in p.split("/")])


class SyncSetupDialog(QDialog):
    """Address, then "Whole library" or "Only these collections" with a checklist."""

    chosen = Signal(str, object)

    def __init__(self, collections: list[tuple[int, int | None, str]], parent: QWidget | None = None,
                 *, address: str | None = None, scope: list[str] | None = None) -> None:
        """``address``: the server already synced with (File > Choose What Syncs: shown, not
        edited), with its ``scope`` (paths; None: the whole library)."""
        super().__init__(parent)
        self.setWindowTitle("Sync with Shared Library" if address is None else "Choose What Syncs")
        layout = QVBoxLayout(self)
        hint = QLabel(ADDRESS_HINT if address is None else
                      "What syncs with the shared library from now on: a collection checked is sent "
                      "at this sync. What is already shared stays in the group, checked or not (delete "
                      "it to take it out of the group for everyone, or leave the group).")
        hint.setTextFormat(Qt.TextFormat.PlainText)
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.address = QLineEdit(address or "postgresql://")
        self.address.setObjectName("syncAddress")
        self.address.setReadOnly(address is not None)
        layout.addWidget(self.address)
        self.whole = QRadioButton("Whole library")
        self.only = QRadioButton("Only these collections (a group library):")
        self.whole.setChecked(True)
        self._choice = QButtonGroup(self)
        for button in (self.whole, self.only):
            self._choice.addButton(button)
            layout.addWidget(button)
        self.collections = QListWidget()
        self.collections.setObjectName("syncCollections")
        for path in collection_paths(collections):
            item = QListWidgetItem(path)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.collections.addItem(item)
        layout.addWidget(self.collections)
        only_hint = QLabel(ONLY_HINT)
        only_hint.setWordWrap(True)
        layout.addWidget(only_hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sync")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.only.toggled.connect(self._update)
        self.address.textChanged.connect(self._update)
        self.collections.itemChanged.connect(lambda _item: self._choose_only())
        if scope is not None:
            self.only.setChecked(True)
            self.check(*scope)
        self._update()

    def _choose_only(self) -> None:
        if self.checked() and not self.only.isChecked():
            self.only.setChecked(True)

    def _update(self) -> None:
        url = self.address.text().strip()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(url) and url not in ("postgresql://", "postgres://"))

    def check(self, *paths: str) -> None:
        """Check these collections (and choose "Only these collections")."""
        for row in range(self.collections.count()):
            item = self.collections.item(row)
            if item.text() in paths:
                item.setCheckState(Qt.CheckState.Checked)

    def checked(self) -> list[str]:
        return [
            self.collections.item(row).text()
            for row in range(self.collections.count())
            if self.collections.item(row).checkState() == Qt.CheckState.Checked
        ]

    def scope(self) -> str | list[str]:
        return self.checked() if self.only.isChecked() else sync.WHOLE_LIBRARY

    def accept(self) -> None:
        super().accept()
        self.chosen.emit(self.address.text().strip(), self.scope())
