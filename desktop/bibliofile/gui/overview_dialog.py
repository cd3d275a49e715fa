"""View > Overview: references per year, per type, and read per month, as bar charts
(gui/bar_chart.py). Clicking a bar shows those references in the table as a search the user can
read in the search field (``year:2008``, ``type:book``, ``read:2026-03``), in My Library: the
filter is visible, and clearing the field (or Escape) undoes it. Filtering the whole library
while the sidebar still highlighted a reading list said one thing and showed another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout, QWidget

from bibliofile.gui.bar_chart import BarChart
from bibliofile.model.item_types import item_type
from bibliofile.storage import curation
from bibliofile.storage.library import LIBRARY

if TYPE_CHECKING:
    from bibliofile.gui.window_api import WindowApi


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
        self._add("type", "References per type", [(item_type(t).label, n, f"type:{t}") for t, n in types],
                  upright_labels=True)
        self._add("read", "Read per month", [(m, n, f"read:{m}") for m, n in months])
        self.layout_.addStretch(1)

    def _add(self, key: str, title: str, bars: list[tuple[str, int, str]], upright_labels: bool = False) -> None:
        label = QLabel(f"<b>{title}</b>" + ("" if bars else " — none yet"), self.body)
        self.layout_.addWidget(label)
        chart = BarChart(bars, self.body, upright_labels=upright_labels)
        chart.setObjectName(f"chart_{key}")
        chart.barClicked.connect(self.show_query)
        self.charts[key] = chart
        self.layout_.addWidget(chart)
        chart.setVisible(bool(bars))  # no empty frame under "none yet"
        label.show()  # added after the dialog was shown: Qt would show them only on the next
        # turn of the event loop

    def show_query(self, query: str) -> None:
        """The bar's references: My Library selected in the sidebar (leaving a reading list the way
        a click there would, so its own sort order goes), then the query in the search field."""
        w = self.window_
        w.sidebar.set_scope(LIBRARY)
        curation_ = getattr(w, "curation", None)
        if curation_ is not None:
            curation_.run_query(query)  # sets the field's text and searches the library once
        else:
            w.search_field.setText(query)
