"""The window's layout kept between sessions: geometry, toolbars, splitter, table columns, and
which panes show.

A part of MainWindow (a mixin), split out so the window module stays a frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QTimer
from PySide6.QtGui import QShowEvent

from bibliofile.gui.library_table import TITLE_COLUMN
from bibliofile.gui.window_api import WindowMixin

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QSplitter


class WindowLayoutSettings(WindowMixin):
    """Restores the layout from the settings at start, saves it at close."""

    if TYPE_CHECKING:
        splitter: QSplitter
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
        if isinstance(split, QByteArray) and not split.isEmpty():
            self.splitter.restoreState(split)
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
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("table/header", self.table.horizontalHeader().saveState())
        s.setValue("window/sidebar", self.act_show_sidebar.isChecked())
        s.setValue("window/detail", self.act_show_detail.isChecked())
        s.sync()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._fit_columns_when_shown:
            self._fit_columns_when_shown = False
            QTimer.singleShot(0, self.table.fit_columns)  # once the splitter has laid out
