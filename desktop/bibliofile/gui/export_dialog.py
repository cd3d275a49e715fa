"""File > Export…: BibTeX or BibLaTeX of the selection, the current collection or the library.

The file is written atomically (``services.exporting.write_atomically``): a crash mid-write never
leaves half a file where the old one was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

What = Literal["selection", "view", "library"]
EXPORT_FILTER = "BibTeX files (*.bib);;All files (*)"


@dataclass(frozen=True, slots=True)
class ExportChoice:
    what: What
    dialect: Literal["bibtex", "biblatex"]


class ExportDialog(QDialog):
    """Ask what to export and in which dialect; the file name is asked next."""

    def __init__(
        self,
        selected: int,
        view_label: str,
        view_count: int,
        library_count: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        layout = QVBoxLayout(self)
        intro = QLabel("Export references as a .bib file:", self)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)
        self.group = QButtonGroup(self)
        self.radios: dict[What, QRadioButton] = {}
        options: Sequence[tuple[What, str, int]] = (
            ("selection", f"Selected references ({selected})", selected),
            ("view", f"{view_label} ({view_count})", view_count),
            ("library", f"Whole library ({library_count}, keeps the files' layout and @string blocks)", library_count),
        )
        for what, text, n in options:
            rb = QRadioButton(text, self)  # radio button text is never rich text
            rb.setEnabled(n > 0 or what == "library")
            self.group.addButton(rb)
            self.radios[what] = rb
            layout.addWidget(rb)
        (self.radios["selection"] if selected else self.radios["library"]).setChecked(True)
        form = QFormLayout()
        self.dialect = QComboBox(self)
        self.dialect.addItem("BibTeX", "bibtex")
        self.dialect.addItem("BibLaTeX", "biblatex")
        form.addRow("Format:", self.dialect)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def choice(self) -> ExportChoice:
        what: What = next(w for w, rb in self.radios.items() if rb.isChecked())
        return ExportChoice(what, self.dialect.currentData())
