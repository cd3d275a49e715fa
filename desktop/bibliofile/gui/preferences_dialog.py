"""Edit > Preferences: the quick-copy style and language (what Copy Bibliography, Copy Citation,
Ctrl+C and dragging references produce) and the citation key pattern, kept in QSettings.

The settings keys live here (``QUICK_STYLE_KEY``, ``QUICK_LOCALE_KEY``, ``KEY_PATTERN_KEY``) so
every reader agrees on them; an empty language means the style's own default language (Nature's
journals ask for British English, for instance). The key pattern is checked with
``services.citation_keys`` as it is typed: an invalid one shows why under the field and is never
stored, and ``citation_key_pattern`` falls back to the default should the stored one be invalid
(a settings file edited by hand), so key generation never fails on a preference.
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
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from bibliofile.services import citation_keys
from bibliofile.services.citation_keys import DEFAULT_PATTERN, KeySource, PatternError

QUICK_STYLE_KEY = "citations/quickCopyStyle"
QUICK_LOCALE_KEY = "citations/quickCopyLocale"
KEY_PATTERN_KEY = "citationKeys/pattern"
DEFAULT_STYLE = "apa"
# The reference the pattern's example is made from (the README's example key).
EXAMPLE_SOURCE = KeySource("Public Management for All Seasons?", 1991, ("Hood",))


def quick_copy_style(settings: QSettings) -> str:
    return str(settings.value(QUICK_STYLE_KEY, DEFAULT_STYLE) or DEFAULT_STYLE)


def quick_copy_locale(settings: QSettings) -> str | None:
    return str(settings.value(QUICK_LOCALE_KEY, "") or "") or None


def pattern_problem(pattern: str) -> str:
    """"" when ``pattern`` can make keys, else why not (in words for the hint under the field)."""
    try:
        citation_keys.check_pattern(pattern)
    except PatternError as exc:
        return str(exc)
    return ""


def citation_key_pattern(settings: QSettings) -> str:
    """The pattern new citation keys are made from: the user's, or the default."""
    pattern = str(settings.value(KEY_PATTERN_KEY, "") or "").strip()
    return pattern if pattern and not pattern_problem(pattern) else DEFAULT_PATTERN


class PreferencesDialog(QDialog):
    """Choose the quick-copy style (searchable over every style), its language, and the citation
    key pattern (OK waits until the pattern is valid)."""

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
        layout.addWidget(self._key_box())
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout.addWidget(buttons)
        self.picker.set_style(quick_copy_style(settings))
        i = self.language.findData(quick_copy_locale(settings) or "")
        self.language.setCurrentIndex(max(i, 0))
        self.key_pattern.setText(citation_key_pattern(settings))
        self._pattern_edited()

    def _key_box(self) -> QGroupBox:
        box = QGroupBox("Citation keys", self)
        form = QFormLayout(box)
        self.key_pattern = QLineEdit(box)
        self.key_pattern.setObjectName("keyPattern")
        self.key_pattern.setPlaceholderText(DEFAULT_PATTERN)
        self.key_pattern.setToolTip(
            "<p>Fields: [auth] [authEtAl] [authors] [year] [title] [shorttitle] [veryshorttitle]; "
            "modifiers :lower :upper :abbr. Used for references without a key (on import, for a new "
            "reference) and by Regenerate Citation Keys.</p>"
        )
        self.key_pattern.textChanged.connect(self._pattern_edited)
        form.addRow("Citation key pattern:", self.key_pattern)
        self.key_hint = QLabel(box)
        self.key_hint.setObjectName("keyPatternHint")
        self.key_hint.setTextFormat(Qt.TextFormat.PlainText)  # it quotes what was typed
        self.key_hint.setWordWrap(True)
        form.addRow("", self.key_hint)
        return box

    def pattern(self) -> str:
        """The pattern as typed; an empty field means the default."""
        return self.key_pattern.text().strip() or DEFAULT_PATTERN

    def _pattern_edited(self, *_args: object) -> None:
        pattern = self.pattern()
        problem = pattern_problem(pattern)
        if problem:
            self.key_hint.setText(f"⚠ Not a usable pattern: {problem}. It is not saved until it is fixed.")
        else:
            example = citation_keys.make_key(EXAMPLE_SOURCE, pattern) or "(empty)"
            self.key_hint.setText(f"Hood 1991, “Public Management for All Seasons?” → {example}")
        self.key_hint.setProperty("invalid", bool(problem))
        if self.ok_button is not None:
            self.ok_button.setEnabled(not problem)

    def accept(self) -> None:
        if pattern_problem(self.pattern()):
            return  # the hint says why; nothing is stored
        self.save()
        super().accept()

    def save(self) -> None:
        self.settings.setValue(QUICK_STYLE_KEY, self.picker.style_id() or DEFAULT_STYLE)
        self.settings.setValue(QUICK_LOCALE_KEY, self.language.currentData() or "")
        pattern = self.pattern()
        if not pattern_problem(pattern):  # an invalid pattern is never stored
            self.settings.setValue(KEY_PATTERN_KEY, pattern)
        self.settings.sync()
