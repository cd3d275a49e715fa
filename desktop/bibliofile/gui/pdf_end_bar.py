"""The bar at the foot of the reader when the last page is reached: "You reached the end —
Mark as Read" (issue 19's reading progress).

Not a dialog: reaching the end is often only a look at the references, so the offer waits
under the page, never takes the focus, and goes away with its close button or Escape.

Signals:
    markWanted(): the user chose Mark as Read.
    dismissed(): the close button or Escape.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QToolButton, QWidget

END_TEXT = "You reached the end"
DONE_TEXT = "Marked as read. Edit > Undo in the library window takes it back."


class EndBar(QFrame):
    """See the module doc; ``offer()`` shows the question, ``done()`` what Mark as Read did."""

    markWanted = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfEndBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.label = QLabel(self)
        self.label.setObjectName("pdfEndText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.mark = QPushButton("Mark as Read", self)
        self.mark.setObjectName("pdfMarkRead")
        self.mark.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.mark.setToolTip("Set the reference's reading status to Read, with today as the date read")
        close = QToolButton(self)
        close.setObjectName("pdfEndClose")
        close.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton))
        close.setToolTip("Close (Escape)")
        close.setAutoRaise(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 6, 4)
        row.addWidget(self.label)
        row.addWidget(self.mark)
        row.addStretch(1)
        row.addWidget(close)
        self.mark.clicked.connect(self.markWanted)
        close.clicked.connect(self._dismiss)
        self.hide()

    def offer(self, progress: str = "") -> None:
        """Show the question; ``progress`` ("18 of 20 pages") is said after it when given."""
        self.label.setText(f"{END_TEXT} — " if not progress else f"{END_TEXT} ({progress} viewed) — ")
        self.mark.show()
        self.show()

    def done(self) -> None:
        self.label.setText(DONE_TEXT)
        self.mark.hide()
        self.show()

    def _dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self._dismiss()
            return
        super().keyPressEvent(event)
