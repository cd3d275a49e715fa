"""The reader's pages (issue 19): a continuous vertical column of pages at a zoom, painted from
drawings the background renderer makes (gui/pdf_render.py), with search hits highlighted.

Why a scroll area that paints, and not a widget per page: a 500-page document is 500 rectangles
of arithmetic, so opening it costs nothing per page; only the pages in view (and one either side)
are ever asked for, and a page not drawn yet is a white sheet with its number until it comes.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from bibliofile.gui.pdf_render import (
    MAX_PIXELS,
    POINTS_PER_INCH,
    SCREEN_DPI,
    DocumentInfo,
    PageCache,
    PdfRenderer,
    SearchHit,
)

GAP = 12  # pixels between pages and around the column
MIN_ZOOM = 0.25
MAX_ZOOM = 4.0
ZOOM_STEP = 1.25
HIT = QColor(255, 214, 0, 110)  # every hit: a translucent marker yellow
CURRENT_HIT = QColor(255, 120, 0, 150)  # the hit the find bar is on: orange
# Drawn pages kept for paging back: 9 Letter pages at 100 % on a 96-dpi screen, times the
# screen's pixel ratio (64 MB on a high-dpi screen, where a page takes 4x the bytes: the page
# ahead is still drawn before Page Down reaches it). Never less than the pages in view take at
# the zoom of the moment (400 % needs more), so what is on screen is never dropped to make room
# for a page drawn ahead. 64 MB on every screen before: with the reader open at 100k references
# the app peaked at 415 MB against the 400 (bench/bench_reader_memory.py).
CACHE_BYTES = 32 * 1024 * 1024


class PdfPageView(QAbstractScrollArea):
    """Pages one below the other; scrolls, zooms and jumps to pages and search hits.

    Signals:
        pageChanged(int): the page at the top of the view changed (1-based).
        zoomChanged(float): the zoom changed (1.0 is 100 %).
    """

    pageChanged = Signal(int)
    zoomChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None, cache: PageCache | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfPageView")
        self.setAccessibleName("Pages")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setBackgroundRole(QPalette.ColorRole.Dark)
        self.viewport().setAutoFillBackground(True)
        self.cache = cache if cache is not None else PageCache(CACHE_BYTES)
        self._cache_budget = self.cache.budget
        self.renderer: PdfRenderer | None = None
        self.info: DocumentInfo | None = None
        self.zoom = 1.0
        self.fit: str | None = "width"  # "width", "page" or None (a zoom the user chose)
        self.hits: list[SearchHit] = []
        self.current_hit: int | None = None
        self.failed_pages: dict[int, str] = {}
        self._tops: list[float] = []
        self._heights: list[float] = []
        self._widths: list[float] = []
        self._page = -1
        self._request_timer = QTimer(self)
        self._request_timer.setSingleShot(True)
        self._request_timer.setInterval(0)
        self._request_timer.timeout.connect(self._request_visible)
        self.verticalScrollBar().setSingleStep(40)
        self.horizontalScrollBar().setSingleStep(40)

    # ---- the document ----------------------------------------------------------------------------
    def set_document(self, renderer: PdfRenderer, info: DocumentInfo) -> None:
        """Show an opened document; the renderer's drawings come to ``page_rendered``."""
        self.renderer = renderer
        self.info = info
        renderer.pageRendered.connect(self.page_rendered)
        renderer.pageFailed.connect(self.page_failed)
        self._apply_fit()
        self._relayout()
        self._page = -1
        self._scrolled()

    @property
    def page_count(self) -> int:
        return self.info.page_count if self.info is not None else 0

    def pixels_per_point(self) -> float:
        """Logical pixels per point at the current zoom."""
        return self.zoom * SCREEN_DPI / POINTS_PER_INCH

    def render_scale(self) -> float:
        """Device pixels per point: what the renderer draws at (sharp on a high-dpi screen);
        rounded so that one zoom is one cache key."""
        return round(self.pixels_per_point() * self.devicePixelRatioF(), 4)

    # ---- layout -----------------------------------------------------------------------------------
    def _relayout(self) -> None:
        if self.info is None:
            return
        k = self.pixels_per_point()
        self._widths = [w * k for w, _h in self.info.page_sizes]
        self._heights = [h * k for _w, h in self.info.page_sizes]
        tops, y = [], float(GAP)
        for h in self._heights:
            tops.append(y)
            y += h + GAP
        self._tops = tops
        content_w = max(self._widths) + 2 * GAP
        vp = self.viewport().size()
        self.verticalScrollBar().setPageStep(vp.height())
        self.verticalScrollBar().setRange(0, max(0, int(y - vp.height())))
        self.horizontalScrollBar().setPageStep(vp.width())
        self.horizontalScrollBar().setRange(0, max(0, int(content_w - vp.width())))
        self.viewport().update()

    def page_rect(self, page: int) -> QRectF:
        """Where a page (0-based) is in the column, in logical pixels, scrolling not applied."""
        content_w = max(max(self._widths) + 2 * GAP, float(self.viewport().width()))
        w = self._widths[page]
        return QRectF((content_w - w) / 2, self._tops[page], w, self._heights[page])

    def _offset(self) -> QPointF:
        return QPointF(self.horizontalScrollBar().value(), self.verticalScrollBar().value())

    def visible_pages(self) -> list[int]:
        """The pages (0-based) that show any part in the view now, top first."""
        if not self._tops:
            return []
        top = self.verticalScrollBar().value()
        bottom = top + self.viewport().height()
        first = max(0, bisect.bisect_right(self._tops, top) - 1)
        pages = []
        for p in range(first, len(self._tops)):
            if self._tops[p] > bottom:
                break
            if self._tops[p] + self._heights[p] >= top:
                pages.append(p)
        return pages

    def current_page(self) -> int:
        """The page (0-based) the reader is on: the one under a line a tenth of the way down the
        view; at the very end of the column, the last page."""
        if not self._tops:
            return 0
        bar = self.verticalScrollBar()
        if bar.maximum() > 0 and bar.value() >= bar.maximum():
            return len(self._tops) - 1
        line = bar.value() + self.viewport().height() / 10
        return max(0, min(len(self._tops) - 1, bisect.bisect_right(self._tops, line + GAP / 2) - 1))

    # ---- moving -----------------------------------------------------------------------------------
    def go_to_page(self, page: int, y_points: float = 0.0) -> None:
        """Scroll so that the page (0-based, clamped) starts at the top of the view, or the point
        ``y_points`` down the page does."""
        if not self._tops:
            return
        page = max(0, min(len(self._tops) - 1, page))
        y = self._tops[page] - GAP / 2 + y_points * self.pixels_per_point()
        self.verticalScrollBar().setValue(round(y))
        self._scrolled()

    def set_zoom(self, zoom: float, fit: str | None = None) -> None:
        """Zoom (1.0 = 100 %, clamped) keeping the place on the current page at the top."""
        zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        fit_changed = fit != self.fit
        self.fit = fit
        if self.info is None:
            self.zoom = zoom
            self.zoomChanged.emit(zoom)
            return
        page = self.current_page()
        into = (self.verticalScrollBar().value() - (self._tops[page] - GAP / 2)) / self.pixels_per_point()
        changed = abs(zoom - self.zoom) > 1e-6 or fit_changed  # the Fit buttons show the mode
        self.zoom = zoom
        self._relayout()
        self.go_to_page(page, into)
        if changed:
            self.zoomChanged.emit(zoom)

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom / ZOOM_STEP)

    def fit_width(self) -> None:
        self.set_zoom(self._fit_zoom("width"), "width")

    def fit_page(self) -> None:
        self.set_zoom(self._fit_zoom("page"), "page")

    def _fit_zoom(self, mode: str) -> float:
        if self.info is None:
            return self.zoom
        base = SCREEN_DPI / POINTS_PER_INCH
        vp = self.viewport().size()
        bar = self.verticalScrollBar().sizeHint().width()
        widest = max(w for w, _h in self.info.page_sizes)
        by_width = (vp.width() - 2 * GAP - (0 if self.verticalScrollBar().isVisible() else bar)) / (widest * base)
        if mode == "width":
            return by_width
        w, h = self.info.page_sizes[self.current_page() if self._tops else 0]
        return min((vp.width() - 2 * GAP) / (w * base), (vp.height() - GAP) / (h * base))

    def _apply_fit(self) -> None:
        if self.fit is not None and self.info is not None:
            self.zoom = max(MIN_ZOOM, min(MAX_ZOOM, self._fit_zoom(self.fit)))
            self.zoomChanged.emit(self.zoom)

    # ---- search hits ------------------------------------------------------------------------------
    def set_hits(self, hits: Sequence[SearchHit], current: int | None) -> None:
        self.hits = list(hits)
        self.current_hit = current
        self.viewport().update()

    def show_hit(self, index: int) -> None:
        """Make hit ``index`` the current one and scroll it into view (a third of the way
        down, so the lines before it give context)."""
        self.current_hit = index
        hit = self.hits[index]
        top = min(r.top() for r in hit.rects)
        page_rect = self.page_rect(hit.page)
        # Never above the page's own top: the page box must name the page the hit is on.
        y = max(page_rect.top() - GAP / 2, page_rect.top() + top * self.pixels_per_point() - self.viewport().height() / 3)
        self.verticalScrollBar().setValue(round(y))
        left = page_rect.left() + min(r.left() for r in hit.rects) * self.pixels_per_point()
        bar = self.horizontalScrollBar()
        if not bar.value() <= left <= bar.value() + self.viewport().width() - 40:
            bar.setValue(round(left - 40))
        self._scrolled()
        self.viewport().update()

    # ---- drawings -----------------------------------------------------------------------------------
    def page_rendered(self, page: int, scale: float, image: object) -> None:
        from PySide6.QtGui import QImage

        assert isinstance(image, QImage)
        self.cache.put(page, scale, image)
        self.failed_pages.pop(page, None)
        if page in self.visible_pages():
            self.viewport().update()

    def page_failed(self, page: int, why: str) -> None:
        self.failed_pages[page] = why
        self.viewport().update()

    def page_bytes(self, page: int, scale: float) -> int:
        """The bytes of a page drawn at ``scale`` (32 bits a pixel, a pixel of margin)."""
        assert self.info is not None
        w, h = self.info.page_sizes[page]
        pixels = min((w * scale + 1) * (h * scale + 1), MAX_PIXELS + w * scale + h * scale + 1)
        return int(pixels) * 4

    def _request_visible(self) -> None:
        if self.renderer is None or not self._tops:
            return
        visible = self.visible_pages()
        if not visible:
            return
        # The pages in view first, then one before and after (a PageDown finds its page drawn).
        around = [p for p in (visible[-1] + 1, visible[0] - 1) if 0 <= p < len(self._tops)]
        scale = self.render_scale()
        # Room for the pages in view, whatever they take; the neighbours only where they fit,
        # else a page drawn ahead would push out the page in view, to be drawn again, and so on.
        need = sum(self.page_bytes(p, scale) for p in visible)
        base = int(self._cache_budget * max(1.0, self.devicePixelRatioF()))
        self.cache.budget = max(base, need + need // 4)
        for p in list(around):
            need += self.page_bytes(p, scale)
            if need > self.cache.budget:
                around.remove(p)
        wanted = [p for p in visible + around if self.cache.get(p, scale) is None and p not in self.failed_pages]
        self.renderer.request(wanted, scale)

    def _scrolled(self) -> None:
        self._request_timer.start()
        page = self.current_page()
        if page != self._page and self._tops:
            self._page = page
            self.pageChanged.emit(page + 1)

    # ---- Qt overrides ----------------------------------------------------------------------------
    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().update()
        self._scrolled()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.info is None:
            return
        if self.fit is not None:
            page = self.current_page()
            self._apply_fit()
            self._relayout()
            self.go_to_page(page)
        else:
            self._relayout()
        self._scrolled()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.info is None:
            return
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        off = self._offset()
        scale = self.render_scale()
        k = self.pixels_per_point()
        for p in self.visible_pages():
            rect = self.page_rect(p).translated(-off)
            painter.fillRect(rect, Qt.GlobalColor.white)
            image = self.cache.best(p, scale)
            if image is not None:
                painter.drawImage(rect, image)
            else:
                painter.setPen(QColor(130, 130, 130))
                why = self.failed_pages.get(p)
                text = f"Page {p + 1} could not be drawn: {why}" if why else f"Page {p + 1}"
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
            painter.setPen(QPen(QColor(0, 0, 0, 60)))
            painter.drawRect(rect.adjusted(-0.5, -0.5, 0.5, 0.5))
            for i, hit in enumerate(self.hits):
                if hit.page != p:
                    continue
                colour = CURRENT_HIT if i == self.current_hit else HIT
                for r in hit.rects:
                    painter.fillRect(QRectF(rect.left() + r.left() * k, rect.top() + r.top() * k, r.width() * k, r.height() * k), colour)
        painter.end()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_PageDown:
            self.go_to_page(self.current_page() + 1)
        elif key == Qt.Key.Key_PageUp:
            self.go_to_page(self.current_page() - 1)
        elif key == Qt.Key.Key_Home:
            self.go_to_page(0)
        elif key == Qt.Key.Key_End:
            self.go_to_page(self.page_count - 1)
        else:
            super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.set_zoom(self.zoom * ZOOM_STEP**steps)
            event.accept()
            return
        super().wheelEvent(event)
