"""View > Overview: references per year, per type, and read per month, as bar charts painted
with QPainter (no chart library). Clicking a bar shows those references in the table, through
the same search syntax the user can type (``year:2008``, ``type:book``, ``read:2026-03``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout, QWidget

from bibliofile.model.item_types import item_type
from bibliofile.storage import curation

if TYPE_CHECKING:
    from bibliofile.gui.window_api import WindowApi


class BarChart(QWidget):
    """Vertical bars with labels under them; ``barClicked(query)`` when one is clicked."""

    barClicked = Signal(str)

    def __init__(self, bars: Sequence[tuple[str, int, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars = list(bars)  # (label, value, query)
        self.setMouseTracking(True)
        self.setMinimumHeight(180)
        self._hover = -1

    def sizeHint(self) -> QSize:
        return QSize(max(300, 22 * len(self.bars) + 40), 200)

    def bar_rects(self) -> list[QRectF]:
        if not self.bars:
            return []
        top, bottom_space, left = 18.0, 34.0, 8.0
        width = self.width() - 2 * left
        step = width / len(self.bars)
        peak = max(v for _, v, _ in self.bars) or 1
        height = self.height() - top - bottom_space
        rects = []
        for n, (_, value, _) in enumerate(self.bars):
            h = height * value / peak
            bar = min(max(step * 0.8, 1.0), 56.0)  # a few bars stay bars, not slabs
            rects.append(QRectF(left + n * step + (step - bar) / 2, top + height - h, bar, h))
        return rects

    def bar_at(self, x: float, y: float) -> int:
        for n, r in enumerate(self.bar_rects()):
            if r.left() <= x <= r.right() and y <= self.height() - 34 + 1:
                return n
        return -1

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        pal = self.palette()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rects = self.bar_rects()
        label_every = max(1, int(len(rects) / max(1, self.width() / 40)))
        for n, (r, (label, value, _q)) in enumerate(zip(rects, self.bars, strict=True)):
            colour = pal.highlight().color()
            if n != self._hover:
                colour = colour.lighter(120)
            p.fillRect(r, colour)
            if n == self._hover or len(rects) <= 12:
                p.setPen(pal.text().color())
                p.drawText(QRectF(r.left() - 20, r.top() - 16, r.width() + 40, 14),
                           int(Qt.AlignmentFlag.AlignCenter), str(value))
            if n % label_every == 0:
                p.setPen(pal.text().color())
                p.drawText(QRectF(r.left() - 30, self.height() - 30, r.width() + 60, 28),
                           int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), label)
        p.end()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        n = self.bar_at(event.position().x(), event.position().y())
        if n != self._hover:
            self._hover = n
            self.setToolTip(f"{self.bars[n][0]}: {self.bars[n][1]}" if n >= 0 else "")
            self.setCursor(Qt.CursorShape.PointingHandCursor if n >= 0 else Qt.CursorShape.ArrowCursor)
            self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        n = self.bar_at(event.position().x(), event.position().y())
        if n >= 0 and event.button() == Qt.MouseButton.LeftButton:
            self.barClicked.emit(self.bars[n][2])


class OverviewDialog(QDialog):
    def __init__(self, window: WindowApi) -> None:
        super().__init__(window.as_parent())
        self.window_ = window
        self.setWindowTitle("Overview")
        self.body = QWidget(self)
        self.charts: dict[str, BarChart] = {}
        self.layout_ = QVBoxLayout(self.body)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.body)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll)
        self.resize(760, 680)

    def start(self) -> None:
        lib = self.window_.library

        def work(_c: object) -> tuple[list[tuple[int | None, int]], list[tuple[str, int]], list[tuple[str, int]]]:
            return curation.per_year(lib), curation.per_type(lib), curation.read_per_month(lib)

        self.window_.runner.read(work, lambda r: self.set_data(*r), self.window_.show_error)

    def set_data(
        self, years: list[tuple[int | None, int]], types: list[tuple[str, int]], months: list[tuple[str, int]]
    ) -> None:
        dated = [(str(y), n, f"year:{y}") for y, n in years if y is not None]
        self._add("year", "References per year", dated)
        self._add("type", "References per type", [(item_type(t).label, n, f"type:{t}") for t, n in types])
        self._add("read", "Read per month", [(m, n, f"read:{m}") for m, n in months])
        self.layout_.addStretch(1)

    def _add(self, key: str, title: str, bars: list[tuple[str, int, str]]) -> None:
        label = QLabel(f"<b>{title}</b>" + ("" if bars else " — none yet"), self.body)
        self.layout_.addWidget(label)
        chart = BarChart(bars, self.body)
        chart.setObjectName(f"chart_{key}")
        chart.barClicked.connect(self.show_query)
        self.charts[key] = chart
        self.layout_.addWidget(chart)
        label.show()  # added after the dialog was shown: Qt would show them only on the next
        chart.show()  # turn of the event loop

    def show_query(self, query: str) -> None:
        curation_ = getattr(self.window_, "curation", None)
        if curation_ is not None:
            curation_.run_query(query)
        else:
            self.window_.set_query(query)
