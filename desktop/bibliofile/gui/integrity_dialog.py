"""Tools > Check Library: every finding of services.integrity, selectable, with certain fixes.

The check runs on the task runner (reading 100k references takes seconds) with its progress
shown, and Cancel stops it (gui/background_scan.py); selecting findings and pressing Show selects
those references in the table; Fix applies the certain fixes of the selected findings as one
undoable edit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from bibliofile.gui.background_scan import ScanControls
from bibliofile.services import integrity
from bibliofile.services.integrity import Finding

if TYPE_CHECKING:
    from bibliofile.gui.window_api import WindowApi


class IntegrityDialog(QDialog):
    """Tools > Check Library."""

    batch = 2000  # references read per step; Cancel takes effect between steps

    def __init__(self, window: WindowApi) -> None:
        super().__init__(window.as_parent())
        self.window_ = window
        self.setWindowTitle("Check Library")
        self.findings: list[Finding] = []
        self.status = QLabel("Checking…", self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.list = QTreeWidget(self)
        self.list.setObjectName("findings")
        self.list.setHeaderLabels(["Citation key", "Title", "Problem", "Fix"])
        self.list.setRootIsDecorated(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.itemDoubleClicked.connect(lambda *_a: self.show_selected())
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.show_button = QPushButton("Show in Library", self)
        self.show_button.clicked.connect(self.show_selected)
        self.fix_button = QPushButton("Fix Selected", self)
        self.fix_button.clicked.connect(self.fix_selected)
        self.controls = ScanControls(
            self, window.runner, self.status, "check", "Checking…", "Check Again", self.set_findings
        )
        self.cancel_button = self.controls.cancel_button
        self.again_button = self.controls.again_button
        self.again_button.clicked.connect(self.start)
        self.scan = self.controls.scan
        close = QPushButton("Close", self)
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addWidget(self.show_button)
        row.addWidget(self.fix_button)
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.again_button)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.list)
        layout.addLayout(row)
        self.resize(860, 460)
        self._update_buttons()

    def start(self) -> None:
        lib = self.window_.library
        batch = self.batch
        from bibliofile.gui.pane_attachments import BASE_FOLDER_KEY
        from bibliofile.services.library_check import missing_attachments

        base = str(self.window_.settings.value(BASE_FOLDER_KEY, "") or "") or None
        self.controls.start(lambda cancelled, progress: integrity.check_library(
            lib, progress=progress, cancelled=cancelled, batch=batch) + missing_attachments(lib, base))

    def cancel(self) -> None:
        self.controls.cancel()

    def done(self, result: int) -> None:
        """Closing the dialog stops a check still running (its findings would go nowhere)."""
        self.scan.cancel()
        super().done(result)

    def set_findings(self, findings: list[Finding]) -> None:
        self.controls.show_running(False)
        self.findings = findings
        self.list.clear()
        for f in findings:
            item = QTreeWidgetItem([f.citation_key, f.title, f.message, f"→ {f.fix}" if f.fix else ""])
            item.setData(0, Qt.ItemDataRole.UserRole, f)
            item.setToolTip(1, f.title)
            self.list.addTopLevelItem(item)
        refs = len({f.reference_id for f in findings})
        fixable = sum(1 for f in findings if f.fixable)
        self.status.setText(
            "No problems found." if not findings
            else f"{len(findings)} problem{'s' if len(findings) != 1 else ''} in {refs} "
                 f"reference{'s' if refs != 1 else ''}; {fixable} can be fixed for certain."
        )
        for col, width in ((0, 170), (1, 260), (2, 320)):
            self.list.setColumnWidth(col, width)
        self._update_buttons()

    def selected(self) -> list[Finding]:
        return [i.data(0, Qt.ItemDataRole.UserRole) for i in self.list.selectedItems()]

    def _update_buttons(self) -> None:
        sel = self.selected()
        self.show_button.setEnabled(bool(sel))
        self.fix_button.setEnabled(any(f.fixable for f in sel))

    def show_selected(self) -> None:
        ids = list(dict.fromkeys(f.reference_id for f in self.selected()))
        if ids:
            self.window_.show_in_library(ids)

    def fix_selected(self) -> None:
        from bibliofile.gui.undo import EditReferenceCommand

        chosen = [f for f in self.selected() if f.fixable]
        lib = self.window_.library
        pairs = integrity.apply_fixes(lib.get_many(list({f.reference_id for f in chosen})), chosen)
        if not pairs:
            return
        from bibliofile.gui.preferences_dialog import citation_key_pattern

        cmd = EditReferenceCommand(
            lib, [b for b, _ in pairs], [a for _, a in pairs], "Fix Library Problems",
            on_applied=lambda _ids: self.window_.reload(), on_error=self.window_.show_error,
            key_pattern=citation_key_pattern(self.window_.settings),
        )
        self.window_.undo_stack.push(cmd)
        fixed = {id(f) for f in chosen}
        self.set_findings([f for f in self.findings if id(f) not in fixed])

    def findings_shown(self) -> list[str]:
        items: list[Any] = [self.list.topLevelItem(i) for i in range(self.list.topLevelItemCount())]
        return [i.text(2) for i in items]
