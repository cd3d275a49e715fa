"""The search field: search as you type, with the query syntax as placeholder.

Every keystroke searches at once: searches run off the GUI thread, a search superseded before
it starts is skipped, and the table applies only the newest result, so waiting would only add
latency. A 150 ms debounce was measured as the whole of a 168 ms keystroke-to-repaint time; a
zero-interval timer still let a repaint queued before the key (30 ms on a slow machine) run
before the search was even started.

What the query parser could not read (an unclosed parenthesis, an OR with nothing on one side,
an unknown field) is shown in the field itself: a warning icon at its end, the hint as its
tooltip and in the field's tooltip, so the search that runs with the rest is not a mystery.

Signals:
    searchRequested(str): the text, at each change, or on Enter if it was not searched yet.
    resultsWanted(): Down or Enter: the user goes on to the references found.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction, QContextMenuEvent, QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QLineEdit, QStyle, QToolTip, QWidget

from bibliofile.model.query import parse_query

PLACEHOLDER = 'Search   e.g. author:knox  year:2000..2010  "exact phrase"  gowda OR lignos  -exclude'
SYNTAX_TIP = (
    "Words match anywhere (as prefixes); all of them must match. Fields: author: title: year: "
    "type: tag: key: journal: doi: keyword: fulltext: (attached files). Ranges: year:2000..2010. \"Quoted phrase\". "
    "Either: gowda OR lignos (or |). Group: title:(graph OR network). Exclude: -word, NOT word, "
    "-(a OR b). OR, AND and NOT only in capitals; AND binds tighter than OR."
)


class SearchField(QLineEdit):
    searchRequested = Signal(str)
    resultsWanted = Signal()
    focusEntered = Signal()  # a search may follow: the table warms what it searches with (issue 22)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchField")
        # Our own clear action, not setClearButtonEnabled: Qt's button fades in over 160 ms on
        # the first character (and out on the last), so the screen kept changing ~130 ms after a
        # search's rows had settled (issue 22). This one appears and goes at once.
        clear_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_LineEditClearButton)
        self.clear_action = QAction(clear_icon, "Clear Search", self)
        self.clear_action.setObjectName("searchClear")
        self.clear_action.setToolTip("Clear the search (Esc)")
        self.clear_action.triggered.connect(self._clear)
        self.addAction(self.clear_action, QLineEdit.ActionPosition.TrailingPosition)  # first: at the end
        self.textChanged.connect(lambda text: self.clear_action.setVisible(bool(text)))
        self.setPlaceholderText(PLACEHOLDER)
        self.setToolTip(SYNTAX_TIP)
        self.setMinimumWidth(260)
        self.hint = ""
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.hint_action = QAction(icon, "", self)
        self.hint_action.setObjectName("searchHint")
        self.hint_action.triggered.connect(self._show_hint_tip)
        self.addAction(self.hint_action, QLineEdit.ActionPosition.TrailingPosition)
        self.textChanged.connect(self._update_hint)
        self.textChanged.connect(self._fire)
        self._last: str | None = None
        # "Search Inside Files" (issue 19): plain words also match attached files' text. In the
        # field's context menu; while on, an icon at the field's start says so (click: off).
        self.inside_files_action = QAction("Search Inside Files", self)
        self.inside_files_action.setObjectName("searchInsideFiles")
        self.inside_files_action.setCheckable(True)
        self.inside_files_action.setToolTip("Plain words also match the text of attached files (PDF, HTML, text)")
        file_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        self.inside_files_indicator = QAction(file_icon, "Searching inside files too (click to stop)", self)
        self.inside_files_indicator.triggered.connect(lambda: self.inside_files_action.setChecked(False))
        self.addAction(self.inside_files_indicator, QLineEdit.ActionPosition.LeadingPosition)
        # Hidden only once added: QLineEdit gives an action hidden before addAction a button
        # that shows anyway (the file icon was always at the field's start), and places side
        # buttons when they are added, so the clear button, added first, keeps the far end.
        for action in (self.clear_action, self.hint_action, self.inside_files_indicator):
            action.setVisible(False)
        self.inside_files_action.toggled.connect(self.inside_files_indicator.setVisible)

    def _fire(self, *_args: object) -> None:
        text = self.text()
        if text != self._last:
            self._last = text
            self.searchRequested.emit(text)

    def _update_hint(self, text: str) -> None:
        """The parser's hint for the text, on the field (the table shows what it could read)."""
        hint = parse_query(text).hint if text.strip() else ""
        if hint == self.hint:
            return
        self.hint = hint
        self.hint_action.setVisible(bool(hint))
        self.hint_action.setToolTip(hint)
        self.hint_action.setText(hint)
        self.setToolTip(f"{hint}\n\n{SYNTAX_TIP}" if hint else SYNTAX_TIP)

    def _clear(self) -> None:
        self.clear()
        self._fire()
        self.setFocus()

    def _show_hint_tip(self) -> None:
        QToolTip.showText(self.mapToGlobal(QPoint(self.width() - 20, self.height())), self.hint, self)

    def set_text_silently(self, text: str) -> None:
        """Change the text without starting a search (the caller runs one)."""
        blocked = self.blockSignals(True)
        self.setText(text)
        self.blockSignals(blocked)
        self._last = text
        self._update_hint(text)

    def flush(self) -> None:
        """Search for the text now if it was not searched for yet (tests, and Enter)."""
        self._fire()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.createStandardContextMenu()
        menu.addSeparator()
        menu.addAction(self.inside_files_action)
        menu.exec(event.globalPos())
        menu.deleteLater()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focusEntered.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self._clear()
            return
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._fire()  # Enter searches what was not searched yet (see flush)
            self.resultsWanted.emit()  # then on to the table, as in a mail client's search
            return
        super().keyPressEvent(event)
