"""The big table: a model that holds only ids, and the view set up to show it.

Following Anki's browser table, the model keeps just the ordered ids the current search returns;
``data()`` reads plain tuples from a small cache filled a page at a time with one
``Library.rows`` query. Sorting and filtering are SQL (``Library.search``), never a proxy model, so
100k references open as fast as 100. Cell text is always plain: the default delegate paints
DisplayRole as text, and tooltips are HTML-escaped so a title like ``<b>x</b>`` shows literally.
"""

from __future__ import annotations

import html
import json
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QStyle,
    QStyleOptionHeader,
    QTableView,
    QWidget,
)

from bibliofile.gui.task_runner import Task, TaskRunner
from bibliofile.model.item_types import item_type
from bibliofile.model.query import Query, including_fulltext, parse_query
from bibliofile.model.reading import STATUS_LABELS, stars
from bibliofile.storage.errors import LibraryError
from bibliofile.storage.scope import LIBRARY, Scope

if TYPE_CHECKING:  # only named in types: this module is imported before SQLAlchemy (issue 22)
    from bibliofile.storage.library import Library
    from bibliofile.storage.orders import StagedSearch

# Drag payload between the table and the sidebar: a JSON list of reference ids.
IDS_MIME = "application/x-bibliofile-reference-ids"


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # Library.COLUMNS / SORT_COLUMNS name
    title: str
    optional: bool  # hidden until chosen from the header's context menu


TABLE_COLUMNS: tuple[Column, ...] = (
    Column("authors", "Authors", False),
    Column("year", "Year", False),
    Column("title", "Title", False),
    Column("container", "Journal/Book", False),
    Column("type", "Type", False),
    Column("date_added", "Date added", False),
    Column("status", "Status", True),
    Column("citation_key", "Citation key", True),
    Column("doi", "DOI", True),
    Column("pages", "Pages", True),
    Column("read_status", "Reading", True),  # reading state (gui/curation_actions.py)
    Column("priority", "Priority", True),
    Column("rating", "Rating", True),
    Column("date_read", "Date read", True),
)
COLUMN_KEYS = tuple(c.key for c in TABLE_COLUMNS)
UNREADABLE_TITLE = "(could not be read: the library file is damaged here)"
TITLE_COLUMN = COLUMN_KEYS.index("title")
_YEAR_COLUMN = COLUMN_KEYS.index("year")
PAGE_SIZE = 200
HEAD_ROWS = 200  # rows the first search shows before the whole order is read
PENDING_FINISH_MS = 150  # the rest of a head-first search starts by then even if nothing painted
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
CACHE_ROWS = 3000
ANNOTATED_ROWS = 80  # rows of a search's first screen its annotator learns about (a tall window)
FIRST_SCREEN_ROWS = ANNOTATED_ROWS  # rows a search's worker reads and formats for its first paint


class RowAnnotator(Protocol):
    """Something shown beside rows that a search learns on its worker thread, so the rows and
    it are painted together (the integrity badges)."""

    def prepare(self, ids: Sequence[int]) -> Any:
        """On the search's worker: learn about these ids (the first rows); only read state."""

    def accept(self, prepared: Any) -> None:
        """On the GUI thread, just before the search's rows are shown: keep what was learnt."""


# Fitting the columns to a first run's table (LibraryTableView.fit_columns): a cell's margins
# and air; rows measured; text of one shape; (floor px, cap px, cap as a share of the table).
_FIT_PAD = 24
_FIT_SAMPLE_ROWS = 100
# Rows the window's first search reads with its head: the first screen's and those a first
# run's column fit measures (LibraryTableView._content_widths), so neither queries on the GUI
# thread before the first rows are painted.
LAUNCH_ROWS = max(FIRST_SCREEN_ROWS, _FIT_SAMPLE_ROWS)
# Text of one shape: (as wide as this, squeezed to no less than this).
_FIT_SAMPLE_TEXT = {"year": ("0000", "0000"), "date_added": ("0000-00-00 00:00", "0000-00-00…")}
_FIT_LIMITS: dict[str, tuple[int, int, float]] = {
    "authors": (80, 240, 0.22),
    "container": (80, 220, 0.18),
    "type": (80, 140, 0.15),
    "doi": (80, 200, 0.16),
    "citation_key": (80, 170, 0.15),
    "pages": (50, 90, 0.1),
    "priority": (50, 70, 0.08),
}
_FIT_DEFAULT_LIMITS = (60, 120, 0.12)
# Squeezed after the others, where the title needs the width, in this order: who wrote it
# tells references apart; the date added elided ("2026-12-05 0…") read as a column cut in half.
_FIT_SQUEEZED_LATER = ("authors", "date_added")
# The title keeps this share of the table however many columns are shown, and in a narrow
# table (which scrolls anyway) up to _FIT_TITLE_NARROW of it to reach _FIT_TITLE_MIN px.
# At 35 % a 1280 px window's title showed some 40 characters, "unreadable" (issue 17).
_FIT_TITLE_SHARE = 0.40
_FIT_TITLE_MIN = 280  # px: some 45 characters of a title
_FIT_TITLE_NARROW = 0.55


def ids_to_mime(ids: Sequence[int], plain_text: str = "") -> QMimeData:
    mime = QMimeData()
    mime.setData(IDS_MIME, QByteArray(json.dumps(list(ids)).encode()))
    if plain_text:
        mime.setText(plain_text)
    return mime


def ids_from_mime(mime: QMimeData) -> list[int]:
    if not mime.hasFormat(IDS_MIME):
        return []
    try:
        data = json.loads(bytes(mime.data(IDS_MIME).data()).decode())
    except ValueError:
        return []
    return [int(x) for x in data if isinstance(x, int)]


def _format(key: str, value: Any) -> str:
    if value is None:
        return ""
    if key == "type":
        return item_type(str(value)).label
    if key in _READING_FORMAT:
        return str(_READING_FORMAT[key](value))
    if key == "date_added" and isinstance(value, datetime):
        return value.replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M")
    return str(value)


_READING_FORMAT: dict[str, Any] = {
    "read_status": lambda v: STATUS_LABELS.get(str(v), str(v)),
    "priority": lambda v: f"P{v}" if v else "",
    "rating": lambda v: stars(int(v or 0)),
}

@dataclass(frozen=True, slots=True)
class FirstRows:
    """A search's first screen of rows, read and formatted on its worker with its ids, so that
    painting them runs no query on the GUI thread (issue 22: the page read and the formatting
    were ~5-10 ms of each keystroke's GUI time, and the query waits for the GIL under load)."""

    version: int  # the model's rows version when the search started (see LibraryTableModel)
    rows: dict[int, tuple[Any, ...]]
    texts: dict[int, tuple[str, ...]]


def _read_first_rows(library: Library, ids: Sequence[int], version: int) -> FirstRows:
    """On a search's worker: the rows of ``ids`` and their text as shown. A damaged page gives
    nothing here: painting reads it row by row and says what is wrong (``_fill_page``)."""
    try:
        rows = library.rows(ids, COLUMN_KEYS) if ids else {}
    except LibraryError:
        rows = {}
    texts = {rid: tuple(_format(k, v) for k, v in zip(COLUMN_KEYS, row, strict=True)) for rid, row in rows.items()}
    return FirstRows(version, rows, texts)


_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ANSWERED = frozenset(
    int(r) for r in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.UserRole, Qt.ItemDataRole.TextAlignmentRole)
)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class LibraryTableModel(QAbstractTableModel):
    """Ids of the current search, shown a page of cached rows at a time.

    Signals:
        searchFinished(): new ids were applied (the selection can be restored by id).
        queryHintChanged(str): the query parser's hint for the current text ("" when fine).
        countsChanged(int, int): shown, and total in the current scope.
        rowsUnreadable(str): rows could not be read (a damaged library file); the message says
            what to do. Sent once a model reset at most.
        rowsStale(): a search that reads rows again was asked for (after a write, or a new
            scope or sort): what was learnt of the rows may be out of date. A keystroke's
            search does not send it: typing changes which rows show, not what they hold.
    """

    searchFinished = Signal()
    rowsUnreadable = Signal(str)
    invalidated = Signal()  # the library changed: rows shown may hold other data now
    rowsStale = Signal()
    queryHintChanged = Signal(str)
    countsChanged = Signal(int, int)

    def __init__(self, library: Library, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.runner = runner
        self._told_unreadable = False
        self._ids: list[int] = []
        self._row_of: dict[int, int] | None = None
        self._cache: OrderedDict[int, tuple[Any, ...]] = OrderedDict()
        self._texts: OrderedDict[int, tuple[str, ...]] = OrderedDict()  # as shown, per id
        # Moves on at every write: rows a search's worker read before it are not kept (FirstRows).
        self._rows_version = 0
        self._query = ""
        self._inside_files = False  # plain words also search attached files (issue 19)
        self._scope: Scope = LIBRARY
        self._sort = "title"
        self._descending = False
        self._orders_wanted = False  # a search may come (the search field took focus): see _prepare_orders
        self._serial = 0
        self._applied_serial = 0
        self._totals: dict[Scope, int] = {}
        self._head_serial = 0  # the search whose first rows are showing, its other ids not yet
        self._pending_finish: Any = None  # starts the rest of that search (see _apply_staged)
        self._finishing: Task | None = None  # ...and the task doing it
        self.total = 0
        # Adds formatted citations to a drag of rows (gui/citation_actions.py sets it).
        self.mime_extender: Any = None
        # Learns about the rows a search shows first, on its worker (gui/integrity_badges.py).
        self.annotator: RowAnnotator | None = None

    # ---- search state --------------------------------------------------------------------
    @property
    def query(self) -> str:
        return self._query

    @property
    def scope(self) -> Scope:
        return self._scope

    @property
    def sort_key(self) -> str:
        return self._sort

    @property
    def descending(self) -> bool:
        return self._descending

    def set_query(self, text: str) -> None:
        parsed = parse_query(text)
        same = parsed == parse_query(self._query)  # e.g. a space typed after a word
        self._query = text
        self.queryHintChanged.emit(parsed.hint)
        if not same:
            self.refresh(recount=False)  # typing changes what is shown, not how many there are

    def set_inside_files(self, on: bool) -> None:
        """Plain words also match the text of attached files ("Search Inside Files")."""
        if on != self._inside_files:
            self._inside_files = on
            if parse_query(self._query).terms:
                self.refresh(recount=False)

    def set_scope(self, scope: Scope) -> None:
        self._scope = scope
        self.refresh()

    def set_sort(self, key: str, descending: bool, refresh: bool = True) -> None:
        self._sort, self._descending = key, descending
        if refresh:  # False: the caller runs the search (keeping the selection)
            self.refresh()

    def configure(self, query: str | None = None, scope: Scope | None = None) -> None:
        """Change the query and/or scope with one search."""
        if query is not None:
            self._query = query
            self.queryHintChanged.emit(parse_query(query).hint)
        if scope is not None:
            self._scope = scope
        self.refresh()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(TABLE_COLUMNS):
            self.set_sort(COLUMN_KEYS[column], order == Qt.SortOrder.DescendingOrder)

    def refresh(self, recount: bool = True) -> None:
        """Re-run the search in the background; only the latest request's result is applied.

        ``recount=False`` (a keystroke) reuses the scope's total from the last count: counting
        100k rows is ~6 ms of each keystroke's budget. An empty query's hits are the total."""
        self._serial += 1
        serial = self._serial
        # The previous search's rest is no longer wanted: stop putting it in order.
        self._pending_finish = None
        if self._finishing is not None:
            self._finishing.cancel()
            self._finishing = None
        query, sort, desc, scope = self._query, self._sort, self._descending, self._scope
        searched: str | Query = including_fulltext(parse_query(query)) if self._inside_files else query
        lib = self.library
        known = None if recount else self._totals.get(scope)
        keep_rows = not recount  # a keystroke: no write since the rows were read
        if not keep_rows:
            self._rows_version += 1  # rows read by searches started before this are not kept
            self.rowsStale.emit()  # before the worker starts, so what it learns is current
        annotator = self.annotator
        version = self._rows_version
        cached = self._cache if keep_rows else {}  # only membership is read on the worker

        def work(_ctx: Any) -> tuple[StagedSearch, int, Any, FirstRows] | None:
            if serial != self._serial:
                return None  # typed on before this search started: only the newest is wanted
            staged = lib.search_staged(searched, sort, desc, scope, HEAD_ROWS)
            # What the first screen of rows needs beside them (their text, their badges), found
            # here so that rows, count and badges are painted at once, with no query in the paint.
            first = staged.head[:FIRST_SCREEN_ROWS]
            rows = _read_first_rows(lib, [i for i in first if i not in cached], version)
            extra = annotator.prepare(staged.head[:ANNOTATED_ROWS]) if annotator is not None else None
            if not parse_query(query).terms:
                return staged, staged.count, extra, rows
            return staged, known if known is not None else lib.count(scope), extra, rows

        def done(res: tuple[StagedSearch, int, Any, FirstRows] | None) -> None:
            if res is not None:
                if annotator is not None and annotator is self.annotator:
                    annotator.accept(res[2])
                self._apply_staged(serial, scope, res[0], res[1], keep_rows, res[3])

        if not self._ids and self._applied_serial == 0 and not self.runner.synchronous and not parse_query(query).terms:
            # The window's first search: the first rows and the count come back in ~5 ms, so
            # the window is painted with them, and only then is the whole order read (~25 ms
            # of CPU at 100k, which beside the first paint only delayed it: issue 22). The rows
            # read are those the first-run column fit measures as well, so painting them runs
            # no query on the GUI thread.
            def head(_ctx: Any) -> tuple[list[int], int, FirstRows]:
                ids = lib.search_head(sort, desc, scope, HEAD_ROWS)
                return ids, lib.count(scope), _read_first_rows(lib, ids[:LAUNCH_ROWS], version)

            def whole() -> None:
                self.runner.read(work, done, self._search_failed)

            def head_read(res: tuple[list[int], int, FirstRows]) -> None:
                self._apply_head(serial, *res)
                self._after_head(serial, whole)

            self.runner.read(head, head_read, lambda _e: self._after_head(serial, whole))
            return
        self.runner.read(work, done, self._search_failed)

    def _after_head(self, serial: int, whole: Callable[[], None]) -> None:
        """The first search's head is shown (or could not be read): read its whole order once
        the view has painted the head (``start_pending``), or after PENDING_FINISH_MS."""
        if serial != self._serial:
            return  # a newer search replaced this one
        self._finish_after_paint(whole)

    def _apply_staged(
        self, serial: int, scope: Scope, staged: StagedSearch, total: int, keep_rows: bool, first: FirstRows | None = None
    ) -> None:
        """A broad search's first rows and count are shown at once; its other ids are put in
        order on a worker (StagedSearch.finish) and swapped in without a reset."""
        if staged.finish is None:
            self._apply(serial, scope, staged.head, total, keep_rows, first)
            return
        if serial < self._applied_serial or serial != self._serial:
            return
        self._show_head(serial, staged.head, staged.count, total, keep_rows, first)
        finish = staged.finish

        def start() -> None:
            self._finishing = self.runner.read(
                lambda ctx: finish(ctx.cancelled),
                lambda ids: self._apply(serial, scope, ids, total, keep_rows),
                self._search_failed,
            )

        # Not before the view has painted the head: painting calls data() for every cell, and
        # each call waits for the GIL while a worker holds it (a head painted beside the
        # finishing walk took 35-65 ms longer). The view calls start_pending(); the timer is
        # for a model without a view.
        self._finish_after_paint(start)

    def _finish_after_paint(self, start: Callable[[], None]) -> None:
        """Run ``start`` (the rest of a head-first search) when the view has painted the head
        and calls ``start_pending``, or after PENDING_FINISH_MS, whichever comes first."""
        self._pending_finish = start
        QTimer.singleShot(PENDING_FINISH_MS, self.start_pending)

    @property
    def finish_pending(self) -> bool:
        """A head-first search waits for its head to be painted (see _apply_staged)."""
        return self._pending_finish is not None

    def start_pending(self) -> None:
        """Put the rest of a head-first search in order (see _apply_staged), once."""
        start, self._pending_finish = self._pending_finish, None
        if start is not None:
            start()

    def _apply_head(self, serial: int, head: list[int], total: int, first: FirstRows | None = None) -> None:
        """The first search's first rows, read apart from the whole order (see refresh)."""
        if serial != self._serial or self._applied_serial >= serial or self._ids:
            return
        self._show_head(serial, head, total, total, True, first)

    def _show_head(
        self, serial: int, head: list[int], count: int, total: int, keep_rows: bool, first: FirstRows | None = None
    ) -> None:
        """Show a search's first rows; rows past them hold 0 ("not read yet": they paint empty
        and are left out of selections) until ``_apply`` brings every id."""
        self.beginResetModel()
        self._ids = head + [0] * max(0, count - len(head))
        self._row_of = None
        if not keep_rows:
            self._cache.clear()
            self._texts.clear()
        self._keep_first_rows(first)
        self.total = total
        self._head_serial = serial
        self.endResetModel()
        self.countsChanged.emit(count, total)

    def _search_failed(self, exc: BaseException) -> None:
        from bibliofile.gui import messages

        messages.show_error(None, exc)

    def _apply(
        self, serial: int, scope: Scope, ids: list[int], total: int, keep_rows: bool = False, first: FirstRows | None = None
    ) -> None:
        if serial < self._applied_serial or serial != self._serial:
            return  # a newer search is on its way
        self._applied_serial = serial
        self._totals[scope] = total
        if self._head_serial == serial and len(ids) == len(self._ids):
            # The head of this search is showing: the same first rows, the rest were 0. No
            # reset, so the view keeps its scroll position and nothing flickers.
            first_unread = next((r for r, i in enumerate(self._ids) if not i), len(ids))
            self._ids = ids
            self._row_of = None
            self._head_serial = 0
            if first_unread < len(ids):
                last = self.index(len(ids) - 1, len(TABLE_COLUMNS) - 1)
                self.dataChanged.emit(self.index(first_unread, 0), last)
        else:
            self.beginResetModel()
            self._ids = ids
            self._row_of = None
            self._head_serial = 0
            if not keep_rows:  # after a write, rows are read again
                self._cache.clear()
                self._texts.clear()
            self._keep_first_rows(first)
            self.total = total
            self.endResetModel()
        self.countsChanged.emit(len(ids), total)
        self.searchFinished.emit()
        self._prepare_orders(scope)

    def _prepare_orders(self, scope: Scope) -> None:
        """Warm the library's order cache in the background for the current sort (after a write
        it was dropped), so the next keystroke is answered from memory (storage/orders.py).

        Only the current sort: warming the five other common orders after launch kept the CPU
        busy until 3 s after the window appeared (issue 22: idle within 1.0 s). A column's
        orders are read when the pointer comes to its header (``prepare_sort``), before the
        click that asks for them.

        Not before a search may come (``want_orders``: the search field took focus): at launch
        this was the largest work left after the first paint (30-60 ms at 100k, issue 22)."""
        if self.runner.synchronous or not self._orders_wanted:
            return
        lib = self.library
        if scope == self._scope:  # still wanted
            sort, desc = self._sort, self._descending
            self.runner.ahead(lambda _c: lib.prepare_order(sort, desc, scope, True), None, lambda _e: None)

    def want_orders(self) -> None:
        """A search may follow (the search field took focus): warm the current sort's order now
        and after every later search and write."""
        if not self._orders_wanted:
            self._orders_wanted = True
            self._prepare_orders(self._scope)

    def prepare_sort(self, column: int) -> None:
        """The pointer is on this column's header: read its two orders (~60 ms each at 100k,
        off the GUI thread) so the click that may follow sorts from memory."""
        if self.runner.synchronous or not 0 <= column < len(TABLE_COLUMNS):
            return
        lib, key, scope = self.library, COLUMN_KEYS[column], self._scope

        def work(_ctx: Any) -> None:
            for desc in (False, True):
                lib.prepare_order(key, desc, scope, False)

        self.runner.ahead(work, None, lambda _e: None)

    def _keep_first_rows(self, first: FirstRows | None) -> None:
        """Keep the rows a search's worker read for its first screen (see FirstRows), unless the
        library was written since that search started: then painting reads them again."""
        if first is None or first.version != self._rows_version:
            return
        self._cache.update(first.rows)
        self._texts.update(first.texts)
        while len(self._cache) > CACHE_ROWS:
            self._cache.popitem(last=False)
        while len(self._texts) > CACHE_ROWS:
            self._texts.popitem(last=False)

    def invalidate(self) -> None:
        """Forget cached rows and repaint once (after a write); ids stay until the next search."""
        self._rows_version += 1
        self._cache.clear()
        self._texts.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(TABLE_COLUMNS) - 1))
        self.invalidated.emit()

    # ---- ids ---------------------------------------------------------------------------------
    @property
    def ids(self) -> list[int]:
        return self._ids

    def id_at(self, row: int) -> int:
        return self._ids[row]

    def row_of(self, rid: int) -> int | None:
        if self._row_of is None:
            self._row_of = {r: i for i, r in enumerate(self._ids)}
        return self._row_of.get(rid)

    def row_tuple(self, row: int) -> tuple[Any, ...]:
        rid = self._ids[row]
        cached = self._cache.get(rid)
        if cached is not None:
            self._cache.move_to_end(rid)
            return cached
        self._fill_page(row)
        return self._cache.get(rid) or tuple("" for _ in COLUMN_KEYS)

    def _texts_of(self, row: int) -> tuple[str, ...]:
        rid = self._ids[row]
        texts = self._texts.get(rid)
        if texts is None:
            texts = tuple(_format(k, v) for k, v in zip(COLUMN_KEYS, self.row_tuple(row), strict=True))
            self._texts[rid] = texts
            while len(self._texts) > CACHE_ROWS:
                self._texts.popitem(last=False)
        return texts

    def _fill_page(self, row: int) -> None:
        start = max(0, row - PAGE_SIZE // 4)
        page = [i for i in self._ids[start : start + PAGE_SIZE] if i not in self._cache]
        try:
            fetched = self.library.rows(page, COLUMN_KEYS)
        except LibraryError as exc:
            fetched = self._rows_one_at_a_time(page, exc)
        for rid in page:
            self._cache[rid] = fetched.get(rid, tuple(None for _ in COLUMN_KEYS))
        while len(self._cache) > CACHE_ROWS:
            self._cache.popitem(last=False)

    def _rows_one_at_a_time(self, page: list[int], exc: LibraryError) -> dict[int, tuple[Any, ...]]:
        """A page that hit a damaged part of the file: read its rows one by one, so the rows on
        sound pages still show, and mark the others as unreadable. A Qt model method must not
        raise (the view would repaint into the same error forever), so the error becomes one
        status message instead."""
        fetched: dict[int, tuple[Any, ...]] = {}
        lost = 0
        for rid in page:
            try:
                fetched.update(self.library.rows([rid], COLUMN_KEYS))
            except LibraryError:
                lost += 1
                fetched[rid] = tuple(UNREADABLE_TITLE if k == "title" else None for k in COLUMN_KEYS)
        if lost and not self._told_unreadable:
            self._told_unreadable = True
            self.rowsUnreadable.emit(str(exc))
        return fetched

    # ---- Qt model API ------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(TABLE_COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        # Called ~10 times per visible cell per paint (one per role): the common roles are
        # answered first and from formatted text kept per row, so a repaint after a keystroke
        # stays a few ms.
        if role == _DISPLAY:
            row = index.row()
            if 0 <= row < len(self._ids):
                return self._texts_of(row)[index.column()]
            return None
        if role not in _ANSWERED or not index.isValid() or index.row() >= len(self._ids):
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            key = COLUMN_KEYS[index.column()]
            text = self._texts_of(index.row())[index.column()]
            if key == "read_status":  # "12 of 20 pages" read in the reader (issue 19); on hover only
                return self._reading_tip(self._ids[index.row()])
            # Tooltips guess rich text; escaping makes user text show literally.
            return f"<p>{html.escape(text)}</p>" if text and key in ("authors", "title", "container") else None
        if role == Qt.ItemDataRole.UserRole:
            return self._ids[index.row()]
        if role == _ALIGNMENT and index.column() == _YEAR_COLUMN:
            return _RIGHT
        return None

    def _reading_tip(self, rid: int) -> str | None:
        """The reading progress of one reference, read when its cell is hovered (one query)."""
        from bibliofile.services.reading_progress import progress_text

        try:
            text = progress_text(self.library, rid)
        except LibraryError:
            return None
        return f"<p>{html.escape(text)} viewed</p>" if text else None

    def multiData(self, index: QModelIndex | QPersistentModelIndex, roleDataSpan: Any) -> None:
        """All the roles a delegate asks of one cell in one call.

        Qt 6's item delegate asks for seven roles per cell through multiData; the default
        answers each with its own call from C++ into data(), ~9 us each here. One call per cell
        instead (192 for a page of the window, against ~1,300) took a bare 6-column table's
        repaint from 25-33 to 16-18 ms; in the window the gain is within this VM's jitter.
        """
        row = index.row()
        known = 0 <= row < len(self._ids)
        column = index.column()
        for i in range(len(roleDataSpan)):
            # Every slot is written: the delegate reuses its span from cell to cell.
            slot = roleDataSpan[i]
            role = slot.role()
            if known and role == _DISPLAY:
                slot.setData(self._texts_of(row)[column])
            elif role == _ALIGNMENT:
                if known and column == _YEAR_COLUMN:
                    slot.setData(_RIGHT)
                else:
                    slot.clearData()
            elif known and role in _ANSWERED:
                slot.setData(self.data(index, role))
            else:
                slot.clearData()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(TABLE_COLUMNS):
            return TABLE_COLUMNS[section].title
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        # Called per cell by Qt's selection code, so it returns a precomputed value.
        return _ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def mimeTypes(self) -> list[str]:
        return [IDS_MIME]

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.LinkAction

    def mimeData(self, indexes: Iterable[QModelIndex]) -> QMimeData:
        rows = [r for r in sorted({i.row() for i in indexes if i.isValid()}) if self._ids[r]]
        ids = [self._ids[r] for r in rows]
        # The drag starts synchronously: citation keys come from the cache or one small query.
        keys = [self.row_tuple(r)[COLUMN_KEYS.index("citation_key")] or "" for r in rows[:500]]
        mime = ids_to_mime(ids, ", ".join(k for k in keys if k))
        if self.mime_extender is not None:
            self.mime_extender(ids, mime)
        return mime


class _Header(QHeaderView):
    """A horizontal header that paints without asking whether whole columns are selected.

    QHeaderView::initStyleOptionForIndex checks isColumnSelected for each section and its
    neighbours, which walks every row through flags(): seconds after Select All on 100k rows.
    Painting the section ourselves (as the style would) keeps selection changes instant.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        # QTableView makes its own header clickable; a replacement header is not, and without
        # this a click on a column header would never sort.
        self.setSectionsClickable(True)
        self.setMouseTracking(True)
        self._hovered = -1

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """The pointer on a section's header: its sort orders are read ahead of a click."""
        section = self.logicalIndexAt(event.position().toPoint())
        if section != self._hovered:
            self._hovered = section
            model = self.model()
            if section >= 0 and isinstance(model, LibraryTableModel):
                model.prepare_sort(section)
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._hovered = -1
        super().leaveEvent(event)

    def paintSection(self, painter: QPainter, rect: QRect, logical: int) -> None:
        if not rect.isValid():
            return
        opt = QStyleOptionHeader()
        self.initStyleOption(opt)
        opt.rect = rect
        opt.section = logical
        model = self.model()
        text = model.headerData(logical, Qt.Orientation.Horizontal) if model is not None else ""
        opt.text = str(text or "")
        opt.textAlignment = self.defaultAlignment()
        opt.iconAlignment = Qt.AlignmentFlag.AlignVCenter
        opt.orientation = Qt.Orientation.Horizontal
        state = QStyle.StateFlag.State_Horizontal
        if self.isEnabled():
            state |= QStyle.StateFlag.State_Enabled
        if self.window().isActiveWindow():
            state |= QStyle.StateFlag.State_Active
        opt.state = state
        if self.isSortIndicatorShown() and self.sortIndicatorSection() == logical:
            ascending = self.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
            opt.sortIndicator = (
                QStyleOptionHeader.SortIndicator.SortDown if ascending else QStyleOptionHeader.SortIndicator.SortUp
            )
        visual = self.visualIndex(logical)
        shown = [v for v in range(self.count()) if not self.isSectionHidden(self.logicalIndex(v))]
        if len(shown) == 1:
            opt.position = QStyleOptionHeader.SectionPosition.OnlyOneSection
        elif shown and visual == shown[0]:
            opt.position = QStyleOptionHeader.SectionPosition.Beginning
        elif shown and visual == shown[-1]:
            opt.position = QStyleOptionHeader.SectionPosition.End
        else:
            opt.position = QStyleOptionHeader.SectionPosition.Middle
        opt.selectedPosition = QStyleOptionHeader.SelectedPosition.NotAdjacent
        self.style().drawControl(QStyle.ControlElement.CE_Header, opt, painter, self)


class LibraryTableView(QTableView):
    """The table view: whole-row multi-selection, uniform rows, columns chosen from the header.

    Signals:
        selectionIdsChanged(list): ids of the selected rows, in table order.
        editRequested(): Enter on a row: the window moves the focus to the detail pane.
    """

    selectionIdsChanged = Signal(list)
    editRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHorizontalHeader(_Header(self))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setTabKeyNavigation(False)
        self.setObjectName("libraryTable")
        vh = self.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # uniform row heights
        vh.setDefaultSectionSize(self.fontMetrics().height() + 8)
        hh = self.horizontalHeader()
        hh.setSectionsMovable(True)
        hh.setHighlightSections(False)
        hh.setStretchLastSection(False)
        hh.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        hh.customContextMenuRequested.connect(self._header_menu)
        hh.setSortIndicator(TITLE_COLUMN, Qt.SortOrder.AscendingOrder)
        self._restoring: list[int] | None = None
        self._auto_fit = False  # True from a first-run fit until the user resizes a column
        self._refit_on_rows = False  # a fit was made with no rows: fit again when they come
        self._measured: dict[int, int] = {}  # section -> its text's width (_content_widths)
        self._measured_model: Any = None
        self._fitting = False
        hh.sectionResized.connect(self._section_resized)

    def table_model(self) -> LibraryTableModel:
        model = self.model()
        assert isinstance(model, LibraryTableModel)
        return model

    def setModel(self, model: Any) -> None:
        super().setModel(model)
        self.selectionModel().selectionChanged.connect(self._selection_changed)
        # After a reset Qt lays the items out on a zero timer, after the first paint, and that
        # layout repaints the whole table again (~30 ms on a slow machine, landing on the next
        # keystroke). Laid out at once, its repaint merges with the reset's.
        model.modelReset.connect(self.executeDelayedItemsLayout)
        self.apply_default_columns()

    def apply_default_columns(self) -> None:
        hh = self.horizontalHeader()
        widths = {"authors": 200, "year": 60, "title": 380, "container": 200, "type": 130,
                  "date_added": 130, "status": 90, "citation_key": 150, "doi": 160, "pages": 80,
                  "read_status": 80, "priority": 60, "rating": 70, "date_read": 90}
        for i, col in enumerate(TABLE_COLUMNS):
            hh.setSectionHidden(i, col.optional)
            hh.resizeSection(i, widths.get(col.key, 120))

    def fit_columns(self) -> None:
        """First run: fit the visible columns to the table (later runs restore widths). Until
        the user drags a column, later resizes of the table fit again; a fit made before the
        first rows arrived is made again with them (their text sets the widths)."""
        self._auto_fit = True
        self._fitting = True
        try:
            self._fit_columns()
        finally:
            self._fitting = False
        model = self.model()
        if model is not None and model.rowCount() == 0 and not self._refit_on_rows:
            self._refit_on_rows = True
            model.modelReset.connect(self._refit_with_rows)

    def _refit_with_rows(self) -> None:
        model = self.model()
        if model is None or model.rowCount() == 0:
            return
        self._refit_on_rows = False
        model.modelReset.disconnect(self._refit_with_rows)
        if self._auto_fit:
            self.fit_columns()

    def _section_resized(self, *_args: Any) -> None:
        if not self._fitting:
            self._auto_fit = False  # the user's widths hold from now on

    def _fit_columns(self) -> None:
        """The title gets the width the other columns leave; they fit their text (the header's
        and the first rows'), each within a cap. A new user found titles unreadable beside
        columns given fixed shares (issue 17). Where even the floors do not fit, the other
        columns give up width in proportion to what they have above their floors, the title
        keeps ``_FIT_TITLE_SHARE`` of the table, and what is left over scrolls."""
        hh = self.horizontalHeader()
        fm = self.fontMetrics()
        available = self._usable_width()
        shown = [i for i in range(hh.count()) if i != TITLE_COLUMN and not hh.isSectionHidden(i)]
        content = self._content_widths([*shown, TITLE_COLUMN])
        widths: dict[int, int] = {}
        floors: dict[int, int] = {}
        for i in shown:
            key = COLUMN_KEYS[i]
            header = hh.sectionSizeFromContents(i).width()  # its title and the sort arrow
            if key in _FIT_SAMPLE_TEXT:  # text of one shape: as wide as it
                natural, least = (fm.horizontalAdvance(t) + _FIT_PAD for t in _FIT_SAMPLE_TEXT[key])
                widths[i], floors[i] = max(header, natural), least
                continue
            floor, cap_px, cap_share = _FIT_LIMITS.get(key, _FIT_DEFAULT_LIMITS)
            cap = max(floor, min(cap_px, int(available * cap_share)))
            widths[i] = min(cap, max(floor, header, content.get(i, 0)))
            floors[i] = min(widths[i], floor)
        # The title keeps a share of the table, or what its text needs when that is less.
        title_need = max(int(available * _FIT_TITLE_SHARE), min(_FIT_TITLE_MIN, int(available * _FIT_TITLE_NARROW)))
        title_floor = max(hh.minimumSectionSize(), min(title_need, content.get(TITLE_COLUMN, 0)))
        over = sum(widths.values()) + title_floor - available

        def tier(i: int) -> int:
            key = COLUMN_KEYS[i]
            return 1 + _FIT_SQUEEZED_LATER.index(key) if key in _FIT_SQUEEZED_LATER else 0

        for turn in range(1 + len(_FIT_SQUEEZED_LATER)):
            slack = {i: widths[i] - floors[i] for i in shown if widths[i] > floors[i] and tier(i) == turn}
            total_slack = sum(slack.values())
            if over <= 0 or not total_slack:
                continue
            for i, room in slack.items():
                take = min(room, -(-over * room // total_slack))  # rounded up
                widths[i] -= take
            over = sum(widths.values()) + title_floor - available
        for i, w in widths.items():
            hh.resizeSection(i, w)
        hh.resizeSection(TITLE_COLUMN, max(title_floor, available - sum(widths.values())))

    def _content_widths(self, sections: Sequence[int]) -> dict[int, int]:
        """The widest text of the first rows in each section, with a cell's margins: the rows
        the table opens on, read already (one page), so measuring costs no query. Kept until
        the rows change: measuring took ~7 ms, and a fit runs at every step of a window being
        dragged wider."""
        model = self.model()
        if model is None:
            return {}
        if self._measured_model is not model:
            self._measured_model = model
            self._measured.clear()
            model.modelReset.connect(self._measured.clear)
        fm = self.fontMetrics()
        rows = min(model.rowCount(), _FIT_SAMPLE_ROWS)
        for i in sections:
            if i in self._measured or COLUMN_KEYS[i] in _FIT_SAMPLE_TEXT:
                continue
            texts = {str(model.data(model.index(r, i)) or "") for r in range(rows)}
            self._measured[i] = max((fm.horizontalAdvance(t) for t in texts if t), default=0) + _FIT_PAD
        return {i: self._measured[i] for i in sections if i in self._measured}

    def _floors(self) -> dict[str, int]:
        """The narrowest the shared columns are made to fit others beside them, title first."""
        title = max(self.horizontalHeader().minimumSectionSize(), 100, self._usable_width() // 5)
        return {"title": title, "authors": 60, "container": 60}

    def _usable_width(self) -> int:
        """The viewport's width, less the vertical scroll bar's when the rows are about to need
        it (it appears only after this resize or search has been handled)."""
        width = self.viewport().width()
        model = self.model()
        rows_height = (model.rowCount() if model is not None else 0) * self.verticalHeader().defaultSectionSize()
        if not self.verticalScrollBar().isVisible() and rows_height > self.viewport().height():
            width -= self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        return width

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if isinstance(model, LibraryTableModel) and model.finish_pending:
            QTimer.singleShot(0, model.start_pending)  # the head is on screen: finish the search

    def dataChanged(
        self,
        topLeft: QModelIndex | QPersistentModelIndex,
        bottomRight: QModelIndex | QPersistentModelIndex,
        roles: Sequence[int] = (),
    ) -> None:
        """Rows changed off the screen need no repaint. QAbstractItemView repaints the whole
        viewport for any change of more than one cell: swapping in the rest of a head-first
        search (rows past the first 200) cost a ~30 ms repaint just as the next key came."""
        first = self.rowAt(0)
        if first >= 0:
            last = self.rowAt(self.viewport().height() - 1)
            if last < 0:
                last = self.model().rowCount() - 1
            if topLeft.row() > last or bottomRight.row() < first:
                return
        super().dataChanged(topLeft, bottomRight, list(roles))

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Columns always fill the table: the gap a wider window (or a hidden pane) leaves goes to
        the Title column, as in Zotero. Columns are never narrowed here; the user's widths hold."""
        super().resizeEvent(event)
        if self._auto_fit:
            self.fit_columns()
        else:
            self.fill_width()

    def fill_width(self) -> None:
        self._fitting = True
        try:
            self._fill_width()
        finally:
            self._fitting = False

    def _fill_width(self) -> None:
        hh = self.horizontalHeader()
        if hh.isSectionHidden(TITLE_COLUMN) or hh.count() == 0:
            return
        gap = self._usable_width() - hh.length()
        if gap > 0:
            hh.resizeSection(TITLE_COLUMN, hh.sectionSize(TITLE_COLUMN) + gap)

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        """Home and End go to the first and the last reference, as in a list (and in Zotero);
        a table's own Home and End move along the row, which whole-row selection makes void."""
        model = self.model()
        home, end = QAbstractItemView.CursorAction.MoveHome, QAbstractItemView.CursorAction.MoveEnd
        if cursorAction in (home, end) and model is not None and model.rowCount() > 0:
            column = max(self.currentIndex().column(), self.horizontalHeader().logicalIndex(0), 0)
            return model.index(0 if cursorAction == home else model.rowCount() - 1, column)
        return super().moveCursor(cursorAction, modifiers)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and mods == Qt.KeyboardModifier.NoModifier
            and self.currentIndex().isValid()
        ):
            self.editRequested.emit()  # as a double-click does: edit the reference
            return
        super().keyPressEvent(event)

    def _header_menu(self, pos: Any) -> None:
        menu = self.columns_menu(self)
        menu.exec(self.horizontalHeader().mapToGlobal(pos))

    def columns_menu(self, parent: QWidget) -> QMenu:
        menu = QMenu("Columns", parent)
        hh = self.horizontalHeader()
        for i, col in enumerate(TABLE_COLUMNS):
            act = menu.addAction(col.title)
            act.setCheckable(True)
            act.setChecked(not hh.isSectionHidden(i))
            act.setEnabled(col.key != "title")
            act.toggled.connect(lambda on, i=i: self.set_column_visible(i, on))
        return menu

    def set_column_visible(self, section: int, visible: bool) -> None:
        """Show or hide a column. A column shown takes its width from the Title, Authors and
        Journal/Book columns, as far as they stay readable, and is scrolled into view: appended
        past the right edge behind a scroll bar, it looked as if the menu had done nothing. A
        column hidden gives its width back to the title."""
        hh = self.horizontalHeader()
        hh.setSectionHidden(section, not visible)
        self._fitting = True  # not the user dragging a column: the fit on resize goes on
        try:
            if visible and section != TITLE_COLUMN:
                excess = hh.length() - self._usable_width()
                # From the title first, then the authors and the container, each down to a floor.
                for key, floor in self._floors().items():
                    i = COLUMN_KEYS.index(key)
                    if excess <= 0 or i == section or hh.isSectionHidden(i):
                        continue
                    take = min(excess, max(0, hh.sectionSize(i) - floor))
                    hh.resizeSection(i, hh.sectionSize(i) - take)
                    excess -= take
            self._fill_width()
        finally:
            self._fitting = False
        if visible:
            QTimer.singleShot(0, lambda: self._scroll_to_column(section))

    def _scroll_to_column(self, section: int) -> None:
        hh = self.horizontalHeader()
        if hh.isSectionHidden(section):
            return
        self.updateGeometries()  # the scroll range after the resize above
        bar = self.horizontalScrollBar()
        start, width = hh.sectionPosition(section), hh.sectionSize(section)
        if start < bar.value():
            bar.setValue(start)
        elif start + width > bar.value() + self.viewport().width():
            bar.setValue(start + width - self.viewport().width())

    # ---- selection by id ------------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        model = self.table_model()
        rows: set[int] = set()
        sel = self.selectionModel().selection()
        for rng in (sel.at(i) for i in range(sel.count())):  # ranges, not one index per cell
            rows.update(range(rng.top(), rng.bottom() + 1))
        n = model.rowCount()
        ids = (model.id_at(r) for r in sorted(rows) if r < n)
        return [i for i in ids if i]  # 0: a row of the first search not read yet

    def current_id(self) -> int | None:
        idx = self.currentIndex()
        return (self.table_model().id_at(idx.row()) or None) if idx.isValid() else None

    def select_ids(self, ids: Sequence[int], current: int | None = None) -> None:
        """Select these ids (those shown), merging runs of rows so big selections stay cheap."""
        model = self.table_model()
        rows = sorted(r for r in (model.row_of(i) for i in ids) if r is not None)
        sel = QItemSelection()
        last_col = model.columnCount() - 1
        start = prev = None
        for r in [*rows, None]:
            if r is not None and prev is not None and r == prev + 1:
                prev = r
                continue
            if start is not None and prev is not None:
                sel.select(model.index(start, 0), model.index(prev, last_col))
            start = prev = r
        sm = self.selectionModel()
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        cur_row = model.row_of(current) if current is not None else None
        if cur_row is None and rows:
            cur_row = rows[0]
        if cur_row is not None:
            sm.setCurrentIndex(model.index(cur_row, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
        sm.select(sel, flags)
        if cur_row is not None:
            self.scrollTo(model.index(cur_row, 0), QAbstractItemView.ScrollHint.EnsureVisible)
        self._selection_changed()

    def _selection_changed(self, *_args: Any) -> None:
        self.selectionIdsChanged.emit(self.selected_ids())
