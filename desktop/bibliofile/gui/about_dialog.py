"""Help > About: version, the open library, and the licences of what the app bundles."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from bibliofile import __version__
from bibliofile.gui.app_icon import app_icon

# (component, licence) for everything shipped inside a packaged build.
BUNDLED_LICENCES: tuple[tuple[str, str], ...] = (
    ("Qt / PySide6", "LGPLv3"),
    ("SQLAlchemy", "MIT"),
    ("Alembic", "MIT"),
    ("bibtexparser", "MIT"),
    ("pylatexenc", "MIT"),
    ("platformdirs", "MIT"),
    ("citeproc-js", "CPAL 1.0 / AGPL 3.0"),
    ("mini-racer (V8)", "ISC / BSD-3-Clause"),
    ("CSL citation styles and locales, Citation Style Language project", "CC BY-SA 3.0"),
)


def _plain(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


class AboutDialog(QDialog):
    def __init__(self, library_location: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Bibliofile")
        layout = QVBoxLayout(self)
        title = _plain(f"Bibliofile {__version__}", self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        self.icon_label = QLabel(self)
        self.icon_label.setTextFormat(Qt.TextFormat.PlainText)  # every label here is plain text
        self.icon_label.setPixmap(app_icon().pixmap(64, 64))
        header = QHBoxLayout()
        header.addWidget(self.icon_label)
        header.addWidget(title, 1)
        layout.addLayout(header)
        layout.addWidget(_plain("A reference manager that keeps your BibTeX files faithful.", self))
        self.library_label = _plain(f"Library: {library_location}", self)
        layout.addWidget(self.library_label)
        layout.addWidget(
            _plain(f"Python {platform.python_version()}, Qt {qVersion()}, PySide6 {pyside_version}", self)
        )
        layout.addSpacing(8)
        layout.addWidget(_plain("Bundled components and their licences:", self))
        self.licences_label = _plain("\n".join(f"  {name} — {lic}" for name, lic in BUNDLED_LICENCES), self)
        layout.addWidget(self.licences_label)
        layout.addWidget(_plain("Bibliofile itself is free software under the GPL, version 3 or later.", self))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
