"""The detail pane's field editors: a one-line field and a growing plain-text field.

Split out of detail_pane.py, which lays them out; here is how each behaves under the keys:
Escape puts back the stored value, Delete in an empty "(various)" field of an unlocked
multi-selection means "clear it in all of them", and Return (or leaving the field) finishes an
edit. Both are plain-text only: a title holding ``<b>`` shows the tags.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QLineEdit, QSizePolicy, QTextEdit, QWidget

from bibliofile.gui.creators_editor import MULTIPLE


class GrowingTextEdit(QTextEdit):
    """Plain text that wraps and grows with its content (titles, abstracts, notes).

    Signals: editingFinished() — focus left with changes, or Return in a one-paragraph field.
    """

    editingFinished = Signal()

    def __init__(self, one_paragraph: bool, min_lines: int, max_lines: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.one_paragraph = one_paragraph
        self.min_lines = min_lines
        self.max_lines = max_lines
        self.stored = ""
        self.mixed = False  # showing "(various)"
        self.setAcceptRichText(False)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().setDocumentMargin(2)
        self.document().contentsChanged.connect(self._fit)
        self._fit()

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        self.setPlainText(text)
        self.document().setModified(False)

    def isModified(self) -> bool:
        return self.document().isModified()

    def setModified(self, modified: bool) -> None:
        self.document().setModified(modified)

    def keyPressEvent(self, e: QKeyEvent) -> None:
        if _revert_or_clear(self, e):
            return
        enter = e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and (self.one_paragraph or e.modifiers() & Qt.KeyboardModifier.ControlModifier):
            self.editingFinished.emit()
            return
        super().keyPressEvent(e)

    def focusOutEvent(self, e: QFocusEvent) -> None:
        super().focusOutEvent(e)
        if self.isModified():
            self.editingFinished.emit()

    def insertFromMimeData(self, source: QMimeData) -> None:
        """Pasted line breaks become spaces in one-paragraph fields (titles)."""
        if self.one_paragraph and source.hasText():
            self.insertPlainText(" ".join(source.text().split()))
            return
        super().insertFromMimeData(source)

    def resizeEvent(self, e: QResizeEvent) -> None:
        super().resizeEvent(e)
        self._fit()

    def _fit(self) -> None:
        doc = self.document()
        doc.setTextWidth(self.viewport().width())
        line = self.fontMetrics().lineSpacing()
        margins = self.contentsMargins().top() + self.contentsMargins().bottom()
        lo = self.min_lines * line + 2 * doc.documentMargin()
        hi = self.max_lines * line + 2 * doc.documentMargin()
        h = int(min(max(doc.size().height(), lo), hi)) + margins + 2
        if h != self.height() or self.minimumHeight() != h:
            self.setFixedHeight(h)

    def sizeHint(self) -> QSize:
        return QSize(200, self.height())


class FieldLineEdit(QLineEdit):
    """A one-line field; Escape puts back the stored value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stored = ""
        self.mixed = False  # showing "(various)"
        self.setMinimumWidth(60)

    def keyPressEvent(self, e: QKeyEvent) -> None:
        if _revert_or_clear(self, e):
            return
        super().keyPressEvent(e)


FieldEditor = FieldLineEdit | GrowingTextEdit


def _revert_or_clear(editor: FieldEditor, e: QKeyEvent) -> bool:
    """Escape puts back the stored value; Delete or Backspace in an empty "(various)"
    field means "clear it in all of them" (the placeholder goes, so the intent is visible)."""
    cleared = editor.mixed and editor.placeholderText() != MULTIPLE
    if e.key() == Qt.Key.Key_Escape and (editor.isModified() or cleared):
        editor.setText(editor.stored)
        if editor.mixed:
            editor.setPlaceholderText(MULTIPLE)
        return True
    if editor.mixed and not editor.text() and e.key() in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
        editor.setPlaceholderText("")
        editor.setModified(True)
        return True
    return False
