"""The note of a reference: rich text (bold, italic, lists, links), saved with the library.

The note is HTML from QTextDocument; its plain text goes to the full-text index so a search
finds words in notes. Saving is one undo step over ``services.notes.set_note``, whose undo
puts back the old note and its plain text as stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QFont, QKeySequence, QTextCharFormat, QTextListFormat
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QTextBrowser,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from bibliofile.gui.undo import change_command
from bibliofile.services import notes

if TYPE_CHECKING:
    from bibliofile.gui.window_api import WindowApi


class NoteEditor(QWidget):
    """A rich-text editor with a small formatting toolbar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QTextBrowser(self)  # a browser so links open; made editable below
        self.text.setReadOnly(False)
        self.text.setOpenExternalLinks(True)
        self.text.setObjectName("noteText")
        bar = QToolBar(self)
        self.act_bold = bar.addAction("Bold", self.toggle_bold)
        self.act_bold.setShortcut(QKeySequence.StandardKey.Bold)
        self.act_italic = bar.addAction("Italic", self.toggle_italic)
        self.act_italic.setShortcut(QKeySequence.StandardKey.Italic)
        bar.addAction("• List", lambda: self.make_list(QTextListFormat.Style.ListDisc))
        bar.addAction("1. List", lambda: self.make_list(QTextListFormat.Style.ListDecimal))
        bar.addAction("Link…", self.ask_link)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(bar)
        layout.addWidget(self.text)

    def toggle_bold(self) -> None:
        fmt = QTextCharFormat()
        bold = self.text.fontWeight() != QFont.Weight.Bold
        fmt.setFontWeight(QFont.Weight.Bold if bold else QFont.Weight.Normal)
        self.text.mergeCurrentCharFormat(fmt)

    def toggle_italic(self) -> None:
        fmt = QTextCharFormat()
        fmt.setFontItalic(not self.text.fontItalic())
        self.text.mergeCurrentCharFormat(fmt)

    def make_list(self, style: QTextListFormat.Style) -> None:
        self.text.textCursor().createList(style)

    def ask_link(self) -> None:
        url, ok = QInputDialog.getText(self, "Link", "Address (URL):")
        if ok and url.strip():
            self.add_link(url.strip())

    def add_link(self, url: str) -> None:
        cursor = self.text.textCursor()
        fmt = QTextCharFormat()
        fmt.setAnchor(True)
        fmt.setAnchorHref(url)
        fmt.setFontUnderline(True)
        label = cursor.selectedText() or url
        cursor.insertText(label, fmt)
        cursor.insertText(" ", QTextCharFormat())

    def html(self) -> str:
        return self.text.toHtml() if self.text.toPlainText().strip() else ""

    def plain(self) -> str:
        return self.text.toPlainText()

    def set_html(self, html: str) -> None:
        self.text.setHtml(html)


class NotesDialog(QDialog):
    """Edit one reference's note; Save stores it as one undo step."""

    def __init__(self, window: WindowApi, rid: int) -> None:
        super().__init__(window.as_parent())
        self.window_ = window
        self.rid = rid
        ref = window.library.get(rid)
        self.setWindowTitle(f"Note — {ref.title or ref.citation_key or 'reference'}")
        self.editor = NoteEditor(self)
        self.editor.set_html(notes.note(window.library, rid))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor)
        layout.addWidget(buttons)
        self.resize(520, 420)

    def start(self) -> None:
        """Nothing to load in the background (the dialog protocol of curation_actions)."""

    def save(self) -> None:
        rid, html, plain = self.rid, self.editor.html(), self.editor.plain()
        self.window_.undo_stack.push(
            change_command(self.window_, "Edit Note", lambda u: notes.set_note(u, rid, html, plain))
        )
        self.accept()
