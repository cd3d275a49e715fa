"""Edit > Preferences: the quick-copy style and language (what Copy Bibliography, Copy Citation,
Ctrl+C and dragging references produce), kept in QSettings.

The settings keys live here (``QUICK_STYLE_KEY``, ``QUICK_LOCALE_KEY``) so every reader of the
quick-copy style agrees on them; an empty language means the style's own default language
(Nature's journals ask for British English, for instance).
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

QUICK_STYLE_KEY = "citations/quickCopyStyle"
QUICK_LOCALE_KEY = "citations/quickCopyLocale"
DEFAULT_STYLE = "apa"


def quick_copy_style(settings: QSettings) -> str:
    return str(settings.value(QUICK_STYLE_KEY, DEFAULT_STYLE) or DEFAULT_STYLE)


def quick_copy_locale(settings: QSettings) -> str | None:
    return str(settings.value(QUICK_LOCALE_KEY, "") or "") or None


class PreferencesDialog(QDialog):
    """Choose the quick-copy style (searchable over every style) and its language."""

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        from bibliofile.citation.locales import available_locales, language_name
        from bibliofile.gui.style_picker import StylePicker

        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Preferences")
        self.setObjectName("preferencesDialog")
        layout = QVBoxLayout(self)
        box = QGroupBox("Quick copy and drag", self)
        inner = QVBoxLayout(box)
        hint = QLabel(
            "Copy Bibliography (Ctrl+Shift+C), Copy Citation (Ctrl+Shift+A), Ctrl+C in the table "
            "and dragging references into a document use this style:",
            box,
        )
        hint.setTextFormat(Qt.TextFormat.PlainText)
        hint.setWordWrap(True)
        inner.addWidget(hint)
        self.picker = StylePicker(parent=box)
        self.picker.setMinimumSize(420, 300)
        inner.addWidget(self.picker, 1)
        form = QFormLayout()
        self.language = QComboBox(box)
        self.language.addItem("The style's own language", "")
        for tag in available_locales():
            self.language.addItem(language_name(tag), tag)
        form.addRow("Language:", self.language)
        inner.addLayout(form)
        layout.addWidget(box, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.picker.set_style(quick_copy_style(settings))
        i = self.language.findData(quick_copy_locale(settings) or "")
        self.language.setCurrentIndex(max(i, 0))

    def accept(self) -> None:
        self.save()
        super().accept()

    def save(self) -> None:
        self.settings.setValue(QUICK_STYLE_KEY, self.picker.style_id() or DEFAULT_STYLE)
        self.settings.setValue(QUICK_LOCALE_KEY, self.language.currentData() or "")
        self.settings.sync()
