"""The main window's splitter: sidebar | table | detail pane, with the table given the width.

A new user found the table cramped: at 800 px the detail pane kept its 340 px and the table was
left ~250 px (issue 17). Until the user drags a handle, the panes keep a first-run split at any
window width (``first_run_split``); from then on the user's sizes hold, the table takes what
the window gains, and while the window narrows the side panes give up width before the table
goes below ``MIN_TABLE_SHARE``. A split saved by an earlier run that leaves the table less than
that is repaired when the window is first laid out.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSplitter, QWidget

SIDEBAR, TABLE, DETAIL = 0, 1, 2
# First-run shares of the width and the bounds they are kept in: the sidebar holds short names,
# the detail pane is a form that needs ~240 px (its labels and a tag field) and gains little
# past ~560 px.
# At 1280 px (a common laptop) the shares leave the table ~805 px: the six default columns with
# the date added whole and the title at 40 % of the table (gui/library_table.py, fit_columns);
# with 13 % and 29.5 % the table had 730 px and cut the date and half the title (issue 17).
SIDEBAR_SHARE, SIDEBAR_MIN, SIDEBAR_MAX = 0.115, 116, 220
DETAIL_SHARE, DETAIL_MIN, DETAIL_MAX = 0.255, 236, 560
MIN_TABLE_SHARE = 0.35  # less than this, from a saved split or a narrowed window, is repaired


def first_run_split(width: int, sidebar: bool = True, detail: bool = True) -> list[int]:
    """Widths of (sidebar, table, detail) for a splitter ``width`` px wide; a pane not shown
    gets 0. The table has at least 55 % from 800 px up (56 % at 800, 63 % at 1280 and 1300,
    63.5 % at 1920), the detail pane 25.5-29.5 %; on a narrower window the side panes stay at
    their minimums."""
    side = min(SIDEBAR_MAX, max(SIDEBAR_MIN, round(width * SIDEBAR_SHARE))) if sidebar else 0
    pane = min(DETAIL_MAX, max(DETAIL_MIN, round(width * DETAIL_SHARE))) if detail else 0
    table = max(0, width - side - pane)
    return [side, table, pane]


class MainSplitter(QSplitter):
    """The horizontal splitter of the main window (widgets added in the order sidebar, table,
    detail pane). ``auto_split`` is True while the panes follow ``first_run_split``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setObjectName("mainSplitter")
        self.setChildrenCollapsible(True)
        self.auto_split = True
        self._applied: list[int] = []  # the sizes the latest first-run split came out as
        self.splitterMoved.connect(self._moved_by_user)

    def add_panes(self, sidebar: QWidget, table: QWidget, detail: QWidget) -> None:
        for w in (sidebar, table, detail):
            self.addWidget(w)
        # The table takes what the window gains once the user has set the sizes.
        for i, stretch in ((SIDEBAR, 0), (TABLE, 1), (DETAIL, 0)):
            self.setStretchFactor(i, stretch)
        # View > Sidebar / Detail Pane: the first-run split is worked out again for the panes
        # shown (a Show or Hide of a pane, not its many layout requests while it is rebuilt).
        sidebar.installEventFilter(self)
        detail.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.ShowToParent, QEvent.Type.HideToParent) and self.auto_split:
            QTimer.singleShot(0, self, self._split_if_auto)
        return False

    def _split_if_auto(self) -> None:
        if self.auto_split:
            self.apply_first_run_split()

    def _moved_by_user(self, *_args: object) -> None:
        self.auto_split = False

    def _width(self) -> int:
        """The width the panes share (the splitter's, less its visible handles)."""
        shown = [i for i in range(self.count()) if not self._hidden(i)]
        handles = sum(self.handleWidth() for _ in shown[1:])
        return max(0, self.width() - handles)

    def _hidden(self, i: int) -> bool:
        w = self.widget(i)
        return w is None or w.isHidden()

    def apply_first_run_split(self) -> None:
        self.setSizes(first_run_split(self._width(), not self._hidden(SIDEBAR), not self._hidden(DETAIL)))
        self._applied = self.sizes()

    def restore(self, state: QByteArray) -> bool:
        """The split of an earlier run: the user's from now on (see ``repair``)."""
        if state.isEmpty() or not self.restoreState(state):
            return False
        self.auto_split = False
        return True

    def repair(self) -> bool:
        """Once the window is laid out: a split (an earlier run's) that leaves the table less than
        ``MIN_TABLE_SHARE`` becomes the first-run split. True when it did."""
        if self.auto_split or self._hidden(TABLE) or self.table_share() >= MIN_TABLE_SHARE:
            return False
        self.auto_split = True
        self.apply_first_run_split()
        return True

    def state_to_save(self) -> QByteArray | None:
        """The split to keep for the next run: None while it is the first-run split, so a
        later run (another screen, another window size) gets that split afresh. Sizes set
        otherwise than by a handle (``setSizes``) are kept too."""
        if self.auto_split and self.sizes() == self._applied:
            return None
        return self.saveState()

    def table_share(self) -> float:
        sizes = self.sizes()
        total = sum(sizes)
        return sizes[TABLE] / total if total else 1.0

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.auto_split:
            self.apply_first_run_split()
        elif 0 < event.size().width() < event.oldSize().width():
            self._keep_table_share()

    def _keep_table_share(self) -> None:
        """The window narrowed: the table keeps ``MIN_TABLE_SHARE`` of the width, taken from the
        detail pane, then the sidebar, down to their minimums (Qt took it all from the table)."""
        sizes = self.sizes()
        need = int(MIN_TABLE_SHARE * sum(sizes)) - sizes[TABLE]
        if need <= 0 or sizes[TABLE] == 0:
            return
        for i, floor in ((DETAIL, DETAIL_MIN), (SIDEBAR, SIDEBAR_MIN)):
            widget = self.widget(i)
            if sizes[i] == 0 or widget is None:
                continue  # hidden or collapsed by the user
            floor = max(floor, widget.minimumWidth())
            take = min(need, max(0, sizes[i] - floor))
            sizes[i] -= take
            sizes[TABLE] += take
            need -= take
        self.setSizes(sizes)
