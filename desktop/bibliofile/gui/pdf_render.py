"""The built-in reader's engine (issue 19): one background thread per open document that opens
it with PDFium (pypdfium2), draws the pages the view asks for into QImages and searches the
text, and a cache of drawn pages bounded in bytes.

Why a thread of our own and not the task runner: a document is opened once and then serves
many small requests whose order changes as the user scrolls; the thread keeps only the latest
wish list (pages scrolled past are never drawn) and does one page at a time, so a search in a
500-page file never delays the page the user is looking at. PDFium is not thread-safe, not even
across documents, so every call into it, from any reader, holds ``PDFIUM_LOCK``. ctypes lets go
of the GIL while PDFium draws, so the GUI thread keeps running.

Why not a separate process (DESIGN "untrusted documents"): pages are tens of megabytes of
pixels each; a hostile file here can stall its own reader's thread, never the window (the GUI
thread never waits for this one, and closing the reader abandons a stuck thread).
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRectF, Signal
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)

PDFIUM_LOCK = threading.RLock()
POINTS_PER_INCH = 72.0
SCREEN_DPI = 96.0  # zoom 100 % shows a page at its printed size on a 96-dpi screen
MAX_PIXELS = 36_000_000  # a page drawn bigger than this (a poster at 400 %) is drawn smaller and stretched
_SUB = 8  # page-to-device conversions are in whole pixels: work at 8 per point


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """An opened document: each page's size in points (as shown, rotation applied)."""

    path: Path
    page_sizes: tuple[tuple[float, float], ...]

    @property
    def page_count(self) -> int:
        return len(self.page_sizes)


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One place a search found: the page (0-based) and the rectangles covering the words, in
    points from the page's top left (a hit across a line break has several)."""

    page: int
    rects: tuple[QRectF, ...]


def is_password_error(exc: BaseException) -> bool:
    return "password" in str(exc).lower()


def open_failure(path: Path, exc: BaseException, password_given: bool = False) -> str:
    """The message a user reads when a file cannot be opened: which file, why in plain words,
    and what still works."""
    text = str(exc)
    if isinstance(exc, FileNotFoundError):
        why = "the file is not there any more"
    elif isinstance(exc, PermissionError):
        why = "you may not read it"
    elif is_password_error(exc):
        why = "that password is not the right one" if password_given else "it is protected by a password; type it below to read it here"
    elif "format" in text.lower() or "file" in text.lower():
        why = "it is damaged or is not a PDF"
    elif "security" in text.lower():
        why = "it uses an encryption the reader does not support"
    else:
        why = f"PDFium could not read it ({text})"
    return f"Cannot open “{path.name}” ({path}): {why}. The file was left as it is; Open in System Viewer may still show it."


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
PAGE_ALLOCATION_LIMIT = 1 << 20  # bytes: allocations this big get pages of their own from the system
_malloc_tuned = False


def return_page_memory_to_the_system() -> bool:
    """With glibc, fix the size from which an allocation is mapped on its own (munmap'ed when
    freed) at 1 MiB; True when set. A drawn page is megabytes, allocated on the renderer's
    thread; glibc's default threshold rises to the size of the first such block freed, after
    which pages come from the thread's heap and a page dropped from the cache (or a closed
    reader's pages) stays in the process (bench/bench_reader_memory.py: +30 MB kept after the
    reader closed). Done once, when the first document opens; anything else of 1 MiB or more
    is then mapped too, as glibc does by default for 128 KiB and more until it adjusts."""
    global _malloc_tuned
    if _malloc_tuned:
        return True
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        if not hasattr(libc, "mallopt") or not hasattr(libc, "gnu_get_libc_version"):
            return False  # musl and others: their malloc returns big blocks anyway
        _malloc_tuned = bool(libc.mallopt(M_MMAP_THRESHOLD, PAGE_ALLOCATION_LIMIT))
    except (OSError, AttributeError):
        return False
    return _malloc_tuned


class PageCache:
    """Drawn pages by (page, scale), least recently used dropped first once over ``budget``
    bytes. ``best`` finds a page at any scale, so a zoom shows the old drawing stretched until
    the new one comes."""

    def __init__(self, budget: int = 64 * 1024 * 1024) -> None:
        self.budget = budget
        self.used = 0
        self._images: OrderedDict[tuple[int, float], QImage] = OrderedDict()

    def __len__(self) -> int:
        return len(self._images)

    def put(self, page: int, scale: float, image: QImage) -> None:
        key = (page, scale)
        old = self._images.pop(key, None)
        if old is not None:
            self.used -= old.sizeInBytes()
        self._images[key] = image
        self.used += image.sizeInBytes()
        while self.used > self.budget and len(self._images) > 1:
            _k, dropped = self._images.popitem(last=False)
            self.used -= dropped.sizeInBytes()

    def get(self, page: int, scale: float) -> QImage | None:
        key = (page, scale)
        image = self._images.get(key)
        if image is not None:
            self._images.move_to_end(key)
        return image

    def best(self, page: int, scale: float) -> QImage | None:
        """The drawing at ``scale``, else the one closest to it, else None."""
        exact = self.get(page, scale)
        if exact is not None:
            return exact
        near = [(abs(s - scale), s) for (p, s) in self._images if p == page]
        return self._images[(page, min(near)[1])] if near else None

    def clear(self) -> None:
        self._images.clear()
        self.used = 0


class PdfRenderer(QObject):
    """A document open in a background thread, drawing and searching on request.

    Signals:
        opened(object): a DocumentInfo, once the document is open.
        failed(str): it could not be opened; the message names the file and says why.
        pageRendered(int, float, QImage): a page (0-based) drawn at a scale (pixels per point).
        pageFailed(int, str): a page could not be drawn.
        searchProgress(int, object): a search's id and the SearchHits of one more page.
        searchFinished(int): a search's id, once every page was searched.
    """

    opened = Signal(object)
    failed = Signal(str)
    pageRendered = Signal(int, float, QImage)
    pageFailed = Signal(int, str)
    searchProgress = Signal(int, object)
    searchFinished = Signal(int)

    def __init__(self, path: Path, parent: QObject | None = None, password: str | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.password = password
        self.needs_password = False  # set before ``failed`` when the file wants a (right) password
        self._cond = threading.Condition()
        self._wanted: list[tuple[int, float]] = []
        self._drawing: tuple[int, float] | None = None
        self._search: tuple[int, str | tuple[str, ...]] | None = None
        self._search_page = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, name=f"pdf-render {path.name}", daemon=True)

    def start(self) -> None:
        return_page_memory_to_the_system()
        self._thread.start()

    # ---- requests from the GUI thread ------------------------------------------------------------
    def request(self, pages: Sequence[int], scale: float) -> None:
        """Draw these pages at ``scale``, in this order; replaces the previous wish list (pages
        no longer wanted are never drawn). The page being drawn now is not asked for twice."""
        with self._cond:
            self._wanted = [(p, scale) for p in pages if (p, scale) != self._drawing]
            self._cond.notify()

    def search(self, search_id: int, text: str | Sequence[str]) -> None:
        """Search every page for ``text`` (case-insensitive), page after page between drawings;
        a new search replaces the one running. Several texts (the words a full-text search
        found on a page) find any of them, in the order they stand on each page."""
        wanted: str | tuple[str, ...] = text if isinstance(text, str) else tuple(t for t in text if t)
        with self._cond:
            self._search = (search_id, wanted) if wanted else None
            self._search_page = 0
            self._cond.notify()

    def stop(self, wait: float = 2.0) -> bool:
        """End the thread (the document is closed there). Returns False when it is still
        busy after ``wait`` seconds (a page that takes forever): it is abandoned, as a daemon."""
        with self._cond:
            self._stop = True
            self._wanted = []
            self._search = None
            self._cond.notify()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(wait)
        return not self._thread.is_alive()

    # ---- the thread -----------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            import pypdfium2 as pdfium  # type: ignore[import-untyped]  # ~0.1 s of import, paid here, not by the window
        except ImportError as exc:  # pragma: no cover - a broken install
            self.failed.emit(f"Cannot open “{self.path.name}”: the PDF engine is missing ({exc}).")
            return
        try:
            with PDFIUM_LOCK:
                doc = pdfium.PdfDocument(str(self.path), password=self.password)
                sizes = tuple(doc.get_page_size(i) for i in range(len(doc)))
        except Exception as exc:  # PdfiumError, OSError: a known problem with the file
            log.info("cannot open %s: %s", self.path, exc)
            self.needs_password = is_password_error(exc)
            self.failed.emit(open_failure(self.path, exc, password_given=self.password is not None))
            return
        if not sizes:
            with PDFIUM_LOCK:
                doc.close()
            self.failed.emit(f"Cannot open “{self.path.name}” ({self.path}): it has no pages. The file was left as it is.")
            return
        self.opened.emit(DocumentInfo(self.path, sizes))
        try:
            self._serve(doc)
        finally:
            with PDFIUM_LOCK:
                doc.close()

    def _serve(self, doc: Any) -> None:
        while True:
            with self._cond:
                while not self._stop and not self._wanted and self._search is None:
                    self._cond.wait()
                if self._stop:
                    return
                if self._wanted:
                    job: tuple[int, float] | None = self._wanted.pop(0)
                    self._drawing = job
                    search = None
                else:
                    job = None
                    assert self._search is not None
                    search = (*self._search, self._search_page)
                    self._search_page += 1
            if job is not None:
                self._draw(doc, *job)
                with self._cond:
                    self._drawing = None
            elif search is not None:
                self._search_step(doc, *search)

    def _draw(self, doc: Any, page_no: int, scale: float) -> None:
        try:
            with PDFIUM_LOCK:
                page = doc[page_no]
                try:
                    w, h = page.get_size()
                    if w * h * scale * scale > MAX_PIXELS:
                        scale_used = (MAX_PIXELS / (w * h)) ** 0.5
                    else:
                        scale_used = scale
                    drawn_into: list[QImage] = []
                    bitmap = page.render(scale=scale_used, prefer_bgrx=True, draw_annots=True,
                                         bitmap_maker=lambda *a, **k: _bitmap_in_image(drawn_into, *a, **k))
                    try:
                        if drawn_into:  # PDFium drew straight into the image's own pixels
                            image = drawn_into[0]
                        else:
                            fmt = QImage.Format.Format_RGB32 if bitmap.n_channels == 4 else QImage.Format.Format_BGR888
                            image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, fmt).copy()
                    finally:
                        bitmap.close()
                        del bitmap  # its view of the image's pixels goes before the image leaves
                finally:
                    page.close()
        except Exception as exc:  # one bad page: say so on that page, go on with the others
            log.info("cannot draw page %d of %s: %s", page_no + 1, self.path, exc)
            self.pageFailed.emit(page_no, str(exc))
            return
        self.pageRendered.emit(page_no, scale, image)

    def _search_step(self, doc: Any, search_id: int, text: str | tuple[str, ...], page_no: int) -> None:
        if page_no >= len(doc):
            with self._cond:
                if self._search == (search_id, text):
                    self._search = None
            self.searchFinished.emit(search_id)
            return
        hits: list[SearchHit] = []
        try:
            with PDFIUM_LOCK:
                hits = _page_hits(doc, page_no, text) if isinstance(text, str) else _any_hits(doc, page_no, text)
        except Exception as exc:  # text that cannot be read: nothing found on this page
            log.info("cannot search page %d of %s: %s", page_no + 1, self.path, exc)
        with self._cond:
            current = self._search == (search_id, text)
        if current:
            self.searchProgress.emit(search_id, hits)


def _bitmap_in_image(into: list[QImage], width: int, height: int, format: int, rev_byteorder: bool = False) -> Any:
    """A PDFium bitmap over the pixels of a new QImage (appended to ``into``), for pypdfium2's
    ``render(bitmap_maker=...)``: a page is drawn once into memory the image owns, where drawing
    into a buffer of pypdfium2's and copying it held two of each page at once (a page at 200 %
    on a high-dpi screen is 55 MB: bench/bench_reader_memory.py's peak). Any other format than
    32-bit BGRx (Qt's RGB32 in memory) gets pypdfium2's own buffer, copied as before."""
    from pypdfium2 import PdfBitmap
    from pypdfium2 import raw as pdfium_c

    if format != pdfium_c.FPDFBitmap_BGRx or rev_byteorder:
        return PdfBitmap.new_native(width, height, format, rev_byteorder)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    if image.isNull():
        raise MemoryError(f"no memory for a page of {width} x {height} pixels")
    pixels = (ctypes.c_ubyte * image.sizeInBytes()).from_buffer(image.bits())
    into.append(image)
    return PdfBitmap.new_native(width, height, format, rev_byteorder, buffer=pixels, stride=image.bytesPerLine())


def _any_hits(doc: Any, page_no: int, texts: Sequence[str]) -> list[SearchHit]:
    """Every place any of ``texts`` is on a page, top to bottom and left to right (a full-text
    search's words, each found where it stands rather than one word after the other)."""
    hits = [h for t in texts for h in _page_hits(doc, page_no, t)]
    return sorted(hits, key=lambda h: (round(h.rects[0].top()), h.rects[0].left()))


def _page_hits(doc: Any, page_no: int, text: str) -> list[SearchHit]:
    """Every place ``text`` is on a page, as rectangles in points from the page's top left
    (PDFium's page-to-device conversion, so rotated and cropped pages come out right)."""
    from pypdfium2 import PdfPosConv  # type: ignore[import-untyped]

    page = doc[page_no]
    textpage = page.get_textpage()
    try:
        w, h = page.get_size()
        conv = PdfPosConv(page, (0, 0, round(w * _SUB), round(h * _SUB), 0))
        searcher = textpage.search(text, match_case=False)
        found: list[tuple[int, int]] = []
        while (occurrence := searcher.get_next()) is not None:
            found.append(occurrence)
        searcher.close()
        hits = []
        for index, count in found:
            rects = []
            # FPDFText_GetRect reads the rectangles the last FPDFText_CountRects computed.
            for k in range(textpage.count_rects(index, count)):
                left, bottom, right, top = textpage.get_rect(k)
                x1, y1 = conv.to_bitmap(left, top)
                x2, y2 = conv.to_bitmap(right, bottom)
                rect = QRectF(min(x1, x2) / _SUB, min(y1, y2) / _SUB, abs(x2 - x1) / _SUB, abs(y2 - y1) / _SUB)
                rects.append(rect.adjusted(-1, -1, 1, 1))  # a point of air around the words
            if rects:
                hits.append(SearchHit(page_no, tuple(rects)))
        return hits
    finally:
        textpage.close()
        page.close()

