"""The built-in PDF reader (issue 19): a window per file with page navigation, zoom, search
inside the document, and the last page read remembered per attachment.

Opened by double-clicking a PDF in the detail pane's Attachments section, by References > Open
PDF (Ctrl+Shift+O) for the selected reference's first PDF, and by the annotations list, which
calls ``open_attachment_id(..., page=n)``. While the window's search looks inside files
(``fulltext:word``, or Search Inside Files), a file whose indexed text holds the words opens at
the first page that does, with the words in the find bar and highlighted, so Next/Previous go
through them (Open PDF prefers such a file among the reference's PDFs). Opening a file that is
already open raises its window. Pages are drawn by gui/pdf_render.py on a thread of its
own (ADR draft in issue 19: pypdfium2 rather than QtPdf) and shown by gui/pdf_page_view.py.

The page the reader is on is kept in the attachment's ``last_page_read`` (services/attachments.py
``remember_reading_place``): a couple of seconds after the page changes and when the window
closes, as its own small write, never an undo step. So are the pages shown (reading progress,
services/reading_progress.py); turning past page 1 marks the reference "reading" and the last
page offers "Mark as Read" (gui/pdf_end_bar.py): those two change the user's reading status, so
each is one undo step on the library window's stack when the reader has one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QIntValidator,
    QKeyEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QStackedWidget,
    QStyle,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bibliofile.gui.pdf_end_bar import EndBar
from bibliofile.gui.pdf_page_view import PdfPageView
from bibliofile.gui.pdf_render import DocumentInfo, PdfRenderer, SearchHit
from bibliofile.gui.reading_progress_steps import ReadingSteps
from bibliofile.services import attachments

if TYPE_CHECKING:
    from bibliofile.gui.task_runner import TaskRunner
    from bibliofile.gui.window_api import WindowApi
    from bibliofile.services.attachments import AttachmentView
    from bibliofile.services.fulltext import FileHit
    from bibliofile.storage.library import Library

log = logging.getLogger(__name__)

SAVE_DELAY_MS = 2000  # the page is kept once the reader has stayed on it this long
SEARCH_DELAY_MS = 250  # typing in the find field searches once the typing pauses
_open: dict[Path, PdfReaderWindow] = {}


def is_pdf(view: AttachmentView) -> bool:
    return view.attachment.content_type == "application/pdf" or view.file.suffix.lower() == ".pdf"


class FindBar(QWidget):
    """Find in the document: a field, Previous/Next, what was found, and a close button.

    Signals:
        searchChanged(str): the text to find changed (after a pause in typing, or Enter).
        nextWanted(): Enter or Next.
        previousWanted(): Shift+Enter or Previous.
        closed(): Escape or the close button.
    """

    searchChanged = Signal(str)
    nextWanted = Signal()
    previousWanted = Signal()
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfFindBar")
        self.field = QLineEdit(self)
        self.field.setObjectName("pdfFindField")
        self.field.setPlaceholderText("Find in document")
        self.field.setClearButtonEnabled(True)
        self.field.setAccessibleName("Find in document")
        self.field.installEventFilter(self)
        self.previous = QToolButton(self)
        self.previous.setText("Previous")
        self.previous.setToolTip("Previous match (Shift+Enter)")
        self.next = QToolButton(self)
        self.next.setText("Next")
        self.next.setToolTip("Next match (Enter)")
        self.status = QLabel(self)
        self.status.setObjectName("pdfFindStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        close = QToolButton(self)
        close.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton))
        close.setToolTip("Close the find bar (Escape)")
        close.setAutoRaise(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 3, 6, 3)
        row.addWidget(self.field, 1)
        row.addWidget(self.previous)
        row.addWidget(self.next)
        row.addWidget(self.status, 1)
        row.addWidget(close)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._changed)
        self._last = ""
        self.field.textChanged.connect(lambda _t: self._timer.start())
        self.previous.clicked.connect(self.previousWanted)
        self.next.clicked.connect(self.nextWanted)
        close.clicked.connect(self.closed)

    def text(self) -> str:
        return self.field.text().strip()

    def _changed(self) -> bool:
        """Emit searchChanged when the text is new; True when it was."""
        self._timer.stop()
        if self.text() == self._last:
            return False
        self._last = self.text()
        self.searchChanged.emit(self._last)
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.field and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if not self._changed():  # Enter on new text searches; on the same text, moves on
                    if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                        self.previousWanted.emit()
                    else:
                        self.nextWanted.emit()
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.closed.emit()
                return True
        return super().eventFilter(watched, event)


class PdfReaderWindow(QMainWindow):
    """One PDF in a window of its own.

    Signals:
        pageChanged(int, int): the page now read (1-based) and the page count.
        documentOpened(int): the page count, once the document is open.
        documentFailed(str): the message shown when it could not be opened.
        searchDone(int): the number of matches, once the whole document was searched.
    """

    pageChanged = Signal(int, int)
    documentOpened = Signal(int)
    documentFailed = Signal(str)
    searchDone = Signal(int)

    def __init__(
        self,
        path: Path,
        library: Library | None = None,
        attachment_id: int | None = None,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
        page: int | None = None,
        find: Sequence[str] = (),
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("pdfReader")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.path = path
        self.library = library
        self.attachment_id = attachment_id
        self.runner = runner
        self.info: DocumentInfo | None = None
        self.error: str | None = None
        self.hits: list[SearchHit] = []
        self.current_hit: int | None = None
        self.search_complete = False
        self._search_id = 0
        self._search_text = ""
        self._search_words: tuple[str, ...] | None = None  # a full-text hit's words: any of them
        self._jump_to_first_hit = False
        self._start_page = 0
        self._saved_page: int | None = None
        self._pending_page = page
        self.reading = ReadingSteps(self, library, attachment_id)
        if page is None and library is not None and attachment_id is not None:
            self._saved_page = attachments.reading_place(library, attachment_id)
            self._pending_page = self._saved_page
        self.setWindowTitle(path.name)
        self.resize(860, 1000)

        self.view = PdfPageView(self)
        self.message = QLabel(self)
        self.message.setObjectName("pdfReaderMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setMargin(40)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setText(f"Opening “{path.name}”…")
        # An encrypted file: its password, asked for under the message.
        self.password_row = QWidget(self)
        self.password = QLineEdit(self.password_row)
        self.password.setObjectName("pdfPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Password")
        self.password.setAccessibleName("Password of the PDF")
        self.password.returnPressed.connect(self.unlock)
        unlock = QToolButton(self.password_row)
        unlock.setText("Open")
        unlock.clicked.connect(self.unlock)
        row = QHBoxLayout(self.password_row)
        row.addStretch(1)
        row.addWidget(self.password)
        row.addWidget(unlock)
        row.addStretch(1)
        self.password_row.hide()
        notice = QWidget(self)
        notice_column = QVBoxLayout(notice)
        notice_column.addStretch(1)
        notice_column.addWidget(self.message)
        notice_column.addWidget(self.password_row)
        notice_column.addStretch(2)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(notice)
        self.notice = notice
        self.stack.addWidget(self.view)
        self.find_bar = FindBar(self)
        self.find_bar.hide()
        self.end_bar = EndBar(self)
        self.end_bar.markWanted.connect(self.reading.mark_read)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.stack, 1)
        column.addWidget(self.end_bar)
        column.addWidget(self.find_bar)
        self.setCentralWidget(central)
        self._build_toolbar()

        self.view.pageChanged.connect(self._page_changed)
        self.view.zoomChanged.connect(self._zoom_changed)
        self.find_bar.searchChanged.connect(self.search)
        self.find_bar.nextWanted.connect(self.next_hit)
        self.find_bar.previousWanted.connect(self.previous_hit)
        self.find_bar.closed.connect(self.close_find)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save_place)
        self._update_actions()

        # No Qt parent: a reader deleted with its main window (no closeEvent) still stops the
        # renderer's thread, and the thread never emits through a deleted object.
        box: list[PdfRenderer] = []
        self._renderer_box = box
        self.destroyed.connect(lambda _o=None: box[0].stop(wait=0))
        self._start_renderer(None)
        if find:
            self.find_words(find)

    def _start_renderer(self, password: str | None) -> None:
        self.renderer = PdfRenderer(self.path, password=password)
        self._renderer_box[:] = [self.renderer]
        self.renderer.opened.connect(self._opened)
        self.renderer.failed.connect(self._failed)
        self.renderer.searchProgress.connect(self._search_progress)
        self.renderer.searchFinished.connect(self._search_finished)
        self.renderer.start()

    def unlock(self) -> None:
        """Open an encrypted file again with the password typed (kept nowhere but PDFium)."""
        if not self.password.text():
            return
        self.renderer.stop(wait=0)
        self.error = None
        self.message.setText(f"Opening “{self.path.name}”…")
        self._start_renderer(self.password.text())
        self.password.clear()

    # ---- building -------------------------------------------------------------------------------
    def _action(self, text: str, slot: Callable[[], Any], keys: list[QKeySequence] | None = None,
                icon: QStyle.StandardPixmap | None = None, tip: str = "") -> QAction:
        act = QAction(text, self)
        if keys:
            act.setShortcuts(keys)
        if icon is not None:
            act.setIcon(self.style().standardIcon(icon))
        act.setToolTip(f"{tip or text} ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})" if keys else tip or text)
        act.triggered.connect(lambda _c=False: slot())
        self.addAction(act)
        return act

    def _build_toolbar(self) -> None:
        SP = QStyle.StandardPixmap
        K = QKeySequence
        self.act_system = self._action("Open in System Viewer", self.open_in_system_viewer, None, SP.SP_DesktopIcon,
                                       "Open the file with the system's PDF application")
        self.act_previous = self._action("Previous Page", lambda: self.go_to_page(self.page - 1),
                                         [K(Qt.Key.Key_PageUp)], SP.SP_ArrowUp)
        self.act_next = self._action("Next Page", lambda: self.go_to_page(self.page + 1),
                                     [K(Qt.Key.Key_PageDown)], SP.SP_ArrowDown)
        self.act_first = self._action("First Page", lambda: self.go_to_page(1), [K(Qt.Key.Key_Home)])
        self.act_last = self._action("Last Page", lambda: self.go_to_page(self.view.page_count), [K(Qt.Key.Key_End)])
        self.act_zoom_out = self._action("Zoom Out", self.view.zoom_out, [K(K.StandardKey.ZoomOut), K("Ctrl+-")])
        self.act_zoom_in = self._action("Zoom In", self.view.zoom_in, [K(K.StandardKey.ZoomIn), K("Ctrl++"), K("Ctrl+=")])
        self.act_fit_width = self._action("Fit Width", lambda: self._fit(self.view.fit_width), [K("Ctrl+0")])
        self.act_fit_page = self._action("Fit Page", lambda: self._fit(self.view.fit_page))
        self.act_find = self._action("Find…", self.show_find, [K(K.StandardKey.Find)], None, "Find in the document")
        self.act_find_next = self._action("Find Next", self.next_hit, [K(K.StandardKey.FindNext)])
        self.act_find_previous = self._action("Find Previous", self.previous_hit, [K(K.StandardKey.FindPrevious)])
        for act in (self.act_fit_width, self.act_fit_page):
            act.setCheckable(True)
        # Home/End go to the first/last page, except where they move a text cursor.
        for act in (self.act_first, self.act_last):
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.removeAction(act)
            self.view.addAction(act)

        tb = QToolBar("Reader", self)
        tb.setObjectName("pdfReaderToolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.addAction(self.act_system)
        tb.addSeparator()
        for act in (self.act_previous, self.act_next):
            tb.addAction(act)
            button = tb.widgetForAction(act)
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.page_box = QLineEdit(self)
        self.page_box.setObjectName("pdfPageBox")
        self.page_box.setAccessibleName("Page")
        self.page_box.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.page_box.setValidator(QIntValidator(1, 1_000_000, self.page_box))
        self.page_box.setMaximumWidth(self.page_box.fontMetrics().horizontalAdvance("00000") + 12)
        self.page_box.returnPressed.connect(self._page_entered)
        self.page_count_label = QLabel("/ –", self)
        self.page_count_label.setObjectName("pdfPageCount")
        self.page_count_label.setTextFormat(Qt.TextFormat.PlainText)
        tb.addWidget(self.page_box)
        tb.addWidget(self.page_count_label)
        tb.addSeparator()
        tb.addAction(self.act_zoom_out)
        self.zoom_label = QLabel("100 %", self)
        self.zoom_label.setObjectName("pdfZoom")
        self.zoom_label.setMinimumWidth(self.zoom_label.fontMetrics().horizontalAdvance("400 %") + 8)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        tb.addWidget(self.zoom_label)
        tb.addAction(self.act_zoom_in)
        tb.addAction(self.act_fit_width)
        tb.addAction(self.act_fit_page)
        tb.addSeparator()
        tb.addAction(self.act_find)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
        self.toolbar = tb

    # ---- the document ---------------------------------------------------------------------------
    def _opened(self, info: object) -> None:
        assert isinstance(info, DocumentInfo)
        self.info = info
        self.page_count_label.setText(f"/ {info.page_count}")
        self.stack.setCurrentWidget(self.view)
        self.view.set_document(self.renderer, info)
        if self._pending_page is not None:
            self.view.go_to_page(self._pending_page - 1)
            self._pending_page = None
        self._page_changed(self.view.current_page() + 1)
        self._update_actions()
        self.view.setFocus()
        self.documentOpened.emit(info.page_count)
        if self._search_text:
            self.search(self._search_text, self._search_words)

    def _failed(self, text: str) -> None:
        self.error = text
        self.message.setText(text)
        self.stack.setCurrentWidget(self.notice)
        self.password_row.setVisible(self.renderer.needs_password)
        if self.renderer.needs_password:
            self.password.setFocus()
        self._update_actions()
        self.documentFailed.emit(text)

    def _update_actions(self) -> None:
        ready = self.info is not None
        for act in (self.act_previous, self.act_next, self.act_first, self.act_last, self.act_zoom_in,
                    self.act_zoom_out, self.act_fit_width, self.act_fit_page, self.act_find,
                    self.act_find_next, self.act_find_previous):
            act.setEnabled(ready)
        self.page_box.setEnabled(ready)
        self.act_fit_width.setChecked(self.view.fit == "width")
        self.act_fit_page.setChecked(self.view.fit == "page")

    # ---- pages --------------------------------------------------------------------------------------
    @property
    def page(self) -> int:
        """The page read now, 1-based."""
        return self.view.current_page() + 1

    def go_to_page(self, page: int) -> None:
        """Show page ``page`` (1-based, clamped to the document)."""
        if self.info is None:
            self._pending_page = page
            return
        self.view.go_to_page(page - 1)

    def open_at_page(self, page: int) -> None:
        """Show page ``page`` (1-based) and raise the window: what a full-text hit calls. Before
        the document is open, the page is kept and shown once it is."""
        self.go_to_page(page)
        self.show()
        self.raise_()
        self.activateWindow()

    def _page_entered(self) -> None:
        text = self.page_box.text().strip()
        if text.isdigit():
            self.go_to_page(int(text))
        self.page_box.setText(str(self.page))
        self.view.setFocus()

    def _page_changed(self, page: int) -> None:
        count = self.view.page_count
        if not self.page_box.hasFocus():
            self.page_box.setText(str(page))
        self.setWindowTitle(f"{self.path.name} — page {page} of {count}")
        self.pageChanged.emit(page, count)
        self.reading.page_shown(page, count)
        if self.attachment_id is not None:
            self._save_timer.start()

    def _fit(self, fit: Callable[[], None]) -> None:
        fit()
        self._update_actions()  # a checkable button toggles itself: clicked again, it stays on

    def _zoom_changed(self, zoom: float) -> None:
        self.zoom_label.setText(f"{round(zoom * 100)} %")
        self._update_actions()

    # ---- find ----------------------------------------------------------------------------------------
    def show_find(self) -> None:
        self.find_bar.show()
        self.find_bar.field.setFocus()
        self.find_bar.field.selectAll()

    def close_find(self) -> None:
        self.find_bar.hide()
        self.search("")
        self.view.setFocus()

    def find_words(self, words: Sequence[str]) -> None:
        """Find a full-text search's words (any of them) from the current page on, with the find
        bar shown holding them: what opening a file from a search does. Typing in the bar
        afterwards finds what is typed, as always."""
        kept = tuple(w for w in words if w.strip())
        if not kept:
            return
        self.find_bar.show()
        self.search(" ".join(kept), kept)

    def search(self, text: str, words: Sequence[str] | None = None) -> None:
        """Find ``text`` in every page (in the background, page after page); the first match on
        or after the current page becomes the current one as soon as it is found. ``words``
        (a full-text hit's) find any of them instead of ``text`` whole."""
        self._search_id += 1
        self._search_text = text
        self._search_words = tuple(words) if words and len(words) > 1 and text else None
        self.hits = []
        self.current_hit = None
        self.search_complete = not text
        self._jump_to_first_hit = bool(text)
        self.view.set_hits([], None)
        self._start_page = self.view.current_page()
        self.find_bar.status.setText("Searching…" if text else "")
        if self.find_bar.field.text().strip() != text and text:
            self.find_bar.field.setText(text)
            self.find_bar._last = text
        if self.info is not None:
            self.renderer.search(self._search_id, self._search_words or text)

    def _search_progress(self, search_id: int, hits: object) -> None:
        if search_id != self._search_id:
            return
        assert isinstance(hits, list)
        self.hits.extend(hits)
        if self._jump_to_first_hit and hits and hits[0].page >= self._start_page:
            self._jump_to_first_hit = False
            self._show(len(self.hits) - len(hits))
        else:
            self.view.set_hits(self.hits, self.current_hit)
            self._say()

    def _search_finished(self, search_id: int) -> None:
        if search_id != self._search_id:
            return
        self.search_complete = True
        if self._jump_to_first_hit and self.hits:  # none after the current page: wrap to the first
            self._jump_to_first_hit = False
            self._show(0)
        self._say()
        self.searchDone.emit(len(self.hits))

    def _show(self, index: int) -> None:
        self.current_hit = index
        self.view.set_hits(self.hits, index)
        self.view.show_hit(index)
        self._say()

    def _say(self) -> None:
        text = self._search_text
        if not text:
            self.find_bar.status.setText("")
            return
        n = len(self.hits)
        more = "" if self.search_complete else "+ (searching…)"
        if not n:
            self.find_bar.status.setText("Searching…" if not self.search_complete else f"“{text}” is not in this document")
        elif self.current_hit is None:
            self.find_bar.status.setText(f"{n}{more} matches")
        else:
            page = self.hits[self.current_hit].page + 1
            self.find_bar.status.setText(f"{self.current_hit + 1} of {n}{more} — page {page}")

    def next_hit(self) -> None:
        if not self.hits:
            return
        self._jump_to_first_hit = False
        self._show(0 if self.current_hit is None else (self.current_hit + 1) % len(self.hits))

    def previous_hit(self) -> None:
        if not self.hits:
            return
        self._jump_to_first_hit = False
        self._show(len(self.hits) - 1 if self.current_hit is None else (self.current_hit - 1) % len(self.hits))

    # ---- outside the reader -----------------------------------------------------------------------
    def open_in_system_viewer(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path)))

    def save_place(self) -> None:
        """Keep the page read now in the attachment (on the window's writer thread when there
        is one); nothing when the document never opened or the page was kept already."""
        self._save_timer.stop()
        library, aid = self.library, self.attachment_id
        if library is None or aid is None or self.info is None or library.read_only:
            return
        page = self.page
        pages = self.reading.unrecorded()
        if page == self._saved_page and not pages:
            return
        self._saved_page = page
        count = self.info.page_count

        def write(_ctx: object = None) -> None:
            attachments.remember_reading_place(library, aid, page)
            if pages:
                self.reading.record(pages, count)

        def failed(exc: BaseException) -> None:  # where the user was is not worth a dialog
            log.warning("could not keep the page read in %s: %s", self.path.name, exc)

        if self.runner is not None:
            self.runner.write(write, None, failed)
        else:
            try:
                write()
            except Exception as exc:  # a locked library: the place is lost, nothing else
                failed(exc)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_place()
        self.renderer.stop(wait=0.25)  # a page stuck in PDFium is abandoned, not waited for
        # The drawn pages (up to the cache's 64 MB) go now, not whenever the last Python
        # reference to this window does (a slot, a cycle the collector has not reached yet).
        self.view.cache.clear()
        if _open.get(self.path) is self:
            del _open[self.path]
        super().closeEvent(event)


# ---- opening -----------------------------------------------------------------------------------
def open_reader(
    path: Path,
    *,
    library: Library | None = None,
    attachment_id: int | None = None,
    runner: TaskRunner | None = None,
    parent: QWidget | None = None,
    page: int | None = None,
    find: Sequence[str] = (),
) -> PdfReaderWindow:
    """The reader for ``path``, raised if already open (at ``page`` when given), else a new
    window at ``page``, or at the page last read in this attachment, or at the first; ``find``
    (a full-text hit's words) is found from that page on."""
    key = Path(path).resolve()
    reader = _open.get(key)
    if reader is not None and shiboken6.isValid(reader):
        if page is not None:
            reader.open_at_page(page)
        else:
            reader.show()
            reader.raise_()
            reader.activateWindow()
        if find:
            reader.find_words(find)
        return reader
    reader = PdfReaderWindow(key, library, attachment_id, runner, parent, page, find)
    _open[key] = reader
    reader.show()
    return reader


def _runner_of(widget: QWidget | None) -> TaskRunner | None:
    top = widget.window() if widget is not None else None
    runner = getattr(top, "runner", None)
    from bibliofile.gui.task_runner import TaskRunner

    return runner if isinstance(runner, TaskRunner) else None


def search_hit(parent: QWidget | None, library: Library, attachment_id: int) -> FileHit | None:
    """Where the search of ``parent``'s window found words in this attachment's text: with
    ``fulltext:`` terms, or plain words while Search Inside Files is on. None without such a
    search, or when the file does not hold the words (or the index cannot be read: the reader
    then opens as it would have)."""
    top = parent.window() if parent is not None else None
    query = getattr(getattr(top, "model", None), "query", "")
    if not isinstance(query, str) or not query.strip():
        return None
    field = getattr(top, "search_field", None)
    inside = field is not None and bool(field.inside_files_action.isChecked())
    from bibliofile.services.fulltext import hit_in_file
    from bibliofile.storage.errors import LibraryError

    try:
        return hit_in_file(library, query, attachment_id, inside)
    except LibraryError as exc:
        log.warning("could not read where the search found words in attachment %d: %s", attachment_id, exc)
        return None


def open_attachment(view: AttachmentView, library: Library, parent: QWidget | None = None,
                    page: int | None = None, hit: FileHit | None = None) -> PdfReaderWindow:
    """An attachment (a present PDF) in the reader; its place is kept in the attachment.
    Without ``page``, the window's full-text search decides (``search_hit``): the first page
    holding its words, with the words found there; else the page last read."""
    if page is None and hit is None:
        hit = search_hit(parent, library, view.attachment.id)
    find: Sequence[str] = ()
    if page is None and hit is not None:
        page, find = hit.pages[0], hit.words
    top = parent.window() if parent is not None else None
    return open_reader(view.file, library=library, attachment_id=view.attachment.id, runner=_runner_of(parent),
                       parent=top, page=page, find=find)


def open_attachment_id(library: Library, attachment_id: int, page: int | None = None,
                       parent: QWidget | None = None) -> PdfReaderWindow | None:
    """The reader for an attachment by id (a full-text hit names the attachment and its page);
    None when there is no such attachment or its file is missing."""
    from bibliofile.gui.pane_attachments import locations

    view = attachments.attachment_view(library, locations(library), attachment_id)
    if view is None or not view.present:
        return None
    return open_attachment(view, library, parent, page)


def open_first_pdf(window: WindowApi) -> PdfReaderWindow | None:
    """References > Open PDF: the selected reference's first PDF that is there, in the reader;
    a status message says why when there is none."""
    from bibliofile.gui.pane_attachments import locations

    ids = window.table.selected_ids()
    if len(ids) != 1:
        window.show_status("Select one reference to open its PDF.", 6000)
        return None
    views = attachments.attachments_of(window.library, locations(window.library, window.settings), ids[0])
    pdfs = [v for v in views if is_pdf(v)]
    present = [v for v in pdfs if v.present]
    if not present:
        if pdfs:
            window.show_status(f"“{pdfs[0].name}” is missing: not at {pdfs[0].file}. Locate… in the details finds it.", 8000)
        else:
            window.show_status("This reference has no PDF attached. Attach File… in the details adds one.", 8000)
        return None
    parent = window.as_parent()
    for view in present:  # the PDF the window's full-text search found, when it found one
        hit = search_hit(parent, window.library, view.attachment.id)
        if hit is not None:
            return open_attachment(view, window.library, parent, hit=hit)
    return open_attachment(present[0], window.library, parent)
