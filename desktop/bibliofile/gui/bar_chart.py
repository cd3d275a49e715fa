"""A bar chart painted with QPainter (no chart library), whose labels never run together.

Why the label layout is computed: with 80 years on 750 pixels each bar is ~9 px wide and a
year label ~30 px, so labelling every bar printed "193119481952…"; item-type labels ("Journal
article", "Conference paper") are wider than their bars too. The chart measures its labels with
the font's metrics and either labels every nth bar (years, months) or turns the labels upright
and elides them (item types), keeping at least a letter's width between any two labels. The
full text of any bar is in its tooltip, and the whole column (bar, space above it and its label)
answers hover and clicks, so a bar of one reference is as easy to hit as a tall one.

Years and months are a continuous axis, not categories (``axis_start``): bar n stands for the
value ``axis_start + n``, an empty year is a column with no bar (a gap on the axis line), and the
labels fall on round values (every 10th year: 1940, 1950, …). Shown as categories, 1931 stood
next to 1948 and the chart hid the 17 years between them.

Signals:
    barClicked(str): the query of the bar clicked (e.g. ``year:1948``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFontMetricsF, QMouseEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QWidget

TOP = 18.0  # room for the value over a bar
SIDE = 8.0
PLOT_MIN = 120.0  # the bars' own height at the least
MAX_UPRIGHT = 120.0  # upright labels longer than this are elided (full text in the tooltip)
# Label spacings on a continuous axis: years, and months counted from year 0.
YEAR_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)
MONTH_STEPS = (1, 2, 3, 4, 6, 12, 24, 36, 60, 120, 240, 600, 1200)


@dataclass(frozen=True, slots=True)
class BarLabel:
    """One label as painted: ``rect`` is its box on the widget (upright labels: a tall box)."""

    index: int
    text: str
    rect: QRectF
    upright: bool


class BarChart(QWidget):
    """Vertical bars with labels under them. ``upright_labels``: long labels are turned upright
    and elided rather than thinned out (for categories, where every bar needs its name).
    ``axis_start``: the bars are consecutive values of a continuous axis from this one (zero
    for an empty year), labelled at multiples of one of ``label_steps``."""

    barClicked = Signal(str)

    def __init__(
        self,
        bars: Sequence[tuple[str, int, str]],
        parent: QWidget | None = None,
        upright_labels: bool = False,
        axis_start: int | None = None,
        label_steps: Sequence[int] = YEAR_STEPS,
    ) -> None:
        super().__init__(parent)
        self.bars = list(bars)  # (label, value, query)
        self.upright_labels = upright_labels
        self.axis_start = axis_start
        self.label_steps = tuple(label_steps)
        self.setMouseTracking(True)
        self._hover = -1
        self.setMinimumHeight(int(TOP + PLOT_MIN + self._bottom_space()))

    # ---- geometry -----------------------------------------------------------------------------
    def _side(self) -> float:
        """The margin left and right: half the widest label, for labels across their bars, so the
        first and last can be centred under theirs."""
        if self.upright_labels or not self.bars:
            return SIDE
        fm = QFontMetricsF(self.font())
        return max(SIDE, max(fm.horizontalAdvance(label) for label, _v, _q in self.bars) / 2 + 1)

    def _step(self) -> float:
        return (self.width() - 2 * self._side()) / max(1, len(self.bars))

    def _gap(self, fm: QFontMetricsF) -> float:
        return max(4.0, fm.averageCharWidth())

    def _upright(self, fm: QFontMetricsF) -> bool:
        """Upright when this chart allows it and the labels do not fit across their bars."""
        if not self.upright_labels or not self.bars:
            return False
        widest = max(fm.horizontalAdvance(label) for label, _v, _q in self.bars)
        return widest + self._gap(fm) > self._step()

    def _bottom_space(self) -> float:
        fm = QFontMetricsF(self.font())
        if self._upright(fm):
            widest = max(fm.horizontalAdvance(label) for label, _v, _q in self.bars)
            return min(widest, MAX_UPRIGHT) + 10.0
        return fm.height() + 10.0

    def sizeHint(self) -> QSize:
        return QSize(min(max(300, 22 * len(self.bars) + 40), 900), int(TOP + PLOT_MIN + 40 + self._bottom_space()))

    def baseline(self) -> float:
        return self.height() - self._bottom_space()

    def bar_rects(self) -> list[QRectF]:
        if not self.bars:
            return []
        step, side = self._step(), self._side()
        peak = max(v for _, v, _ in self.bars) or 1
        base = self.baseline()
        height = base - TOP
        bar = min(max(step * 0.8, 1.0), 56.0)  # a few bars stay bars, not slabs
        rects = []
        for n, (_, value, _) in enumerate(self.bars):
            h = height * value / peak
            rects.append(QRectF(side + n * step + (step - bar) / 2, base - h, bar, h))
        return rects

    def labels(self) -> list[BarLabel]:
        """The labels that are painted, laid out so that no two touch (a gap of a letter's width)."""
        if not self.bars:
            return []
        fm = QFontMetricsF(self.font())
        gap, step, base, side = self._gap(fm), self._step(), self.baseline(), self._side()
        out: list[BarLabel] = []
        if self._upright(fm):
            line = fm.height()
            every = max(1, math.ceil((line + gap) / step))  # only when even upright ones crowd
            for n in range(0, len(self.bars), every):
                text = fm.elidedText(self.bars[n][0], Qt.TextElideMode.ElideRight, MAX_UPRIGHT)
                centre = side + (n + 0.5) * step
                out.append(BarLabel(n, text, QRectF(centre - line / 2, base + 4, line, fm.horizontalAdvance(text)), True))
            return out
        widest = max(fm.horizontalAdvance(label) for label, _v, _q in self.bars)
        right_edge = float(self.width())
        last_right = -gap
        for n in self._labelled(max(1, math.ceil((widest + gap) / step))):
            text = self.bars[n][0]
            w = fm.horizontalAdvance(text)
            left = side + (n + 0.5) * step - w / 2
            left = min(max(left, 0.0), right_edge - w)  # the first and last stay inside the chart
            if left < last_right + gap:
                continue  # pushed against its neighbour by the edge: leave it to the tooltip
            out.append(BarLabel(n, text, QRectF(left, base + 4, w, fm.height()), False))
            last_right = left + w
        return out

    def _labelled(self, every: int) -> range:
        """The bars to label when labels need ``every`` columns each: every nth bar from the
        first; on a continuous axis the round values (a step of ``label_steps`` at least that
        wide, so 1940, 1950, … rather than 1931, 1941, …)."""
        if self.axis_start is None:
            return range(0, len(self.bars), every)
        nice = next((k for k in self.label_steps if k >= every), None)
        if nice is None:  # wider than the widest step: a multiple of it
            top = self.label_steps[-1]
            nice = top * math.ceil(every / top)
        return range((-self.axis_start) % nice, len(self.bars), nice)

    def bar_at(self, x: float, y: float) -> int:
        """The column under a point: its bar, the space above it, or its label. An empty column
        of a continuous axis (a year with no references) is no bar: nothing to show or click."""
        if not self.bars or not 0 <= y <= self.height():
            return -1
        n = math.floor((x - self._side()) / self._step())
        return n if 0 <= n < len(self.bars) and self.bars[n][1] > 0 else -1

    # ---- painting and the mouse ---------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        # Upright labels need more room below the bars than labels across them.
        self.setMinimumHeight(int(TOP + PLOT_MIN + self._bottom_space()))
        super().resizeEvent(event)

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        pal = self.palette()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rects = self.bar_rects()
        text_colour = pal.text().color()
        if self.axis_start is not None and rects:
            # The axis line, so an empty year reads as a gap on it, and a tick at each label.
            base = self.baseline()
            p.setPen(pal.mid().color())
            p.drawLine(QPointF(rects[0].left(), base), QPointF(rects[-1].right(), base))
            step, side = self._step(), self._side()
            for lab in self.labels():
                x = side + (lab.index + 0.5) * step
                p.drawLine(QPointF(x, base), QPointF(x, base + 3))
        for n, (r, (_label, value, _q)) in enumerate(zip(rects, self.bars, strict=True)):
            if value <= 0:
                continue
            colour = pal.highlight().color()
            if n != self._hover:
                colour = colour.lighter(120)
            p.fillRect(r, colour)
            if n == self._hover or len(rects) <= 12:
                p.setPen(text_colour)
                p.drawText(QRectF(r.left() - 20, r.top() - 16, r.width() + 40, 14),
                           int(Qt.AlignmentFlag.AlignCenter), str(value))
        p.setPen(text_colour)
        for lab in self.labels():
            if lab.upright:
                p.save()
                # reads bottom to top, ending just under the bar
                p.translate(lab.rect.left(), lab.rect.top())
                p.rotate(-90)
                p.drawText(QRectF(-lab.rect.height(), 0, lab.rect.height(), lab.rect.width()),
                           int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), lab.text)
                p.restore()
            else:
                p.drawText(lab.rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), lab.text)
        p.end()

    def tooltip_for(self, n: int) -> str:
        return f"{self.bars[n][0]}: {self.bars[n][1]}" if 0 <= n < len(self.bars) else ""

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        n = self.bar_at(event.position().x(), event.position().y())
        if n != self._hover:
            self._hover = n
            self.setToolTip(self.tooltip_for(n))
            self.setCursor(Qt.CursorShape.PointingHandCursor if n >= 0 else Qt.CursorShape.ArrowCursor)
            self.update()

    def leaveEvent(self, event: QEvent) -> None:
        if self._hover != -1:
            self._hover = -1
            self.update()
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        n = self.bar_at(event.position().x(), event.position().y())
        if n >= 0 and event.button() == Qt.MouseButton.LeftButton:
            self.barClicked.emit(self.bars[n][2])
