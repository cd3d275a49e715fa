"""A layout that places widgets left to right and wraps them onto new lines (Qt's FlowLayout
example): the tag chips of the details pane, and the citation picker's cite chips with its
query field sharing one growing bar. One class for both, so a fix to wrapping reaches both."""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget


class FlowLayout(QLayout):
    """``stretch_last``: the last widget (a query field) takes what is left of its line;
    ``hint_width``: the size hint is everything on one line up to that width (a popup that
    sizes itself to its hint), else the minimum size (a pane that gives the width)."""

    def __init__(
        self,
        parent: QWidget | None = None,
        spacing: int = 4,
        *,
        stretch_last: bool = False,
        hint_width: int | None = None,
    ) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.stretch_last = stretch_last
        self.hint_width = hint_width
        self.setContentsMargins(QMargins(0, 0, 0, 0))

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def insert_widget(self, index: int, widget: QWidget) -> None:
        """Put ``widget`` at ``index`` (a chip goes before the query field, which stays last)."""
        self.addWidget(widget)  # appends its item
        item = self._items.pop()
        self._items.insert(index, item)
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:
        """Everything on one line, up to ``hint_width``: a window sizing itself to its hint
        (adjustSize) then wraps only when the line is full."""
        if self.hint_width is None:
            return self.minimumSize()
        widths = sum(i.sizeHint().width() for i in self._items) + self._spacing * max(0, len(self._items) - 1)
        width = min(max(widths, self.minimumSize().width()), self.hint_width)
        return QSize(width, max(self.heightForWidth(width), self.minimumSize().height()))

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _place(self, rect: QRect, move: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, line = area.x(), area.y(), 0
        shown = [i for i in self._items if not _hidden(i)]
        last = len(shown) - 1
        for n, item in enumerate(shown):
            hint = item.sizeHint()
            if self.stretch_last and n == last:
                # The last widget (the query field) takes what is left of its line, at least
                # its minimum width.
                width = max(item.minimumSize().width(), area.right() - x + 1)
                if x > area.x() and x + item.minimumSize().width() > area.right() + 1:
                    x, y, line = area.x(), y + line + self._spacing, 0
                    width = area.width()
                hint = QSize(width, hint.height())
            else:
                if x + hint.width() > area.right() + 1 and line > 0:
                    x, y, line = area.x(), y + line + self._spacing, 0
                if area.width() > 0:  # a chip wider than the pane is cut to it
                    hint = QSize(min(hint.width(), area.width()), hint.height())
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line = max(line, hint.height())
        return y + line - rect.y() + m.bottom()


def _hidden(item: QLayoutItem) -> bool:
    widget = item.widget()
    return widget is not None and widget.isHidden()
