"""The window's layout kept between sessions: geometry, toolbars, splitter, table columns, and
which panes show.

A part of MainWindow (a mixin), split out so the window module stays a frame. The splitter's
first-run split and its repair of a cramped saved one are in gui/main_splitter.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QTimer
from PySide6.QtGui import QShowEvent

from bibliofile.gui.library_table import TITLE_COLUMN
from bibliofile.gui.window_api import WindowMixin

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from bibliofile.gui.main_splitter import MainSplitter


class WindowLayoutSettings(WindowMixin):
    """Restores the layout from the settings at start, saves it at close."""

    _fit_columns_when_shown = True
    _laid_out_once = False

    if TYPE_CHECKING:
        splitter: MainSplitter
        act_show_sidebar: QAction
        act_show_detail: QAction

    def restore_settings(self) -> None:
        s = self.settings
        geo = s.value("window/geometry")
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        else:
            self.resize(1300, 800)
        state = s.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        split = s.value("window/splitter")
        if isinstance(split, QByteArray):
            self.splitter.restore(split)
        header = s.value("table/header")
        hh = self.table.horizontalHeader()
        self._fit_columns_when_shown = True
        if isinstance(header, QByteArray) and not header.isEmpty() and hh.restoreState(header):
            hh.setSectionHidden(TITLE_COLUMN, False)
            self._fit_columns_when_shown = False
        self.act_show_sidebar.setChecked(not self.sidebar.isHidden() and bool(s.value("window/sidebar", True, bool)))
        self.act_show_detail.setChecked(bool(s.value("window/detail", True, bool)))

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        split = self.splitter.state_to_save()
        if split is None:
            s.remove("window/splitter")  # the first-run split, worked out afresh next time
        else:
            s.setValue("window/splitter", split)
        s.setValue("table/header", self.table.horizontalHeader().saveState())
        s.setValue("window/sidebar", self.act_show_sidebar.isChecked())
        s.setValue("window/detail", self.act_show_detail.isChecked())
        s.sync()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._laid_out_once:
            self._laid_out_once = True
            QTimer.singleShot(0, self._first_laid_out)  # once the splitter has laid out

    def _first_laid_out(self) -> None:
        """The window's first layout: a saved split that left the table cramped is repaired
        (its columns then fitted anew), and a first run fits the columns to the table."""
        repaired = self.splitter.repair()
        if self._fit_columns_when_shown or repaired:
            self._fit_columns_when_shown = False
            self.table.fit_columns()
