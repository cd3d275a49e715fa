"""The search field: search as you type, with the query syntax as placeholder.

Every keystroke searches: a zero-interval timer only merges keystrokes already queued in one
pass of the event loop, searches run off the GUI thread, and the table applies only the newest
result, so waiting for a pause would just add latency (a 150 ms debounce was measured as the whole
of a 168 ms keystroke-to-repaint time).

Signals:
    searchRequested(str): the text, as typed (merged per event-loop pass), or on Enter.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

DEBOUNCE_MS = 0
PLACEHOLDER = 'Search   e.g. author:knox  year:2000..2010  "exact phrase"  -exclude'


class SearchField(QLineEdit):
    searchRequested = Signal(str)

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
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._fire)
        self.textChanged.connect(lambda _t: self._timer.start())
        self.returnPressed.connect(self._fire)
        self._last: str | None = None

    def _fire(self) -> None:
        self._timer.stop()
        text = self.text()
        if text != self._last:
            self._last = text
            self.searchRequested.emit(text)

    def set_text_silently(self, text: str) -> None:
        """Change the text without starting a search (the caller runs one)."""
        self._timer.stop()
        blocked = self.blockSignals(True)
        self.setText(text)
        self.blockSignals(blocked)
        self._last = text

    def flush(self) -> None:
        """Run a pending search now (tests, and Enter)."""
        self._fire()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            self._fire()
            return
        super().keyPressEvent(event)
