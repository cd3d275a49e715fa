"""The search field: search as you type, with the query syntax as placeholder.

Every keystroke searches at once: searches run off the GUI thread, a search superseded before
it starts is skipped, and the table applies only the newest result, so waiting would only add
latency. A 150 ms debounce was measured as the whole of a 168 ms keystroke-to-repaint time; a
zero-interval timer still let a repaint queued before the key (30 ms on a slow machine) run
before the search was even started.

Signals:
    searchRequested(str): the text, at each change, or on Enter if it was not searched yet.
    resultsWanted(): Down or Enter: the user goes on to the references found.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

PLACEHOLDER = 'Search   e.g. author:knox  year:2000..2010  "exact phrase"  -exclude'


class SearchField(QLineEdit):
    searchRequested = Signal(str)
    resultsWanted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchField")
        self.setClearButtonEnabled(True)
        self.setPlaceholderText(PLACEHOLDER)
        self.setToolTip(
            "Words match anywhere (as prefixes). Fields: author: title: year: type: tag: key: "
            "journal: doi: keyword:. Ranges: year:2000..2010. Exclude with -word."
        )
        self.setMinimumWidth(260)
        self.textChanged.connect(self._fire)
        self._last: str | None = None

    def _fire(self, *_args: object) -> None:
        text = self.text()
        if text != self._last:
            self._last = text
            self.searchRequested.emit(text)

    def set_text_silently(self, text: str) -> None:
        """Change the text without starting a search (the caller runs one)."""
        blocked = self.blockSignals(True)
        self.setText(text)
        self.blockSignals(blocked)
        self._last = text

    def flush(self) -> None:
        """Search for the text now if it was not searched for yet (tests, and Enter)."""
        self._fire()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            self._fire()
            return
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._fire()  # Enter searches what was not searched yet (see flush)
            self.resultsWanted.emit()  # then on to the table, as in a mail client's search
            return
        super().keyPressEvent(event)
